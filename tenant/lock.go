package tenant

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// LockCity takes, in tx, the transaction-scoped advisory lock named by
// name and the transaction's city, so that one city's writers of one thing
// (a gapless number, an editor's read-then-write) queue behind each other
// while other cities go on. The lock ends with the transaction. The key
// is hashtextextended(name || city id, 0): a caller keeps its name as it
// was, the lock as it was.
func LockCity(ctx context.Context, tx pgx.Tx, name string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1 || app_tenant_id()::text, 0))`, name); err != nil {
		return fmt.Errorf("tenant: lock %s: %w", name, err)
	}
	return nil
}
