package access_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// clock is a settable clock for temporary blocks.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testBundle is one test's tenant with the default policy, a Service on the
// app role, two providers and a clock.
type testBundle struct {
	db     *tenanttest.DB
	tn     *tenant.Tenant
	ctx    context.Context
	svc    *access.Service
	clock  *clock
	provA  uuid.UUID
	provB  uuid.UUID
	admin  uuid.UUID // holds administrator (bootstrapped)
	grants map[uuid.UUID]uuid.UUID
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := tenanttest.New(t)
	return setupIn(t, db)
}

// setupIn makes a new tenant in db, with its defaults installed the way the
// lead's tenant creation does: InstallDefaults in a tenant.Tx.
func setupIn(t *testing.T, db *tenanttest.DB) *testBundle {
	t.Helper()
	tn := tenanttest.NewTenant(t, db)
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	b := &testBundle{db: db, tn: tn, ctx: tenant.With(t.Context(), tn), clock: c, grants: map[uuid.UUID]uuid.UUID{}}
	b.svc = access.New(db.App, &access.Options{Now: c.Now, Log: tlog(t)})
	require.NoError(t, db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return b.svc.InstallDefaults(ctx, tx)
	}))
	b.provA = b.provider(t, "dep-a")
	b.provB = b.provider(t, "dep-b")
	b.admin = b.staff(t, access.RoleAdministrator, nil)
	return b
}

// account creates an account of the bundle's tenant.
func (b *testBundle) account(t *testing.T) uuid.UUID {
	t.Helper()
	id := uuid.New()
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), $1, $2, $3)`,
			id, fmt.Sprintf("%010d", rand.Int64N(1e10)), "Тестова Особа")
		return err
	}))
	return id
}

func (b *testBundle) provider(t *testing.T, code string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO providers (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), $1, $2, $3)`, id, code, "Департамент "+code)
		return err
	}))
	return id
}

// staff creates an account holding role (at provider), granted by the
// platform, and remembers its grant.
func (b *testBundle) staff(t *testing.T, role string, provider *uuid.UUID) uuid.UUID {
	t.Helper()
	id := b.account(t)
	c, err := b.svc.Bootstrap(b.ctx, id, role, provider, "наказ № 1")
	require.NoError(t, err)
	b.grants[id] = c.After.ID
	return id
}

func (b *testBundle) allowed(t *testing.T, svc *access.Service, who uuid.UUID, obj, act, scope string) bool {
	t.Helper()
	ok, err := svc.Allowed(b.ctx, access.Subject{AccountID: who}, obj, act, scope)
	require.NoError(t, err)
	return ok
}

// tlog sends the Service's warnings to the test's output.
func tlog(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

func ptr[T any](v T) *T { return &v }
