package tenant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// twoAccounts makes an account in each of two tenants and returns the
// tenants and the accounts' ids.
func twoAccounts(t *testing.T, db *tenanttest.DB) (a, b *tenant.Tenant, accA, accB uuid.UUID) {
	t.Helper()
	a, b = tenanttest.NewTenant(t, db), tenanttest.NewTenant(t, db)
	accA, accB = uuid.New(), uuid.New()
	for _, x := range []struct {
		t  *tenant.Tenant
		id uuid.UUID
	}{{a, accA}, {b, accB}} {
		err := db.App.Tx(tenant.With(t.Context(), x.t), func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), $1, '3184710691', 'Ірина')`, x.id)
			return err
		})
		require.NoError(t, err)
	}
	return a, b, accA, accB
}

// requireNothingLeft checks every connection of pool (taken in turn: the
// pool hands out its connections round) for a tenant setting or an open
// transaction left behind.
func requireNothingLeft(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	for range pool.Stat().MaxConns() + 1 {
		var setting *string
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT app_tenant_id()::text").Scan(&setting))
		require.Nil(t, setting, "a tenant setting outlived its transaction")
		var n int
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM accounts").Scan(&n))
		require.Zero(t, n, "rows visible with no tenant set")
	}
}

// ReadBatch's transaction is the tenant's, under the same RLS as Tx: the
// other tenant's rows are not there, writing is refused, and nothing is
// left on the pooled connection after success or failure.
func TestReadBatchIsolation(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	a, _, accA, accB := twoAccounts(t, db)
	ctxA := tenant.With(t.Context(), a)
	pool := db.App.Pool()

	var (
		setting  string
		mine     []uuid.UUID
		theirs   int
		readOnly string
	)
	b := &pgx.Batch{}
	b.Queue("SELECT app_tenant_id()::text").QueryRow(func(r pgx.Row) error { return r.Scan(&setting) })
	b.Queue("SELECT id FROM accounts").Query(func(rows pgx.Rows) error {
		var err error
		mine, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	b.Queue("SELECT count(*) FROM accounts WHERE id = $1", accB).QueryRow(func(r pgx.Row) error { return r.Scan(&theirs) })
	b.Queue("SELECT current_setting('transaction_read_only')").QueryRow(func(r pgx.Row) error { return r.Scan(&readOnly) })
	require.NoError(t, db.App.ReadBatch(ctxA, b))
	require.Equal(t, a.ID.String(), setting)
	require.Equal(t, []uuid.UUID{accA}, mine)
	require.Zero(t, theirs, "another tenant's row read")
	require.Equal(t, "on", readOnly)
	requireNothingLeft(t, pool)

	// A write is refused (read only), a failing statement skips the rest:
	// either way the transaction is gone and the connection clean.
	ran := false
	b = &pgx.Batch{}
	b.Queue("UPDATE accounts SET full_name = 'x'")
	b.Queue("SELECT 1").QueryRow(func(pgx.Row) error { ran = true; return nil })
	err := db.App.ReadBatch(ctxA, b)
	require.ErrorContains(t, err, "read-only transaction")
	require.False(t, ran)
	requireNothingLeft(t, pool)

	// A callback's error is returned as it is.
	boom := errors.New("boom")
	b = &pgx.Batch{}
	b.Queue("SELECT 1").QueryRow(func(pgx.Row) error { return boom })
	require.ErrorIs(t, db.App.ReadBatch(ctxA, b), boom)
	requireNothingLeft(t, pool)

	require.ErrorIs(t, db.App.ReadBatch(t.Context(), &pgx.Batch{}), tenant.ErrNoTenant)
}

// TxBatch's first statements run in the tenant's transaction, before fn and
// in the same transaction; an error among them rolls back without fn.
func TestTxBatchIsolation(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	a, b, accA, accB := twoAccounts(t, db)
	ctxA := tenant.With(t.Context(), a)
	pool := db.App.Pool()

	var (
		setting       string
		theirs, mine  int
		firstTx, fnTx int64
		renamed, own  int64
	)
	first := &pgx.Batch{}
	first.Queue("SELECT app_tenant_id()::text").QueryRow(func(r pgx.Row) error { return r.Scan(&setting) })
	first.Queue("SELECT count(*) FROM accounts WHERE id = $1", accB).QueryRow(func(r pgx.Row) error { return r.Scan(&theirs) })
	first.Queue("SELECT count(*) FROM accounts WHERE id = $1", accA).QueryRow(func(r pgx.Row) error { return r.Scan(&mine) })
	first.Queue("SELECT txid_current()").QueryRow(func(r pgx.Row) error { return r.Scan(&firstTx) })
	err := db.App.TxBatch(ctxA, first, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT txid_current()").Scan(&fnTx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "UPDATE accounts SET full_name = 'Ірина Нова' WHERE id = $1", accB)
		if err != nil {
			return err
		}
		renamed = tag.RowsAffected()
		_, err = tx.Exec(ctx, "UPDATE accounts SET tenant_id = $1 WHERE id = $2", b.ID, accA)
		return err
	})
	requireRLSViolation(t, err, "moving a row to B through TxBatch")
	require.Equal(t, a.ID.String(), setting)
	require.Zero(t, theirs, "another tenant's row read")
	require.Equal(t, 1, mine)
	require.Equal(t, firstTx, fnTx, "first and fn in two transactions")
	require.Zero(t, renamed, "another tenant's row updated")
	requireNothingLeft(t, pool)

	// A committed write, then a first statement that fails: fn does not run.
	err = db.App.TxBatch(ctxA, (&pgx.Batch{}), func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE accounts SET full_name = 'Ірина Нова' WHERE id = $1", accA)
		own = tag.RowsAffected()
		return err
	})
	require.NoError(t, err)
	require.EqualValues(t, 1, own)
	first = &pgx.Batch{}
	first.Queue("SELECT id FROM accounts WHERE id = $1", accB).QueryRow(func(r pgx.Row) error {
		var id uuid.UUID
		return r.Scan(&id)
	})
	err = db.App.TxBatch(ctxA, first, func(context.Context, pgx.Tx) error {
		t.Fatal("fn ran after its first statements failed")
		return nil
	})
	require.ErrorIs(t, err, pgx.ErrNoRows, "the callback's error as it returned it")
	first = &pgx.Batch{}
	first.Queue("SELECT 1/0")
	err = db.App.TxBatch(ctxA, first, func(context.Context, pgx.Tx) error {
		t.Fatal("fn ran after its first statements failed")
		return nil
	})
	require.ErrorContains(t, err, "division by zero")
	requireNothingLeft(t, pool)

	require.ErrorIs(t, db.App.TxBatch(t.Context(), first, func(context.Context, pgx.Tx) error { return nil }), tenant.ErrNoTenant)
}
