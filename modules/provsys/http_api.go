package provsys

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/provsys/sed"
)

// The provider API's paths.
const (
	APIPath   = "/provider-api/v1"
	TokenPath = APIPath + "/token"
	FilesPath = APIPath + "/files/"
)

// maxCallback bounds a callback's body (a result's PDF travels in it).
const maxCallback = 32 << 20

// API serves the provider API: JSON for the providers' systems, no pages.
type API struct {
	Svc *Service
	Log *slog.Logger
}

// Routes mounts the provider API. Every route is public to the guard (no
// session: a system is not a person) and checks its own credentials:
//
//	POST /provider-api/v1/token                      client credentials → access token
//	GET  /provider-api/v1/deliveries?after=N         the pull route's messages after the cursor   bearer
//	POST /provider-api/v1/deliveries/{message}/ack   the receipt of a pulled message               bearer
//	POST /provider-api/v1/callbacks                  a status, clarification or result, signed     bearer + signature
//	POST /provider-api/v1/sed                        a СЕД's envelope: a notice or a document      bearer + signature
//	GET  /provider-api/v1/files/{app}/{file}         an attachment                                 the link's token
func (a *API) Routes(r chi.Router, g *access.Guard) {
	g.Public(r, http.MethodPost, TokenPath, a.handleToken)
	g.Public(r, http.MethodGet, APIPath+"/deliveries", a.handlePull)
	g.Public(r, http.MethodPost, APIPath+"/deliveries/{message}/ack", a.handleAck)
	g.Public(r, http.MethodPost, APIPath+"/callbacks", a.handleCallback)
	g.Public(r, http.MethodPost, APIPath+"/sed", a.handleSED)
	g.Public(r, http.MethodGet, FilesPath+"{app}/{file}", a.handleFile)
}

func (a *API) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if r.PostFormValue("grant_type") != "client_credentials" {
		a.json(w, r, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	token, ttl, err := a.Svc.Token(r.Context(), id, secret)
	if errors.Is(err, ErrCredentials) {
		a.json(w, r, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.json(w, r, http.StatusOK, map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": int(ttl.Seconds())})
}

// route is the system the request's bearer token belongs to; on false the
// error is written.
func (a *API) route(w http.ResponseWriter, r *http.Request) (*Route, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		a.fail(w, r, ErrCredentials)
		return nil, false
	}
	rt, err := a.Svc.Authenticate(r.Context(), token)
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return rt, true
}

func (a *API) handlePull(w http.ResponseWriter, r *http.Request) {
	rt, ok := a.route(w, r)
	if !ok {
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	list, err := a.Svc.Pull(r.Context(), rt, after)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	next := after
	if len(list) > 0 {
		next = list[len(list)-1].Seq
	}
	a.json(w, r, http.StatusOK, map[string]any{"deliveries": list, "next": next})
}

func (a *API) handleAck(w http.ResponseWriter, r *http.Request) {
	rt, ok := a.route(w, r)
	if !ok {
		return
	}
	if err := a.Svc.Ack(r.Context(), rt, chi.URLParam(r, "message")); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleCallback(w http.ResponseWriter, r *http.Request) {
	rt, ok := a.route(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallback))
	if err != nil {
		a.fail(w, r, apperr.New(apperr.TooLarge, "error.too_large"))
		return
	}
	cms, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil {
		a.fail(w, r, ErrSignature)
		return
	}
	if err := a.Svc.Receive(r.Context(), rt, body, cms); err != nil {
		a.fail(w, r, err)
		return
	}
	a.json(w, r, http.StatusOK, map[string]string{"outcome": "accepted"})
}

// handleSED takes a СЕД's envelope and answers its delivery notice, in
// the same envelope format; a refusal is the API's JSON error.
func (a *API) handleSED(w http.ResponseWriter, r *http.Request) {
	rt, ok := a.route(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallback))
	if err != nil {
		a.fail(w, r, apperr.New(apperr.TooLarge, "error.too_large"))
		return
	}
	cms, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil {
		a.fail(w, r, ErrSignature)
		return
	}
	notice, err := a.Svc.ReceiveSED(r.Context(), rt, body, cms)
	if err == nil {
		body, err = sed.Marshal(notice)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(body)
}

func (a *API) handleFile(w http.ResponseWriter, r *http.Request) {
	app, err1 := uuid.Parse(chi.URLParam(r, "app"))
	file, err2 := uuid.Parse(chi.URLParam(r, "file"))
	if err1 != nil || err2 != nil {
		a.fail(w, r, ErrNotFound)
		return
	}
	f, b, err := a.Svc.File(r.Context(), app, file, r.URL.Query().Get("exp"), r.URL.Query().Get("sig"))
	if errors.Is(err, ErrLink) {
		a.fail(w, r, ErrCredentials)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("X-Content-SHA256", f.SHA256)
	_, _ = w.Write(b)
}

// fail writes an error as JSON: its key, never its detail (logged).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e.Code == apperr.Internal {
		a.Log.ErrorContext(r.Context(), "provsys: provider API", "path", r.URL.Path, "error", err)
	} else {
		a.Log.InfoContext(r.Context(), "provsys: provider API refused", "path", r.URL.Path, "error", err)
	}
	a.json(w, r, apperr.Status(e.Code), map[string]string{"error": e.Key})
}

func (a *API) json(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		a.Log.InfoContext(r.Context(), "provsys: writing a response", "error", err)
	}
}
