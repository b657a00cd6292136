// Package workspace is the staff's home (/admin): the links to the
// consoles a person may enter, per provider the ones of the provider's head
// and the officials' queue with its notice of new work. It reads who holds
// what from access and the queues' numbers from applications; it keeps no
// data of its own.
package workspace

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/web"
)

// HTTP is the staff's home page.
type HTTP struct {
	Access *access.Service
	Apps   *applications.Service
	Guard  *access.Guard
	RD     *web.Renderer
}

// Routes mounts the staff's home:
//
//	GET /admin   the consoles and queues the person may enter   own_profile:read
//
// Every signed-in person may open it; what it links to is checked where
// each link leads.
func (h *HTTP) Routes(r chi.Router) {
	h.Guard.Route(r, http.MethodGet, "/admin", access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}, h.handleHome)
}

// home is what the staff's home links to: per provider, the provider
// head's consoles and the officials' queue.
type home struct {
	Heads, Officials []string
	// New is, per provider, the applications waiting to be taken
	// (received or answered): the officials' notice of new work.
	New map[string]int
}

// handleHome shows the sections of the consoles, for a provider head the
// officials of its provider, for an official its queue.
func (h *HTTP) handleHome(w http.ResponseWriter, r *http.Request) {
	d := home{New: map[string]int{}}
	var providers []uuid.UUID
	if sg := identity.SignedFrom(r.Context()); sg != nil {
		wp, err := h.Access.Workplaces(r.Context(), sg.AccountID)
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		d.Heads, d.Officials = wp.Heads, wp.Officials
		for _, p := range append(append([]string{}, wp.Heads...), wp.Officials...) {
			id, err := uuid.Parse(p)
			if err != nil {
				return
			}
			providers = append(providers, id)
		}
	}
	if len(providers) > 0 {
		n, err := h.Apps.NewWork(r.Context(), providers)
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		for p, c := range n {
			d.New[p.String()] = c
		}
	}
	h.RD.Render(w, r, http.StatusOK, "admin/index", &web.Page{TitleKey: "admin.title", Data: d})
}
