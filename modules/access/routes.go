package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"hromada/web"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Perm is what a route needs: an action on an object, in the scope Scope
// finds in the request (nil: tenant-wide).
type Perm struct {
	Object, Action string
	Scope          ScopeFunc
}

// ScopeFunc finds the scope a request's permission is checked at (the
// provider of the object in the path). It runs inside the guard's decision
// transaction, so reading the object costs no transaction of its own. ""
// with no error means no provider: tenant-wide, or an unknown object, which
// no provider-scoped grant then matches. An error answers 500, never a
// denial: a database hiccup must not count toward anyone's lockout.
type ScopeFunc func(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error)

func (p Perm) String() string { return p.Object + ":" + p.Action }

// ScopeParam returns a ScopeFunc reading the chi URL parameter name, for
// routes under a provider such as /work/{provider}/applications.
func ScopeParam(name string) ScopeFunc {
	return func(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error) {
		return knownProvider(ctx, tx, chi.URLParam(r, name))
	}
}

// ScopeQuery is QueryProvider as a route's scope: a provider-scoped page
// (?provider=<id>).
func ScopeQuery(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error) {
	return knownProvider(ctx, tx, QueryProvider(r))
}

// ScopeForm is FormProvider as a route's scope: a provider-scoped form.
func ScopeForm(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error) {
	return knownProvider(ctx, tx, FormProvider(r))
}

