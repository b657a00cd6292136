package audit

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/tenant"
)

// The records of access's changes and refusals: *Service is access's
// Journal, wired by the root (audit imports access, so access cannot call
// audit itself).
var _ access.Journal = (*Service)(nil)
var _ access.LockoutQueuer = (*Service)(nil)

// GrantChanged records a change of an official's access in the change's
// transaction: an audit entry and a security event (access granted, or
// blocked for any status but active).
func (s *Service) GrantChanged(ctx context.Context, tx pgx.Tx, c access.Change) error {
	actor := Actor{ID: c.Actor.String(), Role: access.RoleAdministrator} // named by Record, from ctx
	if c.Action == "dismissal" {
		actor.Role = access.RoleProviderHead // a provider head reports a dismissal (access_requests:create)
	}
	if c.Actor == uuid.Nil {
		// The record names the platform in itself too: the log is evidence
		// read outside this page as well (CSV, audit verify).
		actor = Actor{Role: RolePlatform, Name: "platform operator (bootstrap)"}
	}
	details := map[string]any{"role": c.After.Role, "status": string(c.After.Status), "reason": c.After.Reason, "account": c.After.AccountID.String()}
	if c.After.ProviderID != nil {
		details["provider"] = c.After.ProviderID.String()
	}
	if c.Before != nil {
		details["before_status"] = string(c.Before.Status)
	}
	row, err := s.record(ctx, tx, Event{Actor: actor, Action: "access." + c.Action,
		ObjectType: "access_grant", ObjectID: c.After.ID.String(), Details: details})
	if err != nil {
		return err
	}
	details = withAuditLink(details, row)
	kind := KindAccessGranted
	if c.After.Status != access.StatusActive {
		kind = KindAccessBlocked
	}
	return s.RecordSecurity(ctx, tx, SecurityEvent{Kind: kind, Subject: c.After.AccountID.String(), Details: details})
}

// PolicyChanged records a new version of the tenant's access policy in the
// transaction that writes it: an audit entry and a security event.
func (s *Service) PolicyChanged(ctx context.Context, tx pgx.Tx, actor uuid.UUID, version int64, summary string) error {
	details := map[string]any{"version": version, "summary": summary}
	who := Actor{ID: actor.String(), Role: access.RoleAdministrator}
	if actor == uuid.Nil { // the platform brought the defaults up to date
		who = Actor{Role: RolePlatform}
	}
	row, err := s.record(ctx, tx, Event{Actor: who,
		Action: "access.policy.update", ObjectType: "policy", ObjectID: fmt.Sprint(version), Details: details})
	if err != nil {
		return err
	}
	return s.RecordSecurity(ctx, tx, SecurityEvent{Kind: KindPolicyChanged, Subject: cmp.Or(who.ID, access.SystemActor), Details: withAuditLink(details, row)})
}

// RequestFiled records the filing of an access request; the personal data
// stay in the request, the audit names it by number.
func (s *Service) RequestFiled(ctx context.Context, tx pgx.Tx, actor uuid.UUID, q *access.Request) error {
	return s.accessRequest(ctx, tx, "request.file", actor, q)
}

// RequestDecided records the decision on an access request, as
// RequestFiled its filing.
func (s *Service) RequestDecided(ctx context.Context, tx pgx.Tx, actor uuid.UUID, q *access.Request) error {
	action := "request.rejected"
	if q.Status == "granted" {
		action = "request.granted"
	}
	return s.accessRequest(ctx, tx, action, actor, q)
}

func (s *Service) accessRequest(ctx context.Context, tx pgx.Tx, action string, actor uuid.UUID, q *access.Request) error {
	_, err := s.Record(ctx, tx, Event{Actor: Actor{ID: actor.String()}, Action: "access." + action,
		ObjectType: "access_request", ObjectID: q.ID.String(),
		Details: map[string]any{"number": q.Number, "provider": q.ProviderID.String(), "role": q.Role, "status": q.Status}})
	return err
}

// Denied makes a denied request a security event and, when it counts (a
// state-changing request, a probe of an object outside the person's scope:
// access.Denial.Counts), counts it towards a lockout of the account:
// repeated unauthorised actions are blocked and the administrators told
// (seed 000 item 5.15). A plain GET of a page is recorded, not counted.
func (s *Service) Denied(ctx context.Context, tx pgx.Tx, d access.Denial) error {
	counts := d.Counts()
	details := map[string]any{"permission": d.Perm.String(), "method": d.Method, "path": d.Path, "counted": counts}
	if d.Route != "" {
		details["route"] = d.Route
	}
	if d.Scope != "" {
		details["scope"] = d.Scope
	}
	if a, ok := ActorFrom(ctx); ok && a.ID == d.Subject.AccountID.String() && a.Name != "" {
		details["name"] = a.Name // the audit page's denied filter names who was refused
	}
	if err := s.RecordSecurity(ctx, tx, SecurityEvent{Kind: KindAccessDenied, Subject: d.Subject.AccountID.String(), Details: details}); err != nil {
		return err
	}
	if !counts {
		return nil
	}
	_, err := s.RegisterFailure(ctx, tx, AccountKey(d.Subject.AccountID.String()))
	return err
}

// QueueLockout is Lockout queued on b (the guard's pipelined reads, in its
// transaction): once b is sent, *until and *locked are Lockout's answer.
func (s *Service) QueueLockout(ctx context.Context, b *pgx.Batch, sub access.Subject, until *time.Time, locked *bool) error {
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	keys, err := lockoutKeys([]string{AccountKey(sub.AccountID.String())})
	if err != nil {
		return err
	}
	b.Queue(lockedSQL, t.ID, keys, s.now()).QueryRow(func(row pgx.Row) error {
		var u *time.Time
		if err := row.Scan(&u); err != nil {
			return fmt.Errorf("audit: locked: %w", err)
		}
		if u != nil {
			*until, *locked = u.UTC(), true
		}
		return nil
	})
	return nil
}

// Lockout says until when the account's staff rights are locked out after
// repeated counted denials.
func (s *Service) Lockout(ctx context.Context, tx pgx.Tx, sub access.Subject) (time.Time, bool, error) {
	return s.Locked(ctx, tx, AccountKey(sub.AccountID.String()))
}
