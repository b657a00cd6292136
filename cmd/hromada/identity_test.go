package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/devidp"
	"hromada/modules/identity"
	"hromada/modules/idgovua/idgovuatest"
	"hromada/tenant"
)

// devChoice is the development IdP's sign-in choice.
const devChoice = "00000000-0000-7000-8000-00000000de01"

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	requestIDRE  = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

// follow GETs redirects from r until a page, resolving relative locations,
// and returns the last response and its URL.
func follow(t *testing.T, c *http.Client, from string, r response) (response, string) {
	t.Helper()
	at := from
	for i := 0; r.status >= 300 && r.status < 400; i++ {
		require.Less(t, i, 15, "too many redirects")
		base, err := url.Parse(at)
		require.NoError(t, err)
		next, err := base.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		at = next.String()
		r = get(t, c, at)
	}
	return r, at
}

// signIn signs in on host as the development IdP's persona, the way a
// browser does: to the portal's sign-in, to the IdP, the persona chosen,
// back to the portal.
func signIn(t *testing.T, ta *testApp, c *http.Client, host, persona string) (response, string) {
	t.Helper()
	return signInFrom(t, ta, c, ta.url(host, "/auth/login/"+devChoice+"?return=/"), persona)
}

// signInFrom is signIn starting from any sign-in address (the operator
// console's too).
func signInFrom(t *testing.T, ta *testApp, c *http.Client, start, persona string) (response, string) {
	t.Helper()
	r, at := follow(t, c, start, get(t, c, start))
	require.Equal(t, http.StatusOK, r.status, "the persona picker: %s", r.body)
	action := formActionRE.FindStringSubmatch(r.body)
	id := requestIDRE.FindStringSubmatch(r.body)
	require.NotNil(t, action, "no form on the picker")
	require.NotNil(t, id)
	base, _ := url.Parse(at)
	post, _ := base.Parse(html.UnescapeString(action[1]))
	r = do(t, c, http.MethodPost, post.String(), url.Values{"id": {html.UnescapeString(id[1])}, "persona": {persona}}, nil)
	return follow(t, c, post.String(), r)
}

