// Package workspace is the staff's home (/admin): per role what it does
// first (an official's queue with what is due soonest, a provider head's
// team, the administrator's access requests waiting, the auditor's log),
// then the sections the person may enter. Which sections show is decided
// by access.Allows on the very routes the links lead to, so a link shown
// never answers 403 and no second list of who may see what exists. It
// reads who holds what from access, the queues from applications and the
// log from audit; it keeps no data of its own.
package workspace

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/web"
)

// soonest is how many applications due soonest the official's home lists
// per provider; latest how many log entries the auditor's.
const (
	soonest = 5
	latest  = 5
)

// errNotStaff answers the workspace to a person who holds no staff role.
var errNotStaff = apperr.New(apperr.Forbidden, "error.workspace_not_staff")

// HTTP is the staff's home page.
type HTTP struct {
	Access *access.Service
	Apps   *applications.Service
	Audit  *audit.Service
	RD     *web.Renderer
}

// Routes mounts the staff's home:
//
//	GET /admin   what the person does first, and the sections it may enter   own_profile:read
//
// Every signed-in person may open it; it links only to what access allows.
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	g.Route(r, http.MethodGet, "/admin", access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}, h.handleHome)
}

// Section is a link of the home: where it leads, its label's message id
// and, for a provider's section, the provider.
type Section struct {
	Href, Key string
	Provider  string
}

// home is what the staff's home shows.
type home struct {
	Desks []applications.Desk // an official's queues
	// Mine are the official's own open cases by their term, per provider
	// of Desks where the person is an official; Me is their account.
	Mine     map[uuid.UUID]*applications.Terms
	Me       uuid.UUID
	Teams    []team            // a provider head's officials
	Requests []*access.Request // access requests waiting (administrator)
	Log      []audit.Row       // the latest entries of the audit log (auditor)
	Sections []Section
	Can      access.Allowed
	// Waiting and Latest say whether the requests waiting and the latest
	// log entries are shown (Requests and Log may be empty).
	Waiting, Latest bool
}

type team struct {
	Provider string
	Grants   []access.GrantRow
	// Load is the team's workload page, "" when not allowed.
	Load string
}

// MineLink is the queue of provider filtered to the person's own cases
// whose term ends today ("today"), this week ("week") or ended
// ("overdue").
func (d home) MineLink(provider uuid.UUID, due string) string {
	q := url.Values{"provider": {provider.String()}, "assignee": {d.Me.String()}}
	if due == "overdue" {
		q.Set("overdue", "1")
	} else {
		q.Set("due", due)
	}
	return "/work/applications?" + q.Encode()
}

