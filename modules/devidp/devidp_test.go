package devidp_test

import (
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"hromada/modules/devidp"
)

// The city portal the tests play: the redirect URIs AllowRedirect accepts.
const (
	portal   = "http://kyiv.localhost:8080"
	callback = portal + "/auth/callback"
	home     = portal + "/"
)

func allowRedirect(uri string) bool { return uri == callback || uri == home }

type testBundle struct {
	idp      *devidp.Provider
	issuer   string
	provider *oidc.Provider // the relying party's view, by discovery
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	browser  *http.Client // follows no redirects: the test does
}

// mountFunc mounts the provider's handler at prefix on a router.
type mountFunc func(prefix string, h http.Handler) http.Handler

func onServeMux(prefix string, h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", h)
	return mux
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return setupMounted(t, onServeMux)
}

// setupMounted starts the provider under /devidp on a test server, and
// discovers it as the portal does.
func setupMounted(t *testing.T, mount mountFunc) *testBundle {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/devidp"
	idp, err := devidp.New(devidp.Config{Issuer: issuer, AllowRedirect: allowRedirect})
	require.NoError(t, err)
	srv.Config.Handler = mount("/devidp", idp.Handler())
	srv.Start()
	t.Cleanup(srv.Close)

	provider, err := oidc.NewProvider(t.Context(), issuer)
	require.NoError(t, err)
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	return &testBundle{
		idp:      idp,
		issuer:   issuer,
		provider: provider,
		oauth: oauth2.Config{
			ClientID:     "hromada-kyiv",
			ClientSecret: devidp.ClientSecret,
			Endpoint:     endpoint,
			RedirectURL:  callback,
			Scopes:       []string{oidc.ScopeOpenID, "profile", "email", "phone"},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: "hromada-kyiv"}),
		browser: &http.Client{
			Timeout:       5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// do sends a browser request and returns the response with its body read.
func (b *testBundle) do(t *testing.T, method, rawURL string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.browser.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(data)
}

// location is where a redirect points, made absolute.
func location(t *testing.T, resp *http.Response) *url.URL {
	t.Helper()
	loc, err := resp.Location()
	require.NoErrorf(t, err, "status %d", resp.StatusCode)
	return loc
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	requestID  = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

// openPicker follows authURL to the persona picker and returns the form's
// action and the auth request's id, as the page gives them.
func (b *testBundle) openPicker(t *testing.T, authURL string) (action, id string) {
	t.Helper()
	resp, _ := b.do(t, http.MethodGet, authURL, nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	picker := location(t, resp)
	require.Equal(t, "/devidp/login", picker.Path)
	resp, page := b.do(t, http.MethodGet, picker.String(), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	a, i := formAction.FindStringSubmatch(page), requestID.FindStringSubmatch(page)
	require.NotNil(t, a)
	require.NotNil(t, i)
	return resp.Request.URL.ResolveReference(&url.URL{Path: a[1]}).String(), i[1]
}

// backToPortal follows redirects from resp until one leads to the portal.
func (b *testBundle) backToPortal(t *testing.T, resp *http.Response) *url.URL {
	t.Helper()
	for range 5 {
		loc := location(t, resp)
		if strings.HasPrefix(loc.String(), portal+"/") {
			return loc
		}
		resp, _ = b.do(t, http.MethodGet, loc.String(), nil)
	}
	t.Fatal("too many redirects")
	return nil
}

// authorize signs in as persona in the browser with PKCE, state and nonce,
// and returns the code the portal receives.
func (b *testBundle) authorize(t *testing.T, persona string) (code, verifier, nonce string) {
	t.Helper()
	verifier, state, nonce := oauth2.GenerateVerifier(), rand.Text(), rand.Text()
	action, id := b.openPicker(t, b.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
	resp, _ := b.do(t, http.MethodPost, action, url.Values{"id": {id}, "persona": {persona}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	back := b.backToPortal(t, resp)
	require.Equal(t, callback, back.Scheme+"://"+back.Host+back.Path)
	require.Equal(t, state, back.Query().Get("state"))
	code = back.Query().Get("code")
	require.NotEmpty(t, code)
	return code, verifier, nonce
}

// signIn is a whole sign-in as persona: authorize, exchange, verify.
func (b *testBundle) signIn(t *testing.T, persona string) (*oauth2.Token, *oidc.IDToken, string) {
	t.Helper()
	code, verifier, nonce := b.authorize(t, persona)
	tok, err := b.oauth.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	raw, _ := tok.Extra("id_token").(string)
	require.NotEmpty(t, raw)
	idt, err := b.verifier.Verify(t.Context(), raw)
	require.NoError(t, err)
	require.Equal(t, nonce, idt.Nonce)
	return tok, idt, raw
}

// personClaims are the claims the portal reads.
type personClaims struct {
	Subject       string `json:"sub"`
	Name          string `json:"name"`
	FamilyName    string `json:"family_name"`
	GivenName     string `json:"given_name"`
	MiddleName    string `json:"middle_name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Phone         string `json:"phone_number"`
	Locale        string `json:"locale"`
	RNOKPP        string `json:"drfocode"`
	EDRPOU        string `json:"edrpoucode"`
	OrgName       string `json:"org_name"`
	AuthType      string `json:"auth_type"`
}

type claimer interface{ Claims(any) error }

func requirePersonClaims(t *testing.T, p devidp.Persona, c claimer) {
	t.Helper()
	var got personClaims
	require.NoError(t, c.Claims(&got))
	require.Equal(t, personClaims{
		Subject: p.ID, Name: p.GivenName + " " + p.MiddleName + " " + p.FamilyName,
		FamilyName: p.FamilyName, GivenName: p.GivenName, MiddleName: p.MiddleName,
		Email: p.Email, EmailVerified: true, Phone: p.Phone, Locale: "uk",
		RNOKPP: p.RNOKPP, EDRPOU: p.EDRPOU, OrgName: p.OrgName, AuthType: "dev",
	}, got)
	var all map[string]any
	require.NoError(t, c.Claims(&all))
	_, hasEDRPOU := all["edrpoucode"]
	_, hasOrg := all["org_name"]
	require.Equal(t, p.EDRPOU != "", hasEDRPOU)
	require.Equal(t, p.OrgName != "", hasOrg)
	for _, k := range []string{"role", "roles", "groups"} {
		require.NotContains(t, all, k, "roles are Hromada's, not the IdP's")
	}
}

func TestSignInAsEveryPersona(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range devidp.Personas {
		t.Run(p.ID, func(t *testing.T) {
			t.Parallel()
			tok, idt, _ := b.signIn(t, p.ID)
			require.Equal(t, p.ID, idt.Subject)
			require.Equal(t, b.issuer, idt.Issuer)
			require.Equal(t, []string{"hromada-kyiv"}, idt.Audience)
			requirePersonClaims(t, p, idt)

			info, err := b.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
			require.NoError(t, err)
			require.Equal(t, p.ID, info.Subject)
			requirePersonClaims(t, p, info)
		})
	}
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var d struct {
		Issuer      string   `json:"issuer"`
		EndSession  string   `json:"end_session_endpoint"`
		JWKS        string   `json:"jwks_uri"`
		Algs        []string `json:"id_token_signing_alg_values_supported"`
		PKCEMethods []string `json:"code_challenge_methods_supported"`
		Scopes      []string `json:"scopes_supported"`
		Claims      []string `json:"claims_supported"`
	}
	require.NoError(t, b.provider.Claims(&d))
	require.Equal(t, b.issuer, d.Issuer)
	require.Equal(t, b.issuer+"/end_session", d.EndSession)
	require.Equal(t, b.issuer+"/keys", d.JWKS)
	require.Equal(t, []string{"RS256"}, d.Algs)
	require.Equal(t, []string{"S256"}, d.PKCEMethods)
	require.ElementsMatch(t, []string{"openid", "profile", "email", "phone"}, d.Scopes)
	require.Subset(t, d.Claims, []string{"drfocode", "edrpoucode", "org_name", "auth_type", "middle_name"})
}

// requireRefused says the authorization request was answered on the
// provider's own page: no redirect, so no code and no error sent anywhere.
func requireRefused(t *testing.T, b *testBundle, authURL string) {
	t.Helper()
	resp, _ := b.do(t, http.MethodGet, authURL, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Location"))
}

func TestRefusesRedirectNotAllowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, uri := range []string{"http://evil.example/auth/callback", callback + "/../../evil", "http://kyiv.localhost:8080.evil.example/auth/callback"} {
		conf := b.oauth
		conf.RedirectURL = uri
		requireRefused(t, b, conf.AuthCodeURL("state", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	}
}

func TestRefusesUnknownClient(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, id := range []string{"someone", "hromada-", "hromada-K", "hromada-kyiv-", "xhromada-kyiv"} {
		conf := b.oauth
		conf.ClientID = id
		requireRefused(t, b, conf.AuthCodeURL("state", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	}
}

func requireTokenError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "%v", err)
	require.Equal(t, code, re.ErrorCode)
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t)

	t.Run("WrongSecret", func(t *testing.T) {
		t.Parallel()
		code, verifier, _ := b.authorize(t, "resident")
		conf := b.oauth
		conf.ClientSecret = "wrong"
		_, err := conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		requireTokenError(t, err, "invalid_client")
	})

	t.Run("CodeOnlyOnce", func(t *testing.T) {
		t.Parallel()
		code, verifier, _ := b.authorize(t, "resident")
		_, err := b.oauth.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		require.NoError(t, err)
		_, err = b.oauth.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		requireTokenError(t, err, "invalid_grant")
	})

	t.Run("WrongVerifier", func(t *testing.T) {
		t.Parallel()
		code, _, _ := b.authorize(t, "resident")
		_, err := b.oauth.Exchange(t.Context(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		requireTokenError(t, err, "invalid_grant")
	})

	t.Run("NoVerifier", func(t *testing.T) {
		t.Parallel()
		code, _, _ := b.authorize(t, "resident")
		_, err := b.oauth.Exchange(t.Context(), code)
		requireTokenError(t, err, "invalid_request")
	})
}

// TestAuthorizeRefusals are requests with a valid client and redirect_uri
// that the provider refuses: the error goes back to the client, with the
// state and without a code.
func TestAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	verifier := oauth2.GenerateVerifier()
	s256 := oauth2.S256ChallengeOption(verifier)
	for name, tc := range map[string]struct {
		scopes []string
		opts   []oauth2.AuthCodeOption
		error  string
	}{
		"NoChallenge": {error: "invalid_request"},
		"Plain": {error: "invalid_request", opts: []oauth2.AuthCodeOption{
			oauth2.SetAuthURLParam("code_challenge", verifier),
			oauth2.SetAuthURLParam("code_challenge_method", "plain"),
		}},
		"NoMethod": {error: "invalid_request", opts: []oauth2.AuthCodeOption{
			oauth2.SetAuthURLParam("code_challenge", oauth2.S256ChallengeFromVerifier(verifier)),
		}},
		"FormPost":      {error: "invalid_request", opts: []oauth2.AuthCodeOption{s256, oauth2.SetAuthURLParam("response_mode", "form_post")}},
		"PromptNone":    {error: "login_required", opts: []oauth2.AuthCodeOption{s256, oauth2.SetAuthURLParam("prompt", "none")}},
		"NoOpenIDScope": {error: "invalid_scope", opts: []oauth2.AuthCodeOption{s256}, scopes: []string{"profile"}},
	} {
		conf := b.oauth
		if tc.scopes != nil {
			conf.Scopes = tc.scopes
		}
		resp, _ := b.do(t, http.MethodGet, conf.AuthCodeURL("st", tc.opts...), nil)
		require.Equal(t, http.StatusFound, resp.StatusCode, name)
		back := location(t, resp)
		require.Equal(t, callback, back.Scheme+"://"+back.Host+back.Path, name)
		require.Equal(t, tc.error, back.Query().Get("error"), name)
		require.Equal(t, "st", back.Query().Get("state"), name)
		require.Empty(t, back.Query().Get("code"), name)
	}
}

func TestEndSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var d struct {
		EndSession string `json:"end_session_endpoint"`
	}
	require.NoError(t, b.provider.Claims(&d))
	tok, _, rawIDToken := b.signIn(t, "legal_rep")

	refused := url.Values{"id_token_hint": {rawIDToken}, "post_logout_redirect_uri": {"http://evil.example/"}}
	resp, _ := b.do(t, http.MethodGet, d.EndSession+"?"+refused.Encode(), nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Location"))

	logout := url.Values{"id_token_hint": {rawIDToken}, "post_logout_redirect_uri": {home}, "state": {"bye"}}
	resp, _ = b.do(t, http.MethodGet, d.EndSession+"?"+logout.Encode(), nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, home+"?state=bye", location(t, resp).String())

	// The logout revoked the portal's access token.
	_, err := b.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	require.Error(t, err)

	// Without a post_logout_redirect_uri it lands on the provider's page.
	resp, _ = b.do(t, http.MethodGet, d.EndSession+"?"+url.Values{"id_token_hint": {rawIDToken}}.Encode(), nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	resp, page := b.do(t, http.MethodGet, location(t, resp).String(), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, "Ви вийшли")
}

// TestEndSessionAfterRestart is a sign-out with an ID token the provider's
// previous key signed (the key lives in memory; the portal's session outlives
// a restart): the hint is ignored, not a dead end.
func TestEndSessionAfterRestart(t *testing.T) {
	t.Parallel()
	before, after := setup(t), setup(t)
	_, _, rawIDToken := before.signIn(t, "resident")
	var d struct {
		EndSession string `json:"end_session_endpoint"`
	}
	require.NoError(t, after.provider.Claims(&d))

	logout := url.Values{"id_token_hint": {rawIDToken}, "client_id": {"hromada-kyiv"}, "post_logout_redirect_uri": {home}}
	resp, _ := after.do(t, http.MethodGet, d.EndSession+"?"+logout.Encode(), nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, home, location(t, resp).String())

	logout.Del("client_id")
	resp, _ = after.do(t, http.MethodGet, d.EndSession+"?"+logout.Encode(), nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, "/devidp/logged-out", location(t, resp).Path)
}

func TestPicker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	authURL := func(state string) string {
		return b.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	}

	t.Run("Page", func(t *testing.T) {
		t.Parallel()
		resp, _ := b.do(t, http.MethodGet, authURL("s"), nil)
		resp, page := b.do(t, http.MethodGet, location(t, resp).String(), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		require.Contains(t, page, `<html lang="uk">`)
		require.Regexp(t, `<title>[^<]+</title>`, page)
		require.Contains(t, page, "<main>")
		require.Equal(t, 1, strings.Count(page, "<h1>"))
		require.Contains(t, page, "вхід для розробки")
		require.Contains(t, page, `<link rel="stylesheet" href="/devidp/static/devidp.css">`)
		require.Equal(t, len(devidp.Personas)+1, strings.Count(page, `<form method="post"`)) // one per persona, and cancel
		for _, p := range devidp.Personas {
			require.Contains(t, page, "Увійти як "+p.GivenName+" "+p.FamilyName)
		}
		for _, banned := range []string{"<style", "style=", "<script", "onclick"} {
			require.NotContains(t, page, banned, "the portal's CSP allows neither")
		}

		resp, css := b.do(t, http.MethodGet, b.issuer+"/static/devidp.css", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "text/css; charset=utf-8", resp.Header.Get("Content-Type"))
		require.Contains(t, css, ":focus-visible")
	})

	t.Run("Cancel", func(t *testing.T) {
		t.Parallel()
		action, id := b.openPicker(t, authURL("c"))
		resp, _ := b.do(t, http.MethodPost, action, url.Values{"id": {id}, "cancel": {"1"}})
		back := location(t, resp)
		require.Equal(t, "access_denied", back.Query().Get("error"))
		require.Equal(t, "c", back.Query().Get("state"))
		require.Empty(t, back.Query().Get("code"))
		resp, _ = b.do(t, http.MethodPost, action, url.Values{"id": {id}, "persona": {"resident"}})
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})

	t.Run("ChosenOnce", func(t *testing.T) {
		t.Parallel()
		action, id := b.openPicker(t, authURL("o"))
		resp, _ := b.do(t, http.MethodPost, action, url.Values{"id": {id}, "persona": {"resident"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		resp, _ = b.do(t, http.MethodPost, action, url.Values{"id": {id}, "persona": {"operator"}})
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})

	t.Run("Stale", func(t *testing.T) {
		t.Parallel()
		action, id := b.openPicker(t, authURL("x"))
		for _, form := range []url.Values{
			{"id": {"nonsense"}, "persona": {"resident"}},
			{"id": {id}, "persona": {"nobody"}},
		} {
			resp, page := b.do(t, http.MethodPost, action, form)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Contains(t, page, "<h1>")
		}
		resp, _ := b.do(t, http.MethodGet, b.issuer+"/login?id=nonsense", nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}

func TestMountedOnChi(t *testing.T) {
	t.Parallel()
	for name, mount := range map[string]mountFunc{
		"Mount": func(prefix string, h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Mount(prefix, h)
			return r
		},
		"Handle": func(prefix string, h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Handle(prefix+"/*", h)
			return r
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupMounted(t, mount)
			_, idt, _ := b.signIn(t, "official-dcnap")
			require.Equal(t, "official-dcnap", idt.Subject)
		})
	}
}

func TestHandlerServesOnlyItsPrefix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/devidp", "/devidpx/keys", "/login"} {
		rec := httptest.NewRecorder()
		b.idp.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusNotFound, rec.Code, path)
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]devidp.Config{
		"RelativeIssuer":  {Issuer: "/devidp", AllowRedirect: allowRedirect},
		"IssuerQuery":     {Issuer: "http://localhost/devidp?x=1", AllowRedirect: allowRedirect},
		"NoAllowRedirect": {Issuer: "http://localhost/devidp"},
		"DuplicateID":     {Issuer: "http://localhost/devidp", AllowRedirect: allowRedirect, Personas: []devidp.Persona{{ID: "a"}, {ID: "a"}}},
		"ColonInID":       {Issuer: "http://localhost/devidp", AllowRedirect: allowRedirect, Personas: []devidp.Persona{{ID: "a:b"}}},
	} {
		_, err := devidp.New(cfg)
		require.Error(t, err, name)
	}
}
