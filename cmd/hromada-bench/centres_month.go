package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/localpg"
	"hromada/modules/catalog"
	"hromada/modules/centres"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
)

// runCentresMonth measures the slots computation for a centre's month
// (issue 19's benchmark, its second half): the booking page's calendar
// once a service is chosen — centres.Service.Picker, which computes every
// free slot of the next centres.Horizon days from the hours, the break,
// the holidays, the windows serving the service and the bookings, to
// count each day's free times. The centre is a busy one: -windows
// windows, Monday to Friday 08:00–18:00 with a break 13:00–14:00,
// Saturday 09:00–14:00, 15-minute appointments, and every morning of the
// month half booked on three windows. The fixed baseline, in alternating
// rounds: one read transaction in the same city reading the same month's
// bookings of the centre, without computing anything.
func runCentresMonth() error {
	windows := flag.Int("windows", 6, "windows serving the service")
	calls := flag.Int("calls", 200, "Picker calls per round")
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
	pool, err := pgxpool.New(ctx, c.DSN(localpg.App, "bench"))
	if err != nil {
		return err
	}
	defer pool.Close()
	db := tenant.NewDB(pool)
	city := &tenant.Tenant{ID: uuid.New(), Slug: "bench"}
	if _, err := super.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES ($1, 'bench', 'Громада')`, city.ID); err != nil {
		return err
	}
	// The clock: a Monday before opening; the month ahead of it.
	day := time.Date(2030, 1, 7, 0, 0, 0, 0, tenant.Zone)
	now := day.Add(7 * time.Hour)
	ctxCity := tenant.With(ctx, city)
	var account uuid.UUID
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
		setup := centres.Setup{Centre: "cnap-b", Provider: "cnap", Minutes: map[string]int{"B-1": 15},
			Hours: []centres.SetupHours{{Weekday: 6, Opens: "09:00", Closes: "14:00"}}}
		for wd := 1; wd <= 5; wd++ {
			setup.Hours = append(setup.Hours, centres.SetupHours{Weekday: wd, Opens: "08:00", Closes: "18:00", Break: "13:00-14:00"})
		}
		for n := 1; n <= *windows; n++ {
			setup.Windows = append(setup.Windows, centres.SetupWindow{Number: n, Services: []string{"B-1"}})
		}
		if err := centres.Configure(ctx, tx, setup); err != nil {
			return err
		}
		a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: benchRNOKPP(0), FullName: "Мешканець"})
		account = a.ID
		return err
	})
	if err != nil {
		return err
	}
	// Every other quarter-hour of each weekday morning, on windows 1–3,
	// booked (as the superuser: no limit per person applies here).
	tag, err := super.Exec(ctx, `INSERT INTO visits (tenant_id, id, kind, code, ticket, centre_id, service_id, account_id, window_id,
			starts_at, ends_at, day, status)
		SELECT $1, gen_random_uuid(), 'booking', 'B' || n, 'З-' || n, c.id, s.id, $2, w.id, t, t + interval '15 minutes',
			(t AT TIME ZONE 'Europe/Kyiv')::date, 'booked'
		FROM (SELECT t, w, row_number() OVER () AS n FROM generate_series($3::timestamptz, $3::timestamptz + interval '30 days', interval '30 minutes') t,
			generate_series(1, 3) w) g
		JOIN centres c ON c.tenant_id = $1 AND c.code = 'cnap-b'
		JOIN services s ON s.tenant_id = $1 AND s.code = 'B-1'
		JOIN centre_windows w ON w.tenant_id = $1 AND w.centre_id = c.id AND w.number = g.w
		WHERE extract(isodow FROM t AT TIME ZONE 'Europe/Kyiv') <= 5
			AND (t AT TIME ZONE 'Europe/Kyiv')::time BETWEEN '08:00' AND '12:45'`, city.ID, account, day)
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

	picker := func() error {
		p, err := svc.Picker(ctxCity, "cnap-b", "B-1", time.Time{}, uuid.Nil)
		if err == nil && len(p.Days) == 0 {
			err = errors.New("no days computed")
		}
		return err
	}
	baseline := func() error {
		return db.ReadTx(ctxCity, func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT v.window_id, v.starts_at, v.ends_at FROM visits v JOIN centres c ON c.id = v.centre_id
				WHERE c.code = 'cnap-b' AND v.kind = 'booking' AND v.status <> 'cancelled' AND v.starts_at >= $1 AND v.starts_at < $2`,
				now, now.AddDate(0, 0, centres.Horizon))
			if err != nil {
				return err
			}
			_, err = pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
				W    uuid.UUID
				S, E time.Time
			}])
			return err
		})
	}
	fmt.Printf("a centre's month of slots: %d windows, %d bookings in the month, %d Picker calls per round, %d alternating rounds\n",
		*windows, tag.RowsAffected(), *calls, *rounds)
	var p99s, basep99s []float64
	for round := range *rounds {
		order := []string{"hromada", "baseline"}
		if round%2 == 1 {
			order = []string{"baseline", "hromada"}
		}
		for _, side := range order {
			fn := picker
			if side == "baseline" {
				fn = baseline
			}
			lat := make([]time.Duration, 0, *calls)
			for range *calls {
				t0 := time.Now()
				if err := fn(); err != nil {
					return fmt.Errorf("%s: %w", side, err)
				}
				lat = append(lat, time.Since(t0))
			}
			p50, p99 := pct(lat, 50), pct(lat, 99)
			if side == "baseline" {
				basep99s = append(basep99s, float64(p99))
			} else {
				p99s = append(p99s, float64(p99))
			}
			fmt.Printf("  round %d %-8s p50 %s, p99 %s\n", round+1, side+":", p50, p99)
		}
	}
	fmt.Printf("month of slots p99 (median of rounds) %s, baseline p99 %s, ratio %.2f\n",
		time.Duration(median(p99s)).Round(time.Microsecond), time.Duration(median(basep99s)).Round(time.Microsecond), median(p99s)/median(basep99s))
	return nil
}
