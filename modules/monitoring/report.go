package monitoring

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/applications"
	"hromada/tenant"
)

// Filter is what a report covers: the local days From to To, both
// included, and one provider (its code; "": all).
type Filter struct {
	From, To time.Time
	Provider string
}

// Numbers are a line's service indicators over the period (docs/monitoring.md).
type Numbers struct {
	CardViews, Started, Submitted int64
	Automatic, Officials          int64
	Approved, Refused, Issued     int64
	OnTime, Late                  int64
	OverdueOpen                   int64 // at the period's last day (or today, if sooner)
	Payments, PaidKopecks         int64
	// Results are the applicants' ratings of the results decided
	// (migration 0041), on the four-level scale.
	Results              Ratings
	MedianDays, MeanDays *float64 // processing time; nil: no decision
	P90Days              *float64 // its 90th percentile; nil: no decision
	// OverdueNow is the open applications past their term today, read
	// live from the applications (the dashboard only; docs/monitoring.md).
	OverdueNow int64
}

// Decided is the decisions of the period.
func (n *Numbers) Decided() int64 { return n.Automatic + n.Officials }

// OnTimePercent is the share of the period's decisions made in term, 0–100.
func (n *Numbers) OnTimePercent() int { return percent(n.OnTime, n.OnTime+n.Late) }

// AutomaticPercent is the share of decisions made automatically.
func (n *Numbers) AutomaticPercent() int { return percent(n.Automatic, n.Automatic+n.Officials) }

// ServiceLine is one service (at one provider) over the period.
type ServiceLine struct {
	ServiceID, ProviderID uuid.UUID
	Code, NationalCode    string
	Name, Provider        tenant.Text
	// TermDays is the service's legal term (working days when
	// TermWorking); 0: none set.
	TermDays    int
	TermWorking bool
	Numbers
	// Statuses are the period's applications by their status now (the
	// dashboard only).
	Statuses map[string]int64
}

// RefusalLine counts refusals on one ground.
type RefusalLine struct {
	Service tenant.Text
	Ground  string
	Count   int64
}

// Ratings are a four-level distribution.
type Ratings struct {
	R1, R2, R3, R4 int64
}

// Total is how many ratings there are.
func (r Ratings) Total() int64 { return r.R1 + r.R2 + r.R3 + r.R4 }

// Loyalty is the loyalty index (docs/monitoring.md): 100 × (excellent −
// acceptable − terrible) / all, rounded; ok false with no ratings.
func (r Ratings) Loyalty() (int, bool) {
	if r.Total() == 0 {
		return 0, false
	}
	v := float64(100*(r.R4-r.R1-r.R2)) / float64(r.Total())
	if v < 0 {
		return int(v - 0.5), true
	}
	return int(v + 0.5), true
}

// Share is the percentage of score among the ratings.
func (r Ratings) Share(score int) int {
	return percent([]int64{0, r.R1, r.R2, r.R3, r.R4}[score], r.Total())
}

// CentreLine is one centre over the period.
type CentreLine struct {
	Code            string
	Name            tenant.Text
	Ratings         Ratings
	Bookings        int64
	Served          int64
	MedianWaitHours *float64 // from booking to the booked time; nil: no booking
}

// AppealLine is the appeals routed to one provider (Provider empty: not
// routed yet) over the period.
type AppealLine struct {
	ProviderCode                   string
	Provider                       tenant.Text
	Received, Answered, Late, Open int64
	// Facet is the provider's received, answered, on time, median time to
	// answer and ratings, from the facets' table.
	Facet AppealFacet
}

// AppealFacet is the appeals of one provider, category or district (Code
// empty: none — not routed yet, or no district) over the period
// (monitoring_appeal_facet_days; docs/monitoring.md).
type AppealFacet struct {
	Code                     string
	Name                     tenant.Text
	Received, Answered, Late int64
	// MedianDays is the median of the days the period's answers took;
	// nil: no answer.
	MedianDays *float64
	// Rated counts the ratings 1 to 5 of the period's answers.
	Rated [5]int64
}

// OnTime is how many of the period's answers were given by their due date.
func (f AppealFacet) OnTime() int64 { return f.Answered - f.Late }

// OnTimeShare is the percentage of answers given on time.
func (f AppealFacet) OnTimeShare() int { return percent(f.OnTime(), f.Answered) }

