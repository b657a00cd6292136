package monitoring_test

import (
	"context"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/monitoring"
	"hromada/tenant"
)

// The dashboard's figures (issue 12) against the applications read again
// here, row by row, and counted in Go: they share nothing with
// report_store.go or applications' terms.go but the definitions in
// docs/monitoring.md.

// appRow is what the expected figures need of an application.
type appRow struct {
	service, provider         uuid.UUID
	status, decision          string
	received, decided, paused *time.Time
	due                       *time.Time
	assignee, decidedBy       *uuid.UUID
}

func (e *env) apps(t *testing.T) []appRow {
	t.Helper()
	var out []appRow
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT service_id, provider_id, status, coalesce(decision, ''), received_at, decided_at, paused_at,
			due_on, assignee_id, decided_by FROM applications`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a appRow
			if err := rows.Scan(&a.service, &a.provider, &a.status, &a.decision, &a.received, &a.decided, &a.paused, &a.due,
				&a.assignee, &a.decidedBy); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	}))
	return out
}

// date is t's local date in the city.
func date(t time.Time) time.Time {
	l := t.In(tenant.Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

func within(d, from, to time.Time) bool { return !d.Before(from) && !d.After(to) }

// percentile is the continuous percentile of sorted xs: linear
// interpolation between the closest ranks (docs/monitoring.md).
func percentile(xs []float64, p float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	pos := p * float64(len(xs)-1)
	lo := math.Floor(pos)
	v := xs[int(lo)]
	if int(lo)+1 < len(xs) {
		v += (pos - lo) * (xs[int(lo)+1] - xs[int(lo)])
	}
	return &v
}

// open is an application without a result yet; running, its term not
// paused.
func (a appRow) open() bool {
	return !slices.Contains([]string{"draft", "approved", "refused", "issued", "withdrawn"}, a.status)
}
func (a appRow) running() bool { return a.open() && a.paused == nil && a.due != nil }

func shown(a appRow) string {
	if a.status == "issued" {
		return map[string]string{"approved": "granted", "refused": "denied"}[a.decision]
	}
	return a.status
}

func TestDashboardFiguresEqualIndependentComputation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	_, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	apps := e.apps(t)
	today := date(time.Now())

	// A period that cuts ISO weeks at both ends: Thursday 26 February to
	// Wednesday 4 March 2026, and the seeded week.
	for _, f := range []monitoring.Filter{
		{From: time.Date(2026, 2, 26, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)},
		{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
		{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), Provider: "p-1"},
	} {
		rep, err := e.svc.Dashboard(e.ctx, f)
		require.NoError(t, err)
		name := f.From.Format(time.DateOnly) + ".." + f.To.Format(time.DateOnly) + " " + f.Provider
		selected := func(a appRow) bool { return f.Provider == "" || a.provider == e.ids[f.Provider] }

		// p90 and the median of the processing time, in total and per
		// service line.
		days := map[uuid.UUID][]float64{}
		var all []float64
		for _, a := range apps {
			if a.decided == nil || a.decision == "" || !selected(a) || !within(date(*a.decided), f.From, f.To) {
				continue
			}
			x := date(*a.decided).Sub(date(*a.received)).Hours() / 24
			days[a.service] = append(days[a.service], x)
			all = append(all, x)
		}
		slices.Sort(all)
		require.NotEmpty(t, all, name)
		require.InDelta(t, *percentile(all, 0.9), *rep.Totals.P90Days, 1e-9, "%s: p90", name)
		require.InDelta(t, *percentile(all, 0.5), *rep.Totals.MedianDays, 1e-9, "%s: median", name)
		for _, l := range rep.Services {
			xs := days[l.ServiceID]
			slices.Sort(xs)
			if want := percentile(xs, 0.9); want == nil {
				require.Nil(t, l.P90Days, "%s %s", name, l.Code)
			} else {
				require.InDelta(t, *want, *l.P90Days, 1e-9, "%s %s: p90", name, l.Code)
			}
		}

		// The weeks: every ISO week the period touches, Monday first,
		// with the submissions and decisions of its days in the period.
		type wk struct{ submitted, decided, refused, late int64 }
		weeks := map[time.Time]*wk{}
		var mondays []time.Time
		for d := f.From; !d.After(f.To); d = d.AddDate(0, 0, 1) {
			m := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
			if weeks[m] == nil {
				weeks[m] = &wk{}
				mondays = append(mondays, m)
			}
		}
		monday := func(d time.Time) time.Time { return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) }
		for _, a := range apps {
			if !selected(a) {
				continue
			}
			if a.received != nil && within(date(*a.received), f.From, f.To) {
				weeks[monday(date(*a.received))].submitted++
			}
			if a.decided != nil && a.decision != "" && within(date(*a.decided), f.From, f.To) {
				w := weeks[monday(date(*a.decided))]
				w.decided++
				if a.decision == "refused" {
					w.refused++
				}
				if a.due != nil && date(*a.decided).After(*a.due) {
					w.late++
				}
			}
		}
		require.Len(t, rep.Weeks, len(mondays), name)
		for i, w := range rep.Weeks {
			require.Equal(t, mondays[i], w.Monday, name)
			require.Equal(t, time.Monday, w.Monday.Weekday())
			want := weeks[mondays[i]]
			require.Equal(t, *want, wk{w.Submitted, w.Decided, w.Refused, w.Late}, "%s: week %s", name, w.ISO())
			require.False(t, w.From.Before(f.From) || w.To.After(f.To), "%s: the week's days are the period's", name)
		}
		_, isoWeek := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).ISOWeek()
		require.Equal(t, 10, isoWeek)

		// The period's applications by their status now.
		statuses := map[string]int64{}
		var total int64
		for _, a := range apps {
			if a.status != "draft" && selected(a) && a.received != nil && within(date(*a.received), f.From, f.To) {
				statuses[shown(a)]++
				total++
			}
		}
		require.NotNil(t, rep.Live, name)
		require.Equal(t, total, rep.Live.Total, name)
		got := map[string]int64{}
		for _, s := range rep.Live.Statuses {
			if s.Count > 0 {
				got[s.Status] = s.Count
			}
		}
		require.Equal(t, statuses, got, "%s: by status", name)

		// Overdue now: open, term running, its last day before today.
		var overdue int64
		perService := map[uuid.UUID]int64{}
		for _, a := range apps {
			if selected(a) && a.running() && a.due.Before(today) {
				overdue++
				perService[a.service]++
			}
		}
		require.Equal(t, overdue, rep.Totals.OverdueNow, "%s: overdue now", name)
		for _, l := range rep.Services {
			require.Equal(t, perService[l.ServiceID], l.OverdueNow, "%s %s: overdue now", name, l.Code)
		}
	}

	// The seed makes every one of these figures something other than
	// zero, so the comparisons above can fail.
	rep, err := e.svc.Dashboard(e.ctx, monitoring.Filter{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Positive(t, rep.Totals.OverdueNow)
	require.Positive(t, *rep.Totals.P90Days)
	nonzero := 0
	for _, s := range rep.Live.Statuses {
		if s.Count > 0 {
			nonzero++
		}
	}
	require.GreaterOrEqual(t, nonzero, 3, "several statuses")
	require.Len(t, rep.Weeks, 2)
	require.Equal(t, "2026-W10", rep.Weeks[0].ISO())

	// The public report reads nothing live.
	pub, err := e.svc.Report(e.ctx, monitoring.Filter{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Nil(t, pub.Live)
	require.Zero(t, pub.Totals.OverdueNow)
}

func TestTeamCountsEachOfficialsCases(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	official, other, former := e.ids["person-3"], e.ids["person-2"], e.ids["person-1"]
	today := date(time.Now())
	sunday := today.AddDate(0, 0, (7-int(today.Weekday()))%7)
	e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET full_name = family_name || ' ' || given_name`); err != nil {
			return err
		}
		for _, p := range []uuid.UUID{official, other} {
			if _, err := tx.Exec(ctx, `INSERT INTO access_grants (tenant_id, id, account_id, role, provider_id) VALUES (app_tenant_id(), $1, $2, 'official', $3)`,
				uuid.New(), p, e.ids["p-1"]); err != nil {
				return err
			}
		}
		// Share p-1's open cases out: some to each official and one to a
		// person who holds no role any more.
		if _, err := tx.Exec(ctx, `WITH o AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM applications
				WHERE provider_id = $1 AND status NOT IN ('draft', 'approved', 'refused', 'issued', 'withdrawn'))
			UPDATE applications a SET assignee_id = CASE WHEN o.k % 4 = 0 THEN NULL WHEN o.k % 4 = 1 THEN $2::uuid
				WHEN o.k % 4 = 2 THEN $3::uuid ELSE $4::uuid END
			FROM o WHERE o.id = a.id`, e.ids["p-1"], official, other, former); err != nil {
			return err
		}
		// The seeded terms ended in March: received yesterday, a few
		// cases due today, on this week's Sunday, and next week.
		for i, c := range []struct {
			who *uuid.UUID
			due time.Time
		}{{&official, today}, {&official, sunday}, {&other, today}, {nil, today}, {&official, sunday.AddDate(0, 0, 1)}} {
			if _, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status,
				canonical, signature, signer_rnokpp, signed_at, sent_at, received_at, due_on, assignee_id)
				SELECT app_tenant_id(), gen_random_uuid(), 'T-' || $1, service_id, provider_id, form_id, applicant_id, 'in_review',
					canonical, signature, signer_rnokpp, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', $2, $3
				FROM applications WHERE provider_id = $4 AND status <> 'draft' ORDER BY id LIMIT 1`, strconv.Itoa(i), c.due, c.who, e.ids["p-1"]); err != nil {
				return err
			}
		}
		// And let the official have decided a few in the seeded week.
		_, err := tx.Exec(ctx, `UPDATE applications SET decided_by = $1 WHERE provider_id = $2 AND decided_by IS NOT NULL`, official, e.ids["p-1"])
		return err
	})
	f := monitoring.Filter{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)}
	team, err := e.svc.Team(e.ctx, e.ids["p-1"], f)
	require.NoError(t, err)

	// Expected: per assignee, counted in Go from the rows.
	type load struct{ open, today, week, overdue, decided int64 }
	want := map[uuid.UUID]*load{official: {}, other: {}}
	var unassigned load
	for _, a := range e.apps(t) {
		if a.provider != e.ids["p-1"] {
			continue
		}
		if a.decidedBy != nil && a.decided != nil && within(date(*a.decided), f.From, f.To) {
			if want[*a.decidedBy] == nil {
				want[*a.decidedBy] = &load{}
			}
			want[*a.decidedBy].decided++
		}
		if !a.open() {
			continue
		}
		l := &unassigned
		if a.assignee != nil {
			if want[*a.assignee] == nil {
				want[*a.assignee] = &load{}
			}
			l = want[*a.assignee]
		}
		l.open++
		if a.running() {
			switch {
			case a.due.Before(today):
				l.overdue++
			case a.due.Equal(today):
				l.today++
				l.week++
			case !a.due.After(sunday):
				l.week++
			}
		}
	}
	got := map[uuid.UUID]*load{}
	var gotUnassigned load
	names := map[uuid.UUID]bool{}
	for _, m := range team.Members {
		l := load{m.Open, m.DueToday, m.DueWeek, m.Overdue, m.Decided}
		if m.AccountID == nil {
			gotUnassigned = l
			continue
		}
		got[*m.AccountID] = &l
		names[*m.AccountID] = m.Official
		require.NotEmpty(t, m.Name)
	}
	require.Equal(t, want, got)
	require.Equal(t, unassigned, gotUnassigned)
	require.Equal(t, map[uuid.UUID]bool{official: true, other: true, former: false}, names, "who still holds the role")
	require.Positive(t, want[official].open)
	require.Positive(t, want[official].decided)
	require.Equal(t, load{today: 1, week: 1}, load{today: want[other].today, week: want[other].week}, "due today is due this week too")
	require.EqualValues(t, 2, want[official].week, "today's and Sunday's, not next Monday's")
	require.Positive(t, want[official].overdue+want[other].overdue+want[former].overdue)
	require.EqualValues(t, 1, unassigned.today)

	// p-2's team is not p-1's: none of p-1's people or cases.
	t2, err := e.svc.Team(e.ctx, e.ids["p-2"], f)
	require.NoError(t, err)
	for _, m := range t2.Members {
		if m.AccountID != nil {
			require.NotContains(t, []uuid.UUID{other, former}, *m.AccountID)
			require.False(t, m.Official, "no one holds p-2's official role")
			require.Zero(t, m.Open, "p-2's cases are no one's")
		}
	}
}