func TestSignInWithDevIdP(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	kyiv := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	ta.newTenant(t, tenant.CreateParams{Slug: "lviv", Name: "Львів"})

	for _, p := range devidp.Personas {
		t.Run(p.ID, func(t *testing.T) {
			c := ta.client(t)
			r, at := signIn(t, ta, c, "kyiv."+testBase, p.ID)
			require.Equal(t, http.StatusOK, r.status, r.body)
			require.Equal(t, ta.url("kyiv."+testBase, "/"), at)
			require.Contains(t, r.body, html.EscapeString(p.GivenName))
			require.Contains(t, r.body, `action="/auth/logout"`)
		})
	}

	t.Run("AccountKeyedByRNOKPP", func(t *testing.T) {
		c := ta.client(t)
		signIn(t, ta, c, "kyiv."+testBase, "resident")
		signIn(t, ta, ta.client(t), "kyiv."+testBase, "resident")
		var n int
		require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE rnokpp = $1 AND last_login_at IS NOT NULL`, devidp.Personas[0].RNOKPP).Scan(&n)
		}))
		require.Equal(t, 1, n)
	})

	t.Run("SessionIsWorthNothingOnAnotherCity", func(t *testing.T) {
		c := ta.client(t)
		signIn(t, ta, c, "kyiv."+testBase, "resident")
		u, _ := url.Parse(ta.url("kyiv."+testBase, "/"))
		var token string
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "hromada_session" {
				token = ck.Value
			}
		}
		require.NotEmpty(t, token)
		// The same cookie, carried by hand to Lviv's host, finds no session.
		r := do(t, ta.client(t), http.MethodGet, ta.url("lviv."+testBase, "/"), nil, map[string]string{"Cookie": "hromada_session=" + token})
		require.Equal(t, http.StatusOK, r.status)
		require.NotContains(t, r.body, `action="/auth/logout"`)
		require.Contains(t, r.body, `href="/auth/login`)
	})

	t.Run("SessionRenewedOnSignIn", func(t *testing.T) {
		c := ta.client(t)
		u, _ := url.Parse(ta.url("kyiv."+testBase, "/"))
		get(t, c, ta.url("kyiv."+testBase, "/auth/login/"+"00000000-0000-7000-8000-00000000de01?return=/"))
		var before string
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "hromada_session" {
				before = ck.Value
			}
		}
		require.NotEmpty(t, before, "the sign-in in progress has a session")
		signIn(t, ta, c, "kyiv."+testBase, "resident")
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "hromada_session" {
				require.NotEqual(t, before, ck.Value, "the session token was not renewed on sign-in")
			}
		}
	})

	t.Run("SignOut", func(t *testing.T) {
		c := ta.client(t)
		signIn(t, ta, c, "kyiv."+testBase, "resident")
		r := do(t, c, http.MethodPost, ta.url("kyiv."+testBase, "/auth/logout"), url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, r.status)
		// Out of the IdP too: its end-session endpoint, then home.
		require.Contains(t, r.header.Get("Location"), "/devidp/")
		r, at := follow(t, c, ta.url("kyiv."+testBase, "/auth/logout"), r)
		require.Equal(t, ta.url("kyiv."+testBase, "/"), at)
		require.NotContains(t, r.body, `action="/auth/logout"`)
	})
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	host := "kyiv." + testBase

	t.Run("CallbackWithoutSignIn", func(t *testing.T) {
		r := get(t, ta.client(t), ta.url(host, "/auth/callback?code=x&state=y"))
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, "Сеанс входу застарів")
	})
	t.Run("TamperedState", func(t *testing.T) {
		c := ta.client(t)
		r := get(t, c, ta.url(host, "/auth/login/00000000-0000-7000-8000-00000000de01?return=/"))
		require.Equal(t, http.StatusFound, r.status)
		r = get(t, c, ta.url(host, "/auth/callback?code=abc&state=forged"))
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, "Сеанс входу застарів")
	})
	t.Run("ForgedCode", func(t *testing.T) {
		c := ta.client(t)
		r := get(t, c, ta.url(host, "/auth/login/00000000-0000-7000-8000-00000000de01?return=/"))
		loc, err := url.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		state := loc.Query().Get("state")
		r = get(t, c, ta.url(host, "/auth/callback?code=forged&state="+url.QueryEscape(state)))
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, "Не вдалося увійти")
	})
	t.Run("UnknownProvider", func(t *testing.T) {
		r := get(t, ta.client(t), ta.url(host, "/auth/login/0190f000-0000-7000-8000-000000000000"))
		require.Equal(t, http.StatusNotFound, r.status)
		require.Contains(t, r.body, "Такого способу входу немає")
	})
	t.Run("OpenRedirectAfterSignIn", func(t *testing.T) {
		c := ta.client(t)
		start := ta.url(host, "/auth/login?return="+url.QueryEscape("//evil.example/"))
		r := get(t, c, start)
		require.Contains(t, r.header.Get("Location"), "return=%2F")
		require.False(t, strings.Contains(r.header.Get("Location"), "evil"))
	})
}

