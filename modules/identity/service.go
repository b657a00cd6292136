package identity

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"

	"hromada/egress"
	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/tenant"
	"hromada/web"
)

// Service signs people in and keeps their sessions.
type Service struct {
	db       *tenant.DB
	sealer   *Sealer
	dev      *DevIdP
	fallback *Provider // the platform's default sign-in method, for a city with no provider of its own
	rd       *web.Renderer
	log      *slog.Logger
	secure   bool
	client   *http.Client
	sessions *scs.SessionManager
	now      func() time.Time

	audit  *audit.Service
	access *access.Service

	mu        sync.Mutex
	discovery map[string]discovered // by issuer
}

type discovered struct {
	p       *oidc.Provider
	fetched time.Time
}

// discoveryTTL is how long an issuer's discovery document and keys are
// reused before they are fetched again (go-oidc refreshes keys it does not
// know by itself, so a rotated key is picked up sooner).
const discoveryTTL = time.Hour

// Options configure a Service.
type Options struct {
	DB     *tenant.DB
	Sealer *Sealer
	// Dev is the development IdP, offered to every city; nil in production.
	Dev *DevIdP
	// Default is the platform's default sign-in method (the platform-wide
	// id.gov.ua client, HROMADA_IDGOVUA_*), offered to a city that has no
	// enabled provider of its own: a new city's first administrator signs
	// in with it, then adds the city's own. Nil: none.
	Default  *Provider
	Renderer *web.Renderer
	Log      *slog.Logger
	// Secure marks cookies Secure and builds https callback addresses.
	Secure bool
	// HTTPClient calls the identity providers, whose issuers administrators
	// type; default: public addresses only (package egress), a 10 s
	// timeout, no redirects.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Audit records sign-ins, refused sign-ins (security events, counted
	// toward the lockout of their address) and providers' changes, and
	// says whether an address is locked out. Required.
	Audit *audit.Service
	// Access tells the signed-in person's staff roles, for the header's
	// link to the workspace. Required.
	Access *access.Service
}

// New returns a Service.
func New(o Options) *Service {
	s := &Service{db: o.DB, sealer: o.Sealer, dev: o.Dev, fallback: o.Default, rd: o.Renderer, log: o.Log, secure: o.Secure,
		client: o.HTTPClient, now: o.Now, audit: o.Audit, access: o.Access, discovery: map[string]discovered{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		// No redirects: a provider's answer never sends a code or a token
		// on to another host.
		s.client = egress.Policy{}.Client(10 * time.Second)
		s.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.sessions = newSessions(o.DB, o.Secure, func(w http.ResponseWriter, r *http.Request, err error) {
		s.rd.Error(w, r, err)
	})
	return s
}

// Middleware loads the request's session and, when someone is signed in,
// puts them in the context (SignedFrom) and in the page's header
// (web.Viewer). Mount it behind the tenant middleware.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sg := s.signed(r.Context()); sg != nil {
			ctx := withSigned(r.Context(), sg)
			v := web.NewViewer(sg.FullName, sg.OrgName, func() []string { return s.staffRoles(ctx, sg.AccountID) })
			ctx = web.WithViewer(ctx, v)
			ctx = audit.WithActor(ctx, audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName})
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	}))
}

// staffRoles are the roles, beyond resident, the person holds here; nil
// (and the error logged) when they cannot be read: the header then shows no
// link to the workspace, and the guard still decides every staff route.
func (s *Service) staffRoles(ctx context.Context, account uuid.UUID) []string {
	held, err := s.access.HeldRoles(ctx, access.Subject{AccountID: account})
	if err != nil {
		s.log.ErrorContext(ctx, "reading roles", "error", err)
		return nil
	}
	return access.StaffRoles(held)
}

// Staff is the request's signed-in person and the staff roles the header
// shows them (none for a resident): who the staff journal
// (audit.StaffJournal) records.
func (s *Service) Staff(r *http.Request) (uuid.UUID, []string, bool) {
	sg, v := SignedFrom(r.Context()), web.ViewerFrom(r.Context())
	if sg == nil || v == nil {
		return uuid.Nil, nil, false
	}
	return sg.AccountID, v.Roles(), true
}
