// Package identity signs people in to a city's portal and keeps them
// signed in: the city's identity providers (OIDC through go-oidc, id.gov.ua,
// and in development the development IdP), one account per person per city
// keyed by РНОКПП, and server-side sessions in PostgreSQL under the city's
// row-level security, so that a session of one city is worth nothing on
// another's host.
package identity

import (
	"context"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
)

// Account is a person known to the city.
type Account struct {
	ID          uuid.UUID
	RNOKPP      string
	FamilyName  string
	GivenName   string
	MiddleName  string
	FullName    string
	Email       string
	Phone       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	LastLoginAt *time.Time
}

// Profile is what an identity provider says about the person signing in,
// after its claims are mapped to Hromada's names.
type Profile struct {
	Subject    string // the provider's own id of the person
	RNOKPP     string
	EDRPOU     string // set when they act for a legal entity
	OrgName    string
	FamilyName string
	GivenName  string
	MiddleName string
	FullName   string
	Email      string
	Phone      string
	AuthMethod string // e.g. dig_sign, bank_id, diia_id, dev
}

// Signed-in is what a session knows of its person.
type Signed struct {
	AccountID uuid.UUID
	// RNOKPP is the account's, kept so that a request needing only who
	// signs (a signature's check) does not read the account; empty in a
	// session made before it was kept.
	RNOKPP   string
	FullName string
	EDRPOU   string // acting for this legal entity, if any
	OrgName  string
	Provider uuid.UUID // the identity provider used
	AuthAt   time.Time
}

type signedKey struct{}

func withSigned(ctx context.Context, s *Signed) context.Context {
	return context.WithValue(ctx, signedKey{}, s)
}

// WithSigned returns ctx carrying s as its signed-in person, as the
// session middleware does: for tools that stand in for a session (the
// benchmark of cmd/hromada-bench), never for a request from outside.
func WithSigned(ctx context.Context, s *Signed) context.Context { return withSigned(ctx, s) }

// SignedFrom returns the signed-in person of the request, or nil.
func SignedFrom(ctx context.Context) *Signed {
	s, _ := ctx.Value(signedKey{}).(*Signed)
	return s
}

// Errors a person may see while signing in.
var (
	ErrSignInFailed    = apperr.New(apperr.Invalid, "error.signin_failed")
	ErrSignInExpired   = apperr.New(apperr.Invalid, "error.signin_expired")
	ErrSignInDenied    = apperr.New(apperr.Forbidden, "error.signin_denied")
	ErrNoRNOKPP        = apperr.New(apperr.Forbidden, "error.signin_no_rnokpp")
	ErrNoProvider      = apperr.New(apperr.NotFound, "error.signin_no_provider")
	ErrLockedOut       = apperr.New(apperr.Forbidden, "error.signin_locked")
	ErrInvalidProvider = apperr.New(apperr.Invalid, "error.idp_invalid")
	ErrInvalidRNOKPP   = apperr.New(apperr.Invalid, "error.rnokpp_invalid")
	ErrNameRequired    = apperr.New(apperr.Invalid, "error.full_name_required")
	ErrReauthNotFresh  = apperr.New(apperr.Forbidden, "error.reauth_not_fresh")
)
