package devidp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Lifetimes. A sign-in is a few clicks; the portal uses the access token only
// to call userinfo right after the exchange, and keeps the ID token as the
// id_token_hint of the logout (op accepts an expired hint).
const (
	authRequestTTL = 10 * time.Minute
	accessTokenTTL = time.Hour
	idTokenTTL     = time.Hour
)

// storage is op.Storage in memory: the pending sign-ins, their codes and the
// access tokens, each swept when it expires.
type storage struct {
	signing       signingKey
	personas      map[string]*Persona
	order         []*Persona // as configured, for the picker
	allowRedirect func(string) bool
	loginPath     string

	mu       sync.Mutex
	requests map[string]*authRequest // by id
	codes    map[string]string       // code → auth request id
	tokens   map[string]*accessToken // by id
}

var _ interface {
	op.Storage
	op.CanSetUserinfoFromRequest
} = (*storage)(nil)

// newStorage checks the personas and returns a storage without a signing
// key; the caller sets it.
func newStorage(personas []Persona, allowRedirect func(string) bool, loginPath string) (*storage, error) {
	s := &storage{
		personas:      make(map[string]*Persona, len(personas)),
		allowRedirect: allowRedirect,
		loginPath:     loginPath,
		requests:      map[string]*authRequest{},
		codes:         map[string]string{},
		tokens:        map[string]*accessToken{},
	}
	for _, p := range personas {
		if p.ID == "" || strings.Contains(p.ID, ":") {
			return nil, fmt.Errorf("devidp: persona id %q must be non-empty and without ':'", p.ID)
		}
		if _, dup := s.personas[p.ID]; dup {
			return nil, fmt.Errorf("devidp: persona id %q is not unique", p.ID)
		}
		s.personas[p.ID] = &p
		s.order = append(s.order, &p)
	}
	return s, nil
}

// authRequest is one sign-in, from /authorize to the code's exchange.
type authRequest struct {
	id           string
	clientID     string
	redirectURI  string
	state        string
	nonce        string
	scopes       []string
	responseType oidc.ResponseType
	responseMode oidc.ResponseMode
	challenge    *oidc.CodeChallenge
	expires      time.Time

	subject    string // the persona chosen; set once
	authTime   time.Time
	codeIssued bool
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return nil }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.subject != "" }

// LogValue is what op's warnings about a refused request show of it.
func (a *authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.id), slog.String("client_id", a.clientID), slog.String("redirect_uri", a.redirectURI))
}

// accessToken is an access token op handed out (opaque, "<id>:<subject>"
// encrypted with its crypto key).
type accessToken struct {
	id       string
	subject  string
	clientID string
	scopes   []string
	expires  time.Time
}

// errNotFound is an unknown or expired auth request, code or token.
var errNotFound = errors.New("devidp: not found or expired")

// CreateAuthRequest stores a validated authorization request. op has checked
// the client, the redirect_uri and the response type; this adds what op leaves
// optional: PKCE with S256, the openid scope, the code in the query (op's
// form_post page needs inline script, which the portal's CSP forbids), and no
// silent sign-in (the provider keeps no session, so prompt=none can never
// succeed). Errors here are redirected to the (already validated) redirect_uri.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: code_challenge with code_challenge_method=S256")
	}
	if req.ResponseMode != "" && req.ResponseMode != oidc.ResponseModeQuery {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_mode=query is supported")
	}
	scopes := slices.DeleteFunc(slices.Clone(req.Scopes), func(sc string) bool { return !slices.Contains(supportedScopes, sc) })
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	a := &authRequest{
		id:           rand.Text(),
		clientID:     req.ClientID,
		redirectURI:  req.RedirectURI,
		state:        req.State,
		nonce:        req.Nonce,
		scopes:       scopes,
		responseType: req.ResponseType,
		responseMode: req.ResponseMode,
		challenge:    &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod},
		expires:      time.Now().Add(authRequestTTL),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.requests[a.id] = a
	return a.copy(), nil
}

// copy is what leaves the lock: op reads auth requests while the picker may
// complete them.
func (a *authRequest) copy() *authRequest {
	c := *a
	return &c
}

// request returns the live auth request id; the caller holds mu.
func (s *storage) request(id string) (*authRequest, error) {
	a, ok := s.requests[id]
	if !ok || time.Now().After(a.expires) {
		return nil, errNotFound
	}
	return a, nil
}

