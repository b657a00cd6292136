package monitoring

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// The indicators, defined once: each INSERT below is the definition of the
// columns it fills (docs/monitoring.md says the same in words). Every one
// recomputes whole days — the days in $1, in the city's local dates ($2 is
// the zone) — from the source tables, so a rerun writes the same rows.
//
// A day's facts are rows (kind, n, val, flags) unioned from the sources and
// folded per (day, service, provider) by one GROUP BY; a result's rating
// (migration 0041) is a fact 'rated' whose val is its score.
const serviceDaysSQL = `
WITH d AS (SELECT unnest($1::date[]) AS day),
facts AS (
	SELECT v.day, v.service_id, s.provider_id, 'views' AS kind, v.views AS n, NULL::integer AS val,
		false AS auto, false AS ok, false AS on_time
	FROM service_card_views v JOIN services s ON s.tenant_id = v.tenant_id AND s.id = v.service_id
	WHERE v.day = ANY($1)
	UNION ALL
	SELECT (a.created_at AT TIME ZONE $2)::date, a.service_id, a.provider_id, 'started', 1, NULL, false, false, false
	FROM applications a WHERE (a.created_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT (a.received_at AT TIME ZONE $2)::date, a.service_id, a.provider_id, 'submitted', 1, NULL, false, false, false
	FROM applications a WHERE (a.received_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT (a.decided_at AT TIME ZONE $2)::date, a.service_id, a.provider_id, 'decided', 1,
		(a.decided_at AT TIME ZONE $2)::date - (coalesce(a.received_at, a.decided_at) AT TIME ZONE $2)::date,
		a.decided_by IS NULL, a.decision = 'approved', a.due_on IS NULL OR (a.decided_at AT TIME ZONE $2)::date <= a.due_on
	FROM applications a WHERE a.decision IS NOT NULL AND (a.decided_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT (e.at AT TIME ZONE $2)::date, a.service_id, a.provider_id, 'issued', 1, NULL, false, false, false
	FROM application_events e JOIN applications a ON a.tenant_id = e.tenant_id AND a.id = e.application_id
	WHERE e.to_status = 'issued' AND (e.at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT d.day, a.service_id, a.provider_id, 'overdue_open', 1, NULL, false, false, false
	FROM d JOIN applications a ON (a.received_at AT TIME ZONE $2)::date <= d.day AND a.due_on < d.day
		AND (a.decided_at IS NULL OR (a.decided_at AT TIME ZONE $2)::date > d.day)
		AND NOT (a.paused_at IS NOT NULL AND (a.paused_at AT TIME ZONE $2)::date <= d.day)
	WHERE NOT EXISTS (SELECT FROM application_events w WHERE w.tenant_id = a.tenant_id AND w.application_id = a.id
		AND w.to_status = 'withdrawn' AND (w.at AT TIME ZONE $2)::date <= d.day)
	UNION ALL
	SELECT (i.paid_at AT TIME ZONE $2)::date, a.service_id, i.provider_id, 'paid', i.amount_kopecks, NULL, false, false, false
	FROM invoices i JOIN applications a ON a.tenant_id = i.tenant_id AND a.id = i.application_id
	WHERE (i.paid_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT (r.created_at AT TIME ZONE $2)::date, r.service_id, r.provider_id, 'rated', 1, r.score::integer, false, false, false
	FROM result_ratings r WHERE (r.created_at AT TIME ZONE $2)::date = ANY($1)
)
INSERT INTO monitoring_service_days (tenant_id, day, service_id, provider_id, card_views, started, submitted,
	decided_automatic, decided_officials, approved, refused, issued, decided_on_time, decided_late, processing_days,
	overdue_open, payments, paid_kopecks, rated_1, rated_2, rated_3, rated_4)
SELECT app_tenant_id(), day, service_id, provider_id,
	coalesce(sum(n) FILTER (WHERE kind = 'views'), 0),
	count(*) FILTER (WHERE kind = 'started'),
	count(*) FILTER (WHERE kind = 'submitted'),
	count(*) FILTER (WHERE kind = 'decided' AND auto),
	count(*) FILTER (WHERE kind = 'decided' AND NOT auto),
	count(*) FILTER (WHERE kind = 'decided' AND ok),
	count(*) FILTER (WHERE kind = 'decided' AND NOT ok),
	count(*) FILTER (WHERE kind = 'issued'),
	count(*) FILTER (WHERE kind = 'decided' AND on_time),
	count(*) FILTER (WHERE kind = 'decided' AND NOT on_time),
	coalesce(array_agg(val ORDER BY val) FILTER (WHERE kind = 'decided'), '{}'),
	count(*) FILTER (WHERE kind = 'overdue_open'),
	count(*) FILTER (WHERE kind = 'paid'),
	coalesce(sum(n) FILTER (WHERE kind = 'paid'), 0),
	count(*) FILTER (WHERE kind = 'rated' AND val = 1),
	count(*) FILTER (WHERE kind = 'rated' AND val = 2),
	count(*) FILTER (WHERE kind = 'rated' AND val = 3),
	count(*) FILTER (WHERE kind = 'rated' AND val = 4)
FROM facts GROUP BY day, service_id, provider_id`

