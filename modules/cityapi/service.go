package cityapi

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/modules/identity"
)

// Authorize issues a code for the signed-in person's consent to ar.
func (s *Service) Authorize(ctx context.Context, ar *AuthRequest) (string, error) {
	me := identity.SignedFrom(ctx)
	if me == nil {
		return "", ErrUnauthorized
	}
	code := secret("hcc_")
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return insertCode(ctx, tx, hash(code), me.AccountID, ar, s.now().Add(CodeTTL))
	})
	return code, err
}

// Exchange trades a code for tokens (grant_type=authorization_code),
// starting a grant on the device. A code used a second time revokes the
// grant the first use made: someone else has the code.
func (s *Service) Exchange(ctx context.Context, code, verifier, clientID, redirect, device string) (*Tokens, error) {
	var out *Tokens
	var replayed bool
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		c, err := takeCode(ctx, tx, hash(code))
		if err != nil {
			return err
		}
		if c.grant != uuid.Nil {
			replayed = true
			return revokeGrant(ctx, tx, c.grant, "reuse", s.now())
		}
		if c.clientID != clientID || c.redirectURI != redirect || !verifierMatches(verifier, c.challenge) || s.now().After(c.expiresAt) {
			return ErrBadGrant
		}
		g, err := uuid.NewV7()
		if err != nil {
			return err
		}
		if err := insertGrant(ctx, tx, g, c.account, clientID, device, c.scopes); err != nil {
			return err
		}
		if err := markCodeUsed(ctx, tx, hash(code), g); err != nil {
			return err
		}
		out, err = s.issue(ctx, tx, g, c.scopes)
		return err
	})
	if err == nil && replayed {
		s.log.WarnContext(ctx, "cityapi: an authorization code was used twice; its grant is revoked")
		err = ErrBadGrant
	}
	return out, err
}

// Refresh rotates a refresh token: the old one is used up, a new pair is
// issued in the same grant. A used refresh token presented again means it
// was copied: the whole grant is revoked (RFC 9700 §4.14.2).
func (s *Service) Refresh(ctx context.Context, refresh, clientID string) (*Tokens, error) {
	var out *Tokens
	var reused bool
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		t, err := takeToken(ctx, tx, hash(refresh))
		if err != nil {
			return err
		}
		if t.kind != "refresh" || t.clientID != clientID || t.revoked || s.now().After(t.expiresAt) {
			return ErrBadGrant
		}
		if t.used {
			reused = true
			return revokeGrant(ctx, tx, t.grant, "reuse", s.now())
		}
		if err := markTokenUsed(ctx, tx, hash(refresh), s.now()); err != nil {
			return err
		}
		out, err = s.issue(ctx, tx, t.grant, t.scopes)
		return err
	})
	if err == nil && reused {
		s.log.WarnContext(ctx, "cityapi: a refresh token was used twice; its grant is revoked")
		err = ErrBadGrant
	}
	return out, err
}

func (s *Service) issue(ctx context.Context, tx pgx.Tx, grant uuid.UUID, scopes []string) (*Tokens, error) {
	access, refresh := secret("hca_"), secret("hcr_")
	now := s.now()
	if err := insertToken(ctx, tx, hash(access), grant, "access", now.Add(AccessTTL)); err != nil {
		return nil, err
	}
	if err := insertToken(ctx, tx, hash(refresh), grant, "refresh", now.Add(RefreshTTL)); err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(AccessTTL.Seconds()), RefreshToken: refresh, Scope: strings.Join(scopes, " ")}, nil
}

// Revoke ends the grant of token (either kind) for the app that holds it
// (RFC 7009): the device signs out. An unknown token is no error.
func (s *Service) Revoke(ctx context.Context, token, clientID string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		t, err := takeToken(ctx, tx, hash(token))
		if errors.Is(err, ErrBadGrant) || (err == nil && t.clientID != clientID) {
			return nil
		}
		if err != nil {
			return err
		}
		return revokeGrant(ctx, tx, t.grant, "app", s.now())
	})
}

// Authenticate returns who an access token speaks for, noting its grant's
// use; ErrUnauthorized for an unknown, expired or revoked token.
func (s *Service) Authenticate(ctx context.Context, access string) (*Caller, error) {
	var c *Caller
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		t, err := takeToken(ctx, tx, hash(access))
		if errors.Is(err, ErrBadGrant) {
			return ErrUnauthorized
		}
		if err != nil {
			return err
		}
		now := s.now()
		if t.kind != "access" || t.revoked || now.After(t.expiresAt) {
			return ErrUnauthorized
		}
		acc, err := identity.AccountTx(ctx, tx, t.account)
		if err != nil {
			return err
		}
		c = &Caller{Grant: t.grant, Account: t.account, Scopes: t.scopes, RNOKPP: acc.RNOKPP, FullName: acc.FullName}
		if now.Sub(t.lastUsed) > lastUsedEvery {
			return touchGrant(ctx, tx, t.grant, now)
		}
		return nil
	})
	return c, err
}

// Devices are the signed-in person's grants still in force.
func (s *Service) Devices(ctx context.Context) ([]Device, error) {
	me := identity.SignedFrom(ctx)
	if me == nil {
		return nil, ErrUnauthorized
	}
	var out []Device
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = devices(ctx, tx, me.AccountID)
		return err
	})
	return out, err
}

// RevokeDevice ends one of the signed-in person's grants and every token
// of it; revoking one already revoked changes nothing.
func (s *Service) RevokeDevice(ctx context.Context, id uuid.UUID) error {
	me := identity.SignedFrom(ctx)
	if me == nil {
		return ErrUnauthorized
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		owner, err := grantOwner(ctx, tx, id)
		if err != nil {
			return err
		}
		if owner != me.AccountID {
			return ErrNoDevice
		}
		// A double submit finds it revoked already: one record.
		var live bool
		if err := tx.QueryRow(ctx, `SELECT revoked_at IS NULL FROM api_grants WHERE id = $1`, id).Scan(&live); err != nil {
			return err
		}
		if err := revokeGrant(ctx, tx, id, "person", s.now()); err != nil || !live || s.audit == nil {
			return err
		}
		_, err = s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: me.AccountID.String(), Name: me.FullName},
			Action: "cityapi.device.revoke", ObjectType: "device", ObjectID: id.String()})
		return err
	})
}

// Profile is the signed-in person's account.
func (s *Service) Profile(ctx context.Context) (*identity.Account, error) {
	me := identity.SignedFrom(ctx)
	if me == nil {
		return nil, ErrUnauthorized
	}
	var a *identity.Account
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		a, err = identity.AccountTx(ctx, tx, me.AccountID)
		return err
	})
	return a, err
}
