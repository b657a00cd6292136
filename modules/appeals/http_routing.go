package appeals

import (
	"net/http"

	"github.com/google/uuid"

	"hromada/web"
)

// The dispatcher's page: the routing rules with a form to add one and a
// dry run that says where an appeal would go, and the appeals no rule
// routed, each with a form to send it to a provider.

// routingData is the dispatcher's page.
type routingData struct {
	*Routing
	Unrouted []*Appeal
	Form     RuleForm
	Errors   map[string]string
	// The dry run: what was tried and where it would go.
	Try     RuleForm
	TryBody string
	Tried   bool
	TriedTo Routed
	Done    bool
	Error   string
	// NewKey is an Open311 key just made, shown this once.
	NewKey string
}

func (h *HTTP) handleRouting(w http.ResponseWriter, r *http.Request) {
	h.renderRouting(w, r, http.StatusOK, routingData{Done: r.URL.Query().Get("done") == "1"})
}

func (h *HTTP) renderRouting(w http.ResponseWriter, r *http.Request, status int, d routingData) {
	var err error
	if d.Routing, err = h.Svc.Routing(r.Context()); err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if d.Unrouted, err = h.Svc.Unrouted(r.Context()); err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.RD.Render(w, r, status, "appeals/routing", &web.Page{TitleKey: "appeals.routing", Data: d})
}

func (h *HTTP) handleRoutingPost(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("action") == "dry-run" {
		d := routingData{Try: RuleForm{Category: r.FormValue("category"), District: r.FormValue("district")}, TryBody: r.FormValue("body"), Tried: true}
		to, err := h.Svc.DryRun(r.Context(), d.Try.Category, d.Try.District, d.TryBody)
		if err != nil {
			if d.Error = h.shown(r, err); d.Error == "" {
				h.RD.Error(w, r, err)
				return
			}
		}
		d.TriedTo = to
		h.renderRouting(w, r, http.StatusOK, d)
		return
	}
	f := RuleForm{Category: r.FormValue("category"), District: r.FormValue("district"), Keywords: r.FormValue("keywords"),
		Provider: r.FormValue("provider"), Unit: r.FormValue("unit"), Position: r.FormValue("position")}
	errs, err := h.Svc.AddRule(r.Context(), f)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if len(errs) > 0 {
		l := h.RD.Localizer(r)
		d := routingData{Form: f, Errors: map[string]string{}}
		for k, v := range errs {
			d.Errors[k] = l.T(v)
		}
		h.renderRouting(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	http.Redirect(w, r, "/admin/appeals/routing?done=1", http.StatusSeeOther)
}

func (h *HTTP) handleRuleDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "rule")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if err := h.Svc.DeleteRule(r.Context(), id); err != nil {
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/appeals/routing?done=1", http.StatusSeeOther)
}

func (h *HTTP) handleSend(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	to, err := uuid.Parse(r.FormValue("provider"))
	if err == nil {
		err = h.Svc.Forward(r.Context(), id, to, r.FormValue("reason"))
	} else {
		err = ErrInvalid
	}
	if err != nil {
		if msg := h.shown(r, err); msg != "" {
			h.renderRouting(w, r, http.StatusUnprocessableEntity, routingData{Error: msg})
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/appeals/routing?done=1", http.StatusSeeOther)
}

// handleNewKey makes an Open311 key and shows it once on the page.
func (h *HTTP) handleNewKey(w http.ResponseWriter, r *http.Request) {
	key, err := h.Svc.NewKey(r.Context(), r.FormValue("name"))
	if err != nil {
		if msg := h.shown(r, err); msg != "" {
			h.renderRouting(w, r, http.StatusUnprocessableEntity, routingData{Error: msg})
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	h.renderRouting(w, r, http.StatusOK, routingData{NewKey: key})
}
