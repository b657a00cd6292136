package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/tenant"
)

// The security controls of issue 23 (docs/security.md): headers on every
// kind of page, the session cookie's attributes, the session's rotation,
// and the fresh sign-in sensitive staff actions need.

// requireSecurityHeaders checks what web.SecurityHeaders promises.
func requireSecurityHeaders(t *testing.T, what string, h http.Header, production bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
		"base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		require.Contains(t, csp, d, "%s: CSP %q", what, csp)
	}
	require.NotContains(t, csp, "unsafe-inline", what)
	require.NotContains(t, csp, "unsafe-eval", what)
	require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), what)
	require.Equal(t, "DENY", h.Get("X-Frame-Options"), what)
	require.Equal(t, "strict-origin-when-cross-origin", h.Get("Referrer-Policy"), what)
	require.Contains(t, h.Get("Permissions-Policy"), "camera=()", what)
	require.Contains(t, h.Get("Permissions-Policy"), "geolocation=()", what)
	if production {
		require.Contains(t, h.Get("Strict-Transport-Security"), "max-age=63072000", what)
		require.Contains(t, h.Get("Strict-Transport-Security"), "includeSubDomains", what)
	} else {
		require.Empty(t, h.Get("Strict-Transport-Security"), what)
	}
}

func TestSecurityHeadersOnEveryKindOfPage(t *testing.T) {
	t.Parallel()
	t.Run("Dev", func(t *testing.T) {
		t.Parallel()
		ta := startApp(t, testAppOpts{})
		_, err := ta.loadDemo(t.Context())
		require.NoError(t, err)
		host := "kyiv." + testBase
		anon := ta.client(t)
		pages := map[string]string{
			"public home":    ta.url(host, "/"),
			"API":            ta.url(host, "/api/v1/services"),
			"not found":      ta.url(host, "/no-such-page"),
			"static":         ta.url(host, "/static/css/app.css"),
			"operator":       ta.url(testBase, "/signin"),
			"sign-in choice": ta.url(host, "/auth/login?return=/"),
		}
		for what, u := range pages {
			requireSecurityHeaders(t, what, get(t, anon, u).header, false)
		}
		resident := ta.client(t)
		signIn(t, ta, resident, host, "resident")
		r := get(t, resident, ta.url(host, "/cabinet"))
		require.Equal(t, http.StatusOK, r.status)
		requireSecurityHeaders(t, "cabinet", r.header, false)

		official := ta.client(t)
		signIn(t, ta, official, host, "official-dcnap")
		r = get(t, official, ta.url(host, "/admin"))
		require.Equal(t, http.StatusOK, r.status)
		requireSecurityHeaders(t, "staff cabinet", r.header, false)
		m := regexp.MustCompile(`href="(/work/applications\?provider=[0-9a-f-]+)"`).FindStringSubmatch(r.body)
		require.NotNil(t, m, "the official's link to the workspace")
		r = get(t, official, ta.url(host, html.UnescapeString(m[1])))
		require.Equal(t, http.StatusOK, r.status)
		requireSecurityHeaders(t, "workspace", r.header, false)

		admin := ta.client(t)
		signIn(t, ta, admin, host, "administrator")
		r = get(t, admin, ta.url(host, "/admin/policies"))
		require.Equal(t, http.StatusOK, r.status)
		requireSecurityHeaders(t, "administrator's policies", r.header, false)
		// No page of theirs carries an inline script or style attribute the
		// CSP would block (the browser tests would show it broken).
		for _, body := range []string{r.body, get(t, anon, ta.url(host, "/")).body} {
			require.NotRegexp(t, `<script(?:\s[^>]*)?>\s*[^<\s]`, body, "an inline script")
			require.NotContains(t, body, " onclick=")
		}

		opr := ta.client(t)
		r = do(t, opr, http.MethodPost, ta.url(testBase, "/signin"), url.Values{"key": {testKey}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status)
		r = get(t, opr, ta.url(testBase, "/"))
		require.Equal(t, http.StatusOK, r.status)
		requireSecurityHeaders(t, "operator console", r.header, false)
	})
	t.Run("Production", func(t *testing.T) {
		t.Parallel()
		ta := startApp(t, testAppOpts{production: true})
		ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
		c := ta.client(t)
		for what, u := range map[string]string{
			"public home": ta.url("kyiv."+testBase, "/"),
			"API":         ta.url("kyiv."+testBase, "/api/v1/services"),
			"not found":   ta.url("kyiv."+testBase, "/no-such-page"),
			"operator":    ta.url(testBase, "/signin"),
		} {
			requireSecurityHeaders(t, what, get(t, c, u).header, true)
		}
	})
}

// sessionCookie is the Set-Cookie of the portal's session in h, or nil.
func sessionCookie(h http.Header, name string) *http.Cookie {
	for _, line := range h.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil && ck.Name == name {
			return ck
		}
	}
	return nil
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	t.Run("Production", func(t *testing.T) {
		t.Parallel()
		// The platform's id.gov.ua is the only sign-in method: starting it
		// makes the session (the address is never called).
		ta := startApp(t, testAppOpts{production: true, idgovua: "https://127.0.0.1:1"})
		ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
		c := ta.client(t)
		r := get(t, c, ta.url("kyiv."+testBase, "/auth/login?return=/"))
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		r = get(t, c, ta.url("kyiv."+testBase, r.header.Get("Location")))
		require.Equal(t, http.StatusFound, r.status, r.body)
		ck := sessionCookie(r.header, identity.SecureSessionCookie)
		require.NotNil(t, ck, "no %s among %v", identity.SecureSessionCookie, r.header.Values("Set-Cookie"))
		require.True(t, ck.Secure)
		require.True(t, ck.HttpOnly)
		require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
		require.Equal(t, "/", ck.Path)
		require.Empty(t, ck.Domain, "host-only: each city's host has its own")
		require.Zero(t, ck.MaxAge, "a browser-session cookie")
		require.True(t, ck.Expires.IsZero())
		require.GreaterOrEqual(t, len(ck.Value), 40, "the token's length (256 bits)")
		require.Nil(t, sessionCookie(r.header, identity.SessionCookie))
	})
	t.Run("Dev", func(t *testing.T) {
		t.Parallel()
		// Over http a __Host- cookie would be dropped: the plain name,
		// and not Secure, but still HttpOnly and SameSite.
		ta := startApp(t, testAppOpts{})
		ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
		r := get(t, ta.client(t), ta.url("kyiv."+testBase, "/auth/login/"+devChoice+"?return=/"))
		require.Equal(t, http.StatusFound, r.status, r.body)
		ck := sessionCookie(r.header, identity.SessionCookie)
		require.NotNil(t, ck)
		require.False(t, ck.Secure)
		require.True(t, ck.HttpOnly)
		require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
		require.Empty(t, ck.Domain)
	})
}

