package applications

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// The state of an open application's term today, defined once
// (docs/monitoring.md, "Live figures"): the queue's filters and counts, an
// official's «Мої справи», a provider head's team and the dashboard's
// «overdue now» all build on these fragments over the applications row a,
// so the same case is overdue everywhere or nowhere.
//
// Open: submitted, without a decision and not withdrawn. A term that a
// clarification paused (paused_at set) is nobody's to meet now — the
// applicant has the next move — so a paused case is neither due nor
// overdue.
const (
	openSQL    = `a.status NOT IN ('draft', 'approved', 'refused', 'issued', 'withdrawn')`
	runningSQL = openSQL + ` AND a.paused_at IS NULL`
)

// overdueSQL: open, its term running, its last day before today ($n, a
// local date).
func overdueSQL(today int) string { return fmt.Sprintf("%s AND a.due_on < $%d", runningSQL, today) }

// dueSQL: open, its term running, its last day from $from to $to (local
// dates, both included).
func dueSQL(from, to int) string {
	return fmt.Sprintf("%s AND a.due_on BETWEEN $%d AND $%d", runningSQL, from, to)
}

// Due is a "due" filter of the queue: the term's last day today, or this
// week (from today to the ISO week's Sunday, today included).
type Due string

// The due filters.
const (
	DueToday Due = "today"
	DueWeek  Due = "week"
)

// Day is t's local date in the city, as a date at midnight UTC (how pgx
// passes a date).
func Day(t time.Time) time.Time {
	l := t.In(tenant.Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// WeekEnd is the Sunday of day's ISO week (Monday to Sunday).
func WeekEnd(day time.Time) time.Time {
	return day.AddDate(0, 0, (7-int(day.Weekday()))%7)
}

// dueRange is the range of due dates a Due filter selects, from today.
func dueRange(d Due, today time.Time) (time.Time, time.Time) {
	if d == DueWeek {
		return today, WeekEnd(today)
	}
	return today, today
}

// Terms counts open cases by the state of their term today.
type Terms struct {
	Open, DueToday, DueWeek, Overdue int64
}

// termsSQL: the Terms of the rows selected, $1 today, $2 the week's end.
const termsSQL = `count(*) FILTER (WHERE ` + openSQL + `) AS open,
	count(*) FILTER (WHERE ` + runningSQL + ` AND a.due_on = $1) AS due_today,
	count(*) FILTER (WHERE ` + runningSQL + ` AND a.due_on BETWEEN $1 AND $2) AS due_week,
	count(*) FILTER (WHERE ` + runningSQL + ` AND a.due_on < $1) AS overdue`

// MyCases are an official's open cases at one provider (those assigned to
// them) by their term, for the official's entry page.
type MyCases struct {
	Provider uuid.UUID
	Terms
}

// MyCases counts the open cases assigned to account at each of providers,
// by their term today, in one read transaction.
func (s *Service) MyCases(ctx context.Context, account uuid.UUID, providers []uuid.UUID) ([]MyCases, error) {
	var out []MyCases
	today := Day(s.now())
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, p := range providers {
			m := MyCases{Provider: p}
			if err := tx.QueryRow(ctx, `SELECT `+termsSQL+` FROM applications a WHERE a.provider_id = $3 AND a.assignee_id = $4`,
				today, WeekEnd(today), p, account).Scan(&m.Open, &m.DueToday, &m.DueWeek, &m.Overdue); err != nil {
				return fmt.Errorf("applications: my cases at %s: %w", p, err)
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// Workload is one official's cases at a provider: the open ones assigned
// to them by their term today, and those they decided in a period.
// AccountID nil is the open cases no one has taken yet.
type Workload struct {
	AccountID *uuid.UUID
	Terms
	Decided int64
}

// WorkloadTx counts, per assignee of the provider's open cases and per
// official who decided one of its cases on the local days from..to, the
// Terms and the decisions; today is the local date the terms are read
// at. Officials with nothing to count are not listed (the caller adds the
// provider's officials).
func WorkloadTx(ctx context.Context, tx pgx.Tx, provider uuid.UUID, today, from, to time.Time) ([]Workload, error) {
	rows, err := tx.Query(ctx, `
		WITH t AS (
			SELECT a.assignee_id AS who, `+termsSQL+`, 0::bigint AS decided
			FROM applications a WHERE a.provider_id = $3 AND `+openSQL+` GROUP BY a.assignee_id
			UNION ALL
			SELECT a.decided_by, 0, 0, 0, 0, count(*) FROM applications a
			WHERE a.provider_id = $3 AND a.decided_by IS NOT NULL
				AND (a.decided_at AT TIME ZONE $6)::date BETWEEN $4 AND $5 GROUP BY a.decided_by
		)
		SELECT who, sum(open)::bigint, sum(due_today)::bigint, sum(due_week)::bigint, sum(overdue)::bigint, sum(decided)::bigint
		FROM t GROUP BY who ORDER BY who NULLS FIRST`,
		today, WeekEnd(today), provider, from, to, tenant.Zone.String())
	if err != nil {
		return nil, fmt.Errorf("applications: workload of %s: %w", provider, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Workload, error) {
		var w Workload
		err := r.Scan(&w.AccountID, &w.Open, &w.DueToday, &w.DueWeek, &w.Overdue, &w.Decided)
		return w, err
	})
}

// StatusCount is how many applications of a service, at a provider, are
// in a status as shown.
type StatusCount struct {
	ServiceID, ProviderID uuid.UUID
	Status                Status
	Count                 int64
}

// StatusesTx counts the applications received on the local days from..to
// (both included) by their status now, as shown (an issued one as Granted
// or Denied), per service and provider; provider is a provider's code, ""
// for all.
func StatusesTx(ctx context.Context, tx pgx.Tx, from, to time.Time, provider string) ([]StatusCount, error) {
	rows, err := tx.Query(ctx, `SELECT a.service_id, a.provider_id, `+shownSQL+`, count(*)
		FROM applications a JOIN providers p ON p.tenant_id = a.tenant_id AND p.id = a.provider_id
		WHERE a.status <> 'draft' AND (a.received_at AT TIME ZONE $4)::date BETWEEN $1 AND $2 AND ($3 = '' OR p.code = $3)
		GROUP BY 1, 2, 3`, from, to, provider, tenant.Zone.String())
	if err != nil {
		return nil, fmt.Errorf("applications: statuses: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatusCount, error) {
		var c StatusCount
		var s string
		err := r.Scan(&c.ServiceID, &c.ProviderID, &s, &c.Count)
		c.Status = Status(s)
		return c, err
	})
}

// OverdueCount is how many open applications of a service, at a
// provider, are overdue.
type OverdueCount struct {
	ServiceID, ProviderID uuid.UUID
	Count                 int64
}

// OverdueTx counts the open applications overdue on today (a local date:
// their term's last day was before it, the term running), per service and
// provider; provider is a provider's code, "" for all. It reads the
// applications as they are, not a rollup.
func OverdueTx(ctx context.Context, tx pgx.Tx, today time.Time, provider string) ([]OverdueCount, error) {
	rows, err := tx.Query(ctx, `SELECT a.service_id, a.provider_id, count(*)
		FROM applications a JOIN providers p ON p.tenant_id = a.tenant_id AND p.id = a.provider_id
		WHERE `+overdueSQL(1)+` AND ($2 = '' OR p.code = $2) GROUP BY 1, 2`, today, provider)
	if err != nil {
		return nil, fmt.Errorf("applications: overdue: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[OverdueCount])
}
