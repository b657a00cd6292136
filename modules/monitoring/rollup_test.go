package monitoring_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/monitoring"
	"hromada/tenant"
)

// The expected indicators are computed here from the source tables again,
// another way: a grid of (day, service, provider) with a correlated count
// per cell, or the raw rows counted in Go. They share nothing with
// rollup.go but the definitions in docs/monitoring.md.

const kyiv = `'Europe/Kyiv'`

// expectedServiceDaysSQL: one row per non-empty cell, the columns in the
// rollup's order.
const expectedServiceDaysSQL = `
WITH grid AS (
	SELECT g::date AS day, s.id AS service_id, p.id AS provider_id
	FROM generate_series('2026-02-25'::date, timezone(` + kyiv + `, now())::date, '1 day') g, services s, providers p
), x AS (
	SELECT g.day, g.service_id, g.provider_id,
		(SELECT coalesce(sum(v.views), 0) FROM service_card_views v, services s2 WHERE s2.id = v.service_id
			AND v.service_id = g.service_id AND s2.provider_id = g.provider_id AND v.day = g.day) AS card_views,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id
			AND timezone(` + kyiv + `, a.created_at)::date = g.day) AS started,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id
			AND timezone(` + kyiv + `, a.received_at)::date = g.day) AS submitted,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id
			AND a.decision IS NOT NULL AND a.decided_by IS NULL AND timezone(` + kyiv + `, a.decided_at)::date = g.day) AS automatic,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id
			AND a.decided_by IS NOT NULL AND timezone(` + kyiv + `, a.decided_at)::date = g.day) AS officials,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id
			AND a.decision = 'approved' AND timezone(` + kyiv + `, a.decided_at)::date = g.day) AS approved,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id
			AND a.decision = 'refused' AND timezone(` + kyiv + `, a.decided_at)::date = g.day) AS refused,
		(SELECT count(*) FROM application_events e JOIN applications a ON a.id = e.application_id WHERE a.service_id = g.service_id
			AND a.provider_id = g.provider_id AND e.to_status = 'issued' AND timezone(` + kyiv + `, e.at)::date = g.day) AS issued,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id AND a.decision IS NOT NULL
			AND timezone(` + kyiv + `, a.decided_at)::date = g.day AND timezone(` + kyiv + `, a.decided_at)::date <= a.due_on) AS on_time,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id AND a.decision IS NOT NULL
			AND timezone(` + kyiv + `, a.decided_at)::date = g.day AND timezone(` + kyiv + `, a.decided_at)::date > a.due_on) AS late,
		ARRAY(SELECT timezone(` + kyiv + `, a.decided_at)::date - timezone(` + kyiv + `, a.received_at)::date FROM applications a
			WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id AND a.decision IS NOT NULL
			AND timezone(` + kyiv + `, a.decided_at)::date = g.day ORDER BY 1) AS processing,
		(SELECT count(*) FROM applications a WHERE a.service_id = g.service_id AND a.provider_id = g.provider_id
			AND timezone(` + kyiv + `, a.received_at)::date <= g.day AND a.due_on < g.day
			AND NOT coalesce(timezone(` + kyiv + `, a.decided_at)::date <= g.day, false)
			AND NOT coalesce(timezone(` + kyiv + `, a.paused_at)::date <= g.day, false)
			AND (SELECT count(*) FROM application_events w WHERE w.application_id = a.id AND w.to_status = 'withdrawn'
				AND timezone(` + kyiv + `, w.at)::date <= g.day) = 0) AS overdue_open,
		(SELECT count(*) FROM invoices i JOIN applications a ON a.id = i.application_id WHERE a.service_id = g.service_id
			AND i.provider_id = g.provider_id AND timezone(` + kyiv + `, i.paid_at)::date = g.day) AS payments,
		(SELECT coalesce(sum(i.amount_kopecks), 0) FROM invoices i JOIN applications a ON a.id = i.application_id WHERE a.service_id = g.service_id
			AND i.provider_id = g.provider_id AND timezone(` + kyiv + `, i.paid_at)::date = g.day) AS paid,
		ARRAY(SELECT count(*) FILTER (WHERE r.score = k) FROM generate_series(1, 4) k LEFT JOIN result_ratings r ON r.service_id = g.service_id
			AND r.provider_id = g.provider_id AND timezone(` + kyiv + `, r.created_at)::date = g.day GROUP BY k ORDER BY k) AS rated
	FROM grid g
)
SELECT format('%s %s %s', day, service_id, provider_id),
	format('views=%s started=%s submitted=%s auto=%s officials=%s approved=%s refused=%s issued=%s on_time=%s late=%s processing=%s overdue=%s payments=%s paid=%s rated=%s',
		card_views, started, submitted, automatic, officials, approved, refused, issued, on_time, late, processing, overdue_open, payments, paid, rated)
FROM x WHERE card_views + started + submitted + automatic + officials + issued + overdue_open + payments + rated[1] + rated[2] + rated[3] + rated[4] > 0`

