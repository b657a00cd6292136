package monitoring

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web"
)

// HTTP serves the indicators' pages and open data.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes mounts the indicators on r; every page takes ?from=&to=
// (YYYY-MM-DD, the last 30 days by default) and ?provider= (a code):
//
//	GET /admin/monitoring              the staff dashboard            reports:read
//	GET /admin/monitoring/export.csv   its figures (?table=weeks: the weekly trend)  reports:export
//	GET /admin/monitoring/officials?provider=  a provider's officials' workload  reports:read at the provider
//	GET /statistics                    the city's open statistics     public
//	GET /opendata/indicators.json      the same as open data          public
//	GET /opendata/indicators.csv       a line per service             public
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	get := http.MethodGet
	g.Route(r, get, "/admin/monitoring", access.Perm{Object: access.ObjReports, Action: access.ActRead}, h.handleDashboard)
	g.Route(r, get, exportPath, access.Perm{Object: access.ObjReports, Action: access.ActExport}, h.handleExport)
	g.Route(r, get, "/admin/monitoring/officials", access.Perm{Object: access.ObjReports, Action: access.ActRead, Scope: access.ScopeQuery},
		h.handleOfficials)
	g.Public(r, get, "/statistics", h.handleStatistics)
	g.Public(r, get, "/opendata/indicators.json", h.handleOpenJSON)
	g.Public(r, get, "/opendata/indicators.csv", h.handleOpenCSV)
}

// MaxDays is the longest period a report covers: a year (and a leap day).
const MaxDays = 366

// filterForm is the filter as typed, and what was wrong with it by
// field; Filter is valid when Errors is empty.
type filterForm struct {
	From, To, Provider string
	Errors             map[string]string
	Filter             Filter
}

// parseFilter reads the filter of the query; today is the default end.
func (h *HTTP) parseFilter(r *http.Request) filterForm {
	q := r.URL.Query()
	now := h.svc.now().In(tenant.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	f := filterForm{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Provider: strings.TrimSpace(q.Get("provider")), Errors: map[string]string{}}
	l := h.rd.Localizer(r)
	day := func(field, v string, def time.Time) time.Time {
		if v == "" {
			return def
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Errors[field] = l.T("monitoring.error_date_" + field)
		}
		return d
	}
	f.Filter = Filter{To: day("to", f.To, today), Provider: f.Provider}
	f.Filter.From = day("from", f.From, f.Filter.To.AddDate(0, 0, -29))
	switch {
	case len(f.Errors) > 0:
	case f.Filter.From.After(f.Filter.To):
		f.Errors["from"] = l.T("monitoring.error_order")
	case f.Filter.To.Sub(f.Filter.From) >= MaxDays*24*time.Hour:
		f.Errors["from"] = l.T("monitoring.error_span")
	}
	if f.From == "" {
		f.From = f.Filter.From.Format(time.DateOnly)
	}
	if f.To == "" {
		f.To = f.Filter.To.Format(time.DateOnly)
	}
	return f
}

// reportPage is what the dashboard and the statistics page show.
type reportPage struct {
	Form      filterForm
	Report    *Report
	Providers []Provider // the filter's choice
	Chart     Chart
	WeekChart Chart
	Public    bool
	// Links carry the filter to the open data, the public page and (for
	// those who may export) the dashboard's CSV.
	Links struct{ JSON, CSV, Public, Export, ExportWeeks string }
}

func (h *HTTP) handleDashboard(w http.ResponseWriter, r *http.Request) {
	h.renderReport(w, r, "monitoring/dashboard", "monitoring.dashboard_title", false)
}

func (h *HTTP) handleStatistics(w http.ResponseWriter, r *http.Request) {
	h.renderReport(w, r, "monitoring/statistics", "monitoring.statistics_title", true)
}

func (h *HTTP) renderReport(w http.ResponseWriter, r *http.Request, page, title string, public bool) {
	p := reportPage{Form: h.parseFilter(r), Public: public}
	status := http.StatusOK
	if len(p.Form.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		var err error
		if p.Providers, err = h.svc.Providers(r.Context()); err != nil {
			h.rd.Error(w, r, err)
			return
		}
	} else {
		read := h.svc.Report
		if !public {
			read = h.svc.Dashboard
		}
		rep, err := read(r.Context(), p.Form.Filter)
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		p.Report, p.Providers, p.Chart, p.WeekChart = rep, rep.Providers, chart(rep.Days), weekChart(rep.Weeks)
		q := url.Values{"from": {p.Form.From}, "to": {p.Form.To}}
		if p.Form.Provider != "" {
			q.Set("provider", p.Form.Provider)
		}
		p.Links.JSON, p.Links.CSV, p.Links.Public = "/opendata/indicators.json?"+q.Encode(), "/opendata/indicators.csv?"+q.Encode(), "/statistics?"+q.Encode()
		if !public {
			// The export is offered only to whom the guard lets take it.
			export := exportPath + "?" + q.Encode()
			can, err := access.Allows(r, access.Get(export))
			if err != nil {
				h.rd.Error(w, r, err)
				return
			}
			if can.Has(http.MethodGet, export) {
				q.Set("table", "weeks")
				p.Links.Export, p.Links.ExportWeeks = export, exportPath+"?"+q.Encode()
			}
		}
	}
	h.rd.Render(w, r, status, page, &web.Page{TitleKey: title, Data: &p})
}
