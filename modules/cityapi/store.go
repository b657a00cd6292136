package cityapi

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

func insertCode(ctx context.Context, tx pgx.Tx, h []byte, account uuid.UUID, ar *AuthRequest, expires time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO api_codes (tenant_id, code_hash, account_id, client_id, redirect_uri, challenge, scopes, expires_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7)`, h, account, ar.ClientID, ar.RedirectURI, ar.Challenge, ar.Scopes, expires)
	return err
}

type codeRow struct {
	account                          uuid.UUID
	clientID, redirectURI, challenge string
	scopes                           []string
	expiresAt                        time.Time
	grant                            uuid.UUID // uuid.Nil until exchanged
}

// takeCode reads a code and locks it, so that two exchanges at once take
// turns and the second sees the first's grant.
func takeCode(ctx context.Context, tx pgx.Tx, h []byte) (*codeRow, error) {
	var c codeRow
	var grant *uuid.UUID
	err := tx.QueryRow(ctx, `SELECT account_id, client_id, redirect_uri, challenge, scopes, expires_at, grant_id
		FROM api_codes WHERE code_hash = $1 FOR UPDATE`, h).
		Scan(&c.account, &c.clientID, &c.redirectURI, &c.challenge, &c.scopes, &c.expiresAt, &grant)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrBadGrant
	}
	if grant != nil {
		c.grant = *grant
	}
	return &c, err
}

func markCodeUsed(ctx context.Context, tx pgx.Tx, h []byte, grant uuid.UUID) error {
	_, err := tx.Exec(ctx, `UPDATE api_codes SET grant_id = $2 WHERE code_hash = $1`, h, grant)
	return err
}

func insertGrant(ctx context.Context, tx pgx.Tx, id, account uuid.UUID, clientID, device string, scopes []string) error {
	_, err := tx.Exec(ctx, `INSERT INTO api_grants (tenant_id, id, account_id, client_id, device, scopes)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, id, account, clientID, device, scopes)
	return err
}

func insertToken(ctx context.Context, tx pgx.Tx, h []byte, grant uuid.UUID, kind string, expires time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO api_tokens (tenant_id, token_hash, grant_id, kind, expires_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4)`, h, grant, kind, expires)
	return err
}

type tokenRow struct {
	grant, account      uuid.UUID
	kind, clientID      string
	scopes              []string
	expiresAt, lastUsed time.Time
	used, revoked       bool
}

// takeToken reads a token with its grant, locking the token: two refreshes
// with one token at once take turns, and the second sees it used.
func takeToken(ctx context.Context, tx pgx.Tx, h []byte) (*tokenRow, error) {
	var t tokenRow
	err := tx.QueryRow(ctx, `SELECT t.grant_id, g.account_id, t.kind, g.client_id, g.scopes, t.expires_at, g.last_used_at,
			t.used_at IS NOT NULL, g.revoked_at IS NOT NULL
		FROM api_tokens t JOIN api_grants g ON g.tenant_id = t.tenant_id AND g.id = t.grant_id
		WHERE t.token_hash = $1 FOR UPDATE OF t`, h).
		Scan(&t.grant, &t.account, &t.kind, &t.clientID, &t.scopes, &t.expiresAt, &t.lastUsed, &t.used, &t.revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrBadGrant
	}
	return &t, err
}

func markTokenUsed(ctx context.Context, tx pgx.Tx, h []byte, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE api_tokens SET used_at = $2 WHERE token_hash = $1`, h, now)
	return err
}

func touchGrant(ctx context.Context, tx pgx.Tx, id uuid.UUID, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE api_grants SET last_used_at = $2 WHERE id = $1`, id, now)
	return err
}

// revokeGrant ends a grant: its tokens stop working (they are deleted; the
// grant row stays, revoked, for the record). Revoked already: unchanged.
func revokeGrant(ctx context.Context, tx pgx.Tx, id uuid.UUID, why string, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE api_grants SET revoked_at = $2, revoked_why = $3 WHERE id = $1 AND revoked_at IS NULL`, id, now, why); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE grant_id = $1`, id)
	return err
}

func grantOwner(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var owner uuid.UUID
	err := tx.QueryRow(ctx, `SELECT account_id FROM api_grants WHERE id = $1`, id).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, ErrNoDevice
	}
	return owner, err
}

func devices(ctx context.Context, tx pgx.Tx, account uuid.UUID) ([]Device, error) {
	rows, err := tx.Query(ctx, `SELECT id, client_id, device, scopes, created_at, last_used_at FROM api_grants
		WHERE account_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC`, account)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Device, error) {
		var d Device
		err := r.Scan(&d.ID, &d.ClientID, &d.Device, &d.Scopes, &d.CreatedAt, &d.LastUsedAt)
		return d, err
	})
}
