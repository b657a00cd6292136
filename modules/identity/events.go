package identity

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
)

// Sign-in's records: a sign-in is audited in its own transaction; a refused
// one is a security event and counts towards the lockout of its address,
// which refuses sign-ins from there once the policy's threshold is met.

// auditSignIn records a sign-in in its transaction and forgets the
// failures of its address.
func (s *Service) auditSignIn(ctx context.Context, tx pgx.Tx, acc *Account, p Profile) error {
	_, err := s.audit.Record(ctx, tx, audit.Event{
		Actor:  audit.Actor{ID: acc.ID.String(), Name: acc.FullName},
		Action: "identity.signin", ObjectType: "account", ObjectID: acc.ID.String(),
		Details: map[string]any{"auth_method": p.AuthMethod, "edrpou": p.EDRPOU},
	})
	if err != nil {
		return err
	}
	return s.audit.ResetFailures(ctx, tx, audit.IPKey(audit.RequestFrom(ctx).IP))
}

// recordRefusal makes a refused sign-in a security event of its address
// and counts it toward the address's lockout, in a transaction of its own
// (the sign-in itself wrote nothing). A refusal while locked out counts no
// further. A failure to record is logged: the person sees the refusal
// either way.
func (s *Service) recordRefusal(ctx context.Context, cause error) {
	ip := audit.RequestFrom(ctx).IP
	reason := "error.internal"
	var ae *apperr.Error
	if errors.As(cause, &ae) {
		reason = ae.Key
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := s.audit.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindSigninFailed, Subject: ip,
			Details: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		if errors.Is(cause, ErrLockedOut) {
			return nil // refused while locked: not one more failure
		}
		_, err := s.audit.RegisterFailure(ctx, tx, audit.IPKey(ip))
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "recording a refused sign-in", "error", err)
	}
}

// lockedOut says until when sign-ins from the request's address are locked
// out, read in a transaction of its own. An error is logged and locks
// nobody out: the address's failures are still counted, and the identity
// provider checks the person.
func (s *Service) lockedOut(ctx context.Context) (time.Time, bool) {
	var (
		until  time.Time
		locked bool
	)
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		until, locked, err = s.audit.Locked(ctx, tx, audit.IPKey(audit.RequestFrom(ctx).IP))
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "reading a lockout", "error", err)
		return time.Time{}, false
	}
	return until, locked
}

// auditProviderSaved records a change of an identity provider's settings,
// by the signed-in person, in the transaction that saves it.
func (s *Service) auditProviderSaved(ctx context.Context, tx pgx.Tx, p *Provider) error {
	actor := audit.Actor{}
	if sg := SignedFrom(ctx); sg != nil {
		actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	_, err := s.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "identity.provider.save", ObjectType: "identity_provider",
		ObjectID: p.ID.String(), Details: map[string]any{"kind": p.Kind, "name": p.Name, "issuer": p.Issuer, "enabled": p.Enabled}})
	return err
}
