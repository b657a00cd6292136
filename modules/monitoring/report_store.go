package monitoring

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/applications"
)

// The report's lines are sums of the rollups over the filter; every query
// starts from the same selection of a period's rows at one provider or
// all ($1 from, $2 to, $3 the provider's code or ”).
const selectedServiceDays = `WITH sel AS (
	SELECT d.* FROM monitoring_service_days d JOIN providers p ON p.tenant_id = d.tenant_id AND p.id = d.provider_id
	WHERE d.day BETWEEN $1 AND $2 AND ($3 = '' OR p.code = $3))`

// serviceLinesSQL: a line per service and provider, and the total (the
// grouping set ()), first. $4 is the day of the overdue snapshot.
const serviceLinesSQL = selectedServiceDays + `,
agg AS (
	SELECT grouping(service_id, provider_id) = 3 AS total, service_id, provider_id,
		coalesce(sum(card_views), 0), coalesce(sum(started), 0), coalesce(sum(submitted), 0),
		coalesce(sum(decided_automatic), 0), coalesce(sum(decided_officials), 0), coalesce(sum(approved), 0),
		coalesce(sum(refused), 0), coalesce(sum(issued), 0), coalesce(sum(decided_on_time), 0), coalesce(sum(decided_late), 0),
		coalesce(sum(overdue_open) FILTER (WHERE day = $4), 0), coalesce(sum(payments), 0), coalesce(sum(paid_kopecks), 0),
		coalesce(sum(rated_1), 0), coalesce(sum(rated_2), 0), coalesce(sum(rated_3), 0), coalesce(sum(rated_4), 0)
	FROM sel GROUP BY GROUPING SETS ((service_id, provider_id), ())
), med AS (
	SELECT grouping(service_id, provider_id) = 3 AS total, service_id, provider_id,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS median, avg(x)::float8 AS mean,
		percentile_cont(0.9) WITHIN GROUP (ORDER BY x) AS p90
	FROM sel, unnest(sel.processing_days) x GROUP BY GROUPING SETS ((service_id, provider_id), ())
)
SELECT agg.total, coalesce(s.code, ''), coalesce(s.content->>'national_code', ''), coalesce(s.content->'name', '{}'),
	coalesce(p.name, '{}'), coalesce((s.content->'term'->>'days')::int, 0), coalesce((s.content->'term'->>'working')::bool, false),
	agg.*, med.median, med.mean, med.p90
FROM agg LEFT JOIN med ON med.total = agg.total AND med.service_id IS NOT DISTINCT FROM agg.service_id
	AND med.provider_id IS NOT DISTINCT FROM agg.provider_id
LEFT JOIN services s ON s.id = agg.service_id LEFT JOIN providers p ON p.id = agg.provider_id
ORDER BY agg.total DESC, s.code, p.code`

func serviceLines(ctx context.Context, tx pgx.Tx, rep *Report, last time.Time) error {
	rows, err := tx.Query(ctx, serviceLinesSQL, rep.From, rep.To, rep.Provider, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l ServiceLine
		var total, skip any
		var sid, pid *uuid.UUID
		n := &l.Numbers
		if err := rows.Scan(&total, &l.Code, &l.NationalCode, &l.Name, &l.Provider, &l.TermDays, &l.TermWorking, &skip, &sid, &pid,
			&n.CardViews, &n.Started, &n.Submitted, &n.Automatic, &n.Officials, &n.Approved, &n.Refused, &n.Issued,
			&n.OnTime, &n.Late, &n.OverdueOpen, &n.Payments, &n.PaidKopecks,
			&n.Results.R1, &n.Results.R2, &n.Results.R3, &n.Results.R4, &n.MedianDays, &n.MeanDays, &n.P90Days); err != nil {
			return err
		}
		if sid != nil && pid != nil {
			l.ServiceID, l.ProviderID = *sid, *pid
		}
		if total == true {
			rep.Totals = l.Numbers
			continue
		}
		rep.Services = append(rep.Services, l)
	}
	return rows.Err()
}

const refusalLinesSQL = `
SELECT coalesce(s.content->'name', '{}'), r.ground, sum(r.refusals)
FROM monitoring_refusal_days r JOIN providers p ON p.tenant_id = r.tenant_id AND p.id = r.provider_id
JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id
WHERE r.day BETWEEN $1 AND $2 AND ($3 = '' OR p.code = $3)
GROUP BY s.code, s.content, r.ground ORDER BY 3 DESC, s.code, r.ground`

func refusalLines(ctx context.Context, tx pgx.Tx, rep *Report) error {
	rows, err := tx.Query(ctx, refusalLinesSQL, rep.From, rep.To, rep.Provider)
	if err != nil {
		return err
	}
	rep.Refusals, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RefusalLine])
	return err
}