// sweep forgets what has expired; the caller holds mu.
func (s *storage) sweep() {
	now := time.Now()
	for id, a := range s.requests {
		if now.After(a.expires) {
			delete(s.requests, id)
		}
	}
	for code, id := range s.codes {
		if _, ok := s.requests[id]; !ok {
			delete(s.codes, code)
		}
	}
	for id, t := range s.tokens {
		if now.After(t.expires) {
			delete(s.tokens, id)
		}
	}
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return nil, err
	}
	return a.copy(), nil
}

// AuthRequestByCode returns the sign-in a code was issued for, and forgets the
// code: a code is good for one token request, successful or not, so it
// cannot be exchanged twice even by two requests at once.
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	if !ok {
		return nil, errNotFound
	}
	delete(s.codes, code)
	a, err := s.request(id)
	if err != nil || !a.Done() {
		return nil, errNotFound
	}
	return a.copy(), nil
}

// SaveAuthCode records the one code of a completed sign-in.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil || !a.Done() {
		return oidc.ErrInvalidRequest().WithDescription("the sign-in is unknown, expired or not completed")
	}
	if a.codeIssued {
		return oidc.ErrInvalidRequest().WithDescription("the sign-in has already been completed")
	}
	a.codeIssued = true
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// complete records the persona chosen for a pending sign-in. A sign-in is
// completed once: choosing again (the browser's Back button) is refused
// rather than changing whom a code stands for.
func (s *storage) complete(id, personaID string) error {
	if _, ok := s.personas[personaID]; !ok {
		return errNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil || a.Done() {
		return errNotFound
	}
	a.subject, a.authTime = personaID, time.Now()
	return nil
}

// pending returns a sign-in that waits for its persona.
func (s *storage) pending(id string) (*authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil || a.Done() {
		return nil, errNotFound
	}
	return a.copy(), nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	a, ok := req.(*authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	t := &accessToken{id: rand.Text(), subject: a.subject, clientID: a.clientID, scopes: a.scopes, expires: time.Now().Add(accessTokenTTL)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.tokens[t.id] = t
	return t.id, t.expires, nil
}

// CreateAccessAndRefreshTokens is never reached: no client has the
// refresh_token grant.
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType().WithDescription("no refresh tokens")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

// TerminateSession (end_session) revokes the access tokens the client holds
// for the person. There is no session at the provider to end: every sign-in
// shows the picker.
func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.subject == userID && t.clientID == clientID {
			delete(s.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tokenID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenID]; ok && t.clientID == clientID {
		delete(s.tokens, tokenID)
	}
	return nil // RFC 7009: an unknown token is not an error
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.signing, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.signing}}, nil
}

// GetClientByClientID accepts every "hromada-<slug>" client (see client).
// An unknown client is a plain error: op answers it as the client's fault.
func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	if !clientIDPattern.MatchString(clientID) {
		return nil, fmt.Errorf("devidp: unknown client %q", clientID)
	}
	return &client{id: clientID, redirects: offeredRedirects(ctx), loginPath: s.loginPath}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, clientID, secret string) error {
	if !clientIDPattern.MatchString(clientID) || subtle.ConstantTimeCompare([]byte(secret), []byte(ClientSecret)) != 1 {
		return errors.New("devidp: wrong client id or secret")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in op in favour of
// SetUserinfoFromRequest, and left empty as op asks.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims. op calls it with the
// userinfo scopes (profile, email, phone) only because the client asserts
// IDTokenUserinfoClaimsAssertion; otherwise they would be in userinfo alone.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	p, ok := s.personas[req.GetSubject()]
	if !ok {
		return errNotFound
	}
	setUserinfo(info, p, scopes)
	return nil
}

// SetUserinfoFromToken answers userinfo for a live access token.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.token(tokenID, subject)
	if err != nil {
		return err
	}
	setUserinfo(info, s.personas[t.subject], t.scopes)
	return nil
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.token(tokenID, subject)
	if err != nil || t.clientID != clientID {
		return errNotFound
	}
	info := new(oidc.UserInfo)
	setUserinfo(info, s.personas[t.subject], t.scopes)
	resp.SetUserInfo(info)
	resp.Active, resp.Scope, resp.ClientID = true, t.scopes, t.clientID
	resp.Audience, resp.Expiration = []string{t.clientID}, oidc.FromTime(t.expires)
	return nil
}

// token returns the live access token id of subject.
func (s *storage) token(id, subject string) (*accessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok || t.subject != subject || time.Now().After(t.expires) {
		return nil, errNotFound
	}
	if _, ok := s.personas[t.subject]; !ok {
		return nil, errNotFound
	}
	return t, nil
}

// GetPrivateClaimsFromScopes adds nothing: access tokens are opaque.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// The JWT profile grant is not offered: no client has a key.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("devidp: no client keys")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("devidp: the JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }
