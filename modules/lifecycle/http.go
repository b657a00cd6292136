package lifecycle

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/tenant"
	"hromada/web"
)

// HTTP is the administrator's export page.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes mounts the export page, its request and its downloads on r: the
// city's data taken out whole, the administrator's alone.
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	perm := access.Perm{Object: ObjCityData, Action: access.ActExport}
	g.Route(r, http.MethodGet, "/admin/export", perm, h.handlePage)
	g.Route(r, http.MethodPost, "/admin/export", perm, h.handleRequest)
	g.Route(r, http.MethodGet, "/admin/export/{id}", perm, h.handleDownload)
}

type pageData struct {
	Exports   []Export
	Requested bool
}

func (h *HTTP) handlePage(w http.ResponseWriter, r *http.Request) {
	es, err := h.svc.Exports(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "admin/export", &web.Page{TitleKey: "lifecycle.export_title",
		Data: pageData{Exports: es, Requested: r.URL.Query().Get("requested") != ""}})
}

func (h *HTTP) handleRequest(w http.ResponseWriter, r *http.Request) {
	sg := identity.SignedFrom(r.Context())
	if sg == nil {
		h.rd.Error(w, r, access.ErrForbidden)
		return
	}
	if _, err := h.svc.RequestExport(r.Context(), sg.AccountID); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/export?requested=1", http.StatusSeeOther)
}

func (h *HTTP) handleDownload(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNoExport)
		return
	}
	f, e, err := h.svc.Open(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	defer f.Close()
	t, _ := tenant.From(r.Context())
	slug := ""
	if t != nil {
		slug = t.Slug
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/zip")
	hd.Set("Content-Length", strconv.FormatInt(e.Size, 10))
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.FileName(slug)}))
	hd.Set("Cache-Control", "no-store")
	if _, err := io.Copy(w, f); err != nil {
		h.svc.log.WarnContext(r.Context(), "lifecycle: download cut short", "export", e.ID, "err", err)
	}
}
