package applications

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ProviderOf is the provider a sent application is addressed to, in the
// caller's transaction (pgx.ErrNoRows for a draft or none): the scope of
// routes another module mounts under an application, such as the
// applicant's cabinet documents an official may open (modules/mydocs).
func ProviderOf(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	return providerOf(ctx, tx, id)
}

// Parties are a sent application's applicant (the account) and provider,
// in the caller's transaction (pgx.ErrNoRows for a draft or none).
func Parties(ctx context.Context, tx pgx.Tx, id uuid.UUID) (applicant, provider uuid.UUID, err error) {
	err = tx.QueryRow(ctx, `SELECT applicant_id, provider_id FROM applications WHERE id = $1 AND status <> 'draft'`, id).Scan(&applicant, &provider)
	return applicant, provider, err
}