// A city that signs people in through id.gov.ua (OAuth2, not OIDC), tested
// against a local server speaking its protocol; its client secret is kept
// sealed in the database.
func TestSignInWithIDGovUA(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	kyiv := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	srv := idgovuatest.NewServer(t, idgovuatest.Options{ClientID: "kyiv-portal", ClientSecret: "s3cr3t-value"})
	ctx := tenant.With(t.Context(), kyiv)
	p := &identity.Provider{Kind: identity.KindIDGovUA, Name: "ID.GOV.UA", Issuer: srv.URL(), ClientID: "kyiv-portal", ClientSecret: "s3cr3t-value", Enabled: true}
	require.NoError(t, ta.identity.SaveProvider(ctx, p))

	// The secret is sealed at rest.
	var sealed []byte
	require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT client_secret_enc FROM identity_providers WHERE id = $1`, p.ID).Scan(&sealed)
	}))
	require.NotContains(t, string(sealed), "s3cr3t-value")

	for i, person := range srv.People() {
		c := ta.client(t)
		r := get(t, c, ta.url("kyiv."+testBase, "/auth/login/"+p.ID.String()+"?return=/"))
		require.Equal(t, http.StatusFound, r.status, r.body)
		callback := srv.SignIn(t, r.header.Get("Location"), i)
		cb := ta.url("kyiv."+testBase, callback.RequestURI())
		r, at := follow(t, c, cb, get(t, c, cb))
		require.Equal(t, http.StatusOK, r.status, r.body)
		require.Equal(t, ta.url("kyiv."+testBase, "/"), at)
		require.Contains(t, r.body, html.EscapeString(person.GivenName))
	}

	// Denied at id.gov.ua: a clear page, nobody signed in.
	c := ta.client(t)
	r := get(t, c, ta.url("kyiv."+testBase, "/auth/login/"+p.ID.String()+"?return=/"))
	srv.Deny()
	callback := srv.SignIn(t, r.header.Get("Location"), 0)
	r = get(t, c, ta.url("kyiv."+testBase, callback.RequestURI()))
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.body, "Вхід скасовано")

	// A person without a valid РНОКПП cannot sign in.
	r = get(t, c, ta.url("kyiv."+testBase, "/auth/login/"+p.ID.String()+"?return=/"))
	srv.CorruptNextUserInfo()
	callback = srv.SignIn(t, r.header.Get("Location"), 0)
	r = get(t, c, ta.url("kyiv."+testBase, callback.RequestURI()))
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "Не вдалося увійти")
}

// The administrator sets up id.gov.ua in the console; residents then sign
// in with it; the secret is never shown back; bad settings are explained.
func TestIdentityProvidersConsole(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	host := "kyiv." + testBase
	srv := idgovuatest.NewServer(t, idgovuatest.Options{ClientID: "kyiv-portal", ClientSecret: "console-secret-42"})
	admin := ta.client(t)
	signIn(t, ta, admin, host, "administrator")

	form := url.Values{"kind": {"idgovua"}, "name": {"ID.GOV.UA"}, "issuer": {"not a url"}, "client_id": {"kyiv-portal"},
		"client_secret": {"console-secret-42"}, "enabled": {"1"}}
	r := do(t, admin, http.MethodPost, ta.url(host, "/admin/identity-providers"), form, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "Налаштування сервісу ідентифікації неповні")
	require.Contains(t, r.body, `value="kyiv-portal"`)
	require.NotContains(t, r.body, "console-secret-42")

	form.Set("issuer", srv.URL())
	r = do(t, admin, http.MethodPost, ta.url(host, "/admin/identity-providers"), form, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = get(t, admin, ta.url(host, "/admin/identity-providers"))
	require.Contains(t, r.body, srv.URL())
	require.NotContains(t, r.body, "console-secret-42")

	// A resident now chooses between the test sign-in and id.gov.ua.
	c := ta.client(t)
	r = get(t, c, ta.url(host, "/auth/login?return=/"))
	require.Equal(t, http.StatusOK, r.status)
	m := regexp.MustCompile(`href="(/auth/login/[0-9a-f-]+)\?return=[^"]*">ID.GOV.UA`).FindStringSubmatch(r.body)
	require.NotNil(t, m, r.body)
	r = get(t, c, ta.url(host, m[1]+"?return=/"))
	require.Equal(t, http.StatusFound, r.status)
	cb := ta.url(host, srv.SignIn(t, r.header.Get("Location"), 0).RequestURI())
	r, _ = follow(t, c, cb, get(t, c, cb))
	require.Contains(t, r.body, html.EscapeString(srv.People()[0].GivenName))

	// A resident may not change them.
	res := ta.client(t)
	signIn(t, ta, res, host, "resident")
	require.Equal(t, http.StatusForbidden, do(t, res, http.MethodPost, ta.url(host, "/admin/identity-providers"), form, nil).status)
}
