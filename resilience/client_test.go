package resilience

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/devidp"
)

// The residents of these tests apply for KY-0003 (the certificate of the
// persons registered at a dwelling), which automatic mode decides from the
// demo residents' register: each persona below is registered in Київ, so
// each application ends in a sealed result with no official involved.
var applicants = []string{"resident", "provider_head", "dispatcher", "owner"}

// devChoice is the development IdP's entry in the sign-in choices.
const devChoice = "00000000-0000-7000-8000-00000000de01"

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	requestIDRE  = regexp.MustCompile(`name="id" value="([^"]+)"`)
	draftRE      = regexp.MustCompile(`^/cabinet/applications/([0-9a-f-]{36})/steps/\d+$`)
	keyRE        = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)
	// cyrillic finds a Ukrainian sentence in a page.
	cyrillic = regexp.MustCompile(`[А-ЯІЇЄҐа-яіїєґ’]{3,}( [А-ЯІЇЄҐа-яіїєґ’,]+){3,}`)
)

// tally is what the clients saw, over all requests.
type tally struct {
	mu        sync.Mutex
	requests  int
	ok        int      // the answer the flow expects
	refused   int      // no answer: the connection refused or broken (the process gone)
	clear     int      // an error page a person can act on: 503 + Retry-After + Ukrainian words
	unclear   []string // anything else: a raw 500, a stack, an English word, a wrong redirect
	confirmed []string // applications whose submission the server confirmed (303 …?submitted=1)
	unsure    []string // applications whose submission got no answer or an error
	replays   int      // confirmed submissions sent again
}

func (tl *tally) add(f func(tl *tally)) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	f(tl)
}

func (tl *tally) String() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return fmt.Sprintf("%d requests: %d as expected, %d refused connections, %d clear error pages, %d unclear; %d submissions confirmed, %d unsure, %d replays",
		tl.requests, tl.ok, tl.refused, tl.clear, len(tl.unclear), len(tl.confirmed), len(tl.unsure), tl.replays)
}

func (tl *tally) confirmedCount() int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return len(tl.confirmed)
}

// client is one resident's browser: a cookie jar, every host sent to the
// server's address.
type client struct {
	t       *testing.T
	persona devidp.Persona
	addr    string
	http    *http.Client
	tl      *tally
	// mayRefuse: connections refused or broken are expected (the server
	// is killed); otherwise they count as unclear.
	mayRefuse *atomic.Bool
}

