package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"hromada/modules/idgovua"
)

// flow is a sign-in in progress, kept in the session between the redirect
// to the identity provider and its answer.
type flow struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Provider uuid.UUID `json:"provider"`
	Return   string    `json:"return"`
	Started  time.Time `json:"started"`
	// Reauth: the person is signing in again for a sensitive action; the
	// provider was asked to authenticate them anew (prompt=login,
	// max_age=0) and its ID token must show it did.
	Reauth bool `json:"reauth,omitempty"`
}

// authSkew is how far an identity provider's clock may be behind ours
// when its auth_time is compared with the start of a sign-in.
const authSkew = time.Minute

// flowTTL bounds how long a person may take at the identity provider.
const flowTTL = 15 * time.Minute

const (
	keyFlow    = "flow"
	keySigned  = "signed"
	keyIDToken = "id_token"
)

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Service) callbackURL(r *http.Request) string {
	scheme := "http"
	if s.secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/auth/callback"
}

func (s *Service) homeURL(r *http.Request) string {
	scheme := "http"
	if s.secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/"
}

// oidcProvider returns the issuer's discovery, cached for discoveryTTL.
func (s *Service) oidcProvider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	d, ok := s.discovery[issuer]
	s.mu.Unlock()
	if ok && s.now().Sub(d.fetched) < discoveryTTL {
		return d.p, nil
	}
	// The provider keeps the context for fetching keys later: it must not
	// be the request's.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), s.client), issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: discovery of %s: %w", issuer, err)
	}
	s.mu.Lock()
	s.discovery[issuer] = discovered{p: p, fetched: s.now()}
	s.mu.Unlock()
	return p, nil
}

func oauthConfig(p *Provider, endpoint oauth2.Endpoint, redirect string) *oauth2.Config {
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email", "phone"}
	}
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: endpoint, RedirectURL: redirect, Scopes: scopes}
}

// endpoint is the provider's endpoints. The development IdP takes client
// credentials in the header only; letting oauth2 guess would retry a refused
// exchange with the code already spent.
func endpoint(p *Provider, op *oidc.Provider) oauth2.Endpoint {
	e := op.Endpoint()
	if p.Kind == KindDev {
		e.AuthStyle = oauth2.AuthStyleInHeader
	}
	return e
}

// begin starts a sign-in with provider id: it remembers the flow in the
// session and returns the address of the provider's sign-in page.
func (s *Service) begin(r *http.Request, id uuid.UUID, ret string, reauth bool) (string, error) {
	ctx := r.Context()
	p, err := s.provider(ctx, id)
	if err != nil {
		return "", err
	}
	f := flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Provider: p.ID, Return: ret, Started: s.now(), Reauth: reauth}
	raw, _ := json.Marshal(f)
	s.sessions.Put(ctx, keyFlow, string(raw))
	switch p.Kind {
	case KindOIDC, KindDev:
		op, err := s.oidcProvider(ctx, p.Issuer)
		if err != nil {
			return "", err
		}
		opts := []oauth2.AuthCodeOption{oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)}
		if reauth {
			opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
		}
		return oauthConfig(p, endpoint(p, op), s.callbackURL(r)).AuthCodeURL(f.State, opts...), nil
	case KindIDGovUA:
		c, err := idgovua.New(idgovua.Config{BaseURL: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, HTTPClient: s.client})
		if err != nil {
			return "", err
		}
		return c.AuthCodeURL(f.State, s.callbackURL(r)), nil
	}
	return "", errUnknownKind
}