// refusalDaysSQL: refusals decided on the day, by the grounds recorded.
const refusalDaysSQL = `
INSERT INTO monitoring_refusal_days (tenant_id, day, service_id, provider_id, ground, refusals)
SELECT app_tenant_id(), (a.decided_at AT TIME ZONE $2)::date, a.service_id, a.provider_id, a.grounds, count(*)
FROM applications a WHERE a.decision = 'refused' AND (a.decided_at AT TIME ZONE $2)::date = ANY($1)
GROUP BY 2, 3, 4, 5`

// centreDaysSQL: a centre's ratings given on the day (by score), its
// appointments of the day that were not cancelled with the minutes each
// was waited for (from booking to the booked time), and its visits served.
const centreDaysSQL = `
WITH facts AS (
	SELECT (r.created_at AT TIME ZONE $2)::date AS day, r.centre_id, r.service_id, 'rated' AS kind, r.score::integer AS val
	FROM visit_ratings r WHERE (r.created_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT v.day, v.centre_id, v.service_id, 'booking', ceil(extract(epoch FROM v.starts_at - v.created_at) / 60)::integer
	FROM visits v WHERE v.kind = 'booking' AND v.status <> 'cancelled' AND v.day = ANY($1)
	UNION ALL
	SELECT v.day, v.centre_id, v.service_id, 'served', NULL FROM visits v WHERE v.status = 'served' AND v.day = ANY($1)
)
INSERT INTO monitoring_centre_days (tenant_id, day, centre_id, service_id, rated_1, rated_2, rated_3, rated_4,
	bookings, booking_wait, served)
SELECT app_tenant_id(), day, centre_id, service_id,
	count(*) FILTER (WHERE kind = 'rated' AND val = 1),
	count(*) FILTER (WHERE kind = 'rated' AND val = 2),
	count(*) FILTER (WHERE kind = 'rated' AND val = 3),
	count(*) FILTER (WHERE kind = 'rated' AND val = 4),
	count(*) FILTER (WHERE kind = 'booking'),
	coalesce(array_agg(val ORDER BY val) FILTER (WHERE kind = 'booking'), '{}'),
	count(*) FILTER (WHERE kind = 'served')
FROM facts GROUP BY day, centre_id, service_id`

// appealDaysSQL: appeals received and answered on the day per provider
// (the one each was routed to; none yet: NULL), the answers given after
// the appeal's due date, and the appeals open past it at the day's end.
const appealDaysSQL = `
WITH d AS (SELECT unnest($1::date[]) AS day),
facts AS (
	SELECT (p.received_at AT TIME ZONE $2)::date AS day, p.provider_id, 'received' AS kind, false AS late
	FROM appeals p WHERE (p.received_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT (p.answered_at AT TIME ZONE $2)::date, p.provider_id, 'answered', (p.answered_at AT TIME ZONE $2)::date > p.due_on
	FROM appeals p WHERE (p.answered_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT d.day, p.provider_id, 'overdue_open', false
	FROM d JOIN appeals p ON (p.received_at AT TIME ZONE $2)::date <= d.day AND p.due_on < d.day
		AND (p.answered_at IS NULL OR (p.answered_at AT TIME ZONE $2)::date > d.day)
)
INSERT INTO monitoring_appeal_days (tenant_id, day, provider_id, received, answered, answered_late, overdue_open)
SELECT app_tenant_id(), day, provider_id,
	count(*) FILTER (WHERE kind = 'received'),
	count(*) FILTER (WHERE kind = 'answered'),
	count(*) FILTER (WHERE kind = 'answered' AND late),
	count(*) FILTER (WHERE kind = 'overdue_open')
FROM facts GROUP BY day, provider_id`

