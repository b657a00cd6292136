package idgovuatest

import (
	"net/http"
	"strings"

	"hromada/ukid"
)

// userInfo is /get-user-info, by GET query or POST form.
func (s *Server) userInfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "GET or POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable parameters")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.access[r.Form.Get("access_token")]
	if sess == nil || !s.now().Before(sess.expires) {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "unknown or expired access token")
		return
	}
	if r.Form.Get("user_id") != s.userIDs[sess.person] {
		oauthError(w, http.StatusBadRequest, "invalid_request", "user_id is not the access token's")
		return
	}
	if r.Form.Get("fields") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "fields is missing")
		return
	}

	p := s.opts.People[sess.person]
	if s.corrupt {
		s.corrupt = false
		p.RNOKPP = corrupt(p.RNOKPP)
	}
	all := map[string]string{
		"givenname":  p.GivenName,
		"lastname":   p.LastName,
		"middlename": p.MiddleName,
		"drfocode":   p.RNOKPP,
		"edrpoucode": p.EDRPOU,
		"email":      p.Email,
		"phone":      p.Phone,
		"address":    p.Address,
		"unzr":       p.UNZR,
		"auth_type":  sess.authType,
	}
	out := map[string]string{}
	for _, f := range strings.Split(r.Form.Get("fields"), ",") {
		if v, ok := all[strings.TrimSpace(f)]; ok {
			out[strings.TrimSpace(f)] = v
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// corrupt changes a РНОКПП's check digit, so it is 10 digits that fail the
// check.
func corrupt(rnokpp string) string {
	if len(rnokpp) != 10 {
		return "0000000001"
	}
	b := []byte(rnokpp)
	for range 10 {
		b[9] = '0' + (b[9]-'0'+1)%10
		if !ukid.ValidRNOKPP(string(b)) {
			break
		}
	}
	return string(b)
}