// tokenOf is the session token the jar holds for host.
func tokenOf(t *testing.T, c *http.Client, ta *testApp, host string) string {
	t.Helper()
	u, err := url.Parse(ta.url(host, "/"))
	require.NoError(t, err)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == identity.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

// signedInWith says whether a request carrying only token is someone's.
func signedInWith(t *testing.T, ta *testApp, host, token string) bool {
	t.Helper()
	r := do(t, ta.client(t), http.MethodGet, ta.url(host, "/"), nil, map[string]string{"Cookie": identity.SessionCookie + "=" + token})
	require.Equal(t, http.StatusOK, r.status)
	return strings.Contains(r.body, `action="/auth/logout"`)
}

func TestSessionRotation(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	kyiv := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	host := "kyiv." + testBase
	c := ta.client(t)

	// A token planted before sign-in (fixation) is dead after it.
	get(t, c, ta.url(host, "/auth/login/"+devChoice+"?return=/"))
	planted := tokenOf(t, c, ta, host)
	require.NotEmpty(t, planted)
	signIn(t, ta, c, host, "administrator")
	signed := tokenOf(t, c, ta, host)
	require.NotEqual(t, planted, signed)
	require.False(t, signedInWith(t, ta, host, planted), "the pre-sign-in token still works")
	require.True(t, signedInWith(t, ta, host, signed))

	// Idle timeout: the stored session expires 30 minutes after its last
	// use (within the absolute 12 hours).
	var left time.Duration
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT expiry - now() FROM sessions WHERE token = $1`, signed).Scan(&left)
	}))
	require.Greater(t, left, identity.IdleTimeout-5*time.Minute)
	require.LessOrEqual(t, left, identity.IdleTimeout+time.Minute)
	require.Less(t, identity.IdleTimeout, identity.AbsoluteTimeout)

	// Signing in again (a fresh sign-in for a sensitive action) rotates
	// the token again.
	signIn(t, ta, c, host, "administrator")
	again := tokenOf(t, c, ta, host)
	require.NotEqual(t, signed, again)
	require.False(t, signedInWith(t, ta, host, signed))

	// After signing out the token is worth nothing, even carried by hand.
	r := do(t, c, http.MethodPost, ta.url(host, "/auth/logout"), url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.False(t, signedInWith(t, ta, host, again), "the token still works after sign-out")
	var n int
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE token = ANY($1)`, []string{planted, signed, again}).Scan(&n)
	}))
	require.Zero(t, n, "a dead token is still stored")
}

