package onboarding

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// scrubArgs removes the РНОКПП from job id's stored args, in the
// transaction that completes it.
func scrubArgs(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `UPDATE river_job SET args = args - 'rnokpp' WHERE id = $1`, id); err != nil {
		return fmt.Errorf("onboarding: scrub the job's args: %w", err)
	}
	return nil
}

// setup is what readSetup finds in a city.
type setup struct {
	signIn, providers, services, centres, officials, published bool
}

// readSetup reads, in tx, whether the city has each thing the checklist
// asks for. It reads other modules' tables (identity's, catalog's,
// access's) for existence only — no column but the ones named here — in
// one statement, so that the administrator's first page costs one query.
func readSetup(ctx context.Context, tx pgx.Tx) (setup, error) {
	var st setup
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM identity_providers WHERE enabled),
		       EXISTS (SELECT 1 FROM providers),
		       EXISTS (SELECT 1 FROM services),
		       EXISTS (SELECT 1 FROM centres),
		       EXISTS (SELECT 1 FROM access_grants WHERE role IN ('official', 'provider_head') AND status = 'active'),
		       EXISTS (SELECT 1 FROM services WHERE published_at IS NOT NULL)`).
		Scan(&st.signIn, &st.providers, &st.services, &st.centres, &st.officials, &st.published)
	if err != nil {
		return setup{}, fmt.Errorf("onboarding: read the city's setup: %w", err)
	}
	return st, nil
}
