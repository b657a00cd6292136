package catalog

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// providerSelf is the provider with id, if there is one: its changes are
// proposed at it.
func providerSelf(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE id = $1`, id).Scan(&id)
	return id, err
}
