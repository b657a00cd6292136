package access

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// EnsureProvider returns the id of the tenant's provider with code,
// creating it with its names when missing. Officials are scoped to
// providers; the catalog adds their full description.
func EnsureProvider(ctx context.Context, tx pgx.Tx, code, nameUK, nameEN string) (uuid.UUID, error) {
	tenant.Changed(ctx, tenant.PublicChannel)
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO providers (tenant_id, id, code, name_uk, name_en) VALUES (app_tenant_id(), $1, $2, $3, $4)
		ON CONFLICT (tenant_id, code) DO NOTHING`, id, code, nameUK, nameEN)
	if err != nil {
		return uuid.Nil, fmt.Errorf("access: ensure provider %s: %w", code, err)
	}
	err = tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = $1`, code).Scan(&id)
	return id, err
}

// Provider is a provider of services, as access shows it.
type Provider struct {
	ID     uuid.UUID
	Code   string
	NameUK string
	NameEN string
}

// Providers lists the tenant's providers.
func Providers(ctx context.Context, tx pgx.Tx) ([]Provider, error) {
	rows, err := tx.Query(ctx, `SELECT id, code, name_uk, name_en FROM providers ORDER BY name_uk`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Provider, error) {
		var p Provider
		return p, r.Scan(&p.ID, &p.Code, &p.NameUK, &p.NameEN)
	})
}
