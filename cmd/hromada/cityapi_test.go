package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/cityapi"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// The city app's sign-in over real HTTP: PKCE through the city's sign-in
// and consent, tokens, rotation with reuse detection, a city's token on
// another city's host, «Мої пристрої». Every /api/v1 and /oauth/token
// exchange is checked against the OpenAPI document by the test client.

const (
	appRedirect = "http://127.0.0.1:38555/callback"
	appDevice   = "HromadaCity/1.0 (Android 15; Pixel 8)"
)

var consentRequestRE = regexp.MustCompile(`name="request" value="([^"]*)"`)

// appTokens is /oauth/token's answer.
type appTokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
}

// pkce is a new verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// appAuthorize walks a signed-in browser c through the consent on host and
// returns the code the app receives at its redirect URI.
func appAuthorize(t *testing.T, e *appsEnv, c *http.Client, host, challenge, scope string) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {cityapi.AppClientID}, "redirect_uri": {appRedirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "scope": {scope}, "state": {"st-1"}}
	r := get(t, c, e.ta.url(host, "/oauth/authorize?"+q.Encode()))
	require.Equal(t, http.StatusOK, r.status, r.body)
	m := consentRequestRE.FindStringSubmatch(r.body)
	require.NotNil(t, m, "no consent form: %s", r.body)
	r = do(t, c, http.MethodPost, e.ta.url(host, "/oauth/authorize"), url.Values{"request": {html.UnescapeString(m[1])}, "decision": {"allow"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	back, err := url.Parse(r.header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(back.String(), appRedirect+"?"), back.String())
	require.Equal(t, "st-1", back.Query().Get("state"))
	require.NotEmpty(t, back.Query().Get("code"))
	return back.Query().Get("code")
}

// appToken posts form to /oauth/token on host from the app (no cookies).
func appToken(t *testing.T, e *appsEnv, host string, form url.Values) (response, appTokens) {
	t.Helper()
	form.Set("client_id", cityapi.AppClientID)
	r := do(t, e.ta.client(t), http.MethodPost, e.ta.url(host, "/oauth/token"), form, map[string]string{"User-Agent": appDevice})
	var tk appTokens
	if r.status == http.StatusOK {
		require.NoError(t, json.Unmarshal([]byte(r.body), &tk))
	}
	return r, tk
}

// appSignIn is a whole PKCE sign-in of the app on Kyiv's host (e.host)
// by the person signed in on browser.
func appSignIn(t *testing.T, e *appsEnv, browser *http.Client, scope string) (appTokens, string) {
	t.Helper()
	verifier, challenge := pkce()
	code := appAuthorize(t, e, browser, e.host, challenge, scope)
	r, tk := appToken(t, e, e.host, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {appRedirect}})
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.True(t, strings.HasPrefix(tk.AccessToken, "hca_"))
	return tk, code
}

// apiGet is a GET of the API with an access token.
func apiGet(t *testing.T, e *appsEnv, host, path, token string) response {
	t.Helper()
	h := map[string]string{"Accept-Language": "uk"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return do(t, e.ta.client(t), http.MethodGet, e.ta.url(host, path), nil, h)
}

func TestCityAppSignIn(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	browser := e.as(appsKyiv, "resident")
	me := appsPersona(t, "resident")

	tk, code := appSignIn(t, e, browser, "profile applications")
	require.Equal(t, "profile applications", tk.Scope)
	require.Equal(t, int(cityapi.AccessTTL.Seconds()), tk.ExpiresIn)

	r := apiGet(t, e, appsKyiv, "/api/v1/me", tk.AccessToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `"rnokpp":"`+me.RNOKPP+`"`)

	// No token, a made-up one, Kyiv's on Lviv's host: 401 with problem details.
	for _, c := range []struct{ host, token string }{{appsKyiv, ""}, {appsKyiv, "hca_nothing"}, {appsLviv, tk.AccessToken}} {
		r = apiGet(t, e, c.host, "/api/v1/me", c.token)
		require.Equal(t, http.StatusUnauthorized, r.status, r.body)
		require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
		require.Contains(t, r.header.Get("Content-Type"), "application/problem+json")
	}
	// Kyiv's refresh token is unknown on Lviv's host too.
	r, _ = appToken(t, e, appsLviv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, `"error":"invalid_grant"`)

	// Rotation: the new pair works, the old access token still does until
	// it expires; the used refresh token presented again revokes the family.
	r, tk2 := appToken(t, e, appsKyiv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}})
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NotEqual(t, tk.RefreshToken, tk2.RefreshToken)
	require.Equal(t, http.StatusOK, apiGet(t, e, appsKyiv, "/api/v1/me", tk2.AccessToken).status)
	r, _ = appToken(t, e, appsKyiv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "вже використаний")
	for _, token := range []string{tk.AccessToken, tk2.AccessToken} {
		require.Equal(t, http.StatusUnauthorized, apiGet(t, e, appsKyiv, "/api/v1/me", token).status)
	}
	r, _ = appToken(t, e, appsKyiv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk2.RefreshToken}})
	require.Equal(t, http.StatusBadRequest, r.status, "the family's newest refresh token dies with it")

	// A code is exchanged once; a second exchange revokes what the first made.
	r, _ = appToken(t, e, appsKyiv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {"x"}, "redirect_uri": {appRedirect}})
	require.Equal(t, http.StatusBadRequest, r.status)
	tk3, code3 := appSignIn(t, e, browser, "profile")
	r, _ = appToken(t, e, appsKyiv, url.Values{"grant_type": {"authorization_code"}, "code": {code3}, "code_verifier": {"x"}, "redirect_uri": {appRedirect}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, http.StatusUnauthorized, apiGet(t, e, appsKyiv, "/api/v1/me", tk3.AccessToken).status)

	// A wrong PKCE verifier gets nothing.
	_, challenge := pkce()
	code4 := appAuthorize(t, e, browser, appsKyiv, challenge, "profile")
	other, _ := pkce()
	r, _ = appToken(t, e, appsKyiv, url.Values{"grant_type": {"authorization_code"}, "code": {code4}, "code_verifier": {other}, "redirect_uri": {appRedirect}})
	require.Equal(t, http.StatusBadRequest, r.status)

	// A token without the profile scope may not read the profile.
	tk5, _ := appSignIn(t, e, browser, "notifications")
	r = apiGet(t, e, appsKyiv, "/api/v1/me", tk5.AccessToken)
	require.Equal(t, http.StatusForbidden, r.status, r.body)
	require.Contains(t, r.header.Get("WWW-Authenticate"), "insufficient_scope")

	// The app signs itself out: its tokens stop working.
	r = do(t, e.ta.client(t), http.MethodPost, e.ta.url(appsKyiv, "/oauth/revoke"), url.Values{"token": {tk5.RefreshToken}, "client_id": {cityapi.AppClientID}}, nil)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, http.StatusUnauthorized, apiGet(t, e, appsKyiv, "/api/v1/me", tk5.AccessToken).status)
}

func TestCityAppAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	browser := e.as(appsKyiv, "resident")
	_, challenge := pkce()
	base := url.Values{"response_type": {"code"}, "client_id": {cityapi.AppClientID}, "redirect_uri": {appRedirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "scope": {"profile"}, "state": {"s"}}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		q.Set(k, v)
		return e.ta.url(appsKyiv, "/oauth/authorize?"+q.Encode())
	}
	// An address nobody vouched for is never redirected to.
	for _, u := range []string{with("redirect_uri", "https://evil.example/cb"), with("client_id", "other-app")} {
		r := get(t, browser, u)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Empty(t, r.header.Get("Location"))
	}
	// A bad request from a known app goes back to it with the error.
	for u, want := range map[string]string{with("code_challenge_method", "plain"): "invalid_request", with("scope", "everything"): "invalid_scope"} {
		r := get(t, browser, u)
		require.Equal(t, http.StatusSeeOther, r.status)
		loc, err := url.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		require.Equal(t, want, loc.Query().Get("error"))
	}
	// Denying goes back with access_denied.
	r := get(t, browser, with("state", "s"))
	m := consentRequestRE.FindStringSubmatch(r.body)
	require.NotNil(t, m)
	r = do(t, browser, http.MethodPost, e.ta.url(appsKyiv, "/oauth/authorize"), url.Values{"request": {html.UnescapeString(m[1])}, "decision": {"deny"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, r.header.Get("Location"), "error=access_denied")
	// Signed out, the consent sends to the city's sign-in first.
	r = get(t, e.ta.client(t), with("state", "s"))
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, r.header.Get("Location"), "/auth/login")
}