// sections are the candidate links of a person working at heads (as head)
// and officials (as official): every section of the workspace, a
// provider's once per provider. Allows keeps those the person may open.
func sections(heads, officials []string) []Section {
	var out []Section
	for _, p := range officials {
		out = append(out, Section{Href: "/work/applications?provider=" + p, Key: "admin.my_queue", Provider: p},
			Section{Href: "/work/centres?provider=" + p, Key: "centres.queue_title", Provider: p},
			Section{Href: "/work/paper-votes?provider=" + p, Key: "desk.title", Provider: p},
			Section{Href: "/work/materials?provider=" + p, Key: "centres.materials_title", Provider: p},
			Section{Href: "/admin/register/providers/" + p, Key: "register.my_provider", Provider: p})
	}
	for _, p := range heads {
		out = append(out,
			Section{Href: "/work/applications?provider=" + p, Key: "admin.my_queue", Provider: p},
			Section{Href: "/admin/officials?provider=" + p, Key: "admin.my_officials", Provider: p},
			Section{Href: teamLoad(p), Key: "admin.team_load", Provider: p},
			Section{Href: "/admin/access-requests?provider=" + p, Key: "admin.requests", Provider: p},
			Section{Href: "/admin/services?provider=" + p, Key: "catalog.editor_services", Provider: p},
			Section{Href: "/admin/revisions?provider=" + p, Key: "catalog.editor_revisions", Provider: p},
			Section{Href: "/work/centres?provider=" + p, Key: "centres.queue_title", Provider: p},
			Section{Href: "/work/polls?provider=" + p, Key: "particip.workspace_polls", Provider: p},
			Section{Href: "/work/materials?provider=" + p, Key: "centres.materials_title", Provider: p},
			Section{Href: "/admin/register/providers/" + p, Key: "register.my_provider", Provider: p})
	}
	// Citizens' appeals (modules/appeals): a provider's queue, and the
	// dispatcher's routing.
	for _, p := range append(append([]string{}, officials...), heads...) {
		out = append(out, Section{Href: "/work/appeals?provider=" + p, Key: "appeals.queue", Provider: p})
	}
	out = append(out, Section{Href: "/admin/appeals/routing", Key: "appeals.routing"})
	return append(out, []Section{
		{Href: "/admin/getting-started", Key: "onboarding.title"},
		{Href: "/admin/access-requests", Key: "admin.requests"},
		{Href: "/admin/officials", Key: "admin.officials"},
		{Href: "/admin/audit", Key: "admin.audit"},
		{Href: "/admin/security", Key: "admin.security"},
		{Href: "/admin/notifications", Key: "notify.admin.title"},
		{Href: "/admin/services", Key: "catalog.editor_services"},
		{Href: "/admin/revisions", Key: "catalog.editor_revisions"},
		{Href: "/admin/import", Key: "import.title"},
		{Href: "/admin/register", Key: "register.title"},
		{Href: "/admin/holidays", Key: "catalog.holidays"},
		{Href: "/admin/branding", Key: "branding.title"},
		{Href: "/admin/identity-providers", Key: "admin.idps"},
		{Href: "/admin/policies", Key: "admin.policies"},
		{Href: "/admin/content", Key: "content.admin_title"},
		{Href: "/work/materials", Key: "centres.materials_title"},
		{Href: "/admin/feedback", Key: "content.queue_title"},
		{Href: "/admin/petitions", Key: "particip.workspace_petitions"},
		{Href: "/admin/polls", Key: "particip.workspace_polls"},
		{Href: "/admin/participation", Key: "particip.settings_title"},
		{Href: "/admin/monitoring", Key: "monitoring.dashboard_title"},
		{Href: "/admin/provider-systems", Key: "provsys.title"},
		{Href: "/admin/export", Key: "lifecycle.export_title"},
		{Href: "/admin/payments", Key: "pay.export_title"},
		{Href: "/admin/payment-settings", Key: "pay.settings_title"},
	}...)
}

// teamLoad is a provider's officials' workload (modules/monitoring).
func teamLoad(provider string) string { return "/admin/monitoring/officials?provider=" + provider }

// decideProbe is the form that decides an access request (its route's
// Perm has no scope, so any id stands for every one): whoever may post it
// sees the requests waiting.
var decideProbe = access.Post("/admin/access-requests/"+uuid.Nil.String()+"/grant", nil)

// handleHome shows what the person does first and the sections it may
// enter, each decided on the route it leads to.
func (h *HTTP) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		h.RD.Error(w, r, access.ErrForbidden)
		return
	}
	wp, err := h.Access.Workplaces(ctx, sg.AccountID)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if !wp.Staff {
		// A resident, a legal entity's representative, the operator on a
		// city's host: no workspace. Not the guard's denial (the route is
		// every signed-in person's), so it counts toward no lockout.
		h.RD.Error(w, r, errNotStaff)
		return
	}
	cand := sections(wp.Heads, wp.Officials)
	links := make([]access.Link, 0, len(cand)+1)
	links = append(links, decideProbe)
	for _, s := range cand {
		links = append(links, access.Get(s.Href))
	}
	can, err := access.Allows(r, links...)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d := home{Can: can}
	if err := h.firsts(r, &d, wp); err != nil {
		h.RD.Error(w, r, err)
		return
	}
	// The sections, each once, less those the blocks above lead to.
	seen := map[string]bool{}
	for _, dk := range d.Desks {
		seen["/work/applications?provider="+dk.Provider.String()] = true
	}
	for _, t := range d.Teams {
		seen["/admin/officials?provider="+t.Provider] = true
		seen[t.Load] = t.Load != ""
	}
	if d.Waiting {
		seen["/admin/access-requests"] = true
	}
	if d.Latest {
		seen["/admin/audit"] = true
	}
	for _, s := range cand {
		if can.Has(http.MethodGet, s.Href) && !seen[s.Href] {
			seen[s.Href] = true
			d.Sections = append(d.Sections, s)
		}
	}
	h.RD.Render(w, r, http.StatusOK, "admin/index", &web.Page{TitleKey: "admin.title", Data: d})
}

