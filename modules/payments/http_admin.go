package payments

import (
	"bytes"
	"net/http"
	"time"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/web"
)

// The staff's pages: the accounting export and the city's gateway
// settings (routes in http.go).

// exportData is the export's page: the period as typed and its errors by
// field.
type exportData struct {
	From, To string
	Errors   map[string]string
}

func (h *HTTP) handleExportPage(w http.ResponseWriter, r *http.Request) {
	// The month so far, the period accounting most often takes.
	now := h.svc.now().In(tenant.Zone)
	d := exportData{From: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, tenant.Zone).Format(DateLayout), To: now.Format(DateLayout)}
	h.rd.Render(w, r, http.StatusOK, "payments/export", &web.Page{TitleKey: "pay.export_title", Data: d})
}

// handleExport sends the period's CSV; a bad period shows the page again
// with the errors by field, and nothing is exported or recorded.
func (h *HTTP) handleExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := exportData{From: q.Get("from"), To: q.Get("to")}
	p, errs := ParsePeriod(d.From, d.To)
	if len(errs) > 0 {
		d.Errors = h.messages(r, errs)
		h.rd.Render(w, r, http.StatusUnprocessableEntity, "payments/export", &web.Page{TitleKey: "pay.export_title", Data: d})
		return
	}
	rows, err := h.svc.Export(r.Context(), p)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := WriteExport(&buf, rows); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="platezhi-`+p.From.Format(time.DateOnly)+`-`+p.To.Format(time.DateOnly)+`.csv"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := w.Write(buf.Bytes()); err != nil {
		h.svc.o.Log.ErrorContext(r.Context(), "payments: writing the export", "error", err)
	}
}

// messages are errs in the request's language, by field.
func (h *HTTP) messages(r *http.Request, errs map[string]*apperr.Error) map[string]string {
	l := h.rd.Localizer(r)
	out := make(map[string]string, len(errs))
	for f, e := range errs {
		out[f] = l.Message(e.Key, e.Args)
	}
	return out
}

// settingsData is the settings' page: the gateways stored (never a
// secret), the form as typed (without the secret) and its errors.
type settingsData struct {
	Gateways  []GatewayState
	Gateway   Gateway
	PublicKey string
	Errors    map[string]string
	Saved     bool
	// Checked is the gateway a connection check reached; CheckFailed the
	// check's failure, in words.
	Checked     Gateway
	CheckFailed string
}

func (h *HTTP) renderSettings(w http.ResponseWriter, r *http.Request, status int, d settingsData) {
	gs, err := h.svc.Gateways(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Gateways = gs
	if d.Gateway == "" && d.Errors == nil {
		d.Gateway = LiqPay
		if len(gs) > 0 && gs[0].Active {
			d.Gateway, d.PublicKey = gs[0].Gateway, gs[0].PublicKey
		}
	}
	h.rd.Render(w, r, status, "payments/settings", &web.Page{TitleKey: "pay.settings_title", Data: d})
}

func (h *HTTP) handleSettings(w http.ResponseWriter, r *http.Request) {
	h.renderSettings(w, r, http.StatusOK, settingsData{Saved: r.URL.Query().Get("saved") != ""})
}

func (h *HTTP) handleSettingsSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	st := Settings{Gateway: Gateway(r.PostForm.Get("gateway")), PublicKey: r.PostForm.Get("public_key"), Secret: r.PostForm.Get("secret")}
	errs, err := h.svc.ChangeSettings(r.Context(), st)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if len(errs) > 0 {
		h.renderSettings(w, r, http.StatusUnprocessableEntity, settingsData{Gateway: st.Gateway, PublicKey: st.PublicKey, Errors: h.messages(r, errs)})
		return
	}
	http.Redirect(w, r, "/admin/payment-settings?saved=1", http.StatusSeeOther)
}

// handleCheck asks the active gateway whether it knows the city's keys,
// and shows the answer on the settings' page.
func (h *HTTP) handleCheck(w http.ResponseWriter, r *http.Request) {
	g, err := h.svc.CheckConnection(r.Context())
	var d settingsData
	switch ae := apperr.As(err); {
	case err == nil:
		d.Checked = g
	case ae.Code == apperr.Internal:
		h.rd.Error(w, r, err)
		return
	default:
		d.CheckFailed = h.rd.Localizer(r).Message(ae.Key, ae.Args)
	}
	h.renderSettings(w, r, http.StatusOK, d)
}
