package access_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
)

func TestRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	official := b.staff(t, access.RoleOfficial, &b.provA)
	resident := b.account(t)

	type denial struct {
		who  uuid.UUID
		perm string
	}
	var denied []denial
	guard := &access.Guard{
		Access: b.svc,
		Subject: func(r *http.Request) (access.Subject, bool) {
			id, err := uuid.Parse(r.Header.Get("X-Test-Account"))
			return access.Subject{AccountID: id}, err == nil
		},
		Unauthenticated: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }),
		Denied:          http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }),
		OnDenied: func(_ *http.Request, s access.Subject, p access.Perm) {
			denied = append(denied, denial{s.AccountID, p.String()})
		},
	}
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }

	r := chi.NewRouter()
	r.Get("/", access.Public(http.HandlerFunc(ok)).ServeHTTP) // HandlerFunc of a marked handler: not recognised
	r.Method(http.MethodGet, "/catalog", access.Public(http.HandlerFunc(ok)))
	r.Get("/about", ok)
	guard.Public(r, http.MethodGet, "/open", ok)
	r.Get("/forgotten", ok)
	guard.Route(r, http.MethodGet, "/admin/policies", access.Perm{Object: access.ObjPolicies, Action: access.ActRead}, ok)
	r.Route("/work/{provider}", func(r chi.Router) {
		guard.Route(r, http.MethodGet, "/applications", access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeParam("provider")}, ok)
		r.Post("/stray", ok)
	})

	t.Run("Undeclared", func(t *testing.T) {
		require.Equal(t, []string{"GET /", "GET /forgotten", "POST /work/{provider}/stray"}, access.Undeclared(r, []string{"GET /about"}))
		require.Equal(t, []string{"GET /forgotten", "POST /work/{provider}/stray"}, access.Undeclared(r, []string{"GET /about", "/"}))
		ds, err := access.Declarations(r)
		require.NoError(t, err)
		var perms, public []string
		for _, d := range ds {
			if d.Public {
				public = append(public, d.Method+" "+d.Pattern)
			}
			if d.Perm != nil {
				perms = append(perms, d.Method+" "+d.Pattern+" "+d.Perm.String())
			}
		}
		require.Equal(t, []string{"GET /admin/policies policies:read", "GET /work/{provider}/applications applications:read"}, perms)
		require.Equal(t, []string{"GET /catalog", "GET /open"}, public, "Guard.Public marks the route where it is mounted")
	})

	t.Run("ScopeOf", func(t *testing.T) {
		sr := chi.NewRouter()
		guard.Route(sr, http.MethodGet, "/work/{provider}/applications", access.Perm{Object: access.ObjApplications, Action: access.ActRead,
			Scope: access.ScopeParam("provider")}, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(access.ScopeOf(r))) })
		req := httptest.NewRequestWithContext(b.ctx, http.MethodGet, "/work/"+b.provA.String()+"/applications", nil)
		req.Header.Set("X-Test-Account", official.String())
		rec := httptest.NewRecorder()
		sr.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, b.provA.String(), rec.Body.String(), "the handler sees the scope the guard checked")
	})

	t.Run("Guard", func(t *testing.T) {
		do := func(who uuid.UUID, path string) int {
			req := httptest.NewRequestWithContext(b.ctx, http.MethodGet, path, nil)
			if who != uuid.Nil {
				req.Header.Set("X-Test-Account", who.String())
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			return rec.Code
		}
		require.Equal(t, http.StatusUnauthorized, do(uuid.Nil, "/admin/policies"))
		require.Equal(t, http.StatusForbidden, do(resident, "/admin/policies"))
		require.Equal(t, http.StatusOK, do(b.admin, "/admin/policies"))
		require.Equal(t, http.StatusOK, do(official, "/work/"+b.provA.String()+"/applications"))
		require.Equal(t, http.StatusForbidden, do(official, "/work/"+b.provB.String()+"/applications"))
		require.Equal(t, http.StatusForbidden, do(b.admin, "/work/"+b.provA.String()+"/applications"))
		require.Equal(t, http.StatusOK, do(uuid.Nil, "/catalog"))
		require.Equal(t, http.StatusOK, do(uuid.Nil, "/open"), "a route mounted with Guard.Public needs no sign-in")
		require.Equal(t, []denial{
			{resident, "policies:read"}, {official, "applications:read"}, {b.admin, "applications:read"},
		}, denied)
	})

	t.Run("UnknownPermissionPanicsAtStart", func(t *testing.T) {
		require.Panics(t, func() { guard.Handle(access.Perm{Object: "polices", Action: access.ActRead}, http.HandlerFunc(ok)) })
		require.Panics(t, func() { guard.Handle(access.Perm{Object: access.ObjPolicies, Action: "see"}, http.HandlerFunc(ok)) })
		require.Panics(t, func() {
			(&access.Guard{}).Handle(access.Perm{Object: access.ObjPolicies, Action: access.ActRead}, http.HandlerFunc(ok))
		})
	})
}
