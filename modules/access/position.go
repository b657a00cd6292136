package access

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Position returns the position an official holds at a provider, recorded
// with their decisions (seed 003 §5.8): the grant's own, or else the one
// the provider head's granted access request named.
func Position(ctx context.Context, tx pgx.Tx, account, provider uuid.UUID) (string, error) {
	var pos string
	err := tx.QueryRow(ctx, `SELECT coalesce(nullif(g.position, ''), (
			SELECT r.position FROM access_requests r JOIN accounts a ON a.rnokpp = r.rnokpp
			WHERE a.id = g.account_id AND r.provider_id = g.provider_id AND r.status = 'granted' ORDER BY r.filed_at DESC LIMIT 1), '')
		FROM access_grants g WHERE g.account_id = $1 AND g.provider_id = $2 AND g.status <> 'revoked'
		ORDER BY g.granted_at DESC LIMIT 1`, account, provider).Scan(&pos)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return pos, err
}

// SetPosition records the position of an official's live grants at a
// provider (the demo's officials; the administrator's console).
func SetPosition(ctx context.Context, tx pgx.Tx, account, provider uuid.UUID, position string) error {
	_, err := tx.Exec(ctx, `UPDATE access_grants SET position = $3 WHERE account_id = $1 AND provider_id = $2 AND status <> 'revoked'`,
		account, provider, position)
	return err
}