func TestCityAppDevices(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	browser := e.as(appsKyiv, "resident")
	tk, _ := appSignIn(t, e, browser, "profile")

	r := get(t, browser, e.u("/cabinet/devices"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, html.EscapeString(appDevice))
	m := regexp.MustCompile(`action="(/cabinet/devices/[0-9a-f-]{36}/revoke)"`).FindStringSubmatch(r.body)
	require.NotNil(t, m)

	// Another person cannot revoke it, nor see it.
	stranger := e.as(appsKyiv, "legal_rep")
	require.NotContains(t, get(t, stranger, e.u("/cabinet/devices")).body, html.EscapeString(appDevice))
	require.Equal(t, http.StatusNotFound, do(t, stranger, http.MethodPost, e.u(m[1]), url.Values{}, nil).status)
	require.Equal(t, http.StatusOK, apiGet(t, e, appsKyiv, "/api/v1/me", tk.AccessToken).status)

	// Its owner revokes it (twice: a double submit changes nothing more).
	for range 2 {
		r = do(t, browser, http.MethodPost, e.u(m[1]), url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, r.status)
	}
	require.Equal(t, http.StatusUnauthorized, apiGet(t, e, appsKyiv, "/api/v1/me", tk.AccessToken).status)
	r = get(t, browser, e.u("/cabinet/devices?done=revoked"))
	require.NotContains(t, r.body, html.EscapeString(appDevice))
	require.Contains(t, r.body, "Доступ пристрою скасовано")
	// In the city's audit log, once, by its owner.
	var n int
	require.NoError(t, e.ta.db.App.ReadTx(tenant.With(t.Context(), e.kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'cityapi.device.revoke' AND actor_name = $1`,
			appsPersona(t, "resident").FullName()).Scan(&n)
	}))
	require.Equal(t, 1, n)
}

// TestCityAppInBrowser: the consent page and «Мої пристрої» on a phone,
// axe on each; the resident withdraws the app's access from the cabinet.
func TestCityAppInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	tk, _ := appSignIn(t, e, e.as(e.host, "resident"), "profile applications documents notifications")
	_, challenge := pkce()
	q := url.Values{"response_type": {"code"}, "client_id": {cityapi.AppClientID}, "redirect_uri": {appRedirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "scope": {"profile applications documents notifications"}, "state": {"s"}}

	phone := &browsertest.Viewport{Width: 390, Height: 844}
	st := func(op, sel string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel} }
	shot := func(n string) browsertest.Step { return browsertest.Step{Op: "screenshot", Name: n, FullPage: true} }
	axe := browsertest.Step{Op: "axe"}
	sc := browsertest.Scenario{Name: "Devices", Viewport: phone, Steps: []browsertest.Step{
		{Op: "goto", URL: e.u("/auth/login?return=/cabinet")}, st("click", "button[value=resident]"),
		{Op: "goto", URL: e.u("/oauth/authorize?" + q.Encode())},
		st("text", "main"), shot("hromada-cityapi-consent-phone"), axe,
		{Op: "goto", URL: e.u("/cabinet")},
		st("click", "a[href='/cabinet/devices']"),
		st("text", "main"), shot("hromada-cityapi-devices-phone"), axe,
		st("click", "form[action^='/cabinet/devices/'] button"),
		st("text", "[role=status]"), shot("hromada-cityapi-devices-revoked-phone"), axe,
	}}
	results := browsertest.Run(t, []browsertest.Scenario{sc})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	s := results[0].Steps
	require.Contains(t, s[3].Text, "застосунок міста просить доступу")
	require.Contains(t, s[3].Text, "подавати та переглядати ваші заяви")
	require.Contains(t, s[8].Text, appDevice)
	require.Contains(t, s[12].Text, "Доступ пристрою скасовано")
	require.Equal(t, http.StatusUnauthorized, apiGet(t, e, e.host, "/api/v1/me", tk.AccessToken).status)
	for _, n := range []int{4, 9, 13} {
		t.Logf("screenshot: %s", s[n].File)
	}
}

// apiPost is a POST of the API with an access token and an idempotency key.
func apiPost(t *testing.T, e *appsEnv, path, token, key string) response {
	t.Helper()
	return do(t, e.ta.client(t), http.MethodPost, e.u(path), url.Values{}, map[string]string{"Authorization": "Bearer " + token, "Idempotency-Key": key})
}

// TestCityAppResidentReads: the resident's applications (list by cursor,
// detail with its timeline, ETags) and notices (list, mark read once per
// idempotency key) through the API; another person's token gets 404.
func TestCityAppResidentReads(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	browser := e.as(appsKyiv, "resident")
	first := e.applyResidence(browser, appsPersona(t, "resident"))
	second := e.applyResidence(browser, appsPersona(t, "resident"))
	tk, _ := appSignIn(t, e, browser, "applications notifications")
	stranger, _ := appSignIn(t, e, e.as(appsKyiv, "legal_rep"), "applications notifications")

	// Two applications, one a page: the cursor leads to the other.
	var pg struct {
		Items []struct {
			ID     string `json:"id"`
			Number string `json:"number"`
			Status string `json:"status"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	r := apiGet(t, e, appsKyiv, "/api/v1/applications?limit=1", tk.AccessToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NoError(t, json.Unmarshal([]byte(r.body), &pg))
	require.Len(t, pg.Items, 1)
	require.NotEmpty(t, pg.NextCursor)
	seen := []string{pg.Items[0].ID}
	r = apiGet(t, e, appsKyiv, "/api/v1/applications?limit=1&cursor="+pg.NextCursor, tk.AccessToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	pg.NextCursor = ""
	require.NoError(t, json.Unmarshal([]byte(r.body), &pg))
	require.Empty(t, pg.NextCursor, "the last page")
	seen = append(seen, pg.Items[0].ID)
	require.ElementsMatch(t, []string{first, second}, seen)
	require.Equal(t, http.StatusBadRequest, apiGet(t, e, appsKyiv, "/api/v1/applications?cursor=bm9wZQ", tk.AccessToken).status)

	// One with its timeline; unchanged, its ETag answers 304.
	r = apiGet(t, e, appsKyiv, "/api/v1/applications/"+first, tk.AccessToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `"timeline":[{`)
	require.Contains(t, r.body, `"name":"pasport.pdf"`)
	tag := r.header.Get("ETag")
	require.NotEmpty(t, tag)
	r = do(t, e.ta.client(t), http.MethodGet, e.u("/api/v1/applications/"+first), nil, map[string]string{"Authorization": "Bearer " + tk.AccessToken, "If-None-Match": tag})
	require.Equal(t, http.StatusNotModified, r.status)
	require.Empty(t, r.body)

	// Another person's token: 404, as for an application that does not exist.
	r = apiGet(t, e, appsKyiv, "/api/v1/applications/"+first, stranger.AccessToken)
	require.Equal(t, http.StatusNotFound, r.status, r.body)
	require.Contains(t, r.body, `"code":"not_found"`)
	r = apiGet(t, e, appsKyiv, "/api/v1/applications", stranger.AccessToken)
	require.NotContains(t, r.body, first)

	// Notices: the submissions told the resident; reading the list marks
	// nothing read, marking one does, once per key.
	var notes struct {
		Items []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
			Read bool   `json:"read"`
		} `json:"items"`
	}
	r = apiGet(t, e, appsKyiv, "/api/v1/notifications", tk.AccessToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NoError(t, json.Unmarshal([]byte(r.body), &notes))
	require.NotEmpty(t, notes.Items)
	require.False(t, notes.Items[0].Read)
	note := notes.Items[0].ID
	path := "/api/v1/notifications/" + note + "/read"

	r = apiPost(t, e, path, stranger.AccessToken, "k-1")
	require.Equal(t, http.StatusNotFound, r.status, "another person's notice")
	r = apiPost(t, e, path, tk.AccessToken, "k-1")
	require.Equal(t, http.StatusNoContent, r.status, r.body)
	require.Empty(t, r.header.Get("Idempotent-Replayed"))
	r = apiPost(t, e, path, tk.AccessToken, "k-1")
	require.Equal(t, http.StatusNoContent, r.status)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	other := notes.Items[len(notes.Items)-1].ID
	r = apiPost(t, e, "/api/v1/notifications/"+other+"/read", tk.AccessToken, "k-1")
	require.Equal(t, http.StatusBadRequest, r.status, "the key with another request")
	var readAt int
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE read_at IS NOT NULL AND id = $1`, note).Scan(&readAt)
	})
	require.Equal(t, 1, readAt)
	r = apiGet(t, e, appsKyiv, "/api/v1/notifications", tk.AccessToken)
	require.Contains(t, r.body, `"id":"`+note+`"`)
	require.NoError(t, json.Unmarshal([]byte(r.body), &notes))
	for _, n := range notes.Items {
		require.Equal(t, n.ID == note, n.Read, n.Text)
	}
}

// apiPostJSON is a POST of the API with a JSON body.
func apiPostJSON(t *testing.T, e *appsEnv, path, token, key, body string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.u(path), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	res, err := e.ta.client(t).Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// TestCityAppDraft: a draft started through the API (a replayed POST
// creates nothing new), a step saved with the pages' validation and
// Ukrainian messages (what was typed is kept), the canonical bytes;
// another person's token reaches none of it.
func TestCityAppDraft(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	p := appsPersona(t, "resident")
	tk, _ := appSignIn(t, e, e.as(appsKyiv, "resident"), "applications")
	stranger, _ := appSignIn(t, e, e.as(appsKyiv, "legal_rep"), "applications")

	var d struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Step   int    `json:"step"`
		Errors []struct{ Field, Detail string }
	}
	r := apiPostJSON(t, e, "/api/v1/applications", tk.AccessToken, "start-1", `{"service_code":"KY-0001"}`)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	require.NoError(t, json.Unmarshal([]byte(r.body), &d))
	require.Equal(t, "draft", d.Status)
	id := d.ID
	r = apiPostJSON(t, e, "/api/v1/applications", tk.AccessToken, "start-1", `{"service_code":"KY-0001"}`)
	require.Equal(t, http.StatusCreated, r.status)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	require.NoError(t, json.Unmarshal([]byte(r.body), &d))
	require.Equal(t, id, d.ID)
	var drafts int
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM applications WHERE status = 'draft'`).Scan(&drafts)
	})
	require.Equal(t, 1, drafts, "the replay created nothing")

	// A wrong step: saved, not moved on, each field's message in Ukrainian.
	bad := `{"values":{"last_name":["` + p.FamilyName + `"],"first_name":["` + p.GivenName + `"],"rnokpp":["123"],"phone":["` + p.Phone + `"],"email":["` + p.Email + `"]},"next":true}`
	r = apiPostJSON(t, e, "/api/v1/applications/"+id+"/steps/0", tk.AccessToken, "step-0-a", bad)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NoError(t, json.Unmarshal([]byte(r.body), &d))
	require.Equal(t, 0, d.Step)
	require.NotEmpty(t, d.Errors)
	fields := map[string]string{}
	for _, fe := range d.Errors {
		fields[fe.Field] = fe.Detail
	}
	require.Contains(t, fields, "rnokpp")
	require.Regexp(t, `[А-Яа-яІіЇїЄє]`, fields["rnokpp"])
	var kept string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT data->>'rnokpp' FROM applications WHERE id = $1`, id).Scan(&kept)
	})
	require.Equal(t, "123", kept, "what was typed is kept")

	// The right step moves on.
	good, err := json.Marshal(map[string]any{"values": appsApplicantStep(p), "next": true})
	require.NoError(t, err)
	r = apiPostJSON(t, e, "/api/v1/applications/"+id+"/steps/0", tk.AccessToken, "step-0-b", string(good))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NoError(t, json.Unmarshal([]byte(r.body), &d))
	require.Empty(t, d.Errors)
	require.Equal(t, 1, d.Step)

	r = apiGet(t, e, appsKyiv, "/api/v1/applications/"+id+"/canonical", tk.AccessToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, p.RNOKPP)

	// Another person's token: 404 on every one of them.
	require.Equal(t, http.StatusNotFound, apiGet(t, e, appsKyiv, "/api/v1/applications/"+id+"/canonical", stranger.AccessToken).status)
	r = apiPostJSON(t, e, "/api/v1/applications/"+id+"/steps/0", stranger.AccessToken, "x", string(good))
	require.Equal(t, http.StatusNotFound, r.status, r.body)
}

// TestCityAppPushDevice: the city app registers its installation's FCM
// token through the API (once per idempotency key; the same token again is
// the same device), the resident's next notice reaches the phone through
// FCM, and unregistering stops it; another person's token cannot forget
// it, and a body that is not a registration is a clear 400.
func TestCityAppPushDevice(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	browser := e.as(appsKyiv, "resident")
	tk, _ := appSignIn(t, e, browser, "notifications")
	stranger, _ := appSignIn(t, e, e.as(appsKyiv, "legal_rep"), "notifications")
	const token = "fcm-token-of-the-city-app"
	body := `{"platform":"fcm","token":"` + token + `","app_version":"2.4.1"}`

	r := apiPostJSON(t, e, "/api/v1/push-devices", tk.AccessToken, "push-1", body)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	var dev struct{ ID string }
	require.NoError(t, json.Unmarshal([]byte(r.body), &dev))
	again := apiPostJSON(t, e, "/api/v1/push-devices", tk.AccessToken, "push-1", body)
	require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	r = apiPostJSON(t, e, "/api/v1/push-devices", tk.AccessToken, "push-2", body)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	require.Contains(t, r.body, dev.ID, "the same token is the same device")
	// What no app following the contract sends (so past the client's
	// contract check): refused as a problem.
	bad := do(t, e.ta.unchecked(t), http.MethodPost, e.u("/api/v1/push-devices"), nil, map[string]string{
		"Authorization": "Bearer " + tk.AccessToken, "Idempotency-Key": "push-3", "Content-Type": "application/json"})
	require.Equal(t, http.StatusBadRequest, bad.status, bad.body)
	require.Contains(t, bad.body, `"code":"invalid"`)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notify_devices WHERE token = $1 AND app_version = '2.4.1'`, token))

	// Another person cannot forget the resident's phone.
	r = apiPostJSON(t, e, "/api/v1/push-devices/unregister", stranger.AccessToken, "u-1", body)
	require.Equal(t, http.StatusNoContent, r.status, r.body)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notify_devices WHERE token = $1`, token))

	// The resident applies: the notice reaches the phone.
	e.applyResidence(browser, appsPersona(t, "resident"))
	pushedTo := func() int {
		n := 0
		for _, m := range e.ta.fcmsim.Messages() {
			if m.Token == token {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return pushedTo() > 0 }, 2*time.Minute, 50*time.Millisecond, "no push reached the app's token")

	// Unregistered: gone, and the next notice does not go there.
	r = apiPostJSON(t, e, "/api/v1/push-devices/unregister", tk.AccessToken, "u-2", body)
	require.Equal(t, http.StatusNoContent, r.status, r.body)
	require.Zero(t, e.count(`SELECT count(*) FROM notify_devices WHERE token = $1`, token))
	before := pushedTo()
	e.applyResidence(browser, appsPersona(t, "resident"))
	require.Zero(t, e.count(`SELECT count(*) FROM notify_deliveries WHERE channel = 'push' AND status = 'created'`), "a push delivery waits for no device")
	require.Equal(t, before, pushedTo())
}
