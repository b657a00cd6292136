// Package tenanttest is the test harness for code that stands on tenant:
// a real PostgreSQL cluster per test binary, started from the system's
// server binaries, and a fresh database per test cloned from a template that
// was migrated once.
//
// Use it from a package's TestMain, so the cluster stops when the tests end:
//
//	func TestMain(m *testing.M) { tenanttest.Main(m) }
//
// then, in a test:
//
//	db := tenanttest.New(t)          // a migrated database of its own
//	kyiv := tenanttest.NewTenant(t, db)
//	ctx := tenant.With(t.Context(), kyiv)
//	err := db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error { … })
//
// db.App connects as hromada_app, the role the server uses, so every test
// goes through row-level security; db.Owner is the owner, for set-up and
// the operator's paths. Cloning the template takes well under a second, so
// tests can run in parallel, each in a database nobody else touches.
package tenanttest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/localpg"
	"hromada/migrations"
	"hromada/tenant"
)

const template = "hromada_template"

var (
	once       sync.Once
	cluster    *localpg.Cluster
	clusterErr error
	createMu   sync.Mutex
	seq        atomic.Int64
	pidFile    = "owner.pid"
)

// Settings are extra postgresql.conf settings for this test binary's
// cluster, set by a package's TestMain before Main (the cluster starts on
// first use). The clusters run without fsync and with asynchronous commit
// (localpg), which is right for tests that never crash PostgreSQL.
var Settings map[string]string

// Main runs the tests of a package and stops its cluster afterwards.
func Main(m *testing.M) {
	code := m.Run()
	StopMinIO()
	if cluster != nil {
		if err := cluster.ForceStop(); err != nil {
			fmt.Fprintln(os.Stderr, "tenanttest:", err)
		}
		_ = os.RemoveAll(filepath.Dir(cluster.Dir))
	}
	os.Exit(code)
}

// Cluster returns the test binary's cluster, starting it on first use.
func Cluster(tb testing.TB) *localpg.Cluster {
	tb.Helper()
	once.Do(func() { cluster, clusterErr = start() })
	if clusterErr != nil {
		tb.Fatalf("tenanttest: %v", clusterErr)
	}
	return cluster
}

func start() (*localpg.Cluster, error) {
	ctx := context.Background()
	reapStale()
	root, err := os.MkdirTemp("", "hromada-test-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(root, pidFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	c, err := localpg.Open(ctx, localpg.Options{Dir: filepath.Join(root, "pg"), Settings: Settings})
	if err != nil {
		return nil, err
	}
	if err := c.EnsureDatabase(ctx, template); err != nil {
		return c, err
	}
	if err := migrations.Up(ctx, c.DSN(localpg.Owner, template), nil); err != nil {
		return c, err
	}
	return c, nil
}

// reapStale stops and removes the clusters of test binaries that died
// without running Main's clean-up (a killed `go test`).
func reapStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "hromada-test-*"))
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, pidFile))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		if pid <= 0 || processAlive(pid) {
			continue
		}
		if c, err := localpg.Attach(filepath.Join(d, "pg")); err == nil {
			_ = c.ForceStop()
		}
		_ = os.RemoveAll(d)
	}
}

// DB is one test's database.
type DB struct {
	Name        string
	OwnerDSN    string
	AppDSN      string
	OperatorDSN string // hromada_operator: platform tables only
	// Owner connects as the owner role: set-up, the operator's paths.
	Owner *pgxpool.Pool
	// App is the gate over a pool connecting as hromada_app.
	App *tenant.DB
}

// New returns a fresh migrated database for tb, dropped from use when tb ends.
func New(tb testing.TB) *DB {
	tb.Helper()
	c := Cluster(tb)
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), seq.Add(1))
	if err := clone(ctx, c, name); err != nil {
		tb.Fatalf("tenanttest: %v", err)
	}
	db := &DB{Name: name, OwnerDSN: c.DSN(localpg.Owner, name), AppDSN: c.DSN(localpg.App, name), OperatorDSN: c.DSN(localpg.Operator, name)}
	var err error
	if db.Owner, err = pgxpool.New(ctx, db.OwnerDSN+"&pool_max_conns=4"); err != nil {
		tb.Fatalf("tenanttest: %v", err)
	}
	pc, err := pgxpool.ParseConfig(db.AppDSN + "&pool_max_conns=8")
	if err != nil {
		tb.Fatalf("tenanttest: %v", err)
	}
	pc.AfterConnect = tenant.RegisterTypes // as the server's pool
	appPool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		tb.Fatalf("tenanttest: %v", err)
	}
	db.App = tenant.NewDB(appPool)
	tb.Cleanup(func() {
		appPool.Close()
		db.Owner.Close()
	})
	return db
}

func clone(ctx context.Context, c *localpg.Cluster, name string) error {
	// PostgreSQL refuses to copy a template that another CREATE DATABASE
	// is reading at the same moment.
	createMu.Lock()
	defer createMu.Unlock()
	conn, err := pgx.Connect(ctx, c.DSN(localpg.Superuser, "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s OWNER %s STRATEGY FILE_COPY", name, template, localpg.Owner))
	return err
}

// NewTenant creates an active tenant with a unique slug in db.
func NewTenant(tb testing.TB, db *DB) *tenant.Tenant {
	tb.Helper()
	return NewTenantWith(tb, db, tenant.CreateParams{})
}

// NewTenantWith creates a tenant from p, filling a unique slug and a name
// where p has none.
func NewTenantWith(tb testing.TB, db *DB, p tenant.CreateParams) *tenant.Tenant {
	tb.Helper()
	if p.Slug == "" {
		p.Slug = "t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	}
	if p.Name == "" {
		p.Name = "Громада " + p.Slug
	}
	ctx := context.Background()
	var t *tenant.Tenant
	err := pgx.BeginFunc(ctx, db.Owner, func(tx pgx.Tx) error {
		var err error
		t, err = tenant.Create(ctx, tx, p)
		return err
	})
	if err != nil {
		tb.Fatalf("tenanttest: create tenant: %v", err)
	}
	return t
}
