package notify

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/tenant"
	"hromada/web"
)

// HTTP holds the notices' pages: the person's inbox and preferences in the
// cabinet, and the deliveries in the administrator's console.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the pages over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes mounts the pages, every route behind g:
//
//	GET  /cabinet/notifications     the inbox, with each notice's deliveries   own_profile:read
//	GET  /cabinet/notifications/settings          the preferences             own_profile:read
//	POST /cabinet/notifications/settings          channels per kind, quiet hours  own_profile:update
//	POST /cabinet/notifications/settings/address  an address, a code sent to it   own_profile:update
//	POST /cabinet/notifications/settings/confirm  the code typed back            own_profile:update
//	POST /cabinet/notifications/settings/webpush  this browser's push subscription (JSON)  own_profile:update
//	POST /cabinet/notifications/settings/webpush/remove  forget it                own_profile:update
//	GET  /admin/notifications       the city's sender and its deliveries        tenant_settings:read
//	GET  /admin/notifications/bulk  the announcement form and the latest sends    bulk_notices:read
//	POST /admin/notifications/bulk/preview  the text and whom it reaches          bulk_notices:create
//	POST /admin/notifications/bulk  the confirmed send, once                     bulk_notices:create
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	read := access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}
	update := access.Perm{Object: access.ObjOwnProfile, Action: access.ActUpdate}
	g.Route(r, http.MethodGet, "/cabinet/notifications", read, h.handleInbox)
	g.Route(r, http.MethodGet, "/cabinet/notifications/settings", read, h.handlePrefs)
	g.Route(r, http.MethodPost, "/cabinet/notifications/settings", update, h.handleSavePrefs)
	g.Route(r, http.MethodPost, "/cabinet/notifications/settings/address", update, h.handleAddress)
	g.Route(r, http.MethodPost, "/cabinet/notifications/settings/confirm", update, h.handleConfirm)
	g.Route(r, http.MethodPost, "/cabinet/notifications/settings/webpush", update, h.handleWebPush)
	g.Route(r, http.MethodPost, "/cabinet/notifications/settings/webpush/remove", update, h.handleWebPushRemove)
	// The deliveries are the portal's working, as its settings are: who
	// may read those (administrator, dispatcher, owner) sees them.
	g.Route(r, http.MethodGet, "/admin/notifications", access.Perm{Object: access.ObjTenantSettings, Action: access.ActRead}, h.handleConsole)
	// The dispatcher's announcements to the residents who opted in.
	g.Route(r, http.MethodGet, "/admin/notifications/bulk", access.Perm{Object: access.ObjBulkNotices, Action: access.ActRead}, h.handleBulk)
	g.Route(r, http.MethodPost, "/admin/notifications/bulk/preview", access.Perm{Object: access.ObjBulkNotices, Action: access.ActCreate}, h.handleBulkPreview)
	g.Route(r, http.MethodPost, "/admin/notifications/bulk", access.Perm{Object: access.ObjBulkNotices, Action: access.ActCreate}, h.handleBulkSend)
}

func (h *HTTP) handleConsole(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Overview(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "notify/admin", &web.Page{TitleKey: "notify.admin.title", Data: c})
}

// errSignedOut: the guard lets only signed-in people in; a request
// without one is a bug, never a page for nobody.
var errSignedOut = apperr.New(apperr.Forbidden, "error.forbidden")

func signed(r *http.Request) (*identity.Signed, error) {
	p := identity.SignedFrom(r.Context())
	if p == nil {
		return nil, errSignedOut
	}
	return p, nil
}

type inboxData struct {
	Notifications []Notification
	Linked        string // the notice a signed link from an e-mail names
}

func (h *HTTP) handleInbox(w http.ResponseWriter, r *http.Request) {
	p, err := signed(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	ns, err := h.svc.Inbox(r.Context(), p.AccountID)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d := inboxData{Notifications: ns}
	if t, err := tenant.From(r.Context()); err == nil {
		if id, ok := h.svc.LinkedNotice(t, r.URL.Query().Get("n"), r.URL.Query().Get("sig")); ok {
			d.Linked = id.String()
		}
	}
	h.rd.Render(w, r, http.StatusOK, "notify/inbox", &web.Page{TitleKey: "app.inbox", Data: d})
}
