package notify

import (
	"errors"
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
//	POST /admin/notifications/sender  the sender's names and address         tenant_settings:update
//	POST /admin/notifications/sender/rotate  a new DKIM key                    tenant_settings:update
//	GET  /admin/notifications/limits  the city's rate limits per channel       tenant_settings:read
//	POST /admin/notifications/limits  new limits, audited                      tenant_settings:update
//	GET  /admin/notifications/bulk  the announcement form and the latest sends    bulk_notices:read
//	POST /admin/notifications/bulk/preview  the text and the segment it reaches  bulk_notices:create
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
	g.Route(r, http.MethodPost, "/admin/notifications/sender", access.Perm{Object: access.ObjTenantSettings, Action: access.ActUpdate}, h.handleSender)
	g.Route(r, http.MethodPost, "/admin/notifications/sender/rotate", access.Perm{Object: access.ObjTenantSettings, Action: access.ActUpdate}, h.handleRotate)
	// The city's rate limits are its settings too: the dispatcher, who
	// sends the bulk announcements they pace, changes them.
	g.Route(r, http.MethodGet, "/admin/notifications/limits", access.Perm{Object: access.ObjTenantSettings, Action: access.ActRead}, h.handleLimits)
	g.Route(r, http.MethodPost, "/admin/notifications/limits", access.Perm{Object: access.ObjTenantSettings, Action: access.ActUpdate}, h.handleSaveLimits)
	// The dispatcher's announcements to the residents who opted in.
	g.Route(r, http.MethodGet, "/admin/notifications/bulk", access.Perm{Object: access.ObjBulkNotices, Action: access.ActRead}, h.handleBulk)
	g.Route(r, http.MethodPost, "/admin/notifications/bulk/preview", access.Perm{Object: access.ObjBulkNotices, Action: access.ActCreate}, h.handleBulkPreview)
	g.Route(r, http.MethodPost, "/admin/notifications/bulk", access.Perm{Object: access.ObjBulkNotices, Action: access.ActCreate}, h.handleBulkSend)
}

func (h *HTTP) handleConsole(w http.ResponseWriter, r *http.Request) {
	var flash string
	switch q := r.URL.Query(); q.Get("done") {
	case "sender", "rotate":
		flash = "notify.sender.done_" + q.Get("done")
		if q.Get("same") == "1" {
			flash = "notify.sender.done_same"
		}
	}
	h.renderConsole(w, r, http.StatusOK, flash, nil, nil)
}

// renderConsole shows the console; form and errs, when set, are a sender
// form refused, shown as typed with its errors.
func (h *HTTP) renderConsole(w http.ResponseWriter, r *http.Request, status int, flash string, form *SenderForm, errs map[string]string) {
	c, err := h.svc.Overview(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	c.Flash, c.SenderErrors = flash, errs
	if form != nil {
		c.SenderForm = *form
	} else if c.Sender != nil {
		c.SenderForm = SenderForm{FromName: c.Sender.FromName, FromAddress: c.Sender.FromAddress, SMSSender: c.Sender.SMSSender}
	}
	h.rd.Render(w, r, status, "notify/admin", &web.Page{TitleKey: "notify.admin.title", Data: c})
}

// senderLabels are the sender form's fields' message keys.
var senderLabels = map[string]string{"from_name": "notify.sender.from_name", "from_address": "notify.sender.from_address", "sms_sender": "notify.sender.sms_sender"}

func (h *HTTP) handleSender(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := SenderForm{FromName: r.PostForm.Get("from_name"), FromAddress: r.PostForm.Get("from_address"), SMSSender: r.PostForm.Get("sms_sender")}
	typed := f
	changed, err := h.svc.SaveSender(r.Context(), &f)
	var errs SenderErrors
	switch {
	case err == nil:
		to := "/admin/notifications?done=sender"
		if !changed {
			to += "&same=1"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	case errors.As(err, &errs):
		l := h.rd.Localizer(r)
		msgs := map[string]string{}
		for field, e := range errs {
			msgs[field] = l.T(senderLabels[field]) + ": " + l.Message(e.Key, e.Args)
		}
		h.renderConsole(w, r, http.StatusBadRequest, "", &typed, msgs)
	default:
		h.rd.Error(w, r, err)
	}
}

func (h *HTTP) handleRotate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	rotated, err := h.svc.RotateDKIM(r.Context(), r.PostForm.Get("selector"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	to := "/admin/notifications?done=rotate"
	if !rotated {
		to += "&same=1"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
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
