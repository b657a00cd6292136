package onboarding

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
	"hromada/web"
)

// HTTP serves the administrator's "getting started" page; the same
// checklist is a partial the staff home may include.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes mounts the checklist page on r.
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	g.Route(r, http.MethodGet, "/admin/getting-started", access.Perm{Object: access.ObjTenantSettings, Action: access.ActRead}, h.handleChecklist)
}

type checklistData struct {
	Checklist *Checklist
}

func (h *HTTP) handleChecklist(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Checklist(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "admin/getting_started", &web.Page{TitleKey: "onboarding.title", Data: checklistData{Checklist: c}})
}
