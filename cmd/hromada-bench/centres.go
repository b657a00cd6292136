package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/localpg"
	"hromada/modules/catalog"
	"hromada/modules/centres"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/ukid"
)

// runCentres measures the rush for the last slots of a day (issue 19):
// -residents concurrent residents, each trying the day's -slots free
// times from a random one until one is theirs (as a person picks another
// time after «taken»), through centres.Service.Book — the person's lock
// and limit, the slot computation, the insert the exclusion constraint
// decides, the confirmation notice, all in one tenant.Tx. It checks that
// exactly -slots bookings exist and no two overlap on a window, and
// reports the p50 and p99 of one Book call. The fixed baseline, in
// alternating rounds: the same clients racing for the same number of rows
// of a bare table with a primary key (INSERT, a unique violation tries the
// next), with no tenancy, no lock and no notice.
func runCentres() error {
	residents := flag.Int("residents", 100, "concurrent residents")
	nSlots := flag.Int("slots", 10, "free slots of the day (one window, 30 minutes each)")
	rounds := flag.Int("rounds", 5, "alternating rounds")
	flag.Parse()
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
	defer super.Close(ctx)
	pool, err := pgxpool.New(ctx, c.DSN(localpg.App, "bench")+fmt.Sprintf("&pool_max_conns=%d", *residents))
	if err != nil {
		return err
	}
	defer pool.Close()
	db := tenant.NewDB(pool)
	city := &tenant.Tenant{ID: uuid.New(), Slug: "bench"}
	if _, err := super.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES ($1, 'bench', 'Громада')`, city.ID); err != nil {
		return err
	}
	if _, err := super.Exec(ctx, `CREATE TABLE bench_slots (slot integer PRIMARY KEY, who integer NOT NULL); GRANT SELECT, INSERT ON bench_slots TO hromada_app`); err != nil {
		return err
	}
	// A Monday whose hours give exactly nSlots slots of 30 minutes; the
	// clock stands before opening.
	day := time.Date(2030, 1, 7, 0, 0, 0, 0, tenant.Zone)
	now := day.Add(7 * time.Hour)
	closes := 9*60 + 30**nSlots
	ctxCity := tenant.With(ctx, city)
	people := make([]context.Context, *residents)
	err = db.Tx(ctxCity, func(ctx context.Context, tx pgx.Tx) error {
		err := catalog.LoadRegister(ctx, tx, catalog.Register{
			Providers: []catalog.Provider{{Code: "cnap", Name: catalog.Text{UK: "ЦНАП"}}},
			Centres:   []catalog.Centre{{Code: "cnap-b", Kind: "centre", Name: catalog.Text{UK: "ЦНАП"}}},
			Services: []catalog.RegisteredService{{Provider: "cnap", Content: catalog.Content{Code: "B-1",
				Name: catalog.Text{UK: "Паспорт"}, Centres: []string{"cnap-b"}}}},
		})
		if err != nil {
			return err
		}
		if err := centres.Configure(ctx, tx, centres.Setup{Centre: "cnap-b", Provider: "cnap", Minutes: map[string]int{"B-1": 30},
			Hours:   []centres.SetupHours{{Weekday: 1, Opens: "09:00", Closes: fmt.Sprintf("%02d:%02d", closes/60, closes%60)}},
			Windows: []centres.SetupWindow{{Number: 1, Services: []string{"B-1"}}}}); err != nil {
			return err
		}
		for i := range people {
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: benchRNOKPP(i), FullName: "Мешканець " + strconv.Itoa(i)})
			if err != nil {
				return err
			}
			people[i] = identity.WithSigned(ctxCity, &identity.Signed{AccountID: a.ID})
		}
		return nil
	})
	if err != nil {
		return err
	}
	notices, err := notify.New(notify.Options{DB: db, Log: slog.New(slog.DiscardHandler),
		Insert:    func(context.Context, pgx.Tx, tenant.JobArgs) error { return errors.New("no channel in the benchmark") },
		PortalURL: func(*tenant.Tenant) string { return "http://bench.localhost" }})
	if err != nil {
		return err
	}
	svc := centres.New(centres.Options{DB: db, Notify: notices, Now: func() time.Time { return now }})
	starts := make([]time.Time, *nSlots)
	for i := range starts {
		starts[i] = day.Add(9*time.Hour + time.Duration(30*i)*time.Minute)
	}

	// rush runs one round: every resident tries the slots from a random
	// one until one is theirs or all are taken; it returns each call's
	// time and how many won.
	rush := func(try func(ctx context.Context, who, slot int) (bool, error)) ([]time.Duration, int, error) {
		var (
			mu    sync.Mutex
			lat   []time.Duration
			won   int
			first error
			wg    sync.WaitGroup
			start = make(chan struct{})
		)
		for who := range *residents {
			wg.Go(func() {
				<-start
				from := rand.IntN(*nSlots)
				for k := range *nSlots {
					t0 := time.Now()
					ok, err := try(people[who], who, (from+k)%*nSlots)
					d := time.Since(t0)
					mu.Lock()
					lat = append(lat, d)
					if ok {
						won++
					}
					if err != nil && first == nil {
						first = err
					}
					mu.Unlock()
					if ok || err != nil {
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		return lat, won, first
	}
	hromada := func(ctx context.Context, _ int, slot int) (bool, error) {
		_, err := svc.Book(ctx, "cnap-b", "B-1", starts[slot], uuid.Nil)
		if errors.Is(err, centres.ErrSlotTaken) {
			return false, nil
		}
		return err == nil, err
	}
	baseline := func(ctx context.Context, who, slot int) (bool, error) {
		_, err := pool.Exec(ctx, `INSERT INTO bench_slots (slot, who) VALUES ($1, $2)`, slot, who)
		var pg *pgconn.PgError
		if errors.As(err, &pg) && pg.Code == "23505" {
			return false, nil
		}
		return err == nil, err
	}
	fmt.Printf("%d residents racing for the last %d slots of a day, %d alternating rounds\n", *residents, *nSlots, *rounds)
	var p99s, basep99s []float64
	for round := range *rounds {
		if _, err := super.Exec(ctx, `TRUNCATE visits, notifications, bench_slots CASCADE`); err != nil {
			return err
		}
		order := []string{"hromada", "baseline"}
		if round%2 == 1 {
			order = []string{"baseline", "hromada"}
		}
		for _, side := range order {
			fn := hromada
			if side == "baseline" {
				fn = baseline
			}
			lat, won, err := rush(fn)
			if err != nil {
				return fmt.Errorf("%s: %w", side, err)
			}
			if won != *nSlots {
				return fmt.Errorf("%s: %d won, want exactly %d", side, won, *nSlots)
			}
			p50, p99 := pct(lat, 50), pct(lat, 99)
			if side == "baseline" {
				basep99s = append(basep99s, float64(p99))
				fmt.Printf("  round %d baseline: %d calls, p50 %s, p99 %s\n", round+1, len(lat), p50, p99)
				continue
			}
			var booked, doubles int
			err = super.QueryRow(ctx, `SELECT count(*), (SELECT count(*) FROM visits a JOIN visits b ON a.window_id = b.window_id AND a.id < b.id
				AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at) AND a.status <> 'cancelled' AND b.status <> 'cancelled')
				FROM visits WHERE status = 'booked'`).Scan(&booked, &doubles)
			if err != nil {
				return err
			}
			if booked != *nSlots || doubles != 0 {
				return fmt.Errorf("hromada: %d bookings and %d double bookings, want %d and 0", booked, doubles, *nSlots)
			}
			p99s = append(p99s, float64(p99))
			fmt.Printf("  round %d hromada:  %d calls, %d bookings, %d double bookings, p50 %s, p99 %s\n", round+1, len(lat), booked, doubles, p50, p99)
		}
	}
	fmt.Printf("booking p99 (median of rounds) %s, baseline p99 %s, ratio %.2f\n",
		time.Duration(median(p99s)).Round(time.Microsecond), time.Duration(median(basep99s)).Round(time.Microsecond), median(p99s)/median(basep99s))
	return nil
}

// pct is the p-th percentile of d.
func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(time.Microsecond)
}

// benchRNOKPP is the i-th valid РНОКПП of the benchmark's residents.
func benchRNOKPP(i int) string {
	base := strconv.Itoa(320000000 + i*13)
	for d := range 10 {
		if s := base + strconv.Itoa(d); ukid.ValidRNOKPP(s) {
			return s
		}
	}
	return base + "0"
}