// Satisfaction is the mean rating (1 to 5) of the answers rated, to a
// tenth; ok false with no rating.
func (f AppealFacet) Satisfaction() (float64, bool) {
	var n, sum int64
	for i, c := range f.Rated {
		n, sum = n+c, sum+int64(i+1)*c
	}
	if n == 0 {
		return 0, false
	}
	return math.Round(float64(sum)/float64(n)*10) / 10, true
}

// Day is one day's applications submitted and decided, for the chart.
type Day struct {
	Day                time.Time
	Submitted, Decided int64
}

// Week is one ISO week (Monday to Sunday, the city's local days) of the
// period: its days within the period, and the sums of their indicators.
type Week struct {
	Monday, From, To   time.Time
	Submitted, Decided int64
	Refused, Late      int64
}

// ISO is the week's ISO 8601 name, as 2026-W10.
func (w Week) ISO() string {
	y, n := w.Monday.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, n)
}

// StatusLine is how many of the period's applications are in a status
// now, as shown, and their share of all of them.
type StatusLine struct {
	Status  string
	Count   int64
	Percent int
}

// Live is what the dashboard reads from the applications as they are,
// not from the rollups: At is when.
type Live struct {
	At       time.Time
	Statuses []StatusLine
	Total    int64 // the period's applications (all statuses)
}

// Report is the indicators of a city over a filter, read from the rollups.
type Report struct {
	Filter
	Totals   Numbers
	Services []ServiceLine
	Refusals []RefusalLine
	Centres  []CentreLine
	Appeals  []AppealLine
	// AppealsByCategory and AppealsByDistrict are the appeals' lines by
	// the city's categories and districts (AppealLine.Facet by provider).
	AppealsByCategory, AppealsByDistrict []AppealFacet
	Days                                 []Day
	Weeks                                []Week
	// Live is the live figures (Dashboard); nil on the public page.
	Live *Live
	// Ratings sums the centres' ratings (of visits); Totals.Results
	// the services' (of results).
	Ratings Ratings
	// Providers are the city's providers, for the filter.
	Providers []Provider
}

// Provider is a provider as the filter offers it.
type Provider struct {
	Code string
	Name tenant.Text
}

// Report reads the indicators over f in one transaction. today bounds
// the "open and overdue" snapshot (the last day rolled up).
func (s *Service) Report(ctx context.Context, f Filter) (*Report, error) {
	return s.report(ctx, f, false)
}

// Dashboard is the Report with the live figures of the staff dashboard:
// the period's applications by their status now and those overdue now,
// read from the applications in the same transaction.
func (s *Service) Dashboard(ctx context.Context, f Filter) (*Report, error) {
	return s.report(ctx, f, true)
}

func (s *Service) report(ctx context.Context, f Filter, live bool) (*Report, error) {
	rep := &Report{Filter: f}
	now := s.now()
	today := applications.Day(now)
	last := f.To
	if today.Before(last) {
		last = today
	}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := serviceLines(ctx, tx, rep, last); err != nil {
			return err
		}
		if err := refusalLines(ctx, tx, rep); err != nil {
			return err
		}
		if err := centreLines(ctx, tx, rep); err != nil {
			return err
		}
		if err := appealLines(ctx, tx, rep, last); err != nil {
			return err
		}
		if err := dayLines(ctx, tx, rep); err != nil {
			return err
		}
		if err := weekLines(ctx, tx, rep); err != nil {
			return err
		}
		if live {
			if err := liveLines(ctx, tx, rep, now, today); err != nil {
				return err
			}
		}
		var err error
		rep.Providers, err = providers(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("monitoring: report: %w", err)
	}
	return rep, nil
}

// Providers lists the city's providers, for the filter of a report that
// could not be read (its period was wrong): the choice stays offered.
func (s *Service) Providers(ctx context.Context) ([]Provider, error) {
	var out []Provider
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = providers(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("monitoring: providers: %w", err)
	}
	return out, nil
}

func providers(ctx context.Context, tx pgx.Tx) ([]Provider, error) {
	rows, err := tx.Query(ctx, `SELECT code, name FROM providers ORDER BY name->>'uk', code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Provider])
}

func percent(part, whole int64) int {
	if whole == 0 {
		return 0
	}
	return int((200*part + whole) / (2 * whole))
}
