package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Kinds of identity provider.
const (
	KindOIDC    = "oidc"    // any OpenID Connect issuer (discovery)
	KindIDGovUA = "idgovua" // id.gov.ua: OAuth2 with its own endpoints
	KindDev     = "dev"     // the development IdP (dev mode only)
)

// Provider is one way a city's people sign in.
type Provider struct {
	ID           uuid.UUID
	Kind         string
	Name         string // shown on the sign-in choice, e.g. «ID.GOV.UA — КЕП, BankID, Дія»
	Issuer       string // OIDC: the issuer URL; id.gov.ua: its base URL
	ClientID     string
	ClientSecret string // plain in memory only; sealed in the database
	Scopes       []string
	ClaimMap     ClaimMap
	Enabled      bool
	Position     int
}

// ClaimMap names, for each of Hromada's profile fields, the claim that
// carries it at this provider. Empty entries take DefaultClaims'.
type ClaimMap struct {
	FullName   string `json:"full_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
	RNOKPP     string `json:"rnokpp,omitempty"`
	EDRPOU     string `json:"edrpou,omitempty"`
	OrgName    string `json:"org_name,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	AuthMethod string `json:"auth_method,omitempty"`
}

// DefaultClaims are the OIDC standard claims plus the names id.gov.ua uses
// for the taxpayer and legal entity codes.
var DefaultClaims = ClaimMap{
	FullName: "name", FamilyName: "family_name", GivenName: "given_name", MiddleName: "middle_name",
	RNOKPP: "drfocode", EDRPOU: "edrpoucode", OrgName: "org_name", Email: "email", Phone: "phone_number",
	AuthMethod: "auth_type",
}

func (m ClaimMap) withDefaults() ClaimMap {
	d := DefaultClaims
	pick := func(v, def string) string {
		if v != "" {
			return v
		}
		return def
	}
	return ClaimMap{
		FullName: pick(m.FullName, d.FullName), FamilyName: pick(m.FamilyName, d.FamilyName),
		GivenName: pick(m.GivenName, d.GivenName), MiddleName: pick(m.MiddleName, d.MiddleName),
		RNOKPP: pick(m.RNOKPP, d.RNOKPP), EDRPOU: pick(m.EDRPOU, d.EDRPOU), OrgName: pick(m.OrgName, d.OrgName),
		Email: pick(m.Email, d.Email), Phone: pick(m.Phone, d.Phone), AuthMethod: pick(m.AuthMethod, d.AuthMethod),
	}
}

// Profile maps claims to a Profile.
func (m ClaimMap) Profile(subject string, claims map[string]any) Profile {
	m = m.withDefaults()
	str := func(name string) string {
		switch v := claims[name].(type) {
		case string:
			return strings.TrimSpace(v)
		case json.Number:
			return v.String()
		case float64:
			return fmt.Sprintf("%.0f", v)
		}
		return ""
	}
	p := Profile{
		Subject: subject, RNOKPP: str(m.RNOKPP), EDRPOU: str(m.EDRPOU), OrgName: str(m.OrgName),
		FamilyName: str(m.FamilyName), GivenName: str(m.GivenName), MiddleName: str(m.MiddleName),
		FullName: str(m.FullName), Email: str(m.Email), Phone: str(m.Phone), AuthMethod: str(m.AuthMethod),
	}
	if p.FullName == "" {
		p.FullName = strings.Join(strings.Fields(p.FamilyName+" "+p.GivenName+" "+p.MiddleName), " ")
	}
	return p
}

// validate checks a provider's settings before they are stored.
func (p *Provider) validate() error {
	switch p.Kind {
	case KindOIDC, KindIDGovUA:
	default:
		return ErrInvalidProvider
	}
	u, err := url.Parse(p.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ErrInvalidProvider
	}
	if strings.TrimSpace(p.Name) == "" || strings.TrimSpace(p.ClientID) == "" {
		return ErrInvalidProvider
	}
	return nil
}

// sealAD binds a provider's sealed secret to its tenant and id.
func sealAD(tenantID, id uuid.UUID) []byte { return append(tenantID[:], id[:]...) }

// SaveProvider creates or updates a provider of the tenant in ctx, sealing
// its client secret, and audits it as the signed-in person's change, in one
// transaction. An empty ClientSecret on update keeps the stored one. It
// returns ErrInvalidProvider for settings that cannot work.
func (s *Service) SaveProvider(ctx context.Context, p *Provider) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := s.saveProvider(ctx, tx, p); err != nil {
			return err
		}
		return s.auditProviderSaved(ctx, tx, p)
	})
}

