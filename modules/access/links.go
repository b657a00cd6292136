package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
)

// Link is a request a page may offer: a link (GET) or a form's action
// (its method, its URL and the fields the route's scope reads, such as a
// hidden provider).
type Link struct {
	Method string
	URL    string
	Form   url.Values
}

// Get is a link to u.
func Get(u string) Link { return Link{Method: http.MethodGet, URL: u} }

// Post is a form posting to u, with the fields the route's scope reads.
func Post(u string, form url.Values) Link { return Link{Method: http.MethodPost, URL: u, Form: form} }

// key is how Allowed indexes a link: "METHOD url", and a form's fields
// (their query encoding) when it has any, so that two forms to one URL
// naming different providers are told apart (web.Ask.Key is the same).
func (l Link) key() string {
	if len(l.Form) > 0 {
		return l.Method + " " + l.URL + " " + l.Form.Encode()
	}
	return l.Method + " " + l.URL
}

// Allowed is the set of links a page may show, decided by Allows: a
// template asks {{if .Data.Can.Has "POST" "/admin/holidays"}}. A link the
// handler did not ask about is not allowed (the page hides it).
type Allowed map[string]bool

// Has reports whether the request method url (with no form fields) was
// allowed.
func (a Allowed) Has(method, u string) bool { return a[method+" "+u] }

// HasLink is Has for a Link.
func (a Allowed) HasLink(l Link) bool { return a[l.key()] }

// routeTable is the router's declarations by "METHOD pattern", built on
// first use (every route is mounted by then).
type routeTable struct {
	once  sync.Once
	decls map[string]Declaration
	err   error
}

// MountedOn tells the guard the router its routes are mounted on, so that
// Allows finds the route (and so the Perm) a link leads to. Call it once,
// after mounting; the table is read on the first Allows.
func (g *Guard) MountedOn(router chi.Routes) {
	g.router = router
	g.table = &routeTable{}
}

func (g *Guard) declarations() (map[string]Declaration, error) {
	if g.router == nil || g.table == nil {
		return nil, errors.New("access: the guard was not told its router (Guard.MountedOn)")
	}
	t := g.table
	t.once.Do(func() {
		ds, err := Declarations(g.router)
		t.decls, t.err = map[string]Declaration{}, err
		for _, d := range ds {
			t.decls[d.Method+" "+d.Pattern] = d
		}
	})
	return t.decls, t.err
}

type guardKey struct{}

// InContext is middleware that makes g the guard Allows asks on every
// request, public routes' too (a public page may show a signed-in person
// their staff links).
func (g *Guard) InContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), guardKey{}, g)))
	})
}

// Allows decides, for the subject the guard let r through as, whether it
// may make each of links: the route the router mounts at the link's method
// and path is found, and its own Perm and Scope decide, as the guard will
// when the link is followed; one read transaction for them all. A public
// route is allowed; a link to no route, or to a route that declares
// nothing, is not. On a route the guard does not protect nothing is
// allowed but public routes.
func Allows(r *http.Request, links ...Link) (Allowed, error) {
	g, _ := r.Context().Value(guardKey{}).(*Guard)
	if g == nil {
		return nil, errors.New("access: Allows on a request no guard has seen (Guard.InContext)")
	}
	sub := SubjectOf(r)
	if sub.AccountID == uuid.Nil {
		sub, _ = g.Subject(r) // a public route: whoever is signed in
	}
	return g.AllowsFor(r, sub, links...)
}

// AllowsFor is Allows for subject, the request r giving the context (the
// tenant) and the headers the scopes may read; for tests and for pages the
// guard does not protect.
func (g *Guard) AllowsFor(r *http.Request, subject Subject, links ...Link) (Allowed, error) {
	decls, err := g.declarations()
	if err != nil {
		return nil, err
	}
	out := Allowed{}
	err = g.Access.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var locked bool // staff rights locked out: the resident's rights only, as the guard decides
		if subject.AccountID != uuid.Nil {
			var err error
			if _, locked, err = g.Access.journal.Lockout(ctx, tx, subject); err != nil {
				return err
			}
		}
		var d *decider
		for _, l := range links {
			decl, lr, err := g.resolve(r.WithContext(ctx), decls, l)
			if err != nil {
				return err
			}
			switch {
			case decl == nil:
				continue
			case decl.Public:
				out[l.key()] = true
				continue
			case decl.Perm == nil:
				continue
			}
			scope := ""
			if decl.Perm.Scope != nil {
				if scope, err = decl.Perm.Scope(ctx, tx, lr); err != nil {
					if apperr.As(err).Code == apperr.NotFound {
						continue // a link to nothing of this city's: not offered
					}
					return fmt.Errorf("access: finding the scope of %s for %s: %w", decl.Perm, l.key(), err)
				}
			}
			if d == nil {
				if d, err = g.Access.newDecider(ctx, tx, subject, locked); err != nil {
					return err
				}
			}
			ok, err := d.decide(decl.Perm.Object, decl.Perm.Action, scope)
			if err != nil {
				return err
			}
			out[l.key()] = ok
		}
		return nil
	})
	return out, err
}

// resolve finds the route l leads to and a request for it, carrying the
// route's URL parameters and l's query and form, for the route's scope to
// read; nil when no route matches.
func (g *Guard) resolve(r *http.Request, decls map[string]Declaration, l Link) (*Declaration, *http.Request, error) {
	u, err := url.Parse(l.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("access: link %q: %w", l.URL, err)
	}
	if u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return nil, nil, nil // another host's page: not ours to decide
	}
	rctx := chi.NewRouteContext()
	pattern := g.router.Find(rctx, l.Method, u.Path)
	if pattern == "" {
		return nil, nil, nil
	}
	d, ok := decls[l.Method+" "+pattern]
	if !ok {
		return nil, nil, nil
	}
	lr := r.Clone(r.Context())
	lr.Method, lr.URL, lr.RequestURI = l.Method, u, u.RequestURI()
	lr.Body, lr.ContentLength = http.NoBody, 0
	lr.PostForm, lr.Form = url.Values{}, u.Query()
	for k, v := range l.Form {
		lr.PostForm[k] = v
		lr.Form[k] = append(v[:len(v):len(v)], lr.Form[k]...)
	}
	lr = lr.WithContext(context.WithValue(lr.Context(), chi.RouteCtxKey, rctx))
	return &d, lr, nil
}
