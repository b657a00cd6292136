package monitoring

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"hromada/apperr"
)

// ErrFilter is a filter the open data cannot answer (a bad date or period).
var ErrFilter = apperr.New(apperr.Invalid, "monitoring.error_filter")

// openNumbers are a line's service indicators as open data.
type openNumbers struct {
	CardViews   int64    `json:"card_views"`
	Started     int64    `json:"applications_started"`
	Submitted   int64    `json:"applications_submitted"`
	Automatic   int64    `json:"decided_automatically"`
	Officials   int64    `json:"decided_by_officials"`
	Approved    int64    `json:"approved"`
	Refused     int64    `json:"refused"`
	Issued      int64    `json:"results_issued"`
	OnTime      int64    `json:"decided_on_time"`
	Late        int64    `json:"decided_late"`
	MedianDays  *float64 `json:"processing_days_median"`
	MeanDays    *float64 `json:"processing_days_mean"`
	OverdueOpen int64    `json:"overdue_open_at_end"`
	Payments    int64    `json:"payments"`
	PaidUAH     string   `json:"paid_uah"`
}

func openOf(n Numbers) openNumbers {
	return openNumbers{n.CardViews, n.Started, n.Submitted, n.Automatic, n.Officials, n.Approved, n.Refused, n.Issued,
		n.OnTime, n.Late, n.MedianDays, n.MeanDays, n.OverdueOpen, n.Payments, uah(n.PaidKopecks)}
}

// uah writes kopecks as hryvnias with a point: 123456 → "1234.56".
func uah(k int64) string {
	return strconv.FormatInt(k/100, 10) + "." + strconv.FormatInt(100+k%100, 10)[1:]
}

type openService struct {
	Code         string `json:"code"`
	NationalCode string `json:"national_code"`
	Name         string `json:"name"`
	Provider     string `json:"provider"`
	openNumbers
}

type openCentre struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Ratings   [4]int64 `json:"ratings_1_to_4"`
	Loyalty   *int     `json:"loyalty_index"`
	Bookings  int64    `json:"bookings"`
	Served    int64    `json:"visits_served"`
	WaitHours *float64 `json:"booking_wait_hours_median"`
}

type openAppeals struct {
	Provider string `json:"provider"`
	Received int64  `json:"received"`
	Answered int64  `json:"answered"`
	Late     int64  `json:"answered_late"`
	Open     int64  `json:"overdue_open_at_end"`
}

type openRefusal struct {
	Service string `json:"service"`
	Ground  string `json:"ground"`
	Count   int64  `json:"refusals"`
}

// openReport is the indicators' open data (docs/opendata.md).
type openReport struct {
	From     string        `json:"from"`
	To       string        `json:"to"`
	Provider string        `json:"provider,omitempty"`
	Totals   openNumbers   `json:"totals"`
	Services []openService `json:"services"`
	Refusals []openRefusal `json:"refusals"`
	Centres  []openCentre  `json:"centres"`
	Appeals  []openAppeals `json:"appeals"`
}

func openReportOf(rep *Report) openReport {
	o := openReport{From: rep.From.Format(time.DateOnly), To: rep.To.Format(time.DateOnly), Provider: rep.Provider,
		Totals: openOf(rep.Totals), Services: []openService{}, Refusals: []openRefusal{}, Centres: []openCentre{}, Appeals: []openAppeals{}}
	for _, l := range rep.Services {
		o.Services = append(o.Services, openService{l.Code, l.NationalCode, l.Name.UK, l.Provider.UK, openOf(l.Numbers)})
	}
	for _, l := range rep.Refusals {
		o.Refusals = append(o.Refusals, openRefusal{l.Service.UK, l.Ground, l.Count})
	}
	for _, c := range rep.Centres {
		oc := openCentre{Code: c.Code, Name: c.Name.UK, Ratings: [4]int64{c.Ratings.R1, c.Ratings.R2, c.Ratings.R3, c.Ratings.R4},
			Bookings: c.Bookings, Served: c.Served, WaitHours: c.MedianWaitHours}
		if v, ok := c.Ratings.Loyalty(); ok {
			oc.Loyalty = &v
		}
		o.Centres = append(o.Centres, oc)
	}
	for _, a := range rep.Appeals {
		o.Appeals = append(o.Appeals, openAppeals{a.ProviderCode, a.Received, a.Answered, a.Late, a.Open})
	}
	return o
}

// openReport reads the report of the query's filter; a bad filter is
// ErrFilter.
func (h *HTTP) openReport(r *http.Request) (*Report, error) {
	f := h.parseFilter(r)
	if len(f.Errors) > 0 {
		return nil, ErrFilter
	}
	return h.svc.Report(r.Context(), f.Filter)
}

func (h *HTTP) handleOpenJSON(w http.ResponseWriter, r *http.Request) {
	rep, err := h.openReport(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(openReportOf(rep))
}

// csvHeader names the CSV's columns: the JSON's fields of a service.
var csvHeader = []string{"from", "to", "code", "national_code", "name", "provider", "card_views", "applications_started",
	"applications_submitted", "decided_automatically", "decided_by_officials", "approved", "refused", "results_issued",
	"decided_on_time", "decided_late", "processing_days_median", "processing_days_mean", "overdue_open_at_end", "payments", "paid_uah"}

func (h *HTTP) handleOpenCSV(w http.ResponseWriter, r *http.Request) {
	rep, err := h.openReport(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="indicators.csv"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	o := openReportOf(rep)
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 1, 64)
	}
	for _, s := range o.Services {
		_ = cw.Write([]string{o.From, o.To, s.Code, s.NationalCode, s.Name, s.Provider, n(s.CardViews), n(s.Started), n(s.Submitted),
			n(s.Automatic), n(s.Officials), n(s.Approved), n(s.Refused), n(s.Issued), n(s.OnTime), n(s.Late), f(s.MedianDays),
			f(s.MeanDays), n(s.OverdueOpen), n(s.Payments), s.PaidUAH})
	}
	cw.Flush()
}
