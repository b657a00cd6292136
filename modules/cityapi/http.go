package cityapi

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/content"
	"hromada/modules/notify"
	"hromada/web"
)

// HTTP is the API's own endpoints and the app's sign-in. Its handlers
// parse, call the Service and answer; they open no transaction.
type HTTP struct {
	svc    *Service
	apps   *applications.Service
	notify *notify.Service
	rd     *web.Renderer
	limit  *limiter
	news   *content.Service // the city's news (WithNews)
	// resident is the modules of the resident's other business (WithResident).
	resident Resident
}

// DefaultRate is the requests a token may make in a minute: a person
// tapping through the app makes a few; a loop makes thousands.
const DefaultRate = 300

// NewHTTP returns the endpoints over svc and the modules whose Services
// they call, each token allowed perMinute requests a minute.
func NewHTTP(svc *Service, apps *applications.Service, n *notify.Service, rd *web.Renderer, perMinute int) *HTTP {
	return &HTTP{svc: svc, apps: apps, notify: n, rd: rd, limit: newLimiter(perMinute, svc.now)}
}

// Routes mounts:
//
//	GET  /api/v1/openapi.json   the contract                                  public
//	GET  /oauth/authorize       the consent page (PKCE S256)                   own_profile:read
//	POST /oauth/authorize       allow or deny: back to the app with a code     own_profile:update
//	POST /oauth/token           code or refresh token → tokens                 public (the client proves itself)
//	POST /oauth/revoke          sign the device out                            public (the token is the proof)
//	GET  /cabinet/devices       «Мої пристрої»                                 own_profile:read
//	POST /cabinet/devices/{id}/revoke                                          own_profile:update
//	GET  /api/v1/me             the resident's profile                         bearer token, scope profile
//	GET  /api/v1/applications   theirs (?status=draft: drafts), a page         scope applications
//	GET  /api/v1/applications/{id}  one, with its timeline and files           scope applications
//	POST /api/v1/applications   a draft of {"service_code"} (Idempotency-Key)  scope applications
//	POST /api/v1/applications/{id}/steps/{n}  save a step {"values", "next"}   scope applications
//	GET  /api/v1/applications/{id}/canonical  the bytes to sign                scope applications
//	POST /api/v1/applications/{id}/files  attach a file (multipart)            scope applications
//	POST /api/v1/applications/{id}/sign   sign through the city's signer, submit  scope applications
//	POST /api/v1/applications/{id}/submit submit with an uploaded .p7s         scope applications
//	GET  /api/v1/notifications  their notices, a page                          scope notifications
//	POST /api/v1/notifications/{id}/read  mark one read (Idempotency-Key)      scope notifications
//	POST /api/v1/push-devices   register this installation's FCM token         scope notifications
//	POST /api/v1/push-devices/unregister  forget it                            scope notifications
//	GET  /api/v1/documents      their issued results, a page                  scope documents
//	GET  /api/v1/documents/{id}/pdf        the sealed PDF                     scope documents
//	GET  /api/v1/documents/{id}/signature  the seal's detached CMS (.p7s)     scope documents
//	GET  /api/v1/documents/{id}/card.png  its visual form for a phone (PNG)   scope documents
//	GET  /.well-known/hromada-seals.json   the city's seal keys (JWKS + x5c)  public
//	GET  /api/v1/payments       their invoices and payments, a page            scope payments
//	GET  /api/v1/appointments   their bookings at the centres, a page          scope appointments
//	POST /api/v1/appointments/{id}/cancel  cancel one (Idempotency-Key)        scope appointments
//	GET  /api/v1/appeals        their appeals, a page                          scope appeals
//	GET  /api/v1/appeals/{id}   one, with its thread and files                 scope appeals
//	GET  /api/v1/petitions      the published petitions with their counts      scope participation
//	POST /api/v1/petitions/{id}/signatures  sign one (Idempotency-Key)         scope participation
//	GET  /api/v1/polls          the published and closed polls                 scope participation
//	GET  /api/v1/news           the city's news, a page (?page=)               public (a token is not needed)
//	GET  /api/v1/news/{slug}    one news item with its body                    public
//
// Lists are pages by cursor; GETs carry an ETag (If-None-Match: 304);
// every POST needs an Idempotency-Key.
//
// The /api/v1 routes a token opens are mounted public for the guard,
// which knows sessions, not tokens: bearer checks the token, its scope and
// its rate instead, and answers problem details, never a sign-in page.
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	read := access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}
	update := access.Perm{Object: access.ObjOwnProfile, Action: access.ActUpdate}
	g.Public(r, http.MethodGet, "/api/v1/openapi.json", handleSpec)
	g.Route(r, http.MethodGet, "/oauth/authorize", read, h.handleAuthorize)
	g.Route(r, http.MethodPost, "/oauth/authorize", update, h.handleConsent)
	g.Public(r, http.MethodPost, "/oauth/token", h.handleToken)
	g.Public(r, http.MethodPost, "/oauth/revoke", h.handleRevoke)
	g.Route(r, http.MethodGet, "/cabinet/devices", read, h.handleDevices)
	g.Route(r, http.MethodPost, "/cabinet/devices/{id}/revoke", update, h.handleRevokeDevice)
	g.Public(r, http.MethodGet, "/api/v1/me", h.bearer(ScopeProfile, h.apiMe))
	g.Public(r, http.MethodGet, "/api/v1/applications", h.bearer(ScopeApplications, h.apiApplications))
	g.Public(r, http.MethodGet, "/api/v1/applications/{id}", h.bearer(ScopeApplications, h.apiApplication))
	g.Public(r, http.MethodPost, "/api/v1/applications", h.bearer(ScopeApplications, h.idempotent(h.apiStartDraft)))
	g.Public(r, http.MethodPost, "/api/v1/applications/{id}/steps/{n}", h.bearer(ScopeApplications, h.idempotent(h.apiSaveStep)))
	g.Public(r, http.MethodGet, "/api/v1/applications/{id}/canonical", h.bearer(ScopeApplications, h.apiCanonical))
	g.Public(r, http.MethodPost, "/api/v1/applications/{id}/files", h.bearer(ScopeApplications, h.idempotentUpload(h.apiAttach)))
	g.Public(r, http.MethodPost, "/api/v1/applications/{id}/sign", h.bearer(ScopeApplications, h.idempotent(h.apiSign)))
	g.Public(r, http.MethodPost, "/api/v1/applications/{id}/submit", h.bearer(ScopeApplications, h.idempotent(h.apiSubmit)))
	g.Public(r, http.MethodGet, "/api/v1/notifications", h.bearer(ScopeNotifications, h.apiNotifications))
	g.Public(r, http.MethodPost, "/api/v1/notifications/{id}/read", h.bearer(ScopeNotifications, h.idempotent(h.apiMarkRead)))
	g.Public(r, http.MethodPost, "/api/v1/push-devices", h.bearer(ScopeNotifications, h.idempotent(h.apiRegisterPush)))
	g.Public(r, http.MethodPost, "/api/v1/push-devices/unregister", h.bearer(ScopeNotifications, h.idempotent(h.apiUnregisterPush)))
	g.Public(r, http.MethodGet, "/api/v1/documents", h.bearer(ScopeDocuments, h.apiDocuments))
	g.Public(r, http.MethodGet, "/api/v1/documents/{id}/pdf", h.bearer(ScopeDocuments, h.apiDocumentFile(false)))
	g.Public(r, http.MethodGet, "/api/v1/documents/{id}/signature", h.bearer(ScopeDocuments, h.apiDocumentFile(true)))
	g.Public(r, http.MethodGet, "/api/v1/documents/{id}/card.png", h.bearer(ScopeDocuments, h.apiDocumentCard))
	g.Public(r, http.MethodGet, "/.well-known/hromada-seals.json", h.handleSeals)
	g.Public(r, http.MethodGet, "/api/v1/payments", h.bearer(ScopePayments, h.apiPayments))
	g.Public(r, http.MethodGet, "/api/v1/appointments", h.bearer(ScopeAppointments, h.apiAppointments))
	g.Public(r, http.MethodPost, "/api/v1/appointments/{id}/cancel", h.bearer(ScopeAppointments, h.idempotent(h.apiCancelAppointment)))
	g.Public(r, http.MethodGet, "/api/v1/appeals", h.bearer(ScopeAppeals, h.apiAppeals))
	g.Public(r, http.MethodGet, "/api/v1/appeals/{id}", h.bearer(ScopeAppeals, h.apiAppeal))
	g.Public(r, http.MethodGet, "/api/v1/petitions", h.bearer(ScopeParticipation, h.apiPetitions))
	g.Public(r, http.MethodPost, "/api/v1/petitions/{id}/signatures", h.bearer(ScopeParticipation, h.idempotent(h.apiSignPetition)))
	g.Public(r, http.MethodGet, "/api/v1/polls", h.bearer(ScopeParticipation, h.apiPolls))
	g.Public(r, http.MethodGet, "/api/v1/news", h.apiNews)
	g.Public(r, http.MethodGet, "/api/v1/news/{slug}", h.apiNewsItem)
}

func handleSpec(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(Spec)
}

// writeJSON answers v as JSON, or err as problem details.
func (h *HTTP) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
