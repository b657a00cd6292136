package audit

import (
	"context"
	"net/url"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
)

// Entry is a row of the audit log as the auditor's page shows it: the
// action in words, the actor by name and position, the object by its
// number or name, with a link to its page when the viewer may open it.
type Entry struct {
	Row
	ActionKey  string         // the action's words (ActionKey); "" shows the code
	WhoKey     string         // the words for an actor without a name: the automatic mode, the platform
	Position   string         // an official's position at the provider, as recorded
	RoleKey    string         // the role the actor acted in ("role.administrator"), "" if none
	ObjectKey  string         // the object's words, e.g. audit.object.application (Number)
	ObjectArgs map[string]any // their arguments
	Link       string         // the object's page, "" when there is none or the viewer may not open it
}

// Links are the object pages the viewer may open, decided once per page.
type Links struct {
	Applications bool // /work/applications/{id}: applications:read across the tenant
	Officials    bool // /admin/officials: officials:read
	Revisions    bool // /admin/revisions: service_revisions:read
	Policies     bool // /admin/policies: policies:read
	Requests     bool // /admin/access-requests: access_requests:read
}

// Page is Search's rows as Entries, and how many match in all, with the
// links viewer may follow decided by acc (across the tenant): one read
// transaction in the tenant in ctx.
func (s *Service) Page(ctx context.Context, f Filter, acc *access.Service, viewer access.Subject) (entries []Entry, total int, err error) {
	if s.db == nil {
		return nil, 0, errNoDB
	}
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var l Links
		for _, c := range []struct {
			to       *bool
			obj, act string
		}{
			{&l.Applications, access.ObjApplications, access.ActRead},
			{&l.Officials, access.ObjOfficials, access.ActRead},
			{&l.Revisions, access.ObjServiceRevisions, access.ActRead},
			{&l.Policies, access.ObjPolicies, access.ActRead},
			{&l.Requests, access.ObjAccessRequests, access.ActRead},
		} {
			ok, err := acc.AllowedTx(ctx, tx, viewer, c.obj, c.act, "")
			if err != nil {
				return err
			}
			*c.to = ok
		}
		rows, n, err := Search(ctx, tx, f)
		if err != nil {
			return err
		}
		total, entries = n, make([]Entry, len(rows))
		for i, r := range rows {
			entries[i] = entryOf(r, l)
		}
		return nil
	})
	return entries, total, err
}

// entryOf is r as the page shows it to a viewer with links l.
func entryOf(r Row, l Links) Entry {
	e := Entry{Row: r, ActionKey: ActionKey(r.Action)}
	switch {
	// The automatic mode and the platform are named in the reader's
	// language, whatever name the record keeps for itself.
	case r.Actor.Role == RoleAutomatic:
		e.WhoKey = "audit.actor.automatic"
	case r.Actor.Role == RolePlatform:
		e.WhoKey = "audit.actor.platform"
	case r.Actor.Name != "":
	case r.Actor.ID == "" || r.Actor.ID == uuid.Nil.String():
		e.WhoKey = "audit.actor.system"
	default:
		e.WhoKey = "audit.actor.unnamed"
	}
	if p, ok := r.Details["position"].(string); ok {
		e.Position = p
	}
	switch r.Actor.Role {
	case access.RoleResident, access.RoleOfficial, access.RoleProviderHead, access.RoleAdministrator,
		access.RoleDispatcher, access.RoleOwner, access.RoleAuditor:
		e.RoleKey = "role." + r.Actor.Role
	}
	detail := func(k string) any { return r.Details[k] }
	str := func(k string) string { v, _ := r.Details[k].(string); return v }
	switch r.ObjectType {
	case "application":
		e.ObjectKey, e.ObjectArgs = "audit.object.application", map[string]any{"Number": detail("number")}
		if l.Applications {
			e.Link = "/work/applications/" + url.PathEscape(r.ObjectID)
		}
	case "service":
		e.ObjectKey, e.ObjectArgs = "audit.object.service", map[string]any{"Code": r.ObjectID}
		if n := detail("revision"); n != nil {
			e.ObjectKey, e.ObjectArgs["Revision"] = "audit.object.revision", n
		}
		e.Link = "/services/" + url.PathEscape(r.ObjectID) // open information
		if n := detail("revision"); n != nil && l.Revisions {
			e.Link = "/admin/revisions"
		}
	case "access_grant":
		e.ObjectKey, e.ObjectArgs = "audit.object.grant", map[string]any{"Role": str("role")}
		if l.Officials {
			e.Link = "/admin/officials"
			if p := str("provider"); p != "" {
				e.Link += "?provider=" + url.QueryEscape(p)
			}
		}
	case "policy":
		e.ObjectKey, e.ObjectArgs = "audit.object.policy", map[string]any{"Version": r.ObjectID}
		if l.Policies {
			e.Link = "/admin/policies"
		}
	case "access_request":
		e.ObjectKey, e.ObjectArgs = "audit.object.request", map[string]any{"Number": detail("number")}
		if l.Requests {
			e.Link = "/admin/access-requests"
			if p := str("provider"); p != "" {
				e.Link += "?provider=" + url.QueryEscape(p)
			}
		}
	case "identity_provider":
		e.ObjectKey, e.ObjectArgs = "audit.object.identity_provider", map[string]any{"Name": str("name")}
	case "account":
		e.ObjectKey = "audit.object.account"
	case "request":
		e.ObjectKey, e.ObjectArgs = "audit.object.request_path", map[string]any{"Path": r.ObjectID}
	}
	return e
}
