package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

func TestHostResolution(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	c := ta.client(t)
	ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київська міська рада", Domains: []string{"e.kyivcity.gov.ua"},
		Branding: tenant.Branding{DisplayName: tenant.Text{UK: "Київ"}}})
	ta.newTenant(t, tenant.CreateParams{Slug: "lviv", Name: "Львівська міська рада", Branding: tenant.Branding{DisplayName: tenant.Text{UK: "Львів"}}})
	_, err := ta.operator.SetStatus(t.Context(), "lviv", tenant.Suspended)
	require.NoError(t, err)

	t.Run("Known", func(t *testing.T) {
		r := get(t, c, ta.url("kyiv."+testBase, "/"))
		require.Equal(t, http.StatusOK, r.status)
		require.Contains(t, r.body, "Київ")
		require.NotContains(t, r.body, "Львів")
	})
	t.Run("CaseAndTrailingDot", func(t *testing.T) {
		r := get(t, c, ta.url("KYIV.Hromada.Test.", "/"))
		require.Equal(t, http.StatusOK, r.status)
		require.Contains(t, r.body, "Київ")
	})
	t.Run("CustomDomain", func(t *testing.T) {
		r := get(t, c, ta.url("e.kyivcity.gov.ua", "/"))
		require.Equal(t, http.StatusOK, r.status)
		require.Contains(t, r.body, "Київ")
	})
	t.Run("Suspended", func(t *testing.T) {
		r := get(t, c, ta.url("lviv."+testBase, "/"))
		require.Equal(t, http.StatusServiceUnavailable, r.status)
		require.NotEmpty(t, r.header.Get("Retry-After"))
		require.Contains(t, r.body, "тимчасово не працює")
	})
	for name, host := range map[string]string{
		"Unknown":       "odesa." + testBase,
		"SubSubdomain":  "x.kyiv." + testBase,
		"OtherDomain":   "kyiv.example.org",
		"SuffixTrick":   "kyiv." + testBase + ".evil.org",
		"Underscore":    "ky_iv." + testBase,
		"EmptyLabel":    "kyiv.." + testBase,
		"LeadingHyphen": "-kyiv." + testBase,
		"TooLongLabel":  strings.Repeat("a", 64) + "." + testBase,
	} {
		t.Run(name, func(t *testing.T) {
			r := do(t, c, http.MethodGet, ta.url("127.0.0.1", "/"), nil, map[string]string{"Host": host})
			require.Equal(t, http.StatusNotFound, r.status, host)
			// The page names no tenant.
			for _, s := range []string{"Київ", "Львів", "kyiv", "lviv"} {
				require.NotContains(t, strings.ReplaceAll(r.body, host, ""), s, "404 page names a tenant")
			}
			require.Contains(t, r.body, "немає порталу громади")
		})
	}
	t.Run("PlatformHostIsTheConsole", func(t *testing.T) {
		r := get(t, c, ta.url(testBase, "/"))
		require.Equal(t, http.StatusSeeOther, r.status)
		require.Equal(t, "/signin", r.header.Get("Location"))
	})
	t.Run("HealthOnAnyHost", func(t *testing.T) {
		r := do(t, c, http.MethodGet, ta.url("127.0.0.1", "/healthz"), nil, map[string]string{"Host": "10.1.2.3:8080"})
		require.Equal(t, http.StatusOK, r.status)
	})
}