// appealFacetDaysSQL: appeals received and answered on the day per
// provider, category and district; the answers given after the due date;
// the days each answer took (local day answered − local day received);
// and the ratings of the day's answers (a rating counts on its answer's
// day: it rates that answer, and rating it touches the appeal's updated_at,
// which makes that day dirty).
const appealFacetDaysSQL = `
WITH facts AS (
	SELECT (p.received_at AT TIME ZONE $2)::date AS day, p.provider_id, p.category_id, p.district, 'received' AS kind,
		false AS late, NULL::integer AS took, NULL::integer AS rating
	FROM appeals p WHERE (p.received_at AT TIME ZONE $2)::date = ANY($1)
	UNION ALL
	SELECT (p.answered_at AT TIME ZONE $2)::date, p.provider_id, p.category_id, p.district, 'answered',
		(p.answered_at AT TIME ZONE $2)::date > p.due_on, (p.answered_at AT TIME ZONE $2)::date - (p.received_at AT TIME ZONE $2)::date, p.rating
	FROM appeals p WHERE (p.answered_at AT TIME ZONE $2)::date = ANY($1)
)
INSERT INTO monitoring_appeal_facet_days (tenant_id, day, provider_id, category_id, district, received, answered, answered_late, answer_days,
	rated_1, rated_2, rated_3, rated_4, rated_5)
SELECT app_tenant_id(), day, provider_id, category_id, district,
	count(*) FILTER (WHERE kind = 'received'),
	count(*) FILTER (WHERE kind = 'answered'),
	count(*) FILTER (WHERE kind = 'answered' AND late),
	coalesce(array_agg(took ORDER BY took) FILTER (WHERE kind = 'answered'), '{}'),
	count(*) FILTER (WHERE rating = 1),
	count(*) FILTER (WHERE rating = 2),
	count(*) FILTER (WHERE rating = 3),
	count(*) FILTER (WHERE rating = 4),
	count(*) FILTER (WHERE rating = 5)
FROM facts GROUP BY day, provider_id, category_id, district`

// dirtyDaysSQL lists the days to recompute: every day from the last run's
// watermark ($1; NULL on the first run: from the city's first data) to
// today — the open-and-overdue counts change with time alone — and the
// days of every source row changed since the watermark.
const dirtyDaysSQL = `
WITH since AS (
	SELECT coalesce(($1::timestamptz AT TIME ZONE $2)::date, least(
		(SELECT min((created_at AT TIME ZONE $2)::date) FROM applications),
		(SELECT min((received_at AT TIME ZONE $2)::date) FROM appeals),
		(SELECT min(day) FROM visits),
		(SELECT min(day) FROM service_card_views),
		(now() AT TIME ZONE $2)::date)) AS day
), w AS (SELECT coalesce($1::timestamptz, '-infinity') AS at)
SELECT DISTINCT day FROM (
	SELECT generate_series((SELECT day FROM since), (now() AT TIME ZONE $2)::date, interval '1 day')::date AS day
	UNION ALL SELECT (a.created_at AT TIME ZONE $2)::date FROM applications a, w WHERE a.updated_at > w.at
	UNION ALL SELECT (a.received_at AT TIME ZONE $2)::date FROM applications a, w WHERE a.updated_at > w.at AND a.received_at IS NOT NULL
	UNION ALL SELECT (a.decided_at AT TIME ZONE $2)::date FROM applications a, w WHERE a.updated_at > w.at AND a.decided_at IS NOT NULL
	UNION ALL SELECT (e.at AT TIME ZONE $2)::date FROM application_events e, w WHERE e.at > w.at
	UNION ALL SELECT (i.paid_at AT TIME ZONE $2)::date FROM invoices i, w WHERE i.paid_at > w.at
	UNION ALL SELECT (p.received_at AT TIME ZONE $2)::date FROM appeals p, w WHERE p.updated_at > w.at
	UNION ALL SELECT (p.answered_at AT TIME ZONE $2)::date FROM appeals p, w WHERE p.updated_at > w.at AND p.answered_at IS NOT NULL
	UNION ALL SELECT v.day FROM visits v, w WHERE v.created_at > w.at OR v.cancelled_at > w.at OR v.arrived_at > w.at OR v.finished_at > w.at
	UNION ALL SELECT (r.created_at AT TIME ZONE $2)::date FROM visit_ratings r, w WHERE r.created_at > w.at
	UNION ALL SELECT (r.created_at AT TIME ZONE $2)::date FROM result_ratings r, w WHERE r.created_at > w.at
	UNION ALL SELECT c.day FROM service_card_views c, w WHERE c.updated_at > w.at
) x WHERE day <= (now() AT TIME ZONE $2)::date ORDER BY day`

