package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
)

// wireIdentityAudit connects sign-in to the audit log and the security
// events: a sign-in is audited in its own transaction; a refused one is a
// security event and counts towards the lockout of its address, which
// begins refusing sign-ins from there once the policy's threshold is met.
func (a *App) wireIdentityAudit() {
	id, au := a.identity, a.audit
	id.Roles = a.staffRoles
	id.OnProviderSaved = func(ctx context.Context, tx pgx.Tx, p *identity.Provider) error {
		actor := audit.Actor{}
		if sg := identity.SignedFrom(ctx); sg != nil {
			actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
		}
		_, err := au.Record(ctx, tx, audit.Event{Actor: actor, Action: "identity.provider.save", ObjectType: "identity_provider",
			ObjectID: p.ID.String(), Details: map[string]any{"kind": p.Kind, "name": p.Name, "issuer": p.Issuer, "enabled": p.Enabled}})
		return err
	}
	id.OnSignIn = func(ctx context.Context, tx pgx.Tx, acc *identity.Account, p identity.Profile) error {
		_, err := au.Record(ctx, tx, audit.Event{
			Actor:  audit.Actor{ID: acc.ID.String(), Name: acc.FullName},
			Action: "identity.signin", ObjectType: "account", ObjectID: acc.ID.String(),
			Details: map[string]any{"auth_method": p.AuthMethod, "edrpou": p.EDRPOU},
		})
		if err != nil {
			return err
		}
		return au.ResetFailures(ctx, tx, audit.IPKey(audit.RequestFrom(ctx).IP))
	}
	id.OnFailure = func(r *http.Request, cause error) {
		ip := audit.RequestFrom(r.Context()).IP
		reason := "error.internal"
		var ae *apperr.Error
		if errors.As(cause, &ae) {
			reason = ae.Key
		}
		err := a.db.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
			if err := au.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindSigninFailed, Subject: ip,
				Details: map[string]any{"reason": reason}}); err != nil {
				return err
			}
			if errors.Is(cause, identity.ErrLockedOut) {
				return nil // refused while locked: not one more failure
			}
			_, err := au.RegisterFailure(ctx, tx, audit.IPKey(ip))
			return err
		})
		if err != nil {
			a.log.ErrorContext(r.Context(), "recording a refused sign-in", "error", err)
		}
	}
	id.Locked = func(r *http.Request) (time.Time, bool) {
		var (
			until  time.Time
			locked bool
		)
		err := a.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
			var err error
			until, locked, err = au.Locked(ctx, tx, audit.IPKey(audit.RequestFrom(ctx).IP))
			return err
		})
		if err != nil {
			a.log.ErrorContext(r.Context(), "reading a lockout", "error", err)
			return time.Time{}, false
		}
		return until, locked
	}
}

// auditGrantChange records a change of an official's access in its own
// transaction.
func (a *App) auditGrantChange(ctx context.Context, tx pgx.Tx, c access.Change) error {
	actor := audit.Actor{ID: c.Actor.String(), Role: access.RoleAdministrator}
	if c.Actor == uuid.Nil {
		actor = audit.Actor{ID: "", Name: "platform operator (bootstrap)"}
	}
	details := map[string]any{"role": c.After.Role, "status": string(c.After.Status), "reason": c.After.Reason, "account": c.After.AccountID.String()}
	if c.After.ProviderID != nil {
		details["provider"] = c.After.ProviderID.String()
	}
	if c.Before != nil {
		details["before_status"] = string(c.Before.Status)
	}
	if _, err := a.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "access." + c.Action,
		ObjectType: "access_grant", ObjectID: c.After.ID.String(), Details: details}); err != nil {
		return err
	}
	kind := audit.KindAccessGranted
	if c.After.Status != access.StatusActive {
		kind = audit.KindAccessBlocked
	}
	return a.audit.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: kind, Subject: c.After.AccountID.String(), Details: details})
}

// auditPolicyChange records a new version of the tenant's access policy.
func (a *App) auditPolicyChange(ctx context.Context, tx pgx.Tx, actor uuid.UUID, version int64, summary string) error {
	details := map[string]any{"version": version, "summary": summary}
	if _, err := a.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: actor.String(), Role: access.RoleAdministrator},
		Action: "access.policy.update", ObjectType: "policy", ObjectID: fmt.Sprint(version), Details: details}); err != nil {
		return err
	}
	return a.audit.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindPolicyChanged, Subject: actor.String(), Details: details})
}

// recordDenied makes a denied request a security event, in its own
// transaction (the request itself changes nothing), and counts it towards
// a lockout of the account: repeated unauthorised actions are blocked and
// the administrators told (seed 000 item 5.15).
func (a *App) recordDenied(r *http.Request, s access.Subject, p access.Perm) {
	err := a.db.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		if err := a.audit.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindAccessDenied, Subject: s.AccountID.String(),
			Details: map[string]any{"permission": p.String(), "method": r.Method, "path": r.URL.Path}}); err != nil {
			return err
		}
		_, err := a.audit.RegisterFailure(ctx, tx, audit.AccountKey(s.AccountID.String()))
		return err
	})
	if err != nil {
		a.log.ErrorContext(r.Context(), "recording a denied request", "error", err)
	}
}

// staffRoles are the roles, beyond resident, the person holds here.
func (a *App) staffRoles(ctx context.Context, account uuid.UUID) []string {
	held, err := a.access.HeldRoles(ctx, access.Subject{AccountID: account})
	if err != nil {
		a.log.ErrorContext(ctx, "reading roles", "error", err)
		return nil
	}
	var roles []string
	for _, h := range held {
		if h.Role != access.RoleResident {
			roles = append(roles, h.Role)
		}
	}
	return roles
}

// auditRequest records the filing and the decision of an access request;
// the personal data stay in the request, the audit names it by number.
func (a *App) auditRequest(ctx context.Context, tx pgx.Tx, action string, actor uuid.UUID, q *access.Request) error {
	_, err := a.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: actor.String()}, Action: "access." + action,
		ObjectType: "access_request", ObjectID: q.ID.String(),
		Details: map[string]any{"number": q.Number, "provider": q.ProviderID.String(), "role": q.Role, "status": q.Status}})
	return err
}

// accountBlocked says whether the account is locked out after repeated
// denied requests.
func (a *App) accountBlocked(ctx context.Context, tx pgx.Tx, s access.Subject) (bool, error) {
	_, locked, err := a.audit.Locked(ctx, tx, audit.AccountKey(s.AccountID.String()))
	return locked, err
}

// auditRevision records a proposal or decision on a service's information.
func (a *App) auditRevision(ctx context.Context, tx pgx.Tx, action string, r *catalog.Revision) error {
	actor := audit.Actor{}
	if sg := identity.SignedFrom(ctx); sg != nil {
		actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	_, err := a.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "catalog.revision." + action, ObjectType: "service",
		ObjectID: r.ServiceCode, Details: map[string]any{"revision": r.Number, "status": r.Status, "basis_date": r.BasisDate.Format("2006-01-02")}})
	return err
}
