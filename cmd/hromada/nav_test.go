package main

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
)

// Navigation by permission: every persona's workspace and the pages it
// links to show only links and forms the person may use, decided by the
// guard's own decision; following every link answers no 403 and locks no
// one out.

var (
	navLinkRE   = regexp.MustCompile(`<a\s[^>]*href="([^"]*)"`)
	navFormRE   = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	navAttrRE   = regexp.MustCompile(`\b(method|action)="([^"]*)"`)
	navHiddenRE = regexp.MustCompile(`<input\s[^>]*type="hidden"[^>]*>`)
	navNameRE   = regexp.MustCompile(`\bname="([^"]*)"`)
	navValueRE  = regexp.MustCompile(`\bvalue="([^"]*)"`)
	navInputRE  = regexp.MustCompile(`<input\s[^>]*>`)
	navTypeRE   = regexp.MustCompile(`\btype="([^"]*)"`)
	navSelectRE = regexp.MustCompile(`(?s)<select\s([^>]*)>(.*?)</select>`)
	navOptionRE = regexp.MustCompile(`<option\s[^>]*>`)
)

// navStaff are the personas the workspace is for.
var navStaff = []string{"official-dcnap", "official-transport", "provider_head", "administrator", "dispatcher", "owner", "auditor"}

// navForm is a form as a page shows it.
type navForm struct {
	Method, Action string
	Hidden         url.Values
	// Fields are what submitting the form as shown sends: every named
	// input at its value (checked boxes only), every select at its selected
	// (or first) option. The crawl follows GET forms with them.
	Fields url.Values
}

// navPage reads the same-host links and the forms of a page, less sign-out
// and the language switch.
func navPage(body string) (links []string, forms []navForm) {
	for _, m := range navLinkRE.FindAllStringSubmatch(body, -1) {
		h := html.UnescapeString(m[1])
		if strings.HasPrefix(h, "/") && !strings.HasPrefix(h, "//") && !strings.HasPrefix(h, "/static/") {
			links = append(links, strings.SplitN(h, "#", 2)[0])
		}
	}
	for _, m := range navFormRE.FindAllStringSubmatch(body, -1) {
		f := navForm{Method: http.MethodGet, Hidden: url.Values{}, Fields: url.Values{}}
		for _, a := range navAttrRE.FindAllStringSubmatch(m[1], -1) {
			if a[1] == "method" {
				f.Method = strings.ToUpper(a[2])
			} else {
				f.Action = html.UnescapeString(a[2])
			}
		}
		for _, in := range navHiddenRE.FindAllString(m[2], -1) {
			n, v := navNameRE.FindStringSubmatch(in), navValueRE.FindStringSubmatch(in)
			if n != nil && v != nil {
				f.Hidden.Add(html.UnescapeString(n[1]), html.UnescapeString(v[1]))
			}
		}
		for _, in := range navInputRE.FindAllString(m[2], -1) {
			n := navNameRE.FindStringSubmatch(in)
			if n == nil {
				continue
			}
			typ, v := "text", ""
			if m := navTypeRE.FindStringSubmatch(in); m != nil {
				typ = m[1]
			}
			if m := navValueRE.FindStringSubmatch(in); m != nil {
				v = html.UnescapeString(m[1])
			}
			if (typ == "checkbox" || typ == "radio") && !strings.Contains(in, " checked") {
				continue
			}
			if typ == "submit" || typ == "file" {
				continue
			}
			f.Fields.Add(html.UnescapeString(n[1]), v)
		}
		for _, sel := range navSelectRE.FindAllStringSubmatch(m[2], -1) {
			n := navNameRE.FindStringSubmatch(sel[1])
			opts := navOptionRE.FindAllString(sel[2], -1)
			if n == nil || len(opts) == 0 {
				continue
			}
			pick := opts[0]
			for _, o := range opts {
				if strings.Contains(o, " selected") {
					pick = o
				}
			}
			v := ""
			if m := navValueRE.FindStringSubmatch(pick); m != nil {
				v = html.UnescapeString(m[1])
			}
			f.Fields.Add(html.UnescapeString(n[1]), v)
		}
		if f.Action == "/prefs" || f.Action == "/auth/logout" {
			continue
		}
		forms = append(forms, f)
	}
	return links, forms
}

// navEnv is a whole Hromada with the demo cities, crawled on Kyiv's host.
type navEnv struct {
	ta   *testApp
	kyiv *tenant.Tenant
	host string
}

func newNavEnv(t *testing.T, ta *testApp, host string) *navEnv {
	t.Helper()
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	for _, tn := range ts {
		if tn.Slug == "kyiv" {
			return &navEnv{ta: ta, kyiv: tn, host: host}
		}
	}
	t.Fatal("no Kyiv among the demo cities")
	return nil
}

func (e *navEnv) u(path string) string { return e.ta.url(e.host, path) }

// count runs a counting query in Kyiv.
func (e *navEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.ta.db.App.Tx(tenant.With(t.Context(), e.kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	}))
	return n
}