// centreLinesSQL: the centres whose services the provider delivers (all
// with no provider), their ratings, bookings, visits served and the
// median wait in hours.
const centreLinesSQL = `
WITH sel AS (
	SELECT d.* FROM monitoring_centre_days d JOIN services s ON s.tenant_id = d.tenant_id AND s.id = d.service_id
	JOIN providers p ON p.tenant_id = s.tenant_id AND p.id = s.provider_id
	WHERE d.day BETWEEN $1 AND $2 AND ($3 = '' OR p.code = $3)
), agg AS (
	SELECT centre_id, sum(rated_1) r1, sum(rated_2) r2, sum(rated_3) r3, sum(rated_4) r4, sum(bookings) b, sum(served) sv
	FROM sel GROUP BY centre_id
), wait AS (
	SELECT centre_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) / 60 AS hours FROM sel, unnest(sel.booking_wait) x GROUP BY centre_id
)
SELECT c.code, c.name, agg.r1, agg.r2, agg.r3, agg.r4, agg.b, agg.sv, wait.hours
FROM agg JOIN centres c ON c.id = agg.centre_id LEFT JOIN wait ON wait.centre_id = agg.centre_id ORDER BY c.code`

func centreLines(ctx context.Context, tx pgx.Tx, rep *Report) error {
	rows, err := tx.Query(ctx, centreLinesSQL, rep.From, rep.To, rep.Provider)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c CentreLine
		if err := rows.Scan(&c.Code, &c.Name, &c.Ratings.R1, &c.Ratings.R2, &c.Ratings.R3, &c.Ratings.R4, &c.Bookings, &c.Served,
			&c.MedianWaitHours); err != nil {
			return err
		}
		rep.Ratings.R1 += c.Ratings.R1
		rep.Ratings.R2 += c.Ratings.R2
		rep.Ratings.R3 += c.Ratings.R3
		rep.Ratings.R4 += c.Ratings.R4
		rep.Centres = append(rep.Centres, c)
	}
	return rows.Err()
}

const appealLinesSQL = `
SELECT coalesce(p.code, ''), coalesce(p.name, '{}'), sum(a.received), sum(a.answered), sum(a.answered_late),
	coalesce(sum(a.overdue_open) FILTER (WHERE a.day = $4), 0)
FROM monitoring_appeal_days a LEFT JOIN providers p ON p.tenant_id = a.tenant_id AND p.id = a.provider_id
WHERE a.day BETWEEN $1 AND $2 AND ($3 = '' OR p.code = $3)
GROUP BY p.code, p.name ORDER BY p.code NULLS LAST`

func appealLines(ctx context.Context, tx pgx.Tx, rep *Report, last time.Time) error {
	rows, err := tx.Query(ctx, appealLinesSQL, rep.From, rep.To, rep.Provider, last)
	if err != nil {
		return err
	}
	if rep.Appeals, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AppealLine, error) {
		var l AppealLine
		return l, r.Scan(&l.ProviderCode, &l.Provider, &l.Received, &l.Answered, &l.Late, &l.Open)
	}); err != nil {
		return err
	}
	byProvider, err := appealFacets(ctx, tx, rep, facetProvider)
	if err != nil {
		return err
	}
	for i, l := range rep.Appeals {
		for _, f := range byProvider {
			if f.Code == l.ProviderCode {
				rep.Appeals[i].Facet = f
			}
		}
	}
	if rep.AppealsByCategory, err = appealFacets(ctx, tx, rep, facetCategory); err != nil {
		return err
	}
	rep.AppealsByDistrict, err = appealFacets(ctx, tx, rep, facetDistrict)
	return err
}

// The appeals' facets: what a line is keyed by (k, text) and where its
// code and name come from.
const (
	facetProvider = `coalesce(sel.provider_id::text, '')|LEFT JOIN providers n ON n.id::text = agg.k|coalesce(n.code, ''), coalesce(n.name, '{}')`
	facetCategory = `sel.category_id::text|LEFT JOIN appeal_categories n ON n.id::text = agg.k|coalesce(n.code, ''), jsonb_build_object('uk', coalesce(n.name_uk, ''), 'en', coalesce(n.name_en, ''))`
	facetDistrict = `sel.district|LEFT JOIN appeal_districts n ON n.code = agg.k|agg.k, jsonb_build_object('uk', coalesce(n.name_uk, agg.k), 'en', coalesce(n.name_en, ''))`
)

