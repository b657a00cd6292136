// Command hromada-bench measures what the tenancy costs: an indexed point
// read through tenant.Tx on a table with forced row-level security, against
// the same read, in the same transaction shape, by a role that bypasses RLS
// — and both against a bare SELECT outside any transaction, for scale.
//
// It starts its own PostgreSQL cluster (durable: fsync and synchronous
// commit on; shared_buffers 512MB, as docs/perf.md assumes), loads 1,000
// tenants × 1,000 rows, runs alternating rounds and prints the medians and
// the ratio. `hromada-bench search` measures catalog search (search.go),
// `hromada-bench applications` the signed submission (applications.go),
// `hromada-bench centres` the rush for a day's last slots (centres.go),
// `hromada-bench notices` a bulk send beside urgent notices (notices_bulk.go).
// Run both with `make bench`.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/localpg"
	"hromada/migrations"
	"hromada/tenant"
)

func main() {
	// As cmd/hromada: the server's garbage collector target (gcPercent).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if len(os.Args) > 1 && os.Args[1] == "search" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		if err := runSearch(); err != nil {
			fmt.Fprintln(os.Stderr, "hromada-bench search:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "pipeline" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		if err := runPipeline(); err != nil {
			fmt.Fprintln(os.Stderr, "hromada-bench pipeline:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "notices" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		if err := runNoticesBulk(); err != nil {
			fmt.Fprintln(os.Stderr, "hromada-bench notices:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "applications" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		if err := runApplications(); err != nil {
			fmt.Fprintln(os.Stderr, "hromada-bench applications:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "centres-month" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		if err := runCentresMonth(); err != nil {
			fmt.Fprintln(os.Stderr, "hromada-bench centres-month:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "centres" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		if err := runCentres(); err != nil {
			fmt.Fprintln(os.Stderr, "hromada-bench centres:", err)
			os.Exit(1)
		}
		return
	}
	tenants := flag.Int("tenants", 1000, "tenants")
	rows := flag.Int("rows", 1000, "rows per tenant")
	rounds := flag.Int("rounds", 15, "alternating rounds per variant")
	reads := flag.Int("reads", 10000, "reads per variant per round")
	clients := flag.Int("clients", 1, "concurrent clients")
	flag.Parse()
	if err := run(*tenants, *rows, *rounds, *reads, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "hromada-bench:", err)
		os.Exit(1)
	}
}

func run(nTenants, nRows, rounds, reads, clients int) error {
	ctx := context.Background()
	c, stop, err := startCluster(ctx)
	if err != nil {
		return err
	}
	defer stop()
	super, err := pgx.Connect(ctx, c.DSN(localpg.Superuser, "bench"))
	if err != nil {
		return err
	}
	fmt.Printf("loading %d tenants × %d rows…\n", nTenants, nRows)
	start := time.Now()
	_, err = super.Exec(ctx, fmt.Sprintf(`
		CREATE ROLE bench_bypass LOGIN BYPASSRLS;
		CREATE TABLE bench_items (
		    tenant_id uuid NOT NULL REFERENCES tenants (id),
		    id        bigint NOT NULL,
		    title     text NOT NULL,
		    PRIMARY KEY (tenant_id, id));
		ALTER TABLE bench_items ENABLE ROW LEVEL SECURITY;
		ALTER TABLE bench_items FORCE ROW LEVEL SECURITY;
		CREATE POLICY bench_items_tenant ON bench_items USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
		GRANT SELECT ON bench_items TO hromada_app, bench_bypass;
		GRANT SELECT ON tenants TO bench_bypass;
		INSERT INTO tenants (id, slug, name)
		    SELECT gen_random_uuid(), 'bench' || g, 'Громада ' || g FROM generate_series(1, %d) g;
		INSERT INTO bench_items (tenant_id, id, title)
		    SELECT t.id, g, 'Довідка про реєстрацію місця проживання № ' || g FROM tenants t, generate_series(1, %d) g;`, nTenants, nRows))
	if err != nil {
		return err
	}
	if _, err := super.Exec(ctx, `VACUUM ANALYZE bench_items`); err != nil {
		return err
	}
	super.Close(ctx)
	fmt.Printf("loaded in %s\n", time.Since(start).Round(time.Millisecond))

	pool := func(user string) (*pgxpool.Pool, error) {
		return pgxpool.New(ctx, c.DSN(user, "bench")+fmt.Sprintf("&pool_max_conns=%d&pool_min_conns=%d", clients, clients))
	}
	appPool, err := pool(localpg.App)
	if err != nil {
		return err
	}
	bypassPool, err := pool("bench_bypass")
	if err != nil {
		return err
	}
	var ids []uuid.UUID
	rs, err := appPool.Query(ctx, `SELECT id FROM tenants`)
	if err != nil {
		return err
	}
	if ids, err = pgx.CollectRows(rs, pgx.RowTo[uuid.UUID]); err != nil {
		return err
	}
	tenantsByID := make([]*tenant.Tenant, len(ids))
	for i, id := range ids {
		tenantsByID[i] = &tenant.Tenant{ID: id}
	}

	// Each variant reads one random row of one random tenant.
	through := func(db *tenant.DB) func(ctx context.Context, r *rand.Rand) error {
		return func(ctx context.Context, r *rand.Rand) error {
			t := tenantsByID[r.IntN(len(tenantsByID))]
			id := r.IntN(nRows) + 1
			return db.ReadTx(tenant.With(ctx, t), func(ctx context.Context, tx pgx.Tx) error {
				var title string
				return tx.QueryRow(ctx, `SELECT title FROM bench_items WHERE tenant_id = $1 AND id = $2`, t.ID, id).Scan(&title)
			})
		}
	}
	bare := func(ctx context.Context, r *rand.Rand) error {
		t := tenantsByID[r.IntN(len(tenantsByID))]
		var title string
		return bypassPool.QueryRow(ctx, `SELECT title FROM bench_items WHERE tenant_id = $1 AND id = $2`, t.ID, r.IntN(nRows)+1).Scan(&title)
	}
	variants := []struct {
		name string
		fn   func(context.Context, *rand.Rand) error
	}{
		{"rls (hromada_app, tenant.Tx)", through(tenant.NewDB(appPool))},
		{"bypassrls (same tenant.Tx shape)", through(tenant.NewDB(bypassPool))},
		{"bare select, no transaction", bare},
	}
	// Show the plans: both must be the same index scan, RLS adding only a
	// filter on the row the index found.
	for _, v := range []struct {
		name string
		db   *tenant.DB
	}{{"rls", tenant.NewDB(appPool)}, {"bypassrls", tenant.NewDB(bypassPool)}} {
		err := v.db.ReadTx(tenant.With(ctx, tenantsByID[0]), func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `EXPLAIN SELECT title FROM bench_items WHERE tenant_id = $1 AND id = $2`, ids[0], 7)
			if err != nil {
				return err
			}
			plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			fmt.Printf("plan (%s):\n", v.name)
			for _, l := range plan {
				fmt.Println("   ", l)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Warm up caches and connections.
	for _, v := range variants {
		if _, err := measure(ctx, v.fn, reads/4, clients); err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
	}
	results := make([][]time.Duration, len(variants))
	for round := range rounds {
		// Alternate the order, so neither variant always runs first.
		order := []int{0, 1, 2}
		if round%2 == 1 {
			order = []int{1, 0, 2}
		}
		for _, i := range order {
			per, err := measure(ctx, variants[i].fn, reads, clients)
			if err != nil {
				return fmt.Errorf("%s: %w", variants[i].name, err)
			}
			results[i] = append(results[i], per)
		}
		fmt.Printf("round %d/%d: rls %s  bypass %s  bare %s per read\n", round+1, rounds, results[0][round], results[1][round], results[2][round])
	}
	med := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	fmt.Printf("\nindexed point read, %d tenants × %d rows, %d clients, %d rounds × %d reads, medians (wall time per read / clients in flight):\n",
		nTenants, nRows, clients, rounds, reads)
	for i, v := range variants {
		m := med(results[i])
		fmt.Printf("  %-34s %8.1f µs/read  %8.0f reads/s\n", v.name, float64(m.Nanoseconds())/1e3, float64(time.Second)/float64(m))
	}
	// The ratio is the median of each round's own ratio: both variants of a
	// round ran back to back, so the machine's drift cancels out.
	var paired []float64
	for r := range results[0] {
		paired = append(paired, float64(results[0][r])/float64(results[1][r]))
	}
	slices.Sort(paired)
	fmt.Printf("\nRLS / BYPASSRLS ratio: %.3f (median of %d paired rounds; min %.3f, max %.3f; target ≤ 1.10)\n",
		paired[len(paired)/2], len(paired), paired[0], paired[len(paired)-1])
	fmt.Printf("tenant.Tx / bare select: %.2f\n", float64(med(results[0]))/float64(med(results[2])))
	return nil
}

// measure runs n calls of fn over clients goroutines and returns the wall
// time per call.
func measure(ctx context.Context, fn func(context.Context, *rand.Rand) error, n, clients int) (time.Duration, error) {
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			for range n / clients {
				if err := fn(ctx, r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return time.Since(start) / time.Duration(n), nil
}

// statementStats loads pg_stat_statements into the bench's cluster
// (applications and pipeline -pgstat).
var statementStats bool

// startCluster starts a durable cluster of its own with a migrated "bench"
// database; stop stops it and removes its files.
func startCluster(ctx context.Context) (*localpg.Cluster, func(), error) {
	root, err := os.MkdirTemp("", "hromada-bench-")
	if err != nil {
		return nil, nil, err
	}
	_ = os.Chmod(root, 0o755)
	settings := map[string]string{"shared_buffers": "512MB"}
	if statementStats {
		settings["shared_preload_libraries"] = "pg_stat_statements"
		settings["pg_stat_statements.track"] = "all" // the triggers' statements too
		settings["pg_stat_statements.track_planning"] = "on"
	}
	c, err := localpg.Open(ctx, localpg.Options{Dir: filepath.Join(root, "pg"), Durable: true, Settings: settings})
	if err != nil {
		os.RemoveAll(root)
		return nil, nil, err
	}
	stop := func() {
		_ = c.ForceStop()
		_ = os.RemoveAll(root)
	}
	if err := c.EnsureDatabase(ctx, "bench"); err != nil {
		stop()
		return nil, nil, err
	}
	if err := migrations.Up(ctx, c.DSN(localpg.Owner, "bench"), nil); err != nil {
		stop()
		return nil, nil, err
	}
	return c, stop, nil
}