// navAccount is the account id of a persona in Kyiv.
func (e *navEnv) navAccount(t *testing.T, persona string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, e.ta.db.App.Tx(tenant.With(t.Context(), e.kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM accounts WHERE rnokpp = $1`, appsPersona(t, persona).RNOKPP).Scan(&id)
	}))
	return id
}

// navAllowed asks the portal's guard whether persona may submit f.
func (e *navEnv) navAllowed(t *testing.T, sub access.Subject, f navForm, page string) bool {
	t.Helper()
	action := f.Action
	if action == "" {
		action = page
	}
	r := httptest.NewRequestWithContext(tenant.With(t.Context(), e.kyiv), http.MethodGet, e.u(page), nil)
	l := access.Link{Method: f.Method, URL: action, Form: f.Hidden}
	if f.Method == http.MethodGet && len(f.Hidden) > 0 {
		// A GET form's fields are its action's query.
		l = access.Get(action + "?" + f.Hidden.Encode())
	}
	can, err := e.ta.portalGuard.AllowsFor(r, sub, l)
	require.NoError(t, err)
	return can.HasLink(l)
}

// navWorkspace says whether path is one of the workspace's own pages
// (/admin, /work): the crawl's closure; public pages it opens once, without
// following what they link to.
func navWorkspace(path string) bool {
	p := strings.SplitN(path, "?", 2)[0]
	return p == "/admin" || strings.HasPrefix(p, "/admin/") || strings.HasPrefix(p, "/work/")
}

// navCrawl signs in as persona, opens /admin and follows, breadth first and
// each once, every link the workspace's pages (/admin, /work) show, and
// every GET form they show (submitted as shown: a filter, a period, a
// search), and checks every other form's action with the guard's decision;
// nothing it opens may answer 403 or any error, and at the end the person is
// not locked out and no request was denied. It returns the bodies of the
// workspace pages read, by path, and every path it followed.
func (e *navEnv) navCrawl(t *testing.T, persona string) (map[string]string, []string) {
	t.Helper()
	c := e.ta.client(t)
	r, _ := signIn(t, e.ta, c, e.host, persona)
	require.Equal(t, http.StatusOK, r.status, "signing in as %s: %s", persona, r.body)
	sub := access.Subject{AccountID: e.navAccount(t, persona)}
	var followed []string
	pages := map[string]string{}
	fetched := map[string]bool{"/admin": true}
	type hop struct{ from, path string }
	queue := []hop{{"", "/admin"}}
	enqueue := func(from, path string) {
		if !fetched[path] {
			fetched[path] = true
			followed = append(followed, path)
			queue = append(queue, hop{from, path})
		}
	}
	for len(queue) > 0 {
		// A closure, not an endless walk (a "next period" link leading
		// on for ever would be a page to fix).
		require.Less(t, len(fetched), 600, "%s: the workspace's links do not end", persona)
		h := queue[0]
		queue = queue[1:]
		r := get(t, c, e.u(h.path))
		require.NotEqual(t, http.StatusForbidden, r.status, "%s: %s (linked from %s) answers 403", persona, h.path, h.from)
		require.Less(t, r.status, 400, "%s: %s (linked from %s) answers %d: %s", persona, h.path, h.from, r.status, r.body)
		if !navWorkspace(h.path) || strings.HasSuffix(strings.SplitN(h.path, "?", 2)[0], ".csv") {
			continue // a public page or a download: opened, not followed
		}
		pages[h.path] = r.body
		links, forms := navPage(r.body)
		for _, l := range links {
			enqueue(h.path, l)
		}
		for _, f := range forms {
			require.True(t, e.navAllowed(t, sub, f, h.path), "%s: %s shows a form %s %s the person may not submit", persona, h.path, f.Method, f.Action)
			if f.Method == http.MethodGet {
				// A GET form navigates: follow it as shown (its hidden
				// fields; the visible ones at their defaults, empty).
				action := f.Action
				if action == "" {
					action = strings.SplitN(h.path, "?", 2)[0]
				}
				if len(f.Fields) > 0 {
					sep := "?"
					if strings.Contains(action, "?") {
						sep = "&"
					}
					action += sep + f.Fields.Encode()
				}
				enqueue(h.path, action)
			}
		}
	}
	t.Logf("%s: %d pages followed, %d of the workspace read", persona, len(followed), len(pages))
	// Still not locked out, and no request of the crawl was denied.
	require.Equal(t, http.StatusOK, get(t, c, e.u("/admin")).status)
	require.Zero(t, e.count(t, `SELECT count(*) FROM lockouts WHERE key = $1 AND locked_until > now()`, "account:"+sub.AccountID.String()),
		"%s is locked out after the crawl", persona)
	require.Zero(t, e.count(t, `SELECT count(*) FROM security_events WHERE kind = 'access_denied' AND subject = $1`, sub.AccountID.String()),
		"%s was denied a request", persona)
	return pages, followed
}

func TestNavigationByPermission(t *testing.T) {
	t.Parallel()
	e := newNavEnv(t, startApp(t, testAppOpts{}), appsKyiv)
	// An application waiting in the service centre's queue, for its
	// official's desk to list (and the crawl to open).
	apps := &appsEnv{t: t, ta: e.ta, kyiv: e.kyiv}
	id := apps.applyResidence(apps.as(appsKyiv, "resident"), appsPersona(t, "resident"))
	pages := map[string]map[string]string{}
	for _, p := range navStaff {
		pages[p], _ = e.navCrawl(t, p)
	}
	sections := func(p string) []string {
		links, _ := navPage(pages[p]["/admin"])
		return links
	}
	// Nobody sees a section twice: not among the sections, nor a block's
	// link again among them.
	for _, p := range navStaff {
		seen := map[string]bool{}
		body := pages[p]["/admin"]
		i := strings.Index(body, `<main`)
		require.Positive(t, i, p)
		ls, _ := navPage(body[i:])
		for _, l := range ls {
			if strings.HasPrefix(l, "/admin/") || strings.HasPrefix(l, "/work/") {
				require.False(t, seen[l], "%s sees %s twice", p, l)
				seen[l] = true
			}
		}
	}
	// Each role's entry page leads with what it does first.
	require.Contains(t, pages["official-dcnap"]["/admin"], `id="desk-`)
	require.Contains(t, pages["official-dcnap"]["/admin"], `href="/work/applications/`+id+`"`, "the desk lists the application due")
	require.NotContains(t, pages["official-transport"]["/admin"], `href="/work/applications/`+id+`"`, "another provider's application")
	require.Contains(t, pages["provider_head"]["/admin"], `id="team-`)
	require.Contains(t, pages["administrator"]["/admin"], `id="waiting"`)
	require.Contains(t, pages["auditor"]["/admin"], `id="latest"`)
	require.NotContains(t, pages["dispatcher"]["/admin"], `id="waiting"`)
	require.NotContains(t, pages["official-transport"]["/admin"], "Вашій ролі не надано жодного розділу", "the official has a queue")
	// The roles see their own sections, and not the others'.
	require.Contains(t, sections("auditor"), "/admin/audit")
	require.NotContains(t, sections("auditor"), "/admin/holidays")
	require.Contains(t, sections("owner"), "/admin/holidays")
	require.NotContains(t, sections("owner"), "/admin/officials")
	require.Contains(t, sections("administrator"), "/admin/officials")
	require.NotContains(t, sections("administrator"), "/admin/audit")
	require.NotContains(t, sections("provider_head"), "/admin/services")
	// The auditor reads the officials but blocks and grants no one; the
	// owner reads the holidays but adds none; the administrator does both.
	// The workspace is no one else's: a resident and a legal entity's
	// representative are refused it (403, saying where their own things
	// are), and the refusal counts toward no lockout.
	for _, p := range []string{"resident", "legal_rep"} {
		c := e.ta.client(t)
		r, _ := signIn(t, e.ta, c, e.host, p)
		require.Equal(t, http.StatusOK, r.status)
		r = get(t, c, e.u("/admin"))
		require.Equal(t, http.StatusForbidden, r.status, "%s opens the workspace", p)
		require.Contains(t, r.body, "особистому кабінеті")
		require.NotContains(t, r.body, `href="/admin"`, "%s is shown the workspace's link", p)
		require.Zero(t, e.count(t, `SELECT count(*) FROM security_events WHERE kind = 'access_denied' AND subject = $1`, e.navAccount(t, p).String()))
	}
	// The ninth persona, the platform's operator, works outside cities: in
	// the operator console, whose every link (but River's jobs UI, a
	// script-driven app of its own) it follows alike, and is refused
	// nothing there.
	op := e.ta.client(t)
	r, _ := signInFrom(t, e.ta, op, e.ta.url(testBase, "/signin/oidc"), "operator")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "Консоль оператора")
	opSeen := map[string]bool{"/": true}
	for queue := []string{"/"}; len(queue) > 0; queue = queue[1:] {
		require.Less(t, len(opSeen), 200, "the console's links do not end")
		r := get(t, op, e.ta.url(testBase, queue[0]))
		require.Less(t, r.status, 400, "operator: %s answers %d", queue[0], r.status)
		links, _ := navPage(r.body)
		for _, l := range links {
			if !opSeen[l] && !strings.HasPrefix(l, "/jobs") {
				opSeen[l] = true
				queue = append(queue, l)
			}
		}
	}

	_, forms := navPage(pages["auditor"]["/admin/officials"])
	require.Empty(t, forms, "the auditor sees forms on the officials' page")
	_, forms = navPage(pages["owner"]["/admin/holidays"])
	require.Empty(t, forms, "the owner sees forms on the holidays' page")
	_, forms = navPage(pages["administrator"]["/admin/officials"])
	require.NotEmpty(t, forms, "the administrator sees no form on the officials' page")
}
