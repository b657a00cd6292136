package idgovuatest

import (
	"crypto/subtle"
	"net/http"
)

// token is /get-access-token, by GET query or POST form.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "GET or POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable parameters")
		return
	}
	f := r.Form
	if f.Get("client_id") != s.opts.ClientID ||
		subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.opts.ClientSecret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		person         int
		authType, from string
	)
	switch f.Get("grant_type") {
	case "authorization_code":
		code := f.Get("code")
		if code == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "code is missing")
			return
		}
		g := s.codes[code]
		switch {
		case g == nil:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown code")
			return
		case g.used:
			// A code seen twice may have been stolen: what it bought goes.
			s.revoke(code)
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was used already")
			return
		case s.now().Sub(g.issued) > CodeTTL:
			delete(s.codes, code)
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code expired")
			return
		case g.clientID != f.Get("client_id"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
			return
		case f.Has("redirect_uri") && f.Get("redirect_uri") != g.redirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorize request's")
			return
		}
		g.used = true
		person, authType, from = g.person, g.authType, code
	case "refresh_token":
		rt := f.Get("refresh_token")
		old := s.refresh[rt]
		switch {
		case rt == "":
			oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is missing")
			return
		case old == nil || old.clientID != f.Get("client_id"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		}
		// Refresh tokens rotate: the old pair goes.
		delete(s.refresh, rt)
		delete(s.access, old.pair)
		person, authType, from = old.person, old.authType, old.code
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}

	at, rt := random(), random()
	sess := session{clientID: f.Get("client_id"), person: person, authType: authType, code: from}
	access, refresh := sess, sess
	access.expires, access.pair = s.now().Add(AccessTokenTTL), rt
	refresh.pair = at
	s.access[at], s.refresh[rt] = &access, &refresh
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  at,
		"token_type":    "bearer",
		"expires_in":    int(AccessTokenTTL.Seconds()),
		"refresh_token": rt,
		"user_id":       s.userIDs[person],
	})
}

// revoke drops every token that descends from code. Callers hold s.mu.
func (s *Server) revoke(code string) {
	for _, m := range []map[string]*session{s.access, s.refresh} {
		for tok, sess := range m {
			if sess.code == code {
				delete(m, tok)
			}
		}
	}
}
