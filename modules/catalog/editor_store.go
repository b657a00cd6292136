package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// The editor's SQL beside the revisions' (revisions.go): a new service, and
// the providers the guard checks an edit at.

// createService inserts a new, unpublished service with code at provider;
// false when the code is taken or there is no such provider.
func createService(ctx context.Context, tx pgx.Tx, code string, provider uuid.UUID) (bool, error) {
	tenant.Changed(ctx, tenant.PublicChannel)
	id, err := uuid.NewV7()
	if err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO services (tenant_id, id, code, provider_id) SELECT app_tenant_id(), $1, $2, id FROM providers WHERE id = $3
		ON CONFLICT (tenant_id, code) DO NOTHING`, id, code, provider)
	if err != nil {
		return false, fmt.Errorf("catalog: create service %s: %w", code, err)
	}
	return tag.RowsAffected() == 1, nil
}

// providerCode is the code of the provider with id.
func providerCode(ctx context.Context, tx pgx.Tx, id string) (string, error) {
	var code string
	err := tx.QueryRow(ctx, `SELECT code FROM providers WHERE id = $1`, id).Scan(&code)
	return code, err
}

// ScopeService is the provider of the service whose code is in the path
// ({code}): edits of a service, its form and its rules are checked at it. It
// runs in the guard's decision transaction. A code the city has no service
// by (another city's, or none) is not found: 404 before any handler runs.
func ScopeService(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT provider_id FROM services WHERE code = $1`, chi.URLParam(r, "code")).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// revisionProvider is the provider of a revision's service: decisions on
// the revision are checked at it.
func revisionProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT s.provider_id FROM service_revisions v JOIN services s ON s.id = v.service_id WHERE v.id = $1`, id).Scan(&p)
	return p, err
}
