package onboarding

import (
	"context"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

const rnokpp = "3221501449" // a valid check digit

type testBundle struct {
	db  *tenanttest.DB
	tn  *tenant.Tenant
	ctx context.Context
	svc *Service
	op  *pgxpool.Pool // as hromada_operator
}

func newBundle(t *testing.T) *testBundle {
	t.Helper()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	acc := access.New(db.App, &access.Options{Log: log, Journal: audit.New(db.App, log)})
	op, err := pgxpool.New(t.Context(), db.OperatorDSN)
	require.NoError(t, err)
	t.Cleanup(op.Close)
	return &testBundle{db: db, tn: tn, ctx: tenant.With(t.Context(), tn), svc: New(db.App, acc, log), op: op}
}

func (b *testBundle) appoint(t *testing.T, id string) error {
	t.Helper()
	return b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error { return b.svc.appoint(ctx, tx, 0, id, AppointReason) })
}

// counts returns the tenant's administrator grants and appointment events.
func (b *testBundle) counts(t *testing.T) (grants, events int) {
	t.Helper()
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM access_grants WHERE role = 'administrator' AND granted_by IS NULL`).Scan(&grants); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'access.bootstrap' AND actor_id = ''`).Scan(&events)
	}))
	return grants, events
}

func (b *testBundle) hasAdministrator(t *testing.T) bool {
	t.Helper()
	var ok bool
	var setting string
	require.NoError(t, pgx.BeginFunc(t.Context(), b.op, func(tx pgx.Tx) error {
		if err := tx.QueryRow(t.Context(), `SELECT tenant_has_administrator($1)`, b.tn.ID).Scan(&ok); err != nil {
			return err
		}
		// The function leaves no tenant behind in the operator's transaction.
		return tx.QueryRow(t.Context(), `SELECT coalesce(current_setting('app.tenant_id', true), '')`).Scan(&setting)
	}))
	require.Empty(t, setting)
	return ok
}

func TestAppoint(t *testing.T) {
	t.Parallel()

	t.Run("AppointsOnceAndAudits", func(t *testing.T) {
		t.Parallel()
		b := newBundle(t)
		require.False(t, b.hasAdministrator(t))
		require.NoError(t, b.appoint(t, rnokpp))
		g, e := b.counts(t)
		require.Equal(t, 1, g)
		require.Equal(t, 1, e)
		require.True(t, b.hasAdministrator(t))
		var name string
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT full_name FROM accounts WHERE rnokpp = $1`, rnokpp).Scan(&name)
		}))
		require.Empty(t, name, "the name comes at the first sign-in")

		// A retried job finds the grant made: no error, nothing doubled.
		require.NoError(t, b.appoint(t, rnokpp))
		g, e = b.counts(t)
		require.Equal(t, 1, g)
		require.Equal(t, 1, e)
	})

	t.Run("BadRNOKPPIsCancelled", func(t *testing.T) {
		t.Parallel()
		b := newBundle(t)
		for _, bad := range []string{"", "1234567890", "322150144"} {
			err := b.appoint(t, bad)
			require.ErrorIs(t, err, ErrNoRNOKPP)
		}
		g, _ := b.counts(t)
		require.Zero(t, g)
		require.False(t, b.hasAdministrator(t))
	})

	t.Run("OnlyItsTenant", func(t *testing.T) {
		t.Parallel()
		b := newBundle(t)
		other := tenanttest.NewTenant(t, b.db)
		require.NoError(t, b.appoint(t, rnokpp))
		var ok bool
		require.NoError(t, b.op.QueryRow(t.Context(), `SELECT tenant_has_administrator($1)`, other.ID).Scan(&ok))
		require.False(t, ok)
	})
}
