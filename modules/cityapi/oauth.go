package cityapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/tenant"
)

// The app is a public client (a phone keeps no secret): it proves the code
// is its own with PKCE, S256 only (RFC 7636; "plain" proves nothing).
//
// Access tokens are opaque random strings stored hashed, not signed JWTs:
// each API request reads its tenant's rows anyway, so the lookup costs a
// primary-key read in that transaction, and in exchange a revocation from
// «Мої пристрої» ends the token at once, a token is unknown on any other
// city's host (the row is under that city's RLS), and there is no signing
// key to keep or rotate.
const (
	CodeTTL    = time.Minute
	AccessTTL  = 15 * time.Minute
	RefreshTTL = 30 * 24 * time.Hour
	// lastUsedEvery bounds the writes «last used» costs: once a minute.
	lastUsedEvery = time.Minute
)

// The scopes a token may carry. The catalog is public and needs none.
const (
	ScopeProfile       = "profile"
	ScopeApplications  = "applications"
	ScopeDocuments     = "documents"
	ScopeNotifications = "notifications"
	ScopePayments      = "payments"
	ScopeAppointments  = "appointments"
	ScopeAppeals       = "appeals"
	// ScopeParticipation is petitions and polls.
	ScopeParticipation = "participation"
)

// Scopes are the known scopes, in the order the consent page lists them.
var Scopes = []string{ScopeProfile, ScopeApplications, ScopeDocuments, ScopeNotifications, ScopePayments, ScopeAppointments, ScopeAppeals, ScopeParticipation}

// Client is an app allowed to sign residents in.
type Client struct {
	ID string
	// RedirectURIs are the exact redirect URIs it may use.
	RedirectURIs []string
	// Loopback lets it use http://127.0.0.1:<any port>/… as well (RFC 8252
	// §7.3: a desktop or test client listens on a port of the moment).
	Loopback bool
}

// AppClientID is the city app's client id.
const AppClientID = "hromada-city-app"

// DefaultClients are the clients every city accepts: the city app, which
// returns through its own URI scheme or a loopback address.
var DefaultClients = []Client{{ID: AppClientID, RedirectURIs: []string{"ua.hromada.city:/oauth/callback"}, Loopback: true}}

func (c Client) allows(redirect string) bool {
	if slices.Contains(c.RedirectURIs, redirect) {
		return true
	}
	u, err := url.Parse(redirect)
	return err == nil && c.Loopback && u.Scheme == "http" && u.Hostname() == "127.0.0.1" && u.User == nil && u.Fragment == ""
}

// Errors of the sign-in. The OAuth endpoints answer them with RFC 6749's
// error codes (oauthCode); the consent page shows their messages.
var (
	ErrBadClient    = apperr.New(apperr.Invalid, "cityapi.error.client")
	ErrBadRequest   = apperr.New(apperr.Invalid, "cityapi.error.request")
	ErrBadScope     = apperr.New(apperr.Invalid, "cityapi.error.scope")
	ErrBadGrant     = apperr.New(apperr.Invalid, "cityapi.error.grant")
	ErrUnauthorized = apperr.New(apperr.Forbidden, "cityapi.error.unauthorized")
	ErrNoDevice     = apperr.New(apperr.NotFound, "cityapi.error.no_device")
)

// AuthRequest is an authorization request as the app sends it.
type AuthRequest struct {
	ClientID, RedirectURI, State string
	Challenge, ChallengeMethod   string
	Scopes                       []string
}

// ParseAuthRequest reads q. A bad client or redirect URI is ErrBadClient:
// the answer must not go back to an address nobody vouched for.
func (s *Service) ParseAuthRequest(q url.Values) (*AuthRequest, error) {
	ar := &AuthRequest{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), State: q.Get("state"),
		Challenge: q.Get("code_challenge"), ChallengeMethod: q.Get("code_challenge_method"), Scopes: strings.Fields(q.Get("scope"))}
	c, ok := s.client(ar.ClientID)
	if !ok || !c.allows(ar.RedirectURI) {
		return nil, ErrBadClient
	}
	if q.Get("response_type") != "code" || ar.ChallengeMethod != "S256" || len(ar.Challenge) < 43 || len(ar.Challenge) > 128 {
		return ar, ErrBadRequest
	}
	if len(ar.Scopes) == 0 {
		return ar, ErrBadScope
	}
	for _, sc := range ar.Scopes {
		if !slices.Contains(Scopes, sc) {
			return ar, ErrBadScope
		}
	}
	return ar, nil
}

func (s *Service) client(id string) (Client, bool) {
	for _, c := range s.clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

// Tokens is what /oauth/token answers.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// Caller is who an access token speaks for.
type Caller struct {
	Grant   uuid.UUID
	Account uuid.UUID
	Scopes  []string
	// RNOKPP and FullName are the account's, for the request's Signed.
	RNOKPP, FullName string
}

// Has says the token carries scope.
func (c *Caller) Has(scope string) bool { return slices.Contains(c.Scopes, scope) }

// Device is a grant as «Мої пристрої» shows it.
type Device struct {
	ID         uuid.UUID
	ClientID   string
	Device     string
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Service is the app's sign-in: codes, grants and tokens. Each exported
// method is one transaction in the tenant in ctx.
type Service struct {
	db      *tenant.DB
	log     *slog.Logger
	clients []Client
	now     func() time.Time
	audit   *audit.Service // records a person's withdrawal of a device's access; nil: not recorded
}

// WithAudit makes s record, in the city's audit log, a person taking a
// device's access away in the cabinet, as ending a session is recorded.
func (s *Service) WithAudit(a *audit.Service) *Service {
	s.audit = a
	return s
}

// New returns the sign-in over db for clients (DefaultClients when nil).
func New(db *tenant.DB, log *slog.Logger, clients []Client) *Service {
	if clients == nil {
		clients = DefaultClients
	}
	return &Service{db: db, log: log, clients: clients, now: time.Now}
}

// secret is a new random token with a prefix saying what it is, so that a
// leaked one is recognised by secret scanners and in support requests.
func secret(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// verifierMatches checks PKCE S256: BASE64URL(SHA256(verifier)) = challenge.
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}
