package catalog

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ServiceRef names a service: what a choice of one of a provider's
// services shows.
type ServiceRef struct {
	ID   uuid.UUID
	Code string
	Name Text
}

// ProviderServices are the published services of provider, by code, in
// tx (all of them: a list to choose from, not a search).
func ProviderServices(ctx context.Context, tx pgx.Tx, provider uuid.UUID) ([]ServiceRef, error) {
	rows, err := tx.Query(ctx, `SELECT id, code, coalesce(content->'name', '{}') FROM services
		WHERE provider_id = $1 AND published_at IS NOT NULL ORDER BY code`, provider)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceRef, error) {
		var s ServiceRef
		err := r.Scan(&s.ID, &s.Code, &s.Name)
		return s, err
	})
}

// ProviderByID returns the provider with id, retired or not, in tx.
func ProviderByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Provider, error) {
	return providerByID(ctx, tx, id)
}
