package access_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/audit"
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
	journal := &denialJournal{denied: func(d access.Denial) { denied = append(denied, denial{d.Subject.AccountID, d.Perm.String()}) }}
	guard := &access.Guard{
		Access:          access.New(b.db.App, &access.Options{Now: b.clock.Now, Log: tlog(t), Journal: journal}),
		Subject:         testSubject,
		Unauthenticated: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }),
		Denied:          http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }),
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

// testSubject is the account named by the request's X-Test-Account header.
func testSubject(r *http.Request) (access.Subject, bool) {
	id, err := uuid.Parse(r.Header.Get("X-Test-Account"))
	return access.Subject{AccountID: id}, err == nil
}

// denialJournal tells denied of every denial and records nothing else.
type denialJournal struct{ denied func(access.Denial) }

func (j *denialJournal) GrantChanged(context.Context, pgx.Tx, access.Change) error { return nil }
func (j *denialJournal) PolicyChanged(context.Context, pgx.Tx, uuid.UUID, int64, string) error {
	return nil
}
func (j *denialJournal) RequestFiled(context.Context, pgx.Tx, uuid.UUID, *access.Request) error {
	return nil
}
func (j *denialJournal) RequestDecided(context.Context, pgx.Tx, uuid.UUID, *access.Request) error {
	return nil
}
func (j *denialJournal) Denied(_ context.Context, _ pgx.Tx, d access.Denial) error {
	j.denied(d)
	return nil
}
func (j *denialJournal) Lockout(context.Context, pgx.Tx, access.Subject) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

// A scope reader's error is the request's error: a 500, never a denial, so
// a database hiccup neither writes a security event nor counts toward the
// account's lockout. A true denial through the same guard does both.
func TestScopeErrorIsNotADenial(t *testing.T) {
	t.Parallel()
	b := setup(t)
	official := b.staff(t, access.RoleOfficial, &b.provA)
	guard := &access.Guard{
		Access:          access.New(b.db.App, &access.Options{Now: b.clock.Now, Log: tlog(t), Journal: audit.New(b.db.App, tlog(t))}),
		Subject:         testSubject,
		Unauthenticated: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }),
		Denied:          http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }),
	}
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }
	r := chi.NewRouter()
	guard.Route(r, http.MethodGet, "/broken/{id}", access.Perm{Object: access.ObjApplications, Action: access.ActRead,
		Scope: func(context.Context, pgx.Tx, *http.Request) (string, error) {
			return "", errors.New("the database hiccupped")
		}}, ok)
	guard.Route(r, http.MethodGet, "/work/{provider}", access.Perm{Object: access.ObjApplications, Action: access.ActRead,
		Scope: access.ScopeParam("provider")}, ok)
	do := func(path string) int {
		req := httptest.NewRequestWithContext(b.ctx, http.MethodGet, path, nil)
		req.Header.Set("X-Test-Account", official.String())
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code
	}
	counts := func() (events, failures int) {
		t.Helper()
		require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM security_events WHERE kind = $1 AND subject = $2`,
				audit.KindAccessDenied, official.String()).Scan(&events); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT coalesce(sum(failures), 0) FROM lockouts WHERE key = $1`,
				audit.AccountKey(official.String())).Scan(&failures)
		}))
		return events, failures
	}

	require.Equal(t, http.StatusInternalServerError, do("/broken/1"))
	events, failures := counts()
	require.Zero(t, events, "a scope reader's error is no denial")
	require.Zero(t, failures, "a scope reader's error counts nothing toward the lockout")

	require.Equal(t, http.StatusForbidden, do("/work/"+b.provB.String()))
	events, failures = counts()
	require.Equal(t, 1, events, "a true denial is a security event")
	require.Equal(t, 1, failures, "and counts toward the lockout")
}

// With the audit journal the guard reads the lockout and the roles in one
// pipelined round trip (audit's QueueLockout): an official is let in, and
// once their account is locked out the same request is refused as locked,
// with the lock's end, and their staff rights are not used.
func TestGuardReadsTheLockoutWithTheRoles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	official := b.staff(t, access.RoleOfficial, &b.provA)
	jr := audit.New(b.db.App, tlog(t))
	var lockedUntil time.Time
	guard := &access.Guard{
		Access:          access.New(b.db.App, &access.Options{Now: b.clock.Now, Log: tlog(t), Journal: jr}),
		Subject:         testSubject,
		Unauthenticated: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }),
		Denied:          http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }),
		Locked: func(w http.ResponseWriter, _ *http.Request, until time.Time) {
			lockedUntil = until
			w.WriteHeader(http.StatusLocked)
		},
	}
	r := chi.NewRouter()
	guard.Route(r, http.MethodGet, "/work/{provider}", access.Perm{Object: access.ObjApplications, Action: access.ActRead,
		Scope: access.ScopeParam("provider")}, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	do := func() int {
		req := httptest.NewRequestWithContext(b.ctx, http.MethodGet, "/work/"+b.provA.String(), nil)
		req.Header.Set("X-Test-Account", official.String())
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, do(), "the official's role, read with the lockout")

	var until time.Time
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		for range audit.DefaultPolicy.Threshold {
			var err error
			if until, err = jr.RegisterFailure(ctx, tx, audit.AccountKey(official.String())); err != nil {
				return err
			}
		}
		return nil
	}))
	require.False(t, until.IsZero(), "the threshold's failure locks")
	require.Equal(t, http.StatusLocked, do(), "a locked-out official keeps no staff rights")
	require.True(t, until.Equal(lockedUntil), "the guard read the lock's end: %s, want %s", lockedUntil, until)
}
