package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/modules/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
)

// wireIdentityAudit connects sign-in to the audit log and the security
// events: a sign-in is audited in its own transaction; a refused one is a
// security event and counts towards the lockout of its address, which
// begins refusing sign-ins from there once the policy's threshold is met.
func (a *App) wireIdentityAudit() {
	id, au := a.identity, a.audit
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
