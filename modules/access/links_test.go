package access_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
)

// Allows answers, for every link, what the guard answers when the link is
// followed: the same route, its own Perm and Scope, in one decision.
func TestAllowsIsTheGuardsDecision(t *testing.T) {
	t.Parallel()
	b := setup(t)
	official := b.staff(t, access.RoleOfficial, &b.provA)
	head := b.staff(t, access.RoleProviderHead, &b.provA)
	resident := b.account(t)
	guard := &access.Guard{
		Access:          access.New(b.db.App, &access.Options{Now: b.clock.Now, Log: tlog(t)}),
		Subject:         testSubject,
		Unauthenticated: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }),
		Denied:          http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }),
	}
	var asked access.Allowed
	r := chi.NewRouter()
	r.Use(guard.InContext)
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }
	guard.Public(r, http.MethodGet, "/open", ok)
	r.Get("/forgotten", ok)
	guard.Route(r, http.MethodGet, "/admin/policies", access.Perm{Object: access.ObjPolicies, Action: access.ActRead}, ok)
	guard.Route(r, http.MethodPost, "/admin/policies", access.Perm{Object: access.ObjPolicies, Action: access.ActUpdate}, ok)
	guard.Route(r, http.MethodGet, "/queue", access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeQuery}, ok)
	guard.Route(r, http.MethodGet, "/work/{provider}/applications", access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeParam("provider")}, ok)
	guard.Route(r, http.MethodPost, "/requests", access.Perm{Object: access.ObjAccessRequests, Action: access.ActCreate, Scope: access.ScopeForm}, ok)
	// A page asking about links, as the workspace does.
	var links []access.Link
	guard.Route(r, http.MethodGet, "/home", access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}, func(w http.ResponseWriter, r *http.Request) {
		var err error
		asked, err = access.Allows(r, links...)
		require.NoError(t, err)
	})
	guard.MountedOn(r)

	provA, provB := b.provA.String(), b.provB.String()
	links = []access.Link{
		access.Get("/open"), access.Get("/forgotten"), access.Get("/nowhere"),
		access.Get("/admin/policies"), access.Post("/admin/policies", nil),
		access.Get("/queue?provider=" + provA), access.Get("/queue?provider=" + provB), access.Get("/queue"),
		access.Get("/work/" + provA + "/applications"), access.Get("/work/" + provB + "/applications"),
		access.Post("/requests", url.Values{"provider": {provA}}), access.Post("/requests", url.Values{"provider": {provB}}),
	}
	follow := func(who uuid.UUID, l access.Link) bool {
		req := httptest.NewRequestWithContext(b.ctx, l.Method, l.URL, strings.NewReader(l.Form.Encode()))
		if l.Method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("X-Test-Account", who.String())
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code == http.StatusOK
	}
	for _, who := range []uuid.UUID{official, head, b.admin, resident} {
		req := httptest.NewRequestWithContext(b.ctx, http.MethodGet, "/home", nil)
		req.Header.Set("X-Test-Account", who.String())
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		var yes int
		for _, l := range links {
			if l.URL == "/forgotten" {
				// A route that declares nothing is answered, but never offered
				// (a route test fails on it anyway).
				require.False(t, asked.HasLink(l))
				continue
			}
			require.Equal(t, follow(who, l), asked.HasLink(l), "%s %s %s", who, l.Method, l.URL)
			if asked.HasLink(l) {
				yes++
			}
		}
		require.Positive(t, yes, "the public link at least")
	}
	// Spot checks, so the comparison above cannot pass on two wrong answers.
	req := httptest.NewRequestWithContext(b.ctx, http.MethodGet, "/home", nil)
	can, err := guard.AllowsFor(req, access.Subject{AccountID: head}, links...)
	require.NoError(t, err)
	require.True(t, can.Has(http.MethodGet, "/queue?provider="+provA))
	require.False(t, can.Has(http.MethodGet, "/queue?provider="+provB))
	require.False(t, can.Has(http.MethodGet, "/queue"))
	require.True(t, can.HasLink(access.Post("/requests", url.Values{"provider": {provA}})))
	require.False(t, can.HasLink(access.Post("/requests", url.Values{"provider": {provB}})))
	require.False(t, can.Has(http.MethodGet, "/forgotten"), "a route that declares nothing is not offered")
	require.False(t, can.Has(http.MethodGet, "/nowhere"))
	require.True(t, can.Has(http.MethodGet, "/open"))
	can, err = guard.AllowsFor(req, access.Subject{AccountID: b.admin}, access.Get("/admin/policies"), access.Post("/admin/policies", nil))
	require.NoError(t, err)
	require.True(t, can.Has(http.MethodGet, "/admin/policies"))
	require.True(t, can.Has(http.MethodPost, "/admin/policies"))
}