// firsts reads what the person's roles do first, each only where the
// section it belongs to was allowed.
func (h *HTTP) firsts(r *http.Request, d *home, wp access.Workplaces) error {
	ctx := r.Context()
	actor := access.SubjectOf(r).AccountID
	// An official's queues, and a provider head's: the overdue cases, the
	// head's to reassign, come first (due soonest).
	var queues []uuid.UUID
	for _, p := range append(append([]string{}, wp.Officials...), wp.Heads...) {
		id, err := uuid.Parse(p)
		if err != nil {
			return err
		}
		if d.Can.Has(http.MethodGet, "/work/applications?provider="+p) && !slices.Contains(queues, id) {
			queues = append(queues, id)
		}
	}
	if len(queues) > 0 {
		desks, err := h.Apps.Desks(ctx, queues, soonest)
		if err != nil {
			return err
		}
		d.Desks = desks
		// «Мої справи»: where the person is an official, their own cases.
		var at []uuid.UUID
		for _, q := range queues {
			if slices.Contains(wp.Officials, q.String()) {
				at = append(at, q)
			}
		}
		if len(at) > 0 {
			mine, err := h.Apps.MyCases(ctx, actor, at)
			if err != nil {
				return err
			}
			d.Me, d.Mine = actor, map[uuid.UUID]*applications.Terms{}
			for _, m := range mine {
				d.Mine[m.Provider] = &m.Terms
			}
		}
		// The applications listed link to their pages: decided too.
		var links []access.Link
		for _, dk := range desks {
			for _, a := range dk.Soonest {
				links = append(links, access.Get("/work/applications/"+a.ID.String()))
			}
		}
		if len(links) > 0 {
			can, err := access.Allows(r, links...)
			if err != nil {
				return err
			}
			for k, v := range can {
				d.Can[k] = v
			}
		}
	}
	for _, p := range wp.Heads {
		if !d.Can.Has(http.MethodGet, "/admin/officials?provider="+p) {
			continue
		}
		id, err := uuid.Parse(p)
		if err != nil {
			return err
		}
		grants, _, err := h.Access.Officials(ctx, actor, access.GrantFilter{ProviderID: &id})
		if err != nil {
			return err
		}
		tm := team{Provider: p, Grants: grants}
		if d.Can.Has(http.MethodGet, teamLoad(p)) {
			tm.Load = teamLoad(p)
		}
		d.Teams = append(d.Teams, tm)
	}
	return h.tenantFirsts(r, d)
}

// tenantFirsts reads the tenant-wide roles' first things: the access
// requests waiting for whoever may decide them, the latest log entries for
// whoever reads the log.
func (h *HTTP) tenantFirsts(r *http.Request, d *home) error {
	ctx := r.Context()
	actor := access.SubjectOf(r).AccountID
	if d.Waiting = d.Can.Has(http.MethodGet, "/admin/access-requests") && d.Can.HasLink(decideProbe); d.Waiting {
		qs, err := h.Access.Requests(ctx, actor, nil)
		if err != nil {
			return err
		}
		for _, q := range qs {
			if q.Status == "pending" {
				d.Requests = append(d.Requests, q)
			}
		}
	}
	if d.Latest = d.Can.Has(http.MethodGet, "/admin/audit"); d.Latest {
		rows, _, err := h.Audit.Search(ctx, audit.Filter{Limit: latest})
		if err != nil {
			return err
		}
		d.Log = rows
	}
	return nil
}
