package audit

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web"
)

// Console is the security auditor's: the audit log, searched, filtered and
// exported, and the security events. It only reads.
type Console struct {
	svc *Service
	rd  *web.Renderer
	acc *access.Service // decides which objects' pages the viewer may open
}

// NewConsole returns the auditor's console over svc (made by New).
func NewConsole(svc *Service, rd *web.Renderer) *Console {
	return &Console{svc: svc, rd: rd}
}

// Routes mounts the console, every route behind g:
//
//	GET /admin/audit       the audit log, filtered      audit:read
//	GET /admin/audit.csv   the same rows as CSV         audit:export
//	GET  /admin/security                      security events, locked accounts  security_events:read
//	POST /admin/security/lockouts/{id}/unlock lift an account's lockout          officials:grant
//	POST /admin/security/policy               the city's account lockout policy policies:update
func (c *Console) Routes(r chi.Router, g *access.Guard) {
	c.acc = g.Access
	g.Route(r, http.MethodGet, "/admin/audit", access.Perm{Object: access.ObjAudit, Action: access.ActRead}, c.handleAudit)
	g.Route(r, http.MethodGet, "/admin/audit.csv", access.Perm{Object: access.ObjAudit, Action: access.ActExport}, c.handleCSV)
	g.Route(r, http.MethodGet, "/admin/security", access.Perm{Object: access.ObjSecurityEvents, Action: access.ActRead}, c.handleSecurity)
	g.Route(r, http.MethodPost, "/admin/security/lockouts/{id}/unlock", access.Perm{Object: access.ObjOfficials, Action: access.ActGrant}, c.handleUnlock)
	// The lockout policy is the city's security policy, which the
	// administrator (and no other role) sets with the access policy.
	g.Route(r, http.MethodPost, "/admin/security/policy", access.Perm{Object: access.ObjPolicies, Action: access.ActUpdate}, c.handlePolicy)
}

// pageSize is how many rows a page of the console shows.
const pageSize = 50

// filterForm is the filter as typed, kept so the form shows it again.
type filterForm struct {
	From, To, Actor, Action, Result, Sep string
	Page                                 int
}

// readFilter reads the filter of q, and the errors of its fields (the
// field's name → the message's key): a date that is not one, a range that
// ends before it starts.
func readFilter(q url.Values) (Filter, filterForm, map[string]string) {
	f := filterForm{From: q.Get("from"), To: q.Get("to"), Actor: q.Get("actor"), Action: q.Get("action"), Result: q.Get("result"), Sep: q.Get("sep")}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	errs := map[string]string{}
	flt := Filter{Actor: f.Actor, Action: f.Action, Result: f.Result, Limit: pageSize, Offset: (f.Page - 1) * pageSize}
	var from, to time.Time
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, tenant.Zone)
		if err != nil {
			errs["from"] = "audit.error.from_date"
		}
		from = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, tenant.Zone)
		if err != nil {
			errs["to"] = "audit.error.to_date"
		}
		to = t
	}
	if len(errs) == 0 && !from.IsZero() && !to.IsZero() && to.Before(from) {
		errs["to"] = "audit.error.reversed"
	}
	if !from.IsZero() {
		flt.From = from
	}
	if !to.IsZero() {
		flt.To = to.AddDate(0, 0, 1) // the whole last day
	}
	if f.Result != "" && !Result(f.Result).valid() {
		errs["result"] = "audit.error.result"
	}
	return flt, f, errs
}

type auditData struct {
	Dates       []dateField
	Actions     []string // the action filter's choices
	OtherAction bool     // the filter names an action family or code not among them
	Entries     []Entry
	Total       int
	Form        filterForm
	Errors      map[string]string // field → message, in the page's language
	Query       string            // the filter as a query string, for paging
	PrevPage    int
	NextPage    int
}

// dateField is a date of the filter as the form shows it.
type dateField struct{ Name, Label, Value, Error string }

func (c *Console) handleAudit(w http.ResponseWriter, r *http.Request) {
	flt, form, errs := readFilter(r.URL.Query())
	c.renderAudit(w, r, flt, form, errs)
}

// renderAudit shows the page of flt, or the form with errs (and no rows)
// when the filter is wrong: a reversed range is an error, not an empty list.
func (c *Console) renderAudit(w http.ResponseWriter, r *http.Request, flt Filter, form filterForm, errs map[string]string) {
	l := c.rd.Localizer(r)
	d := auditData{Form: form, Errors: map[string]string{}, Actions: Actions,
		OtherAction: form.Action != "" && !slices.Contains(Actions, form.Action)}
	for field, key := range errs {
		d.Errors[field] = l.T(key)
	}
	d.Dates = []dateField{{"from", "admin.from", form.From, d.Errors["from"]}, {"to", "admin.to", form.To, d.Errors["to"]}}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		var err error
		if d.Entries, d.Total, err = c.svc.Page(r.Context(), flt, c.acc, access.SubjectOf(r)); err != nil {
			c.rd.Error(w, r, err)
			return
		}
		for _, e := range d.Entries {
			if role, ok := e.ObjectArgs["Role"].(string); ok {
				e.ObjectArgs["Role"] = l.T("role." + role)
			}
		}
	}
	q := r.URL.Query()
	q.Del("page")
	q.Del("sep")
	d.Query = q.Encode()
	if form.Page > 1 {
		d.PrevPage = form.Page - 1
	}
	if form.Page*pageSize < d.Total {
		d.NextPage = form.Page + 1
	}
	c.rd.Render(w, r, status, "admin/audit", &web.Page{TitleKey: "admin.audit", Data: d})
}

func (c *Console) handleCSV(w http.ResponseWriter, r *http.Request) {
	flt, form, errs := readFilter(r.URL.Query())
	comma := Comma
	switch form.Sep {
	case "", "comma":
	case "semicolon":
		comma = Semicolon
	default:
		errs["sep"] = "audit.error.sep"
	}
	if len(errs) > 0 {
		c.renderAudit(w, r, flt, form, errs)
		return
	}
	flt.Limit, flt.Offset = MaxLimit, 0
	rows, _, err := c.svc.Search(r.Context(), flt)
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows, comma); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(tenant.Zone).Format("2006-01-02")+`.csv"`)
	if _, err := w.Write(buf.Bytes()); err != nil {
		c.svc.log.ErrorContext(r.Context(), "writing the audit CSV", "error", err)
	}
}
