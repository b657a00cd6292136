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
