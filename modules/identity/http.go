package identity

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/web"
)

// Routes mounts sign-in and sign-out, open to everyone, and the city's
// settings of sign-in, behind g:
//
//	GET  /auth/login           the choice of identity providers (or straight to the only one)
//	GET  /auth/login/{id}      off to that provider
//	GET  /auth/callback        the provider's answer
//	POST /auth/logout          sign out (and out of the provider, where it can)
//	GET  /auth/resubmit        after signing in again: confirm the action a stale sign-in was refused
//	GET  /admin/identity-providers   the providers and a form   identity_providers:read
//	POST /admin/identity-providers   create or update one       identity_providers:update
//	GET  /cabinet/sessions                «Мої сеанси»: the person's browser sessions   own_profile:read
//	POST /cabinet/sessions/{id}/end       end one of them                               own_profile:update
//	POST /cabinet/sessions/end-others     end all but this one                          own_profile:update
func (s *Service) Routes(r chi.Router, g *access.Guard) {
	g.Public(r, http.MethodGet, "/auth/login", s.handleChoose)
	g.Public(r, http.MethodGet, "/auth/login/{id}", s.handleBegin)
	g.Public(r, http.MethodGet, "/auth/callback", s.handleCallback)
	g.Public(r, http.MethodPost, "/auth/logout", s.handleLogout)
	// Signed in again for a sensitive action: confirm the kept form.
	g.Public(r, http.MethodGet, "/auth/resubmit", s.handleResubmit)
	g.Route(r, http.MethodGet, "/admin/identity-providers", access.Perm{Object: access.ObjIdentityProviders, Action: access.ActRead}, s.handleProviders)
	g.Route(r, http.MethodPost, "/admin/identity-providers", access.Perm{Object: access.ObjIdentityProviders, Action: access.ActUpdate}, s.handleProviderSave)
	g.Route(r, http.MethodGet, "/cabinet/sessions", access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}, s.handleSessions)
	g.Route(r, http.MethodPost, "/cabinet/sessions/{id}/end", access.Perm{Object: access.ObjOwnProfile, Action: access.ActUpdate}, s.handleEndSession)
	g.Route(r, http.MethodPost, "/cabinet/sessions/end-others", access.Perm{Object: access.ObjOwnProfile, Action: access.ActUpdate}, s.handleEndOthers)
}

// Subject is the request's signed-in person as the access guard asks for
// them (access.Guard.Subject); false when no one is signed in.
func Subject(r *http.Request) (access.Subject, bool) {
	sg := SignedFrom(r.Context())
	if sg == nil {
		return access.Subject{}, false
	}
	return access.Subject{AccountID: sg.AccountID}, true
}

// SignInRedirect sends a request with no one signed in to sign in, and
// back to where it was going afterwards (access.Guard.Unauthenticated).
var SignInRedirect http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/auth/login?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
})

type chooseData struct {
	Providers []*Provider
	Return    string
}

func returnPath(r *http.Request) string { return web.LocalPath(r.URL.Query().Get("return")) }

func (s *Service) handleChoose(w http.ResponseWriter, r *http.Request) {
	ps, err := s.signInChoices(r.Context())
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	ret := returnPath(r)
	if len(ps) == 1 {
		http.Redirect(w, r, "/auth/login/"+ps[0].ID.String()+"?return="+url.QueryEscape(ret), http.StatusSeeOther)
		return
	}
	status := http.StatusOK
	if len(ps) == 0 {
		status = http.StatusServiceUnavailable
	}
	s.rd.Render(w, r, status, "auth/choose", &web.Page{TitleKey: "auth.signin_title", Data: chooseData{Providers: ps, Return: ret}})
}

func (s *Service) handleBegin(w http.ResponseWriter, r *http.Request) {
	if _, locked := s.lockedOut(r.Context()); locked {
		s.refuse(w, r, ErrLockedOut)
		return
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		s.rd.Error(w, r, ErrNoProvider)
		return
	}
	to, err := s.begin(r, id, returnPath(r), r.URL.Query().Get("reauth") == "1")
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

func (s *Service) handleCallback(w http.ResponseWriter, r *http.Request) {
	p, prof, ret, rawID, err := s.finish(r, r.URL.Query())
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	if _, err := s.complete(r, p, prof, rawID); err != nil {
		s.refuse(w, r, err)
		return
	}
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) {
	to, err := s.signOut(r)
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	// Whatever the page left in the browser (cached pages of the cabinet,
	// storage) goes with the session (ASVS 8.2.3). Not "cookies": browsers
	// clear those for the whole registrable domain, which would sign the
	// person out of the other cities on the platform's shared domain; the
	// session's own cookie is expired by signOut.
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// refuse shows why a sign-in failed and reports it; the reason's details
// go to the log only.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, err error) {
	s.log.WarnContext(r.Context(), "sign-in refused", "error", err)
	s.recordRefusal(r.Context(), err)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code == apperr.Internal {
		err = ErrSignInFailed.Wrap(err)
	}
	s.rd.Error(w, r, err)
}