const rolledServiceDaysSQL = `
SELECT format('%s %s %s', day, service_id, provider_id),
	format('views=%s started=%s submitted=%s auto=%s officials=%s approved=%s refused=%s issued=%s on_time=%s late=%s processing=%s overdue=%s payments=%s paid=%s rated=%s',
		card_views, started, submitted, decided_automatic, decided_officials, approved, refused, issued, decided_on_time, decided_late,
		processing_days, overdue_open, payments, paid_kopecks, ARRAY[rated_1, rated_2, rated_3, rated_4])
FROM monitoring_service_days`

const expectedAppealDaysSQL = `
WITH grid AS (
	SELECT g::date AS day, p.id AS provider_id
	FROM generate_series('2026-02-25'::date, timezone(` + kyiv + `, now())::date, '1 day') g
	CROSS JOIN (SELECT id FROM providers UNION ALL SELECT NULL) p
), x AS (
	SELECT g.day, g.provider_id,
		(SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id
			AND timezone(` + kyiv + `, p.received_at)::date = g.day) AS received,
		(SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id
			AND timezone(` + kyiv + `, p.answered_at)::date = g.day) AS answered,
		(SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id
			AND timezone(` + kyiv + `, p.answered_at)::date = g.day AND g.day > p.due_on) AS late,
		(SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id
			AND timezone(` + kyiv + `, p.received_at)::date <= g.day AND p.due_on < g.day
			AND NOT coalesce(timezone(` + kyiv + `, p.answered_at)::date <= g.day, false)) AS overdue
	FROM grid g
)
SELECT format('%s %s', day, provider_id), format('received=%s answered=%s late=%s overdue=%s', received, answered, late, overdue)
FROM x WHERE received + answered + overdue > 0`

const rolledAppealDaysSQL = `
SELECT format('%s %s', day, provider_id), format('received=%s answered=%s late=%s overdue=%s', received, answered, answered_late, overdue_open)
FROM monitoring_appeal_days`

// expectedAppealFacetsSQL: a grid of (day, provider or none, category,
// district or none) with a correlated count per cell, and the days each
// answer took listed in order.
const expectedAppealFacetsSQL = `
WITH grid AS (
	SELECT g::date AS day, p.id AS provider_id, c.id AS category_id, d.code AS district
	FROM generate_series('2026-02-25'::date, timezone(` + kyiv + `, now())::date, '1 day') g
	CROSS JOIN (SELECT id FROM providers UNION ALL SELECT NULL) p
	CROSS JOIN appeal_categories c
	CROSS JOIN (SELECT code FROM appeal_districts UNION ALL SELECT '') d
), x AS (
	SELECT g.*,
		(SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id AND p.category_id = g.category_id
			AND p.district = g.district AND timezone(` + kyiv + `, p.received_at)::date = g.day) AS received,
		(SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id AND p.category_id = g.category_id
			AND p.district = g.district AND timezone(` + kyiv + `, p.answered_at)::date = g.day) AS answered,
		(SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id AND p.category_id = g.category_id
			AND p.district = g.district AND timezone(` + kyiv + `, p.answered_at)::date = g.day AND g.day > p.due_on) AS late,
		ARRAY(SELECT g.day - timezone(` + kyiv + `, p.received_at)::date FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id
			AND p.category_id = g.category_id AND p.district = g.district AND timezone(` + kyiv + `, p.answered_at)::date = g.day ORDER BY 1) AS took,
		ARRAY(SELECT (SELECT count(*) FROM appeals p WHERE p.provider_id IS NOT DISTINCT FROM g.provider_id AND p.category_id = g.category_id
			AND p.district = g.district AND timezone(` + kyiv + `, p.answered_at)::date = g.day AND p.rating = k) FROM generate_series(1, 5) k ORDER BY k) AS rated
	FROM grid g
)
SELECT format('%s %s %s %s', day, provider_id, category_id, district),
	format('received=%s answered=%s late=%s took=%s rated=%s', received, answered, late, took, rated)
FROM x WHERE received + answered > 0`

const rolledAppealFacetsSQL = `
SELECT format('%s %s %s %s', day, provider_id, category_id, district),
	format('received=%s answered=%s late=%s took=%s rated=%s', received, answered, answered_late, answer_days,
		ARRAY[rated_1, rated_2, rated_3, rated_4, rated_5])
FROM monitoring_appeal_facet_days`

// pairs runs q, whose rows are (key, value), into a map.
func (e *env) pairs(t *testing.T, q string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			require.NotContains(t, out, k, "two rows for %s", k)
			out[k] = v
		}
		return rows.Err()
	}))
	return out
}