// knownProvider is id when it names a provider of the tenant in ctx, ""
// for no id, and ErrProviderNotFound (404) for an id the tenant has no
// provider by: another city's provider, or a made-up one. Without it a
// tenant-wide role passed the guard with a scope naming nothing, and the
// page either failed (500) or showed an empty list as if the provider
// were this city's.
func knownProvider(ctx context.Context, tx pgx.Tx, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	pid, err := uuid.Parse(id)
	if err != nil {
		return "", ErrProviderNotFound
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM providers WHERE id = $1)`, pid).Scan(&ok); err != nil {
		return "", err
	}
	if !ok {
		return "", ErrProviderNotFound
	}
	return id, nil
}

// ScopeOfRow adapts a store function that finds an object's provider by the
// id in the URL parameter name: a malformed id or no such row is no scope,
// any other error is the request's error.
func ScopeOfRow(name string, find func(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error)) ScopeFunc {
	return func(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error) {
		id, err := uuid.Parse(chi.URLParam(r, name))
		if err != nil {
			return "", nil
		}
		p, err := find(ctx, tx, id)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && p == uuid.Nil) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return p.String(), nil
	}
}

// Guard checks routes' permissions. Build one in the composition root:
//
//	guard := &access.Guard{Access: svc, Subject: subjectOfSession,
//		Unauthenticated: signInRedirect, Denied: forbiddenPage, Error: rd.Error}
//	guard.Route(r, http.MethodGet, "/admin/policies", access.Perm{Object: access.ObjPolicies, Action: access.ActRead}, h.policies)
//
// Access's Journal (Options.Journal) says whether the subject is locked out
// and records every denied request.
type Guard struct {
	// Access decides.
	Access *Service
	// Subject returns the signed-in account of the request, false when no
	// one is signed in. Required.
	Subject func(*http.Request) (Subject, bool)
	// Unauthenticated answers a request with no signed-in account (the
	// sign-in redirect). Required.
	Unauthenticated http.Handler
	// Denied answers a request its subject may not make (the 403 page).
	// Required.
	Denied http.Handler
	// Locked answers a request its subject could make but for a lockout of
	// their staff rights, which ends at until (the lockout page, 403).
	// Defaults to Denied.
	Locked func(w http.ResponseWriter, r *http.Request, until time.Time)
	// Error answers a request whose decision failed (the database is
	// down). Defaults to a bare 500.
	Error func(w http.ResponseWriter, r *http.Request, err error)
	// Fresh, on a route whose permission is Sensitive and which its
	// subject is allowed, says whether the subject's sign-in is recent
	// enough; when not, it has answered the request (sign in again) and
	// the handler does not run. Nil: no such check.
	Fresh func(w http.ResponseWriter, r *http.Request) bool

	router chi.Routes  // where the routes are mounted (MountedOn), for Allows
	table  *routeTable // router's declarations, read once
}

// Protected is a handler behind a Guard; Declarations and Undeclared find
// routes by it.
type Protected struct {
	guard *Guard
	perm  Perm
	next  http.Handler
}

// Perm is the permission the handler needs.
func (h *Protected) Perm() Perm { return h.perm }

func (h *Protected) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := h.guard
	sub, ok := g.Subject(r)
	if !ok {
		g.Unauthenticated.ServeHTTP(w, r)
		return
	}
	scope, allowed, locked, until, err := h.decide(r, sub)
	if err != nil {
		if g.Error != nil {
			g.Error(w, r, err)
		} else {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		}
		return
	}
	if !allowed && locked {
		// Not counted again: the lock is on already.
		if g.Locked != nil {
			g.Locked(w, r, until)
		} else {
			g.Denied.ServeHTTP(w, r)
		}
		return
	}
	if !allowed {
		route := r.URL.Path
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		g.Access.recordDenied(r.Context(), Denial{Subject: sub, Perm: h.perm, Method: r.Method, Path: r.URL.Path, Route: route, Scope: scope})
		g.Denied.ServeHTTP(w, r)
		return
	}
	if g.Fresh != nil && Sensitive(h.perm) && !g.Fresh(w, r) {
		return
	}
	ctx := context.WithValue(context.WithValue(r.Context(), scopeKey{}, scope), guardKey{}, g)
	h.next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, subjectKey{}, sub)))
}

// decide reads the lockout, the scope and the roles of sub and decides
// h's permission. A subject whose staff rights are locked out keeps the
// resident's.
func (h *Protected) decide(r *http.Request, sub Subject) (scope string, allowed, locked bool, until time.Time, err error) {
	g := h.guard
	if h.perm.Scope == nil {
		// Nothing to read but the identity: its read transaction is one
		// round trip (issue 24), when the journal can queue its read.
		id, err := g.Access.readIdentityAlone(r.Context(), sub)
		if err != nil {
			return "", false, false, time.Time{}, err
		}
		if id != nil {
			allowed, err = h.decideRead(r.Context(), nil, id, "")
			return "", allowed, id.locked, id.until, err
		}
	}
	// The lockout, the scope and the decision in one read transaction.
	err = g.Access.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		// The lockout and the roles in one round trip when the journal
		// can queue its read (issue 24), else one by one.
		id, err := g.Access.readIdentity(ctx, tx, sub)
		if err != nil {
			return err
		}
		if id != nil {
			until, locked = id.until, id.locked
		} else if until, locked, err = g.Access.journal.Lockout(ctx, tx, sub); err != nil {
			return err
		}
		if h.perm.Scope != nil {
			if scope, err = h.perm.Scope(ctx, tx, r); err != nil {
				return fmt.Errorf("access: finding the scope of %s: %w", h.perm, err)
			}
		}
		if id != nil {
			allowed, err = h.decideRead(ctx, tx, id, scope)
			return err
		}
		var held []Held
		allowed, held, err = g.Access.decideTx(ctx, tx, sub, h.perm.Object, h.perm.Action, scope, locked)
		if v := web.ViewerFrom(ctx); err == nil && v != nil {
			v.SetRoles(StaffRoles(held)) // the header's roles, read already
		}
		return err
	})
	return scope, allowed, locked, until, err
}

// decideRead decides h's permission on the identity read already, the
// policy from the cache or read through tx (nil: its own transaction).
func (h *Protected) decideRead(ctx context.Context, tx pgx.Tx, id *guardReads, scope string) (bool, error) {
	allowed, held, err := h.guard.Access.decideHeld(ctx, tx, id.held, h.perm.Object, h.perm.Action, scope, id.locked)
	if v := web.ViewerFrom(ctx); err == nil && v != nil {
		v.SetRoles(StaffRoles(held)) // the header's roles, read already
	}
	return allowed, err
}

// recordDenied makes a denied request a security event counted toward its
// subject's lockout, in a transaction of its own (the request itself
// changes nothing). A failure is logged: the request is denied either way.
func (s *Service) recordDenied(ctx context.Context, d Denial) {
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return s.journal.Denied(ctx, tx, d)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "recording a denied request", "error", err)
	}
}

type subjectKey struct{}

// SubjectOf is the subject the guard let through (the acting account), so
// a handler behind the guard need not ask the session again; the zero
// Subject on a route the guard does not protect.
func SubjectOf(r *http.Request) Subject {
	s, _ := r.Context().Value(subjectKey{}).(Subject)
	return s
}

type scopeKey struct{}

// ScopeOf is the scope the guard checked the request's permission at (the
// provider a Perm.Scope named), so a handler need not work it out again.
func ScopeOf(r *http.Request) string {
	s, _ := r.Context().Value(scopeKey{}).(string)
	return s
}

// Handle returns h behind the guard, needing p. It panics (at start-up) on
// an unknown object or action, or a Guard missing a required field.
func (g *Guard) Handle(p Perm, h http.Handler) http.Handler {
	if g.Access == nil || g.Subject == nil || g.Unauthenticated == nil || g.Denied == nil {
		panic("access: Guard needs Access, Subject, Unauthenticated and Denied")
	}
	if !KnownObject(p.Object) || strings.Contains(p.Object, "*") || !knownAction(p.Action) {
		panic(fmt.Sprintf("access: route permission %s is not in the vocabulary", p))
	}
	return &Protected{guard: g, perm: p, next: h}
}

// Route mounts h on r at method and pattern, behind the guard, needing p.
func (g *Guard) Route(r chi.Router, method, pattern string, p Perm, h http.HandlerFunc) {
	r.Method(method, pattern, g.Handle(p, h))
}

// Public mounts h on r at method and pattern, open to everyone (open
// information, signing in), and marks it so, so that Undeclared knows it is
// public where it is mounted and no second list of public routes is needed.
// It reads none of the guard's fields: a module mounts its public and its
// guarded routes through the same guard.
func (g *Guard) Public(r chi.Router, method, pattern string, h http.HandlerFunc) {
	r.Method(method, pattern, Public(h))
}

// publicHandler marks a handler as deliberately open to everyone.
type publicHandler struct{ http.Handler }

// Public marks h as open to everyone (open information needs no sign-in),
// so that Undeclared does not report its route; for a handler mounted
// other than by Guard.Public (r.Handle of a whole handler).
func Public(h http.Handler) http.Handler { return publicHandler{h} }

// Declaration is what a route declares: a permission, or that it is public.
type Declaration struct {
	Method, Pattern string
	Perm            *Perm // nil when the route is public or declares nothing
	Public          bool  // marked with Public
}

// Declarations lists router's routes (chi.Walk, sub-routers included) with
// what each declares, sorted by pattern and method.
func Declarations(router chi.Routes) ([]Declaration, error) {
	var out []Declaration
	err := chi.Walk(router, func(method, route string, h http.Handler, _ ...func(http.Handler) http.Handler) error {
		d := Declaration{Method: method, Pattern: route}
		switch h := h.(type) {
		case *Protected:
			p := h.perm
			d.Perm = &p
		case publicHandler:
			d.Public = true
		}
		out = append(out, d)
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pattern != out[j].Pattern {
			return out[i].Pattern < out[j].Pattern
		}
		return out[i].Method < out[j].Method
	})
	return out, err
}

// Undeclared returns the routes of router ("GET /path") that neither need
// a permission (Guard.Route) nor are public: mounted with Guard.Public (or
// marked with Public), or listed in public as "METHOD /pattern" or
// "/pattern" (every method), for routes mounted by code that cannot mark
// them. A test of the router should require it to be empty.
func Undeclared(router chi.Routes, public []string) []string {
	ds, err := Declarations(router)
	if err != nil {
		return []string{"chi.Walk: " + err.Error()}
	}
	var out []string
	for _, d := range ds {
		if d.Perm != nil || d.Public || slices.Contains(public, d.Pattern) || slices.Contains(public, d.Method+" "+d.Pattern) {
			continue
		}
		out = append(out, d.Method+" "+d.Pattern)
	}
	return out
}
