package cityapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"hromada/web"
)

// authorizeData is what the consent page shows and posts back.
type authorizeData struct {
	Request *AuthRequest
	Query   string // the request, posted back as it came
}

func (h *HTTP) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, err := h.svc.ParseAuthRequest(r.URL.Query())
	if errors.Is(err, ErrBadClient) {
		h.rd.Error(w, r, err)
		return
	}
	if err != nil {
		backToApp(w, r, ar, url.Values{"error": {oauthCode(err)}})
		return
	}
	h.rd.Render(w, r, http.StatusOK, "cityapi/authorize", &web.Page{TitleKey: "cityapi.authorize.title",
		Data: authorizeData{Request: ar, Query: r.URL.RawQuery}})
}

func (h *HTTP) handleConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	q, err := url.ParseQuery(r.PostForm.Get("request"))
	if err != nil {
		h.rd.Error(w, r, ErrBadClient)
		return
	}
	ar, err := h.svc.ParseAuthRequest(q)
	if errors.Is(err, ErrBadClient) {
		h.rd.Error(w, r, err)
		return
	}
	if err != nil {
		backToApp(w, r, ar, url.Values{"error": {oauthCode(err)}})
		return
	}
	if r.PostForm.Get("decision") != "allow" {
		backToApp(w, r, ar, url.Values{"error": {"access_denied"}})
		return
	}
	code, err := h.svc.Authorize(r.Context(), ar)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	backToApp(w, r, ar, url.Values{"code": {code}})
}

// backToApp redirects to the app's (checked) redirect URI with v and the
// request's state.
func backToApp(w http.ResponseWriter, r *http.Request, ar *AuthRequest, v url.Values) {
	if ar.State != "" {
		v.Set("state", ar.State)
	}
	sep := "?"
	if strings.Contains(ar.RedirectURI, "?") {
		sep = "&"
	}
	http.Redirect(w, r, ar.RedirectURI+sep+v.Encode(), http.StatusSeeOther)
}

// oauthCode is RFC 6749's error code for err.
func oauthCode(err error) string {
	switch {
	case errors.Is(err, ErrBadClient):
		return "invalid_client"
	case errors.Is(err, ErrBadScope):
		return "invalid_scope"
	case errors.Is(err, ErrBadGrant):
		return "invalid_grant"
	default:
		return "invalid_request"
	}
}

// handleToken is RFC 6749 §4.1.3 and §6: its answers and errors are
// OAuth's (error, error_description), not problem details, as every OAuth
// library expects; the description is in the request's language.
func (h *HTTP) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.oauthError(w, r, ErrBadRequest)
		return
	}
	f := r.PostForm
	var (
		t   *Tokens
		err error
	)
	switch f.Get("grant_type") {
	case "authorization_code":
		t, err = h.svc.Exchange(r.Context(), f.Get("code"), f.Get("code_verifier"), f.Get("client_id"), f.Get("redirect_uri"), device(r))
	case "refresh_token":
		t, err = h.svc.Refresh(r.Context(), f.Get("refresh_token"), f.Get("client_id"))
	default:
		err = ErrBadRequest
	}
	if err != nil {
		h.oauthError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(t)
}

// handleRevoke is RFC 7009: 200 whether or not the token was known.
func (h *HTTP) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.oauthError(w, r, ErrBadRequest)
		return
	}
	if err := h.svc.Revoke(r.Context(), r.PostForm.Get("token"), r.PostForm.Get("client_id")); err != nil {
		h.oauthError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (h *HTTP) oauthError(w http.ResponseWriter, r *http.Request, err error) {
	p := h.rd.ProblemOf(r, err)
	status, code := http.StatusBadRequest, oauthCode(err)
	if p.Status >= 500 {
		status, code = p.Status, "server_error"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": p.Detail})
}

// device names the app's device for «Мої пристрої»: its User-Agent.
func device(r *http.Request) string {
	ua := r.UserAgent()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	return ua
}
