package content_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
	"hromada/modules/content"
	"hromada/modules/docstore"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// env is one test's city with the content Service on a clock the test
// moves.
type env struct {
	db  *tenanttest.DB
	ctx context.Context
	svc *content.Service
	now time.Time
}

func setup(t *testing.T) *env {
	t.Helper()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	e := &env{db: db, ctx: tenant.With(t.Context(), tn), now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	n, err := notify.New(notify.Options{DB: db.App, Log: log, PortalURL: func(*tenant.Tenant) string { return "http://city.test" },
		Insert: func(context.Context, pgx.Tx, tenant.JobArgs) error { return nil }})
	require.NoError(t, err)
	docs, err := docstore.OpenDir(t.TempDir())
	require.NoError(t, err)
	e.svc = content.New(db.App, content.Options{Audit: audit.New(db.App, log), Docs: docs, Notify: n, Log: log, Now: func() time.Time { return e.now }})
	return e
}

// person makes an account and returns a context signed in as it.
func (e *env) person(t *testing.T, name string) (context.Context, uuid.UUID) {
	t.Helper()
	id := uuid.New()
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), $1, $2, $3)`,
			id, fmt.Sprintf("%010d", rand.Int64N(1e10)), name)
		return err
	}))
	return identity.WithSigned(e.ctx, &identity.Signed{AccountID: id, FullName: name}), id
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	}))
	return n
}