func newClient(t *testing.T, s *server, persona string, tl *tally, mayRefuse *atomic.Bool) *client {
	t.Helper()
	var p devidp.Persona
	for _, q := range devidp.Personas {
		if q.ID == persona {
			p = q
		}
	}
	require.NotEmpty(t, p.ID, persona)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &client{t: t, persona: p, addr: s.addr, tl: tl, mayRefuse: mayRefuse, http: &http.Client{
		Jar:     jar,
		Timeout: 90 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, s.addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type answer struct {
	status   int
	location string
	body     string
	header   http.Header
}

// errRetry means the flow met an error it reported (refused, a clear
// page or an unclear one) and should start over.
var errRetry = errors.New("start over")

// do sends one request and classifies an answer the flow does not expect.
func (c *client) do(method, path string, form url.Values) (answer, error) {
	u := c.base() + path
	if strings.HasPrefix(path, "http") {
		u = path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return answer{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	c.tl.add(func(tl *tally) { tl.requests++ })
	res, err := c.http.Do(req)
	if err != nil {
		c.tl.add(func(tl *tally) {
			if c.mayRefuse.Load() {
				tl.refused++
			} else {
				tl.unclear = append(tl.unclear, fmt.Sprintf("%s %s: no answer: %v", method, path, err))
			}
		})
		return answer{}, errRetry
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		c.tl.add(func(tl *tally) {
			if c.mayRefuse.Load() {
				tl.refused++
			} else {
				tl.unclear = append(tl.unclear, fmt.Sprintf("%s %s: the answer broke off: %v", method, path, err))
			}
		})
		return answer{}, errRetry
	}
	a := answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(raw), header: res.Header}
	if a.status >= 500 {
		c.errorPage(method, path, a)
		return a, errRetry
	}
	return a, nil
}

// errorPage counts an error answer as clear or not: a person must be told
// in Ukrainian that the portal is unavailable for a moment (503 with
// Retry-After), with nothing of its internals.
func (c *client) errorPage(method, path string, a answer) {
	text := html.UnescapeString(a.body)
	var why []string
	if a.status != http.StatusServiceUnavailable {
		why = append(why, fmt.Sprintf("status %d", a.status))
	}
	if a.header.Get("Retry-After") == "" {
		why = append(why, "no Retry-After")
	}
	if !cyrillic.MatchString(text) {
		why = append(why, "no Ukrainian sentence")
	}
	for _, leak := range []string{"goroutine ", "panic", "SQLSTATE", "pgx", "pgconn", "dial tcp", "runtime error", "minio"} {
		if strings.Contains(text, leak) {
			why = append(why, "shows "+leak)
		}
	}
	c.tl.add(func(tl *tally) {
		if len(why) == 0 {
			tl.clear++
			return
		}
		tl.unclear = append(tl.unclear, fmt.Sprintf("%s %s: %s: %s", method, path, strings.Join(why, ", "), firstWords(text)))
	})
}

// unexpected counts an answer the flow did not expect as unclear.
func (c *client) unexpected(what string, a answer) error {
	c.tl.add(func(tl *tally) {
		tl.unclear = append(tl.unclear, fmt.Sprintf("%s: %d %s: %s", what, a.status, a.location, firstWords(html.UnescapeString(a.body))))
	})
	return errRetry
}

func firstWords(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	s = strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")), " ")
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// base is Kyiv's portal as a browser reaches it: the host with the
// server's port (the identity provider redirects back there).
func (c *client) base() string {
	_, port, _ := net.SplitHostPort(c.addr)
	return "http://" + kyivHost + ":" + port
}

// signIn signs in as a browser does: the portal's sign-in, the
// development IdP's persona picker, back to the portal.
func (c *client) signIn() error {
	at := c.base() + "/auth/login/" + devChoice + "?return=/"
	a, err := c.follow(at)
	if err != nil {
		return err
	}
	action, id := formActionRE.FindStringSubmatch(a.body), requestIDRE.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || action == nil || id == nil {
		return c.unexpected("the persona picker", a)
	}
	base, _ := url.Parse(a.location)
	post, _ := base.Parse(html.UnescapeString(action[1]))
	a, err = c.do(http.MethodPost, post.String(), url.Values{"id": {html.UnescapeString(id[1])}, "persona": {c.persona.ID}})
	if err != nil {
		return err
	}
	if a.status != http.StatusSeeOther && a.status != http.StatusFound {
		return c.unexpected("the persona chosen", a)
	}
	next, _ := post.Parse(a.location)
	a, err = c.follow(next.String())
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return c.unexpected("back on the portal", a)
	}
	c.tl.add(func(tl *tally) { tl.ok++ })
	return nil
}

// follow GETs u and its redirects; the answer's location is the last URL.
func (c *client) follow(u string) (answer, error) {
	for range 15 {
		a, err := c.do(http.MethodGet, u, nil)
		if err != nil {
			return a, err
		}
		if a.status < 300 || a.status >= 400 {
			a.location = u
			return a, nil
		}
		base, _ := url.Parse(u)
		next, err := base.Parse(a.location)
		if err != nil {
			return a, err
		}
		u = next.String()
	}
	return answer{}, errors.New("too many redirects")
}

// apply makes one application: start (or resume) the draft, the two
// steps, the review and the signature with the development signer. It
// returns the confirmed application's id, or errRetry after an error the
// tally has counted. Every fifth confirmed submission is sent again, as a
// double click would.
func (c *client) apply(n int) (string, error) {
	p := c.persona
	a, err := c.do(http.MethodPost, "/services/KY-0003/apply", url.Values{})
	if err != nil {
		return "", err
	}
	if a.status == http.StatusSeeOther && strings.Contains(a.location, "/auth/login") {
		return "", c.signIn()
	}
	m := draftRE.FindStringSubmatch(a.location)
	if a.status != http.StatusSeeOther || m == nil {
		return "", c.unexpected("apply", a)
	}
	id := m[1]
	steps := []url.Values{
		{"last_name": {p.FamilyName}, "first_name": {p.GivenName}, "middle_name": {p.MiddleName}, "rnokpp": {p.RNOKPP},
			"birth_date": {applications.BirthDate(p.RNOKPP)}, "phone": {p.Phone}},
		{"katottg": {"UA80000000000093317"}, "address": {fmt.Sprintf("вул. Січових Стрільців, 21, кв. %d", 1+n%200)},
			"persons": {"4"}, "purpose": {"bank"}},
	}
	for i, vals := range steps {
		vals.Set("action", "next")
		a, err := c.do(http.MethodPost, fmt.Sprintf("/cabinet/applications/%s/steps/%d", id, i), vals)
		if err != nil {
			return "", err
		}
		if a.status != http.StatusSeeOther || strings.Contains(a.location, "/auth/") {
			return "", c.unexpected(fmt.Sprintf("step %d", i), a)
		}
		c.tl.add(func(tl *tally) { tl.ok++ })
	}
	a, err = c.do(http.MethodGet, "/cabinet/applications/"+id+"/review", nil)
	if err != nil {
		return "", err
	}
	k := keyRE.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || k == nil {
		return "", c.unexpected("review", a)
	}
	sign := url.Values{"key": {k[1]}, "method": {"online"}}
	a, err = c.do(http.MethodPost, "/cabinet/applications/"+id+"/sign", sign)
	if err != nil {
		c.tl.add(func(tl *tally) { tl.unsure = append(tl.unsure, id) })
		return "", err
	}
	if a.status != http.StatusSeeOther || a.location != "/cabinet/applications/"+id+"?submitted=1" {
		c.tl.add(func(tl *tally) { tl.unsure = append(tl.unsure, id) })
		return "", c.unexpected("sign", a)
	}
	c.tl.add(func(tl *tally) { tl.ok++; tl.confirmed = append(tl.confirmed, id) })
	if n%5 == 4 {
		// A double submit: whatever it answers, it must change nothing
		// (the invariants after the run count each application's events).
		a, err := c.do(http.MethodPost, "/cabinet/applications/"+id+"/sign", sign)
		if err == nil && a.status >= 500 {
			return id, c.unexpected("the same submission again", a)
		}
		c.tl.add(func(tl *tally) { tl.replays++ })
	}
	return id, nil
}

// run applies in a loop until stop is closed, starting over after each
// error with a short pause (a person pressing the button again); pace, if
// set, is the least time between two applications' starts.
func (c *client) run(stop <-chan struct{}, pace time.Duration) {
	for n := 0; ; {
		select {
		case <-stop:
			return
		default:
		}
		began := time.Now()
		if _, err := c.apply(n); err != nil {
			if !errors.Is(err, errRetry) {
				c.tl.add(func(tl *tally) { tl.unclear = append(tl.unclear, err.Error()) })
			}
			time.Sleep(300 * time.Millisecond)
			continue
		}
		n++
		if wait := pace - time.Since(began); wait > 0 {
			time.Sleep(wait)
		}
	}
}

// crowd is the clients of one test, applying until stopped.
type crowd struct {
	tl        *tally
	clients   []*client
	stopCh    chan struct{}
	wg        sync.WaitGroup
	mayRefuse atomic.Bool
}

// newCrowd signs a client in for each applicant and starts them.
func newCrowd(t *testing.T, s *server, pace time.Duration) *crowd {
	t.Helper()
	cr := &crowd{tl: &tally{}, stopCh: make(chan struct{})}
	for _, p := range applicants {
		c := newClient(t, s, p, cr.tl, &cr.mayRefuse)
		require.NoError(t, c.signIn(), "%s signs in: %s", p, cr.tl)
		cr.clients = append(cr.clients, c)
	}
	for _, c := range cr.clients {
		cr.wg.Go(func() { c.run(cr.stopCh, pace) })
	}
	t.Cleanup(cr.stop)
	return cr
}

// stop stops the clients and waits for them (the requests in flight end).
func (cr *crowd) stop() {
	select {
	case <-cr.stopCh:
	default:
		close(cr.stopCh)
	}
	cr.wg.Wait()
}

// waitFor waits until the clients have confirmed n more submissions.
func (cr *crowd) waitFor(t *testing.T, n int, what string) {
	t.Helper()
	want := cr.tl.confirmedCount() + n
	require.Eventually(t, func() bool { return cr.tl.confirmedCount() >= want }, 4*time.Minute, 50*time.Millisecond,
		"%s: %s", what, cr.tl)
}
