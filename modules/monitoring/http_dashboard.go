package monitoring

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/web"
)

// exportPath is the dashboard's CSV.
const exportPath = "/admin/monitoring/export.csv"

// handleExport writes the dashboard's figures as CSV: a line per service
// and a total line (the default), or a line per ISO week (?table=weeks).
// ?sep=semicolon separates with ";" for a spreadsheet set to Ukrainian.
func (h *HTTP) handleExport(w http.ResponseWriter, r *http.Request) {
	f := h.parseFilter(r)
	if len(f.Errors) > 0 {
		h.rd.Error(w, r, ErrFilter)
		return
	}
	rep, err := h.svc.Dashboard(r.Context(), f.Filter)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	weeks := r.URL.Query().Get("table") == "weeks"
	name := "dashboard.csv"
	if weeks {
		name = "dashboard-weeks.csv"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if r.URL.Query().Get("sep") == "semicolon" {
		cw.Comma = ';'
	}
	if weeks {
		writeWeeks(cw, rep)
	} else {
		writeServices(cw, rep, h.rd.Localizer(r).T("monitoring.total_line"))
	}
	cw.Flush()
}

// servicesHeader names the service CSV's columns; the statuses follow,
// one column each (status_<name>).
var servicesHeader = []string{"from", "to", "code", "national_code", "name", "provider", "term_days", "term_working_days",
	"card_views", "applications_started", "applications_submitted", "decided_automatically", "decided_by_officials",
	"approved", "refused", "results_issued", "decided_on_time", "decided_late", "processing_days_median",
	"processing_days_p90", "processing_days_mean", "overdue_open_at_end", "overdue_now", "payments", "paid_uah"}

func num(v int64) string { return strconv.FormatInt(v, 10) }

func fnum(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func writeServices(cw *csv.Writer, rep *Report, total string) {
	head := append([]string{}, servicesHeader...)
	for _, s := range applications.ShownStatuses {
		head = append(head, "status_"+string(s))
	}
	_ = cw.Write(head)
	from, to := rep.From.Format(time.DateOnly), rep.To.Format(time.DateOnly)
	line := func(code, national, name, provider, term, working string, n *Numbers, st map[string]int64) {
		rec := []string{from, to, code, national, name, provider, term, working, num(n.CardViews), num(n.Started), num(n.Submitted),
			num(n.Automatic), num(n.Officials), num(n.Approved), num(n.Refused), num(n.Issued), num(n.OnTime), num(n.Late),
			fnum(n.MedianDays), fnum(n.P90Days), fnum(n.MeanDays), num(n.OverdueOpen), num(n.OverdueNow), num(n.Payments), uah(n.PaidKopecks)}
		for _, s := range applications.ShownStatuses {
			rec = append(rec, num(st[string(s)]))
		}
		_ = cw.Write(rec)
	}
	for i := range rep.Services {
		l := &rep.Services[i]
		term, working := "", ""
		if l.TermDays > 0 {
			term, working = strconv.Itoa(l.TermDays), strconv.FormatBool(l.TermWorking)
		}
		line(l.Code, l.NationalCode, l.Name.UK, l.Provider.UK, term, working, &l.Numbers, l.Statuses)
	}
	all := map[string]int64{}
	if rep.Live != nil {
		for _, s := range rep.Live.Statuses {
			all[s.Status] = s.Count
		}
	}
	line("", "", total, "", "", "", &rep.Totals, all)
}

func writeWeeks(cw *csv.Writer, rep *Report) {
	_ = cw.Write([]string{"iso_week", "monday", "from", "to", "applications_submitted", "decided", "refused", "decided_late"})
	for _, wk := range rep.Weeks {
		_ = cw.Write([]string{wk.ISO(), wk.Monday.Format(time.DateOnly), wk.From.Format(time.DateOnly), wk.To.Format(time.DateOnly),
			num(wk.Submitted), num(wk.Decided), num(wk.Refused), num(wk.Late)})
	}
}

// teamPage is the provider head's page.
type teamPage struct {
	Form filterForm
	Team *Team
	// Queue is the provider's queue; Can says which of the queue's links
	// (an official's cases, to reassign them) the person may follow.
	Queue string
	Can   access.Allowed
}

// Link is the queue filtered to a member's open cases (due: "today",
// "week", "overdue" or "" for all of them), where the head opens a case
// to reassign it.
func (p *teamPage) Link(m Member, due string) string {
	q := url.Values{"provider": {p.Team.ProviderID.String()}}
	if m.AccountID != nil {
		q.Set("assignee", m.AccountID.String())
	} else {
		q.Set("assignee", "none") // the queue's "no one has taken it"
	}
	switch due {
	case "overdue":
		q.Set("overdue", "1")
	case "today", "week":
		q.Set("due", due)
	}
	return "/work/applications?" + q.Encode()
}

// handleOfficials is a provider's officials' workload: the guard checked
// reports:read at the provider of ?provider=.
func (h *HTTP) handleOfficials(w http.ResponseWriter, r *http.Request) {
	provider, err := uuid.Parse(access.ScopeOf(r))
	if err != nil {
		h.rd.Error(w, r, access.ErrProviderNotFound)
		return
	}
	p := teamPage{Form: h.parseFilter(r)}
	status := http.StatusOK
	if len(p.Form.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		// The workload today does not depend on the period: shown over
		// the default one, with the error beside the field.
		today := applications.Day(h.svc.now())
		p.Form.Filter = Filter{From: today.AddDate(0, 0, -29), To: today}
	}
	if p.Team, err = h.svc.Team(r.Context(), provider, p.Form.Filter); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	p.Queue = "/work/applications?provider=" + provider.String()
	links := []access.Link{access.Get(p.Queue)}
	for _, m := range p.Team.Members {
		links = append(links, access.Get(p.Link(m, "")))
	}
	if p.Can, err = access.Allows(r, links...); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, status, "monitoring/officials", &web.Page{TitleKey: "monitoring.team_title", Data: &p})
}