// watermarkLag is how far before a run's start its watermark is set: a
// transaction that started before the run and commits after it stamped
// its rows with its own start, so the next run must look back that far to
// see them. A rerun of a day is harmless (it rewrites the same rows).
const watermarkLag = 10 * time.Minute

// Rolled says what one run recomputed.
type Rolled struct {
	Days []time.Time
}

// Rollup recomputes the city's days that changed since its last run, in
// one transaction; concurrent runs of a city queue on its state row.
func (s *Service) Rollup(ctx context.Context) (Rolled, error) {
	var out Rolled
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = rollup(ctx, tx)
		return err
	})
	return out, err
}

func rollup(ctx context.Context, tx pgx.Tx) (Rolled, error) {
	var out Rolled
	if _, err := tx.Exec(ctx, `INSERT INTO monitoring_rollup_state (tenant_id, kind, watermark) VALUES (app_tenant_id(), 'rollup', '-infinity')
		ON CONFLICT DO NOTHING`); err != nil {
		return out, fmt.Errorf("monitoring: rollup state: %w", err)
	}
	var wm *time.Time
	if err := tx.QueryRow(ctx, `SELECT nullif(watermark, '-infinity') FROM monitoring_rollup_state WHERE kind = 'rollup' FOR UPDATE`).Scan(&wm); err != nil {
		return out, fmt.Errorf("monitoring: rollup state: %w", err)
	}
	// The appeals' facets came after the other tables (migration 0040): a
	// city with appeals and none rolled up yet starts from its first data.
	var unrolled bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM monitoring_appeal_facet_days) AND EXISTS (SELECT 1 FROM appeals)`).Scan(&unrolled); err != nil {
		return out, fmt.Errorf("monitoring: appeals' facets: %w", err)
	}
	if unrolled {
		wm = nil
	}
	zone := tenant.Zone.String()
	rows, err := tx.Query(ctx, dirtyDaysSQL, wm, zone)
	if err != nil {
		return out, fmt.Errorf("monitoring: dirty days: %w", err)
	}
	if out.Days, err = pgx.CollectRows(rows, pgx.RowTo[time.Time]); err != nil {
		return out, fmt.Errorf("monitoring: dirty days: %w", err)
	}
	for _, table := range []string{"monitoring_service_days", "monitoring_refusal_days", "monitoring_centre_days", "monitoring_appeal_days",
		"monitoring_appeal_facet_days"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE day = ANY($1)`, out.Days); err != nil {
			return out, fmt.Errorf("monitoring: clear %s: %w", table, err)
		}
	}
	for name, q := range map[string]string{"services": serviceDaysSQL, "refusals": refusalDaysSQL, "centres": centreDaysSQL, "appeals": appealDaysSQL,
		"appeals' facets": appealFacetDaysSQL} {
		if _, err := tx.Exec(ctx, q, out.Days, zone); err != nil {
			return out, fmt.Errorf("monitoring: roll up %s: %w", name, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE monitoring_rollup_state SET watermark = now() - $1::interval, ran_at = now() WHERE kind = 'rollup'`,
		watermarkLag); err != nil {
		return out, fmt.Errorf("monitoring: rollup state: %w", err)
	}
	return out, nil
}
