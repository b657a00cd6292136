package documents

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The tests' view of a provider's seals; production reads only the active
// one (activeSeal).

// Seals lists the provider's seals, newest first: the active one and the
// retired ones whose documents are still out there.
func Seals(ctx context.Context, tx pgx.Tx, providerID uuid.UUID) ([]ProviderSeal, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, provider_id, certificate, chain, status, created_at, retired_at FROM provider_seals
		WHERE provider_id = $1 ORDER BY created_at DESC, id DESC`, providerID)
	if err != nil {
		return nil, fmt.Errorf("documents: seals: %w", err)
	}
	return pgx.CollectRows(rows, scanSeal)
}
