package identity

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"hromada/web"
)

// FreshFor is how recent a sign-in must be for a sensitive staff action
// (access.Sensitive: appointing staff, the city's policy, its sign-in
// methods, exporting the audit log). A session left open on a desk for
// longer must prove again that its person is at the keyboard (ASVS V3.7.1).
const FreshFor = 10 * time.Minute

const keyPending = "pending_action"

// pendingAction is a sensitive POST refused for a stale sign-in, kept in
// the server-side session so that after signing in again the person
// confirms it as typed instead of typing it anew.
type pendingAction struct {
	Account uuid.UUID  `json:"account"`
	Path    string     `json:"path"`
	Form    url.Values `json:"form"`
	Saved   time.Time  `json:"saved"`
}

// ReauthData is what the re-authentication pages show.
type ReauthData struct {
	SignIn string     // where signing in again starts
	Path   string     // the refused action's address (the resubmit form)
	Form   url.Values // the refused action's fields, re-posted as typed
	Kept   bool       // the form was kept (not a file upload)
	// Minutes is FreshFor, for the page's explanation.
	Minutes int
}

// Fresh says whether the request's sign-in is recent enough for a
// sensitive action; when it is not, it answers the request itself and
// returns false: a GET (an export) goes straight to sign in again and comes
// back; a POST is not carried out, its form is kept in the session and the
// page says why and offers to sign in again. Nothing is changed either way.
// It is the access.Guard's Fresh.
func (s *Service) Fresh(w http.ResponseWriter, r *http.Request) bool {
	sg := SignedFrom(r.Context())
	if sg == nil {
		SignInRedirect.ServeHTTP(w, r)
		return false
	}
	if age := s.now().Sub(sg.AuthAt); !sg.AuthAt.IsZero() && age >= 0 && age < FreshFor {
		return true
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.Redirect(w, r, reauthURL(sg.Provider, r.URL.RequestURI()), http.StatusSeeOther)
		return false
	}
	d := ReauthData{SignIn: reauthURL(sg.Provider, "/auth/resubmit"), Path: r.URL.Path, Minutes: int(FreshFor / time.Minute)}
	// A file upload is not kept: files are not session data.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") && r.ParseForm() == nil {
		pa := pendingAction{Account: sg.AccountID, Path: r.URL.Path, Form: r.PostForm, Saved: s.now()}
		raw, err := json.Marshal(pa)
		if err == nil {
			s.sessions.Put(r.Context(), keyPending, string(raw))
			d.Kept = true
		}
	}
	if !d.Kept {
		d.SignIn = reauthURL(sg.Provider, "/")
	}
	s.log.InfoContext(r.Context(), "sensitive action needs a fresh sign-in", "path", r.URL.Path, "account", sg.AccountID)
	s.rd.Render(w, r, http.StatusForbidden, "auth/reauth", &web.Page{TitleKey: "reauth.title", Data: d})
	return false
}

// reauthURL starts signing in again with provider, asking it to
// authenticate the person anew (prompt=login), then returns to ret.
func reauthURL(provider uuid.UUID, ret string) string {
	return "/auth/login/" + provider.String() + "?reauth=1&return=" + url.QueryEscape(ret)
}

// handleResubmit shows the action a stale sign-in was refused, for the
// person who has just signed in again to confirm it: a form with the
// fields as they were typed, posted to where they were going. The kept
// action is used once; another person's, an old one or none leads home.
func (s *Service) handleResubmit(w http.ResponseWriter, r *http.Request) {
	sg := SignedFrom(r.Context())
	raw := s.sessions.PopString(r.Context(), keyPending)
	var pa pendingAction
	if sg == nil || raw == "" || json.Unmarshal([]byte(raw), &pa) != nil || pa.Account != sg.AccountID ||
		s.now().Sub(pa.Saved) > flowTTL || web.LocalPath(pa.Path) != pa.Path {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "auth/resubmit", &web.Page{TitleKey: "reauth.confirm_title",
		Data: ReauthData{Path: pa.Path, Form: pa.Form, Kept: true}})
}
