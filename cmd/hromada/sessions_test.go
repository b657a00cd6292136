package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// Browsers as the sessions page names them.
const (
	uaAndroidChrome  = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
	uaWindowsFirefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
)

var endSessionRE = regexp.MustCompile(`action="/cabinet/sessions/([0-9a-f-]{36})/end"`)

// withUA makes c send ua as its User-Agent, as that browser would.
type withUA struct {
	ua   string
	next http.RoundTripper
}

func (w withUA) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", w.ua)
	return w.next.RoundTrip(r)
}

func (e *appsEnv) asBrowser(persona, ua string) *http.Client {
	e.t.Helper()
	c := e.ta.client(e.t)
	c.Transport = withUA{ua: ua, next: c.Transport}
	r, _ := signIn(e.t, e.ta, c, e.host, persona)
	require.Equal(e.t, http.StatusOK, r.status, "signing in as %s: %s", persona, r.body)
	return c
}

// signedOut says whether c's session no longer opens the cabinet: it is
// sent to sign in.
func (e *appsEnv) signedOut(c *http.Client) bool {
	e.t.Helper()
	r := get(e.t, c, e.u("/cabinet"))
	return r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/auth/login")
}

// TestMySessions (issue 23, ASVS 3.3.4): a person signed in on a phone and
// a computer sees both, this one marked; ends the phone's, whose cookie then
// opens nothing; another person cannot end it (404) and a second submit
// changes nothing; «Завершити всі інші» keeps only this session; each end
// is audited once. Sign-out answers with Clear-Site-Data (ASVS 8.2.3).
func TestMySessions(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{})
	phone := e.asBrowser("resident", uaAndroidChrome)
	computer := e.asBrowser("resident", uaWindowsFirefox)
	stranger := e.asBrowser("legal_rep", uaWindowsFirefox)

	r := get(t, computer, e.u("/cabinet/sessions"))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "Chrome на Android")
	require.Contains(t, r.body, "Firefox на Windows")
	require.Equal(t, 1, strings.Count(r.body, "цей пристрій"), r.body)
	ids := endSessionRE.FindAllStringSubmatch(r.body, -1)
	require.Len(t, ids, 1, "this session has no end button; the phone's has: %s", r.body)
	other := ids[0][1]
	require.NotContains(t, get(t, stranger, e.u("/cabinet/sessions")).body, other, "another person's sessions are not listed")

	end := e.u("/cabinet/sessions/" + other + "/end")
	r = appsPost(t, stranger, end, url.Values{})
	require.Equal(t, http.StatusNotFound, r.status, "another person's session")
	require.False(t, e.signedOut(phone), "the stranger ended nothing")
	r = appsPost(t, computer, e.u("/cabinet/sessions/not-an-id/end"), url.Values{})
	require.Equal(t, http.StatusNotFound, r.status)

	r = appsPost(t, computer, end, url.Values{})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, "/cabinet/sessions?done=ended", r.header.Get("Location"))
	require.True(t, e.signedOut(phone), "the ended session's cookie still opens the cabinet")
	r = appsPost(t, computer, end, url.Values{})
	require.Equal(t, http.StatusNotFound, r.status, "a second submit finds nothing to end")
	require.Contains(t, r.body, "Такого сеансу немає")
	require.False(t, e.signedOut(computer))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'identity.session.end' AND object_id = $1`, other))

	phone2, phone3 := e.asBrowser("resident", uaAndroidChrome), e.asBrowser("resident", uaAndroidChrome)
	r = get(t, computer, e.u("/cabinet/sessions"))
	require.Len(t, endSessionRE.FindAllStringSubmatch(r.body, -1), 2)
	require.Contains(t, r.body, `action="/cabinet/sessions/end-others"`)
	for range 2 {
		r = appsPost(t, computer, e.u("/cabinet/sessions/end-others"), url.Values{})
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
	}
	require.True(t, e.signedOut(phone2))
	require.True(t, e.signedOut(phone3))
	require.False(t, e.signedOut(computer), "this session is kept")
	require.False(t, e.signedOut(stranger), "another person's sessions are not theirs to end")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'identity.session.end_others'`), "the second press ended nothing and recorded nothing")
	r = get(t, computer, e.u("/cabinet/sessions"))
	require.Empty(t, endSessionRE.FindAllStringSubmatch(r.body, -1))
	require.NotContains(t, r.body, `action="/cabinet/sessions/end-others"`)

	r = appsPost(t, computer, e.u("/auth/logout"), url.Values{})
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, `"cache", "storage"`, r.header.Get("Clear-Site-Data"))
	require.NotEmpty(t, r.header.Get("Location"))
	require.True(t, e.signedOut(computer))
}

// TestMySessionsInBrowser: the person signs in in two browsers (two
// contexts); on the 390 px phone sees both sessions, this one marked, and
// ends the other; the other browser's next request goes to sign in. axe on
// the pages.
func TestMySessionsInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	st := func(op, sel, val string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel, Value: val} }
	signIn := func(ret string) []browsertest.Step {
		return []browsertest.Step{{Op: "goto", URL: e.u("/auth/login?return=" + ret)}, {Op: "click", Selector: "button[value=resident]"}}
	}
	cabinet := browsertest.Step{Op: "goto", URL: e.u("/cabinet")}
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	results := browsertest.Run(t, []browsertest.Scenario{
		{Name: "Computer", Steps: append(signIn("/cabinet"), cabinet)},
		{Name: "Phone", Viewport: phone, Steps: append(signIn("/cabinet"),
			st("click", "a[href='/cabinet/sessions']", ""),
			st("text", "main", ""),
			browsertest.Step{Op: "screenshot", Name: "hromada-sessions-phone", FullPage: true},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "overflow"},
			st("click", "form[action$='/end'] button", ""),
			st("text", "main", ""),
			browsertest.Step{Op: "axe"},
			cabinet,
		)},
		{Name: "ComputerAgain", Resume: "Computer", Steps: []browsertest.Step{cabinet}},
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)

	computer, ph, again := results[0].Steps, results[1].Steps, results[2].Steps
	require.Equal(t, e.u("/cabinet"), computer[2].URL, "the computer was signed in")
	list := ph[3].Text
	require.Contains(t, list, "Мої сеанси")
	require.Equal(t, 1, strings.Count(list, "цей пристрій"), list)
	require.Equal(t, 2, strings.Count(list, "Chrome на Linux"), "two browsers signed in: %s", list)
	require.Equal(t, "0", ph[6].Text, "no sideways scrolling at 390 px")
	require.Contains(t, ph[8].Text, "Сеанс завершено")
	require.Equal(t, 1, strings.Count(ph[8].Text, "Chrome на Linux"), ph[8].Text)
	require.Equal(t, e.u("/cabinet"), ph[10].URL, "the phone is still signed in")
	u, err := url.Parse(again[0].URL)
	require.NoError(t, err)
	require.NotEqual(t, "/cabinet", u.Path, "the ended session's browser still opens the cabinet")
	require.True(t, strings.Contains(again[0].URL, "/auth/login") || strings.Contains(again[0].URL, "/devidp/"), "sent to sign in: %s", again[0].URL)
	t.Logf("screenshot: %s", ph[4].File)
}