// appealFacetsSQL: the period's appeals' facets by one key (facet), the
// provider filter applied as everywhere; the median over the days every
// answer took, not over days' medians.
const appealFacetsSQL = `
WITH sel AS (
	SELECT f.* FROM monitoring_appeal_facet_days f LEFT JOIN providers p ON p.tenant_id = f.tenant_id AND p.id = f.provider_id
	WHERE f.day BETWEEN $1 AND $2 AND ($3 = '' OR p.code = $3)
), agg AS (
	SELECT {key} AS k, sum(received) AS received, sum(answered) AS answered, sum(answered_late) AS late,
		sum(rated_1) AS r1, sum(rated_2) AS r2, sum(rated_3) AS r3, sum(rated_4) AS r4, sum(rated_5) AS r5
	FROM sel GROUP BY 1
), med AS (
	SELECT {key} AS k, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS median FROM sel, unnest(sel.answer_days) x GROUP BY 1
)
SELECT {name}, agg.received, agg.answered, agg.late, med.median, agg.r1, agg.r2, agg.r3, agg.r4, agg.r5
FROM agg LEFT JOIN med ON med.k = agg.k {join}
ORDER BY agg.k = '', 1, agg.k`

func appealFacets(ctx context.Context, tx pgx.Tx, rep *Report, facet string) ([]AppealFacet, error) {
	parts := strings.SplitN(facet, "|", 3)
	q := strings.NewReplacer("{key}", parts[0], "{join}", parts[1], "{name}", parts[2]).Replace(appealFacetsSQL)
	rows, err := tx.Query(ctx, q, rep.From, rep.To, rep.Provider)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AppealFacet, error) {
		var f AppealFacet
		return f, r.Scan(&f.Code, &f.Name, &f.Received, &f.Answered, &f.Late, &f.MedianDays, &f.Rated[0], &f.Rated[1], &f.Rated[2], &f.Rated[3], &f.Rated[4])
	})
}

// dayLinesSQL: every day of the period, with its submissions and decisions.
const dayLinesSQL = selectedServiceDays + `
SELECT g::date, coalesce(sum(sel.submitted), 0), coalesce(sum(sel.decided_automatic + sel.decided_officials), 0)
FROM generate_series($1::date, $2::date, interval '1 day') g LEFT JOIN sel ON sel.day = g::date
GROUP BY g ORDER BY g`

func dayLines(ctx context.Context, tx pgx.Tx, rep *Report) error {
	rows, err := tx.Query(ctx, dayLinesSQL, rep.From, rep.To, rep.Provider)
	if err != nil {
		return err
	}
	rep.Days, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Day])
	return err
}

// weekLinesSQL: the ISO weeks (Monday to Sunday; the rollups' days are the
// city's local days already) that the period touches, each with its days
// within the period and their sums.
const weekLinesSQL = selectedServiceDays + `
SELECT date_trunc('week', g)::date, min(g)::date, max(g)::date, coalesce(sum(sel.submitted), 0),
	coalesce(sum(sel.decided_automatic + sel.decided_officials), 0), coalesce(sum(sel.refused), 0), coalesce(sum(sel.decided_late), 0)
FROM generate_series($1::date, $2::date, interval '1 day') g LEFT JOIN sel ON sel.day = g::date
GROUP BY 1 ORDER BY 1`

func weekLines(ctx context.Context, tx pgx.Tx, rep *Report) error {
	rows, err := tx.Query(ctx, weekLinesSQL, rep.From, rep.To, rep.Provider)
	if err != nil {
		return err
	}
	rep.Weeks, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Week])
	return err
}

// liveLines reads the live figures (applications' terms.go defines them):
// the period's applications by their status now, and the open ones
// overdue today, per service line and in total.
func liveLines(ctx context.Context, tx pgx.Tx, rep *Report, now, today time.Time) error {
	statuses, err := applications.StatusesTx(ctx, tx, rep.From, rep.To, rep.Provider)
	if err != nil {
		return err
	}
	overdue, err := applications.OverdueTx(ctx, tx, today, rep.Provider)
	if err != nil {
		return err
	}
	type key struct{ s, p uuid.UUID }
	lines := map[key]*ServiceLine{}
	for i := range rep.Services {
		l := &rep.Services[i]
		lines[key{l.ServiceID, l.ProviderID}] = l
	}
	live := &Live{At: now}
	byStatus := map[string]int64{}
	for _, c := range statuses {
		byStatus[string(c.Status)] += c.Count
		live.Total += c.Count
		if l := lines[key{c.ServiceID, c.ProviderID}]; l != nil {
			if l.Statuses == nil {
				l.Statuses = map[string]int64{}
			}
			l.Statuses[string(c.Status)] += c.Count
		}
	}
	for _, st := range applications.ShownStatuses {
		n := byStatus[string(st)]
		live.Statuses = append(live.Statuses, StatusLine{Status: string(st), Count: n, Percent: percent(n, live.Total)})
	}
	for _, c := range overdue {
		rep.Totals.OverdueNow += c.Count
		// A case overdue now whose service had nothing in the period's
		// rollups has no line: it counts in the total only.
		if l := lines[key{c.ServiceID, c.ProviderID}]; l != nil {
			l.OverdueNow += c.Count
		}
	}
	rep.Live = live
	return nil
}