// saveProvider is SaveProvider's write, in tx.
func (s *Service) saveProvider(ctx context.Context, tx pgx.Tx, p *Provider) error {
	if err := p.validate(); err != nil {
		return err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	if p.ID == uuid.Nil {
		if p.ID, err = uuid.NewV7(); err != nil {
			return err
		}
	}
	var sealed []byte
	if p.ClientSecret != "" {
		if sealed, err = s.sealer.Seal([]byte(p.ClientSecret), sealAD(t.ID, p.ID)); err != nil {
			return err
		}
	}
	claims, err := json.Marshal(p.ClaimMap)
	if err != nil {
		return err
	}
	if p.Scopes == nil {
		p.Scopes = []string{}
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO identity_providers (tenant_id, id, kind, name, issuer, client_id, client_secret_enc, scopes, claim_map, enabled, position)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (tenant_id, id) DO UPDATE SET
		    kind = excluded.kind, name = excluded.name, issuer = excluded.issuer, client_id = excluded.client_id,
		    client_secret_enc = coalesce(excluded.client_secret_enc, identity_providers.client_secret_enc),
		    scopes = excluded.scopes, claim_map = excluded.claim_map, enabled = excluded.enabled,
		    position = excluded.position, updated_at = now()`,
		p.ID, p.Kind, p.Name, p.Issuer, p.ClientID, sealed, p.Scopes, claims, p.Enabled, p.Position)
	if err != nil {
		return fmt.Errorf("identity: save provider: %w", err)
	}
	return nil
}

// providers returns the tenant's enabled providers, secrets opened.
func (s *Service) providers(ctx context.Context, tx pgx.Tx, onlyEnabled bool) ([]*Provider, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `
		SELECT id, kind, name, issuer, client_id, client_secret_enc, scopes, claim_map, enabled, position
		FROM identity_providers WHERE enabled OR NOT $1 ORDER BY position, name`, onlyEnabled)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Provider
	for rows.Next() {
		var (
			p      Provider
			sealed []byte
			claims []byte
		)
		if err := rows.Scan(&p.ID, &p.Kind, &p.Name, &p.Issuer, &p.ClientID, &sealed, &p.Scopes, &claims, &p.Enabled, &p.Position); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(claims, &p.ClaimMap); err != nil {
			return nil, err
		}
		if sealed != nil {
			plain, err := s.sealer.Open(sealed, sealAD(t.ID, p.ID))
			if err != nil {
				return nil, fmt.Errorf("identity: provider %s: %w", p.Name, err)
			}
			p.ClientSecret = string(plain)
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

// Providers lists the tenant's providers for its administrators (secrets
// blanked), the development IdP first in dev mode.
func (s *Service) Providers(ctx context.Context) ([]*Provider, error) {
	var out []*Provider
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = s.providers(ctx, tx, false)
		return err
	})
	for _, p := range out {
		p.ClientSecret = ""
	}
	return out, err
}

// signInChoices are the providers a person may sign in with, dev first;
// a city with no enabled provider of its own is offered the platform's
// default method instead, until it adds one.
func (s *Service) signInChoices(ctx context.Context) ([]*Provider, error) {
	var out []*Provider
	if d := s.devProvider(ctx); d != nil {
		out = append(out, d)
	}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		ps, err := s.providers(ctx, tx, true)
		if err != nil {
			return err
		}
		if len(ps) == 0 && s.fallback != nil {
			d := *s.fallback
			d.ID, d.Enabled = DefaultProviderID, true
			ps = []*Provider{&d}
		}
		out = append(out, ps...)
		return nil
	})
	return out, err
}

// DefaultProviderID is the fixed id of the platform's default sign-in
// method among a city's sign-in choices.
var DefaultProviderID = uuid.MustParse("00000000-0000-7000-8000-00000000de02")

// provider returns the sign-in choice id.
func (s *Service) provider(ctx context.Context, id uuid.UUID) (*Provider, error) {
	ps, err := s.signInChoices(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, ErrNoProvider
}

// DevIdP is the development identity provider, offered to every city in
// dev mode (it is refused in production by the caller).
type DevIdP struct {
	Issuer       string
	ClientSecret string
}

// devProviderID is the fixed id of the development IdP's sign-in choice.
var devProviderID = uuid.MustParse("00000000-0000-7000-8000-00000000de01")

func (s *Service) devProvider(ctx context.Context) *Provider {
	if s.dev == nil {
		return nil
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil
	}
	return &Provider{
		ID: devProviderID, Kind: KindDev, Name: "Тестовий вхід (розробка)", Issuer: s.dev.Issuer,
		ClientID: "hromada-" + t.Slug, ClientSecret: s.dev.ClientSecret,
		Scopes: []string{"openid", "profile", "email", "phone"}, Enabled: true,
	}
}

var errUnknownKind = errors.New("identity: unknown provider kind")
