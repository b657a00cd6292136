package monitoring_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/monitoring"
)

// TestAppealFacetsEqualIndependentComputation: the report's appeals by
// provider, category and district — received, answered, on time, the
// median time to answer and the mean rating — equal the same figures
// counted here from the appeals themselves, for a period and for one
// provider (docs/monitoring.md).
func TestAppealFacetsEqualIndependentComputation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	_, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)

	type row struct {
		received             time.Time
		answered             *time.Time
		due                  time.Time
		provider, cat, distr string
		rating               *int
	}
	var rows []row
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rs, err := tx.Query(ctx, `SELECT a.received_at, a.answered_at, a.due_on, coalesce(p.code, ''), c.code, a.district, a.rating
			FROM appeals a JOIN appeal_categories c ON c.id = a.category_id LEFT JOIN providers p ON p.id = a.provider_id`)
		if err != nil {
			return err
		}
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.received, &r.answered, &r.due, &r.provider, &r.cat, &r.distr, &r.rating); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	}))

	type want struct {
		received, answered, late int64
		took                     []float64
		rated                    [5]int64
	}
	for _, f := range []monitoring.Filter{
		{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
		{From: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC), Provider: "p-1"},
	} {
		rep, err := e.svc.Dashboard(e.ctx, f)
		require.NoError(t, err)
		name := f.From.Format(time.DateOnly) + ".." + f.To.Format(time.DateOnly) + " " + f.Provider
		by := map[string]map[string]*want{"provider": {}, "category": {}, "district": {}}
		for _, r := range rows {
			if f.Provider != "" && r.provider != f.Provider {
				continue
			}
			for facet, key := range map[string]string{"provider": r.provider, "category": r.cat, "district": r.distr} {
				w := by[facet][key]
				if w == nil {
					w = &want{}
				}
				if within(date(r.received), f.From, f.To) {
					w.received++
				}
				if r.answered != nil && within(date(*r.answered), f.From, f.To) {
					w.answered++
					if date(*r.answered).After(r.due) {
						w.late++
					}
					w.took = append(w.took, date(*r.answered).Sub(date(r.received)).Hours()/24)
					if r.rating != nil {
						w.rated[*r.rating-1]++
					}
				}
				if w.received+w.answered > 0 {
					by[facet][key] = w
				}
			}
		}
		check := func(facet string, got []monitoring.AppealFacet) {
			require.Len(t, got, len(by[facet]), "%s: %s lines", name, facet)
			for _, g := range got {
				w := by[facet][g.Code]
				require.NotNil(t, w, "%s: %s %q", name, facet, g.Code)
				require.Equal(t, [3]int64{w.received, w.answered, w.late}, [3]int64{g.Received, g.Answered, g.Late}, "%s: %s %q", name, facet, g.Code)
				require.Equal(t, w.rated, g.Rated, "%s: %s %q ratings", name, facet, g.Code)
				slices.Sort(w.took)
				if m := percentile(w.took, 0.5); m == nil {
					require.Nil(t, g.MedianDays)
				} else {
					require.InDelta(t, *m, *g.MedianDays, 1e-9, "%s: %s %q median", name, facet, g.Code)
				}
				var n, sum int64
				for i, c := range w.rated {
					n, sum = n+c, sum+int64(i+1)*c
				}
				s, ok := g.Satisfaction()
				require.Equal(t, n > 0, ok)
				if ok {
					require.InDelta(t, math.Round(float64(sum)/float64(n)*10)/10, s, 1e-9)
				}
			}
		}
		var byProvider []monitoring.AppealFacet
		for _, l := range rep.Appeals {
			if l.Facet.Received+l.Facet.Answered > 0 {
				require.Equal(t, l.ProviderCode, l.Facet.Code)
				byProvider = append(byProvider, l.Facet)
			}
		}
		check("provider", byProvider)
		check("category", rep.AppealsByCategory)
		check("district", rep.AppealsByDistrict)
		require.NotEmpty(t, rep.AppealsByDistrict, name)
		// Something to compare: answers, a median and ratings.
		var rated int64
		var medians int
		for _, g := range rep.AppealsByCategory {
			for _, c := range g.Rated {
				rated += c
			}
			if g.MedianDays != nil {
				medians++
			}
		}
		require.Positive(t, rated, name)
		require.Positive(t, medians, name)
	}
}