var (
	reauthLinkRE = regexp.MustCompile(`href="(/auth/login/[0-9a-f-]+\?reauth=1&amp;return=[^"]+)"`)
	textareaRE   = regexp.MustCompile(`(?s)<textarea id="rules"[^>]*>(.*?)</textarea>`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	resubmitRE   = regexp.MustCompile(`<form method="post" action="(/admin/[^"]+)">`)
)

func TestSensitiveActionNeedsFreshSignIn(t *testing.T) {
	t.Parallel()
	// The sign-in's clock: moved back while the administrator signs in,
	// so that their sign-in is older than identity.FreshFor.
	var skew atomic.Int64
	ta := startApp(t, testAppOpts{identityNow: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	tenants, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	var kyiv *tenant.Tenant
	for _, tn := range tenants {
		if tn.Slug == "kyiv" {
			kyiv = tn
		}
	}
	require.NotNil(t, kyiv)
	host := "kyiv." + testBase
	version := func() int64 {
		_, v, err := ta.access.Policies(tenant.With(t.Context(), kyiv))
		require.NoError(t, err)
		return v
	}

	admin, auditor := ta.client(t), ta.client(t)
	skew.Store(int64(-(identity.FreshFor + time.Minute)))
	signIn(t, ta, admin, host, "administrator")
	signIn(t, ta, auditor, host, "auditor")
	skew.Store(0)

	// Reading is not sensitive: the stale session reads the policy.
	r := get(t, admin, ta.url(host, "/admin/policies"))
	require.Equal(t, http.StatusOK, r.status)
	m := textareaRE.FindStringSubmatch(r.body)
	require.NotNil(t, m, "the policy editor")
	const dropped = "dispatcher, identity_providers, read, tenant, allow"
	text := html.UnescapeString(m[1])
	require.Contains(t, text, dropped)
	edited := strings.Replace(text, dropped+"\n", "", 1)
	before := version()

	// The stale session's change is refused, with why, and nothing changes.
	// (The policy's confirming step, after its diff was seen: the kept form
	// re-posted after the fresh sign-in saves.)
	form := url.Values{"rules": {edited}, "summary": {"без диспетчера"}, "confirm": {"yes"}, "version": {strconv.FormatInt(before, 10)}}
	r = do(t, admin, http.MethodPost, ta.url(host, "/admin/policies"), form, nil)
	require.Equal(t, http.StatusForbidden, r.status, r.body)
	require.Contains(t, r.body, "потрібен свіжий вхід")
	require.Contains(t, r.body, "нічого не змінено")
	require.Equal(t, before, version())
	// Appointing staff and exporting the audit log are refused alike.
	r = do(t, admin, http.MethodPost, ta.url(host, "/admin/officials"),
		url.Values{"rnokpp": {"3221501449"}, "full_name": {"Тест Тестович"}, "role": {access.RoleAuditor}, "reason": {"наказ 1"}}, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.body, "потрібен свіжий вхід")
	r = get(t, auditor, ta.url(host, "/admin/audit.csv"))
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, r.header.Get("Location"), "reauth=1")
	require.Contains(t, r.header.Get("Location"), url.QueryEscape("/admin/audit.csv"))

	// The policy refusal kept its form: sign in again (the IdP is asked
	// for prompt=login and shows the picker), confirm, and it is done.
	r = do(t, admin, http.MethodPost, ta.url(host, "/admin/policies"), form, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	link := reauthLinkRE.FindStringSubmatch(r.body)
	require.NotNil(t, link, r.body)
	start := ta.url(host, html.UnescapeString(link[1]))
	toIdP := get(t, admin, start)
	require.Equal(t, http.StatusFound, toIdP.status)
	require.Contains(t, toIdP.header.Get("Location"), "prompt=login")
	require.Contains(t, toIdP.header.Get("Location"), "max_age=0")
	r, at := signInFrom(t, ta, admin, start, "administrator")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, ta.url(host, "/auth/resubmit"), at)
	require.Contains(t, r.body, "Підтвердити дію")
	action := resubmitRE.FindStringSubmatch(r.body)
	require.NotNil(t, action)
	require.Equal(t, "/admin/policies", action[1])
	// The confirmation form's own fields (the layout has forms of its own).
	kept := r.body[strings.Index(r.body, action[0]):]
	kept = kept[:strings.Index(kept, "</form>")]
	again := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(kept, -1) {
		again.Add(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	require.Equal(t, form, again, "the form as it was typed")
	require.Equal(t, before, version(), "nothing changed before the confirmation")
	r = do(t, admin, http.MethodPost, ta.url(host, "/admin/policies"), again, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, before+1, version())

	// The kept form was used once.
	r = get(t, admin, ta.url(host, "/auth/resubmit"))
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/", r.header.Get("Location"))
	// A fresh sign-in exports the audit log.
	signIn(t, ta, auditor, host, "auditor")
	r = get(t, auditor, ta.url(host, "/admin/audit.csv"))
	require.Equal(t, http.StatusOK, r.status)
}

func TestFreshSignInMustBeFresh(t *testing.T) {
	t.Parallel()
	// A provider that ignores prompt=login and answers with an old
	// auth_time cannot stand in for a fresh sign-in: here the portal's
	// clock is ahead of the IdP's by more than the skew allowed, which
	// the portal sees exactly as an old auth_time.
	var skew atomic.Int64
	ta := startApp(t, testAppOpts{identityNow: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	host := "kyiv." + testBase
	c := ta.client(t)
	skew.Store(int64(5 * time.Minute))
	start := ta.url(host, "/auth/login/"+devChoice+"?reauth=1&return=/")
	r, _ := signInFrom(t, ta, c, start, "resident")
	require.Equal(t, http.StatusForbidden, r.status, r.body)
	require.Contains(t, r.body, "не попросив вас увійти заново")
	// An ordinary sign-in with the same clocks goes through.
	r, _ = signInFrom(t, ta, c, ta.url(host, "/auth/login/"+devChoice+"?return=/"), "resident")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `action="/auth/logout"`)
}
