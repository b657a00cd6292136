package devidp_test

import (
	"crypto/rand"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"hromada/modules/devidp"
	"hromada/web"
	"hromada/web/browsertest"
)

// TestSignInInBrowser signs in through the picker in headless Chromium, on a
// phone, behind the portal's security headers (its CSP allows forms to post
// only to the page's own origin, and Chromium applies that to the redirects
// that follow), and checks the picker with axe-core (WCAG 2.1 AA).
func TestSignInInBrowser(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	// Chromium resolves localhost and every *.localhost name to this machine.
	issuer := fmt.Sprintf("http://localhost:%d/devidp", port)
	portalURL := fmt.Sprintf("http://kyiv.localhost:%d", port)
	idp, err := devidp.New(devidp.Config{
		Issuer:        issuer,
		AllowRedirect: func(uri string) bool { return uri == portalURL+"/auth/callback" },
	})
	require.NoError(t, err)

	rp := &fakePortal{url: portalURL}
	mux := http.NewServeMux()
	mux.Handle("localhost/devidp/", idp.Handler())
	mux.Handle("kyiv.localhost/", rp)
	srv := httptest.NewUnstartedServer(web.SecurityHeaders(false)(mux))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	rp.discover(t, issuer)

	phone := &browsertest.Viewport{Width: 390, Height: 844}
	results := browsertest.Run(t, []browsertest.Scenario{{
		Name: "DevIdPSignIn", Viewport: phone, Steps: []browsertest.Step{
			{Op: "goto", URL: portalURL + "/auth/login"},
			{Op: "text", Selector: "h1"},
			{Op: "axe"},
			{Op: "press", Selector: "body", Key: "Tab"},
			{Op: "focused"},
			{Op: "click", Selector: `role=button[name="Увійти як Андрій Коваленко"]`},
			{Op: "text", Selector: "h1"},
		},
	}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	steps := results[0].Steps
	require.Equal(t, "Оберіть, ким увійти", steps[1].Text)
	require.Contains(t, steps[4].Text, "Увійти як Олена Шевченко", "the first Tab reaches the first persona")
	require.Equal(t, "Вітаємо, Андрій Миколайович Коваленко (43215679)", steps[6].Text)
}

// fakePortal is the relying party's side, as the portal will do it.
type fakePortal struct {
	url      string
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier

	mu      sync.Mutex
	pending map[string][2]string // state → PKCE verifier, nonce
}

func (rp *fakePortal) discover(t *testing.T, issuer string) {
	t.Helper()
	p, err := oidc.NewProvider(t.Context(), issuer)
	require.NoError(t, err)
	rp.oauth = oauth2.Config{
		ClientID: "hromada-kyiv", ClientSecret: devidp.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: rp.url + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email", "phone"},
	}
	rp.verifier = p.Verifier(&oidc.Config{ClientID: "hromada-kyiv"})
	rp.pending = map[string][2]string{}
}

func (rp *fakePortal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/auth/login":
		state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
		rp.mu.Lock()
		rp.pending[state] = [2]string{verifier, nonce}
		rp.mu.Unlock()
		http.Redirect(w, r, rp.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	case "/auth/callback":
		rp.mu.Lock()
		p, ok := rp.pending[r.URL.Query().Get("state")]
		delete(rp.pending, r.URL.Query().Get("state"))
		rp.mu.Unlock()
		if !ok {
			http.Error(w, "unknown state", http.StatusBadRequest)
			return
		}
		tok, err := rp.oauth.Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.VerifierOption(p[0]))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := rp.verifier.Verify(r.Context(), raw)
		if err != nil || idt.Nonce != p[1] {
			http.Error(w, fmt.Sprint("bad id token: ", err), http.StatusBadGateway)
			return
		}
		var c struct {
			Name   string `json:"name"`
			EDRPOU string `json:"edrpoucode"`
		}
		_ = idt.Claims(&c)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="uk"><title>Портал</title><main><h1>Вітаємо, %s (%s)</h1></main>`,
			html.EscapeString(c.Name), html.EscapeString(c.EDRPOU))
	default:
		http.NotFound(w, r)
	}
}
