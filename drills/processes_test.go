package drills

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/devidp"
)

// devChoice is the development IdP's sign-in method, as the demo has it.
const devChoice = "00000000-0000-7000-8000-00000000de01"

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	draftRE      = regexp.MustCompile(`^/cabinet/applications/([0-9a-f-]{36})/steps/0$`)
	keyRE        = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)
	requestIDRE  = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

// Many processes, one database: two `serve` and two `worker` processes on
// one PostgreSQL and one (erasure-coded) MinIO. A session made on one
// portal process is good on the other; a tenant changed through one is
// seen changed by the other (the directory's NOTIFY); applications in
// automatic mode are worked by the processes together, each exactly once,
// with one notice each.
func TestManyProcessesOneDatabase(t *testing.T) {
	t.Parallel()
	dir := workDir(t)
	s3 := startErasureMinIO(t)
	pg := startPostgres(t, filepath.Join(dir, "pg"), nil)
	pg.migrate(t, dir)
	key := []byte("0123456789abcdef0123456789abcdef")
	docsURL := s3.DocsURL(docsBucket)
	ports := freePorts(t, 4)
	addr := func(i int) string { return "127.0.0.1:" + strconv.Itoa(ports[i]) }
	env := func(i int, name string) []string {
		return hromadaEnv(pg.URLs, docsURL, addr(i), filepath.Join(dir, name), key)
	}
	// The first loads the demo cities; the others start on them.
	serveA := startHromada(t, dir, "serve-a", addr(0), env(0, "serve-a"), "serve", "--demo")
	serveB := startHromada(t, dir, "serve-b", addr(1), env(1, "serve-b"), "serve")
	worker1 := startHromada(t, dir, "worker-1", addr(2), env(2, "worker-1"), "worker")
	worker2 := startHromada(t, dir, "worker-2", addr(3), env(3, "worker-2"), "worker")

	// A session made on A is good on B: one cookie jar, two servers.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	a, b := client(jar, serveA.addr), client(jar, serveB.addr)
	kyivA, kyivB := "http://kyiv."+testBase+":"+strconv.Itoa(ports[0]), "http://kyiv."+testBase+":"+strconv.Itoa(ports[1])
	start := kyivA + "/auth/login/" + devChoice + "?return=/"
	r, at := follow(t, a, start, get(t, a, start))
	require.Equal(t, http.StatusOK, r.status, "the persona picker: %s", r.body)
	action, id := formActionRE.FindStringSubmatch(r.body), requestIDRE.FindStringSubmatch(r.body)
	require.NotNil(t, action, "no form on the picker")
	require.NotNil(t, id)
	base, _ := url.Parse(at)
	post, _ := base.Parse(html.UnescapeString(action[1]))
	r = do(t, a, http.MethodPost, post.String(), url.Values{"id": {html.UnescapeString(id[1])}, "persona": {"resident"}})
	r, _ = follow(t, a, post.String(), r)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `action="/auth/logout"`, "not signed in on A")
	r = get(t, b, kyivB+"/cabinet")
	require.Equal(t, http.StatusOK, r.status, "the session made on A is not good on B: %s", r.body)
	require.Contains(t, r.body, `action="/auth/logout"`)
	// Without the cookie B sends the visitor to sign in.
	anon, _ := cookiejar.New(nil)
	require.Equal(t, http.StatusSeeOther, get(t, client(anon, serveB.addr), kyivB+"/cabinet").status)

	// The operator suspends Kyiv through A's console; B, which has Kyiv
	// in its directory, stops serving it on the change notice (its cache
	// would otherwise keep it for 30 seconds), and serves it again after
	// the resume through A.
	op, _ := cookiejar.New(nil)
	opA, anonB := client(op, serveA.addr), client(anon, serveB.addr)
	console := "http://" + testBase + ":" + strconv.Itoa(ports[0])
	require.Equal(t, http.StatusOK, get(t, anonB, kyivB+"/").status)
	require.Equal(t, http.StatusSeeOther, do(t, opA, http.MethodPost, console+"/signin", url.Values{"key": {testKey}}).status)
	for _, step := range []struct {
		action string
		want   int
	}{{"suspend", http.StatusServiceUnavailable}, {"resume", http.StatusOK}} {
		began := time.Now()
		require.Equal(t, http.StatusSeeOther, do(t, opA, http.MethodPost, console+"/tenants/kyiv/"+step.action, url.Values{}).status)
		require.Eventually(t, func() bool { return status(anonB, kyivB+"/") == step.want }, 2*time.Minute, 20*time.Millisecond,
			"B did not see the %s", step.action)
		t.Logf("%s through A seen by B after %s (directory TTL 30s)", step.action, time.Since(began).Round(time.Millisecond))
	}

	// Applications in automatic mode, submitted through the portal by the
	// signed-in resident, each step on the other serve process than the
	// one before, and worked by the four processes together: each exactly
	// once.
	const n = 20
	portals := []struct {
		c    *http.Client
		base string
	}{{a, kyivA}, {b, kyivB}}
	for i := range n {
		submitThroughPortal(t, func(step int) (*http.Client, string) {
			p := portals[(i+step)%2]
			return p.c, p.base
		}, i+1)
	}
	pg.waitCount(t, n, `SELECT count(*) FROM automatic_runs WHERE step = 'done'`)
	pg.waitCount(t, n, `SELECT count(*) FROM notifications WHERE key IN ('notify.granted', 'notify.denied')`)
	require.Equal(t, n, pg.count(t, `SELECT count(*) FROM applications WHERE status = 'issued'`))
	require.Equal(t, n, pg.count(t, `SELECT count(*) FROM issued_documents`))
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT application_id FROM application_files WHERE kind = 'result' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM application_files WHERE kind = 'result_signature' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM notifications WHERE key IN ('notify.granted', 'notify.denied') GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM application_events WHERE to_status = 'issued' GROUP BY 1 HAVING count(*) <> 1) x`,
		// A notice goes out once on each channel it has.
		`SELECT count(*) FROM notify_deliveries WHERE attempts > 1`,
	} {
		require.Zero(t, pg.count(t, q), q)
	}
	require.Zero(t, pg.count(t, `SELECT count(*) FROM automatic_runs WHERE step = 'manual'`), "nothing went to officials")
	// The work was shared: River records which process worked each job.
	clients := pg.count(t, `SELECT count(DISTINCT attempted_by[array_upper(attempted_by, 1)]) FROM river_job
		WHERE state = 'completed' AND kind LIKE 'applications.%'`)
	t.Logf("automatic jobs worked by %d processes; deliveries: %d", clients, pg.count(t, `SELECT count(*) FROM notify_deliveries`))
	require.GreaterOrEqual(t, clients, 2, "one process did all the work")
	// The results are in the object store, erasure-coded.
	require.Positive(t, s3.requireErasure(t, docsBucket, "tenants/"))

	for _, p := range []*process{serveA, serveB, worker1, worker2} {
		r := get(t, client(anon, p.addr), "http://"+p.addr+"/readyz")
		require.Equal(t, http.StatusOK, r.status, "%s not ready: %s", p.name, r.body)
	}
	for _, p := range []*process{worker1, worker2, serveB, serveA} {
		p.stop(t)
		require.True(t, p.cmd.ProcessState.Success(), "%s did not stop cleanly: %s", p.name, tail(p.log))
	}
}

// submitThroughPortal applies for KY-0003 as the signed-in resident, as
// her browser would: the draft, its two steps, the review and the signing
// (the development signer); portal says which server takes each request.
func submitThroughPortal(t *testing.T, portal func(step int) (*http.Client, string), i int) {
	t.Helper()
	c, base := portal(0)
	r := post(t, c, base+"/services/KY-0003/apply", url.Values{})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	m := draftRE.FindStringSubmatch(r.header.Get("Location"))
	require.NotNil(t, m, "apply redirects to %q", r.header.Get("Location"))
	id := m[1]
	var p devidp.Persona
	for _, q := range devidp.Personas {
		if q.ID == "resident" {
			p = q
		}
	}
	steps := []url.Values{
		{"last_name": {p.FamilyName}, "first_name": {p.GivenName}, "middle_name": {p.MiddleName}, "rnokpp": {p.RNOKPP},
			"birth_date": {"1988-03-14"}, "phone": {p.Phone}},
		{"katottg": {"UA80000000000093317"}, "address": {fmt.Sprintf("вул. Січових Стрільців, 21, кв. %d", i)}, "persons": {"4"}, "purpose": {"bank"}},
	}
	for n, vals := range steps {
		c, base = portal(n + 1)
		vals.Set("action", "next")
		r = post(t, c, base+"/cabinet/applications/"+id+"/steps/"+strconv.Itoa(n), vals)
		require.Equal(t, http.StatusSeeOther, r.status, "step %d: %s", n, r.body)
	}
	c, base = portal(3)
	r = get(t, c, base+"/cabinet/applications/"+id+"/review")
	require.Equal(t, http.StatusOK, r.status, r.body)
	k := keyRE.FindStringSubmatch(r.body)
	require.NotNil(t, k, "no key on the review page")
	c, base = portal(4)
	r = post(t, c, base+"/cabinet/applications/"+id+"/sign", url.Values{"key": {k[1]}, "method": {"online"}})
	require.Equal(t, http.StatusSeeOther, r.status, "signing: %s", r.body)
}

// post sends a form as the portal's own page does (same origin).
func post(t *testing.T, c *http.Client, u string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// client sends every request to addr whatever the host (the IdP's too), as
// a DNS that maps *.hromada.test and localhost there would.
func client(jar http.CookieJar, addr string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// status is the status of a GET of u, or 0 when it fails (for polling
// from require.Eventually's goroutine, which must not fail the test).
func status(c *http.Client, u string) int {
	res, err := c.Get(u)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func get(t *testing.T, c *http.Client, u string) response {
	return do(t, c, http.MethodGet, u, nil)
}

// follow GETs redirects from r until a page and returns it and its URL.
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