// A tenant's branding, theme and cookies stay on its own host.
func TestTenantsDoNotLeak(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	c := ta.client(t)
	a := ta.newTenant(t, tenant.CreateParams{Slug: "alpha", Name: "Альфа", Branding: tenant.Branding{PrimaryColor: "#aa0000"}})
	ta.newTenant(t, tenant.CreateParams{Slug: "beta", Name: "Бета", Branding: tenant.Branding{PrimaryColor: "#00aa00"}})

	// Each host's theme is its own, even when asked with A's id.
	ra := get(t, c, ta.url("alpha."+testBase, "/theme.css"))
	rb := get(t, c, ta.url("beta."+testBase, "/theme.css?tenant="+a.ID.String()+"&v=x"))
	require.Contains(t, ra.body, "#aa0000")
	require.Contains(t, rb.body, "#00aa00")
	require.NotContains(t, rb.body, "#aa0000")

	// A's cookies are set for A's host only.
	r := do(t, c, http.MethodPost, ta.url("alpha."+testBase, "/prefs"), url.Values{"lang": {"en"}, "return": {"/"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, get(t, c, ta.url("alpha."+testBase, "/")).body, `<html lang="en"`)
	require.Contains(t, get(t, c, ta.url("beta."+testBase, "/")).body, `<html lang="uk"`)

	// The operator's session is worth nothing on a tenant's host, and a
	// tenant's host does not serve the console.
	r = do(t, c, http.MethodPost, ta.url(testBase, "/signin"), url.Values{"key": {testKey}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	r = do(t, c, http.MethodPost, ta.url("alpha."+testBase, "/tenants/beta/suspend"), url.Values{}, nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, http.StatusOK, get(t, c, ta.url("beta."+testBase, "/")).status)
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	for name, prod := range map[string]bool{"Dev": false, "Production": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, testAppOpts{production: prod})
			ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
			r := get(t, ta.client(t), ta.url("kyiv."+testBase, "/"))
			require.Equal(t, http.StatusOK, r.status)
			require.Contains(t, r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
			require.Contains(t, r.header.Get("Content-Security-Policy"), "script-src 'self'")
			require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
			require.Equal(t, "DENY", r.header.Get("X-Frame-Options"))
			require.NotEmpty(t, r.header.Get("X-Request-Id"))
			require.Equal(t, "uk", r.header.Get("Content-Language"))
			if prod {
				require.Contains(t, r.header.Get("Strict-Transport-Security"), "max-age=")
			} else {
				require.Empty(t, r.header.Get("Strict-Transport-Security"))
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	c := ta.client(t)
	ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	u := ta.url("kyiv."+testBase, "/prefs")

	t.Run("OversizedBody", func(t *testing.T) {
		big := url.Values{"lang": {"en"}, "pad": {strings.Repeat("я", 1<<20)}}
		r := do(t, c, http.MethodPost, u, big, nil)
		require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
		require.Contains(t, r.body, "завеликі")
	})
	t.Run("OversizedChunkedBody", func(t *testing.T) {
		body := strings.NewReader("lang=en&pad=" + strings.Repeat("a", 2<<20))
		req, err := http.NewRequest(http.MethodPost, u, struct{ *strings.Reader }{body}) // hides the length: chunked
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	})
	t.Run("OversizedInEnglish", func(t *testing.T) {
		r := do(t, c, http.MethodPost, u, url.Values{"pad": {strings.Repeat("a", 2<<20)}}, map[string]string{"Cookie": "lang=en"})
		require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
		require.Contains(t, r.body, "too large")
	})
	t.Run("CrossSiteForm", func(t *testing.T) {
		r := do(t, c, http.MethodPost, u, url.Values{"lang": {"en"}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
		require.Equal(t, http.StatusForbidden, r.status)
		require.Contains(t, r.body, "з іншого сайту")
		r = do(t, c, http.MethodPost, u, url.Values{"lang": {"en"}}, map[string]string{"Origin": "http://evil.example"})
		require.Equal(t, http.StatusForbidden, r.status)
	})
	t.Run("SameOriginForm", func(t *testing.T) {
		r := do(t, c, http.MethodPost, u, url.Values{"lang": {"en"}, "return": {"/?a=1"}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
		require.Equal(t, http.StatusSeeOther, r.status)
		require.Equal(t, "/?a=1", r.header.Get("Location"))
	})
	t.Run("UnknownPref", func(t *testing.T) {
		r := do(t, ta.client(t), http.MethodPost, u, url.Values{"lang": {"fr"}}, nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, "Оберіть значення зі списку")
	})
	t.Run("OpenRedirect", func(t *testing.T) {
		for _, ret := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
			r := do(t, c, http.MethodPost, u, url.Values{"contrast": {"high"}, "return": {ret}}, nil)
			require.Equal(t, http.StatusSeeOther, r.status)
			require.Equal(t, "/", r.header.Get("Location"), ret)
		}
	})
	t.Run("UnknownPath", func(t *testing.T) {
		r := get(t, ta.client(t), ta.url("kyiv."+testBase, "/no/such/page"))
		require.Equal(t, http.StatusNotFound, r.status)
		require.Contains(t, r.body, "такої сторінки немає")
	})
}

func TestDisplaySettings(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	c := ta.client(t)
	ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київська міська рада", Branding: tenant.Branding{DisplayName: tenant.Text{UK: "Київ", EN: "Kyiv"}}})
	home := ta.url("kyiv."+testBase, "/")
	r := get(t, c, home)
	require.Contains(t, r.body, `<html lang="uk">`)
	require.Contains(t, r.body, "Перейти до основного вмісту")

	r = do(t, c, http.MethodPost, ta.url("kyiv."+testBase, "/prefs"), url.Values{"lang": {"en"}, "contrast": {"high"}, "text": {"large"}, "return": {"/"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	r = get(t, c, home)
	require.Contains(t, r.body, `<html lang="en" class="hc lg">`)
	require.Contains(t, r.body, "Skip to main content")
	require.Contains(t, r.body, "Kyiv")

	r = do(t, c, http.MethodPost, ta.url("kyiv."+testBase, "/prefs"), url.Values{"lang": {"uk"}, "contrast": {"normal"}, "text": {"normal"}, "return": {"/"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, get(t, c, home).body, `<html lang="uk">`)
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	c := ta.client(t)
	r := get(t, c, ta.url("localhost", "/readyz"))
	require.Equal(t, http.StatusOK, r.status)
	require.JSONEq(t, `{"database":"ok","object_store":"ok"}`, r.body)

	_ = get(t, c, ta.url("nowhere."+testBase, "/"))
	r = get(t, c, ta.url("localhost", "/metrics"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `hromada_http_requests_total{method="GET",route="/*",status="404"}`)
	require.Contains(t, r.body, "go_goroutines")

	// The database gone: not ready, but alive.
	ta.appPool.Close()
	r = get(t, c, ta.url("localhost", "/readyz"))
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Contains(t, r.body, `"database":"unreachable"`)
	require.Equal(t, http.StatusOK, get(t, c, ta.url("localhost", "/healthz")).status)

	// Readiness and metrics only to the machine addressed directly (an IP
	// address, localhost): a city's or the platform's host has nothing there.
	require.Equal(t, http.StatusOK, get(t, c, ta.url("127.0.0.1", "/metrics")).status)
	require.NotEqual(t, http.StatusNotFound, get(t, c, ta.url("127.0.0.1", "/smssim/messages")).status, "the SMS simulator is mounted")
	require.NotEqual(t, http.StatusNotFound, do(t, c, http.MethodPost, ta.url("127.0.0.1", "/dev/registries/restapi/residents"), url.Values{}, nil).status, "the registries' simulator is mounted")
	for _, host := range []string{"kyiv." + testBase, testBase, "nowhere." + testBase} {
		for _, path := range []string{"/readyz", "/metrics", "/smssim/messages", "/dev/registries/restapi/residents"} {
			require.Equal(t, http.StatusNotFound, get(t, c, ta.url(host, path)).status, "%s%s", host, path)
		}
		require.Equal(t, http.StatusOK, get(t, c, ta.url(host, "/healthz")).status)
	}
}

// The theme a tenant's page links to is rendered by the branding.refresh
// job that its creation enqueued, into the tenant's table.
func TestThemeRenderedByJob(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	tn := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ", Branding: tenant.Branding{PrimaryColor: "#ffd500"}})
	ctx := tenant.With(t.Context(), tn)
	var css string
	eventually(t, func() bool {
		err := ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT css FROM branding_themes`).Scan(&css)
		})
		return err == nil
	}, "the theme was not rendered by the job")
	// Yellow cannot carry white text: the job darkened it for links.
	require.Contains(t, css, "--on-brand: #000000")
	require.NotContains(t, css, "--link: #ffd500")

	// A branding change re-renders it.
	b := tn.Branding
	b.PrimaryColor = "#123456"
	require.NoError(t, ta.operator.UpdateBranding(t.Context(), "kyiv", b))
	eventually(t, func() bool {
		var n int
		_ = ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM branding_themes WHERE css LIKE '%#123456%'`).Scan(&n)
		})
		return n == 1
	}, "the theme was not re-rendered after the branding changed")
}