// localDay is t's date in the city.
func localDay(t time.Time) string { return t.In(tenant.Zone).Format(time.DateOnly) }

// expectedRefusals counts the refusals by (day, service, provider,
// ground) in Go, from the applications' rows.
func (e *env) expectedRefusals(t *testing.T) map[string]string {
	t.Helper()
	counts := map[string]int{}
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT decided_at, service_id::text, provider_id::text, grounds FROM applications WHERE decision = 'refused'`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var at time.Time
			var s, p, g string
			if err := rows.Scan(&at, &s, &p, &g); err != nil {
				return err
			}
			counts[localDay(at)+" "+s+" "+p+" "+g]++
		}
		return rows.Err()
	}))
	out := map[string]string{}
	for k, n := range counts {
		out[k] = fmt.Sprint(n)
	}
	return out
}

// expectedCentres counts the centre days in Go, from visits and ratings.
func (e *env) expectedCentres(t *testing.T) map[string]string {
	t.Helper()
	type cell struct {
		rated    [5]int
		bookings int
		waits    []int
		served   int
	}
	cells := map[string]*cell{}
	get := func(k string) *cell {
		if cells[k] == nil {
			cells[k] = &cell{waits: []int{}}
		}
		return cells[k]
	}
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT created_at, centre_id::text, service_id::text, score FROM visit_ratings`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var at time.Time
			var c, s string
			var score int
			if err := rows.Scan(&at, &c, &s, &score); err != nil {
				return err
			}
			get(localDay(at) + " " + c + " " + s).rated[score]++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT day, centre_id::text, service_id::text, kind, status, created_at, starts_at FROM visits ORDER BY starts_at`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var day, created time.Time
			var starts *time.Time
			var c, s, kind, status string
			if err := rows.Scan(&day, &c, &s, &kind, &status, &created, &starts); err != nil {
				return err
			}
			k := day.Format(time.DateOnly) + " " + c + " " + s
			if kind == "booking" && status != "cancelled" {
				get(k).bookings++
				get(k).waits = append(get(k).waits, int(math.Ceil(starts.Sub(created).Minutes())))
			}
			if status == "served" {
				get(k).served++
			}
		}
		return rows.Err()
	}))
	out := map[string]string{}
	for k, c := range cells {
		slices.Sort(c.waits)
		w := fmt.Sprint(c.waits)
		out[k] = fmt.Sprintf("rated=%v bookings=%d waits=%s served=%d", c.rated[1:], c.bookings, w, c.served)
	}
	return out
}

const rolledCentresSQL = `
SELECT format('%s %s %s', day, centre_id, service_id),
	format('rated=[%s %s %s %s] bookings=%s waits=[%s] served=%s', rated_1, rated_2, rated_3, rated_4, bookings,
		array_to_string(booking_wait, ' '), served)
FROM monitoring_centre_days`

const rolledRefusalsSQL = `
SELECT format('%s %s %s %s', day, service_id, provider_id, ground), refusals::text FROM monitoring_refusal_days`

// requireIndicators checks every rolled-up indicator against its
// independent computation.
func (e *env) requireIndicators(t *testing.T) {
	t.Helper()
	require.Equal(t, e.pairs(t, expectedServiceDaysSQL), e.pairs(t, rolledServiceDaysSQL), "services' days")
	require.Equal(t, e.expectedRefusals(t), e.pairs(t, rolledRefusalsSQL), "refusals by ground")
	require.Equal(t, e.pairs(t, expectedAppealDaysSQL), e.pairs(t, rolledAppealDaysSQL), "appeals' days")
	require.Equal(t, e.pairs(t, expectedAppealFacetsSQL), e.pairs(t, rolledAppealFacetsSQL), "appeals' facets")
	require.Equal(t, e.expectedCentres(t), e.pairs(t, rolledCentresSQL), "centres' days")
}

func TestRollupEqualsIndependentComputation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	rolled, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	require.False(t, rolled.Days[0].After(first), "the first run starts at the city's first data")
	e.requireIndicators(t)

	// The seed is rich enough for every indicator to be tested on
	// something other than zero.
	var sums []int64
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT ARRAY[sum(card_views), sum(started), sum(submitted), sum(decided_automatic),
			sum(decided_officials), sum(approved), sum(refused), sum(issued), sum(decided_on_time), sum(decided_late),
			sum(overdue_open), sum(payments), sum(cardinality(processing_days)), sum(rated_1), sum(rated_2), sum(rated_3), sum(rated_4)]
			FROM monitoring_service_days)
			|| (SELECT ARRAY[sum(rated_1), sum(rated_2), sum(rated_3), sum(rated_4), sum(bookings), sum(served)] FROM monitoring_centre_days)
			|| (SELECT ARRAY[sum(received), sum(answered), sum(answered_late), sum(overdue_open)] FROM monitoring_appeal_days)
			|| (SELECT ARRAY[count(DISTINCT ground)] FROM monitoring_refusal_days)
			|| (SELECT ARRAY[count(DISTINCT category_id), count(DISTINCT district), sum(answered_late), sum(cardinality(answer_days)),
				sum(rated_1 + rated_2 + rated_3 + rated_4 + rated_5)] FROM monitoring_appeal_facet_days)`).Scan(&sums)
	}))
	for i, s := range sums {
		require.Positivef(t, s, "indicator %d is zero on the seed", i)
	}
	require.EqualValues(t, 80, sums[1], "every seeded application was started")
}

func TestRollupIsIncrementalAndIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	_, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	before := e.pairs(t, rolledServiceDaysSQL)

	// A rerun with nothing changed writes the same rows, and recomputes
	// only the days since the last run, not the seeded week.
	rolled, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	require.Equal(t, before, e.pairs(t, rolledServiceDaysSQL))
	for _, d := range rolled.Days {
		require.True(t, d.After(first.AddDate(0, 0, 30)), "day %s recomputed with nothing changed", d.Format(time.DateOnly))
	}

	// A day not recomputed keeps its row as it is: spoil one of the week's
	// rows, and an unrelated change leaves it spoilt...
	spoil := func() {
		e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE monitoring_service_days SET started = started + 1000 WHERE day = '2026-03-03'`)
			return err
		})
	}
	spoil()
	_, err = e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	require.NotEqual(t, before, e.pairs(t, rolledServiceDaysSQL))
	// ...while a change of a row of that day (an official takes an
	// application started then) makes the day dirty, and the next run
	// recomputes it exactly.
	e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE applications SET assignee_id = $1 WHERE id = (SELECT id FROM applications
			WHERE (created_at AT TIME ZONE 'Europe/Kyiv')::date = '2026-03-03' ORDER BY id LIMIT 1)`, e.ids["person-3"])
		return err
	})
	_, err = e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	require.Equal(t, before, e.pairs(t, rolledServiceDaysSQL))

	// A new draft today counts today.
	e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, id, service_id, provider_id, form_id, applicant_id)
			SELECT app_tenant_id(), gen_random_uuid(), a.service_id, a.provider_id, a.form_id, a.applicant_id FROM applications a LIMIT 1`)
		return err
	})
	_, err = e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	e.requireIndicators(t)
}

func TestReportSumsTheRollups(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	_, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	week := monitoring.Filter{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)}
	rep, err := e.svc.Report(e.ctx, week)
	require.NoError(t, err)

	var started, lines int64
	for _, l := range rep.Services {
		lines += l.Started
	}
	var r [5]int64
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM applications WHERE timezone('Europe/Kyiv', created_at)::date BETWEEN '2026-03-02' AND '2026-03-08'`).Scan(&started); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT score, count(*) FROM visit_ratings WHERE timezone('Europe/Kyiv', created_at)::date BETWEEN '2026-03-02' AND '2026-03-08' GROUP BY 1`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s int
			var n int64
			if err := rows.Scan(&s, &n); err != nil {
				return err
			}
			r[s] = n
		}
		return rows.Err()
	}))
	require.Equal(t, started, rep.Totals.Started)
	require.Equal(t, started, lines, "the lines add up to the total")
	require.Equal(t, monitoring.Ratings{R1: r[1], R2: r[2], R3: r[3], R4: r[4]}, rep.Ratings)
	want := math.Round(100 * float64(r[4]-r[1]-r[2]) / float64(r[1]+r[2]+r[3]+r[4]))
	got, ok := rep.Ratings.Loyalty()
	require.True(t, ok)
	require.EqualValues(t, want, got, "the loyalty index")
	require.Len(t, rep.Days, 7, "a bar per day of the period")
	// The results' ratings (modules/applications rating.go), per service
	// and in total.
	var results [5]int64
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		for sc := 1; sc <= 4; sc++ {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM result_ratings WHERE score = $1
				AND timezone('Europe/Kyiv', created_at)::date BETWEEN '2026-03-02' AND '2026-03-08'`, sc).Scan(&results[sc]); err != nil {
				return err
			}
		}
		return nil
	}))
	require.Equal(t, monitoring.Ratings{R1: results[1], R2: results[2], R3: results[3], R4: results[4]}, rep.Totals.Results)
	require.Positive(t, rep.Totals.Results.Total())
	var perService int64
	for _, l := range rep.Services {
		perService += l.Results.Total()
	}
	require.Equal(t, rep.Totals.Results.Total(), perService, "the lines' ratings add up to the total")
	require.Len(t, rep.Providers, 2)

	// One provider: only its services.
	week.Provider = "p-2"
	rep, err = e.svc.Report(e.ctx, week)
	require.NoError(t, err)
	for _, l := range rep.Services {
		require.Equal(t, "S-3", l.Code)
	}
}
