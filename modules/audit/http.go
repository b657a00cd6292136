package audit

import (
	"net/http"
	"net/url"
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
func (c *Console) Routes(r chi.Router, g *access.Guard) {
	g.Route(r, http.MethodGet, "/admin/audit", access.Perm{Object: access.ObjAudit, Action: access.ActRead}, c.handleAudit)
	g.Route(r, http.MethodGet, "/admin/audit.csv", access.Perm{Object: access.ObjAudit, Action: access.ActExport}, c.handleCSV)
	g.Route(r, http.MethodGet, "/admin/security", access.Perm{Object: access.ObjSecurityEvents, Action: access.ActRead}, c.handleSecurity)
	g.Route(r, http.MethodPost, "/admin/security/lockouts/{id}/unlock", access.Perm{Object: access.ObjOfficials, Action: access.ActGrant}, c.handleUnlock)
}

// pageSize is how many rows a page of the console shows.
const pageSize = 50

// filterForm is the filter as typed, kept so the form shows it again.
type filterForm struct {
	From, To, Actor, Action, Result string
	Page                            int
}

func readFilter(q url.Values) (Filter, filterForm) {
	f := filterForm{From: q.Get("from"), To: q.Get("to"), Actor: q.Get("actor"), Action: q.Get("action"), Result: q.Get("result")}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	flt := Filter{Actor: f.Actor, Action: f.Action, Result: f.Result, Limit: pageSize, Offset: (f.Page - 1) * pageSize}
	if t, err := time.ParseInLocation("2006-01-02", f.From, tenant.Zone); err == nil {
		flt.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", f.To, tenant.Zone); err == nil {
		flt.To = t.AddDate(0, 0, 1) // the whole last day
	}
	return flt, f
}

type auditData struct {
	Rows     []Row
	Total    int
	Form     filterForm
	Query    string // the filter as a query string, for the CSV link and paging
	PrevPage int
	NextPage int
}

func (c *Console) handleAudit(w http.ResponseWriter, r *http.Request) {
	flt, form := readFilter(r.URL.Query())
	var (
		d   auditData
		err error
	)
	if d.Rows, d.Total, err = c.svc.Search(r.Context(), flt); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("page")
	d.Form, d.Query = form, q.Encode()
	if form.Page > 1 {
		d.PrevPage = form.Page - 1
	}
	if form.Page*pageSize < d.Total {
		d.NextPage = form.Page + 1
	}
	c.rd.Render(w, r, http.StatusOK, "admin/audit", &web.Page{TitleKey: "admin.audit", Data: d})
}

func (c *Console) handleCSV(w http.ResponseWriter, r *http.Request) {
	flt, _ := readFilter(r.URL.Query())
	flt.Limit, flt.Offset = MaxLimit, 0
	rows, _, err := c.svc.Search(r.Context(), flt)
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(tenant.Zone).Format("2006-01-02")+`.csv"`)
	if err := WriteCSV(w, rows); err != nil {
		c.rd.Error(w, r, err)
	}
}
