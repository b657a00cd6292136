package tenant

import (
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
)

// Status says whether a tenant's portal is served.
type Status string

// The statuses of a tenant.
const (
	Active    Status = "active"
	Suspended Status = "suspended" // portal answers 503; data kept
	// Deleted is a city's tombstone: its data is purged
	// (docs/city-lifecycle.md), its portal is not found, and its slug and
	// domains stay taken so no other city gets them by accident.
	Deleted Status = "deleted"
)

// Tenant is one city's portal.
type Tenant struct {
	ID        uuid.UUID
	Slug      string // its subdomain under the base domain: kyiv → kyiv.<base>
	Name      string // official name, e.g. «Київська міська рада»
	Status    Status
	Domains   []string // custom domains, lower case, without port
	Branding  Branding
	CreatedAt time.Time
	UpdatedAt time.Time
	// SuspendedAt is when the tenant was last suspended; nil when active.
	SuspendedAt *time.Time
}

// Branding is how a tenant's portal looks and whom residents contact.
type Branding struct {
	DisplayName  Text     `json:"display_name"`            // shown in the header: «Київ»
	Tagline      Text     `json:"tagline,omitempty"`       // under the name
	CoatOfArms   string   `json:"coat_of_arms,omitempty"`  // path or URL of the emblem image
	Favicon      string   `json:"favicon,omitempty"`       // path of the tab's icon; the emblem when empty
	PrimaryColor string   `json:"primary_color,omitempty"` // #rrggbb
	AccentColor  string   `json:"accent_color,omitempty"`  // #rrggbb
	Contacts     Contacts `json:"contacts"`
}

// Contacts are the ways to reach the city's e-services team.
type Contacts struct {
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	Address Text   `json:"address,omitempty"`
	Website string `json:"website,omitempty"`
	Hotline string `json:"hotline,omitempty"` // e.g. 1551
}

// Text is a translatable string: Ukrainian required, English optional.
type Text struct {
	UK string `json:"uk"`
	EN string `json:"en,omitempty"`
}

// In returns the text in lang, falling back to Ukrainian.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.UK
}

// Errors of this package, for errors.Is.
var (
	ErrNoTenant      = apperr.New(apperr.Internal, "error.internal") // no tenant in context: a bug
	ErrNotFound      = apperr.New(apperr.NotFound, "error.tenant_not_found")
	ErrSuspended     = apperr.New(apperr.Unavailable, "error.tenant_suspended")
	ErrInvalidSlug   = apperr.New(apperr.Invalid, "error.invalid_slug")
	ErrSlugTaken     = apperr.New(apperr.Conflict, "error.slug_taken")
	ErrInvalidName   = apperr.New(apperr.Invalid, "error.invalid_name")
	ErrInvalidDomain = apperr.New(apperr.Invalid, "error.invalid_domain")
	ErrDomainTaken   = apperr.New(apperr.Conflict, "error.domain_taken")
	ErrInvalidColor  = apperr.New(apperr.Invalid, "error.invalid_color")
	ErrInvalidHost   = apperr.New(apperr.Invalid, "error.invalid_host")
	// ErrDeleted is a change asked of a deleted city's tombstone.
	ErrDeleted = apperr.New(apperr.Conflict, "error.tenant_deleted")
)

var slugRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,30}[a-z0-9]$`)

// reservedSlugs are subdomains the platform keeps for itself.
var reservedSlugs = map[string]bool{
	"www": true, "api": true, "admin": true, "operator": true, "static": true,
	"assets": true, "mail": true, "id": true, "auth": true, "status": true,
}

// ValidateSlug checks a tenant slug: 3–32 characters of a–z, 0–9 and '-',
// starting with a letter, not ending with '-', not reserved. The same rule is
// a CHECK constraint in the database.
func ValidateSlug(slug string) error {
	if !slugRE.MatchString(slug) || strings.Contains(slug, "--") {
		return ErrInvalidSlug.With(map[string]any{"Slug": slug})
	}
	if reservedSlugs[slug] {
		return ErrInvalidSlug.With(map[string]any{"Slug": slug})
	}
	return nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate checks the branding's colours and required name.
func (b Branding) Validate() error {
	for _, c := range []string{b.PrimaryColor, b.AccentColor} {
		if c != "" && !colorRE.MatchString(c) {
			return ErrInvalidColor.With(map[string]any{"Color": c})
		}
	}
	return nil
}