// finish completes the sign-in the provider answered with q: it checks the
// state, exchanges the code, verifies what comes back and returns the
// person's profile and where they were going.
func (s *Service) finish(r *http.Request, q url.Values) (*Provider, Profile, string, string, error) {
	ctx := r.Context()
	raw := s.sessions.PopString(ctx, keyFlow)
	var f flow
	if raw == "" || json.Unmarshal([]byte(raw), &f) != nil || s.now().Sub(f.Started) > flowTTL {
		return nil, Profile{}, "", "", ErrSignInExpired
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return nil, Profile{}, "", "", ErrSignInExpired.Wrap(errors.New("state does not match"))
	}
	if err := idgovua.CallbackError(q); err != nil {
		// The OAuth2 error parameter is the same for OIDC providers.
		if errors.Is(err, idgovua.ErrDenied) {
			return nil, Profile{}, "", "", ErrSignInDenied.Wrap(err)
		}
		return nil, Profile{}, "", "", ErrSignInFailed.Wrap(err)
	}
	p, err := s.provider(ctx, f.Provider)
	if err != nil {
		return nil, Profile{}, "", "", err
	}
	code := q.Get("code")
	if code == "" {
		return nil, Profile{}, "", "", ErrSignInFailed.Wrap(errors.New("no code"))
	}
	switch p.Kind {
	case KindOIDC, KindDev:
		op, err := s.oidcProvider(ctx, p.Issuer)
		if err != nil {
			return nil, Profile{}, "", "", err
		}
		tok, err := oauthConfig(p, endpoint(p, op), s.callbackURL(r)).Exchange(oidc.ClientContext(ctx, s.client), code, oauth2.VerifierOption(f.Verifier))
		if err != nil {
			return nil, Profile{}, "", "", ErrSignInFailed.Wrap(err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		if rawID == "" {
			return nil, Profile{}, "", "", ErrSignInFailed.Wrap(errors.New("no id_token"))
		}
		idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.now}).Verify(ctx, rawID)
		if err != nil {
			return nil, Profile{}, "", "", ErrSignInFailed.Wrap(err)
		}
		if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
			return nil, Profile{}, "", "", ErrSignInFailed.Wrap(errors.New("nonce does not match"))
		}
		var claims map[string]any
		if err := idt.Claims(&claims); err != nil {
			return nil, Profile{}, "", "", ErrSignInFailed.Wrap(err)
		}
		if f.Reauth && !authenticatedSince(claims, f.Started.Add(-authSkew)) {
			// The provider let a session of its own stand in for the
			// fresh sign-in asked of it (prompt=login, max_age=0).
			return nil, Profile{}, "", "", ErrReauthNotFresh.Wrap(errors.New("auth_time missing or before the re-authentication began"))
		}
		return p, p.ClaimMap.Profile(idt.Subject, claims), f.Return, rawID, nil
	case KindIDGovUA:
		c, err := idgovua.New(idgovua.Config{BaseURL: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, HTTPClient: s.client})
		if err != nil {
			return nil, Profile{}, "", "", err
		}
		tok, err := c.Exchange(ctx, code, s.callbackURL(r))
		if err != nil {
			return nil, Profile{}, "", "", ErrSignInFailed.Wrap(err)
		}
		person, err := c.UserInfo(ctx, tok)
		if err != nil {
			return nil, Profile{}, "", "", ErrSignInFailed.Wrap(err)
		}
		return p, Profile{
			Subject: tok.UserID, RNOKPP: person.RNOKPP, EDRPOU: person.EDRPOU, FamilyName: person.LastName,
			GivenName: person.GivenName, MiddleName: person.MiddleName, FullName: person.FullName(),
			Email: person.Email, Phone: person.Phone, AuthMethod: person.AuthType,
		}, f.Return, "", nil
	}
	return nil, Profile{}, "", "", errUnknownKind
}

// authenticatedSince says whether the ID token's auth_time (seconds since
// the epoch; required when max_age was asked) is at or after t.
func authenticatedSince(claims map[string]any, t time.Time) bool {
	at, ok := claims["auth_time"].(float64)
	return ok && !time.Unix(int64(at), 0).Before(t.Truncate(time.Second))
}

// complete saves the account and starts the signed-in session under a new
// token (the pre-sign-in token is dropped: no session fixation).
func (s *Service) complete(r *http.Request, p *Provider, prof Profile, rawID string) (*Account, error) {
	ctx := r.Context()
	var acc *Account
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if acc, err = upsertAccount(ctx, tx, prof); err != nil {
			return err
		}
		return s.auditSignIn(ctx, tx, acc, prof)
	})
	if err != nil {
		return nil, err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return nil, err
	}
	sg := Signed{AccountID: acc.ID, RNOKPP: acc.RNOKPP, FullName: acc.FullName, EDRPOU: prof.EDRPOU, OrgName: prof.OrgName, Provider: p.ID, AuthAt: s.now()}
	raw, _ := json.Marshal(sg)
	s.sessions.Put(ctx, keySigned, string(raw))
	if rawID != "" {
		s.sessions.Put(ctx, keyIDToken, rawID)
	}
	if err := s.noteSignIn(ctx, acc.ID); err != nil {
		return nil, err
	}
	return acc, nil
}

// signed reads the signed-in person from the session.
func (s *Service) signed(ctx context.Context) *Signed {
	raw := s.sessions.GetString(ctx, keySigned)
	if raw == "" {
		return nil
	}
	var sg Signed
	if json.Unmarshal([]byte(raw), &sg) != nil || sg.AccountID == uuid.Nil {
		return nil
	}
	return &sg
}

// signOut ends the session and returns where to send the person: the
// provider's end-session endpoint when it has one (so the provider's own
// session ends too), else the city's home page.
func (s *Service) signOut(r *http.Request) (string, error) {
	ctx := r.Context()
	sg := s.signed(ctx)
	rawID := s.sessions.GetString(ctx, keyIDToken)
	if err := s.sessions.Destroy(ctx); err != nil {
		return "", err
	}
	home := s.homeURL(r)
	if sg == nil || rawID == "" {
		return home, nil
	}
	p, err := s.provider(ctx, sg.Provider)
	if err != nil || (p.Kind != KindOIDC && p.Kind != KindDev) {
		return home, nil
	}
	op, err := s.oidcProvider(ctx, p.Issuer)
	if err != nil {
		return home, nil
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if op.Claims(&meta) != nil || meta.EndSession == "" {
		return home, nil
	}
	u, err := url.Parse(meta.EndSession)
	if err != nil {
		return home, nil
	}
	q := u.Query()
	q.Set("id_token_hint", rawID)
	q.Set("post_logout_redirect_uri", home)
	q.Set("client_id", p.ClientID)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
