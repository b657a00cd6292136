package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"hromada/modules/cityapi/openapitest"
	"hromada/modules/documents/hsm"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

const (
	testBase = "hromada.test"
	testKey  = "operator-key-for-tests-0123456789abcdef"
)

// testApp is a whole Hromada serving on a free local port, against a fresh
// database of its own.
type testApp struct {
	*App
	db     *tenanttest.DB
	addr   string // 127.0.0.1:port
	port   string
	stop   context.CancelFunc
	done   chan error
	logBuf *bytes.Buffer
	// handler is the app's whole router, the one it serves (Handler may
	// be built only once: it registers metrics).
	handler http.Handler
}

type testAppOpts struct {
	production  bool
	extraRoutes func(chiRouter)
	addWorkers  func(*river.Workers)
	shutdown    time.Duration
	db          *tenanttest.DB            // reuse this database (a second process)
	baseDomain  string                    // default testBase
	objectStore string                    // default a local directory
	tracer      pgx.QueryTracer           // sees every statement on the app's pool
	idgovua     string                    // the platform's default sign-in method's base URL (HROMADA_IDGOVUA_URL)
	mailpit     *tenanttest.MailpitServer // notices go out by e-mail to it
	// smtpCA, when set, requires STARTTLS at the mailpit and is
	// HROMADA_SMTP_CA_FILE ("-": STARTTLS with the system's roots).
	smtpCA      string
	centresNow  func() time.Time // the service centres' clock
	identityNow func() time.Time // the sign-in's clock (openOpts.IdentityNow)
	// trustedListURL and trustedListAnchor: HROMADA_TRUSTED_LIST_URL and
	// HROMADA_TRUSTED_LIST_ANCHOR (a PEM file).
	trustedListURL, trustedListAnchor string
	// hsm is the token the providers' seal keys are in (HROMADA_HSM_*).
	hsm *hsm.Config
	// trustedProxies is HROMADA_TRUSTED_PROXIES.
	trustedProxies []netip.Prefix
	// webPush sends the Web Push notices (to a push service simulator).
	webPush *notify.WebPush
}

func testConfig(t *testing.T, db *tenanttest.DB, o testAppOpts) *Config {
	t.Helper()
	cfg, err := loadConfig(newFlagSet(), func(string) string { return "" })
	require.NoError(t, err)
	cfg.BaseDomain = testBase
	if o.baseDomain != "" {
		cfg.BaseDomain = o.baseDomain
	}
	cfg.DatabaseURL = db.AppDSN
	cfg.OperatorDatabaseURL = db.OperatorDSN
	cfg.OwnerDatabaseURL = db.OwnerDSN
	cfg.DataDir = t.TempDir()
	cfg.ObjectStore = "file://" + t.TempDir()
	if o.objectStore != "" {
		cfg.ObjectStore = o.objectStore
	}
	cfg.OperatorKey = testKey
	cfg.SecretKey = []byte("0123456789abcdef0123456789abcdef")
	cfg.coldDictionary = true
	cfg.pipelineRetry = func(int) time.Duration { return 100 * time.Millisecond }
	cfg.ShutdownTimeout = 5 * time.Second
	if o.shutdown > 0 {
		cfg.ShutdownTimeout = o.shutdown
	}
	if o.production {
		cfg.Env = "production"
	}
	if o.mailpit != nil {
		cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPStartTLS = o.mailpit.SMTPHost, o.mailpit.SMTPPort, false
		if o.smtpCA != "" {
			cfg.SMTPStartTLS = true
			if o.smtpCA != "-" {
				cfg.SMTPCAFile = o.smtpCA
			}
		}
	}
	if o.idgovua != "" {
		cfg.IDGovUAURL, cfg.IDGovUAClientID, cfg.IDGovUASecret = o.idgovua, "hromada-platform", "platform-secret"
	}
	if o.trustedListURL != "" {
		cfg.TrustedListURLs = []string{o.trustedListURL}
	}
	cfg.TrustedListAnchor = o.trustedListAnchor
	if o.hsm != nil {
		cfg.HSMModule, cfg.HSMToken, cfg.HSMPIN = o.hsm.Module, o.hsm.Token, o.hsm.PIN
	}
	cfg.TrustedProxies = o.trustedProxies
	require.NoError(t, cfg.validate())
	return cfg
}

func startApp(t *testing.T, o testAppOpts) *testApp {
	t.Helper()
	db := o.db
	if db == nil {
		db = tenanttest.New(t)
	}
	cfg := testConfig(t, db, o)
	// Listen first: the development IdP's issuer names the port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg.Addr = ln.Addr().String()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: &logBuf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := openApp(t.Context(), cfg, log, openOpts{Web: true, Workers: true, AddWorkers: o.addWorkers, Tracer: o.tracer, CentresNow: o.centresNow, IdentityNow: o.identityNow, WebPush: o.webPush})
	require.NoError(t, err)
	a.extraRoutes = o.extraRoutes
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testApp{App: a, db: db, addr: ln.Addr().String(), stop: cancel, done: make(chan error, 1), logBuf: &logBuf}
	_, ta.port, _ = net.SplitHostPort(ta.addr)
	ta.handler = a.Handler()
	go func() { ta.done <- a.serve(ctx, ln, ta.handler, true) }()
	t.Cleanup(func() {
		if err := ta.shutdown(t); err != nil {
			t.Logf("stopping the test app: %v", err) // a test that stopped it on purpose has checked the error
		}
		a.Close()
	})
	return ta
}

// shutdown stops the app as SIGTERM would, and waits for it.
func (ta *testApp) shutdown(t *testing.T) error {
	ta.stop()
	select {
	case err := <-ta.done:
		ta.done <- err // for a second call
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not stop")
		return nil
	}
}

// url is the address of path on host (a tenant's host or the base domain),
// reached at the test server's port.
func (ta *testApp) url(host, path string) string {
	return "http://" + host + ":" + ta.port + path
}

// client sends every request to the test server whatever the host, as a
// DNS that maps *.hromada.test there would.
func (ta *testApp) client(t *testing.T) *http.Client {
	t.Helper()
	c := ta.unchecked(t)
	// Every /api/v1 exchange is checked against the OpenAPI document.
	c.Transport = openapitest.Transport(t, c.Transport)
	return c
}

// unchecked is client without the OpenAPI check, for the attacks that send
// what no app would (a form to the API, a cross-site POST) to see them
// refused.
func (ta *testApp) unchecked(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Jar:     jar,
		Timeout: 20 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// Other local servers (an identity provider's) are dialled as
			// they are; every name goes to the app.
			if strings.HasPrefix(addr, "127.0.0.1:") {
				return d.DialContext(ctx, network, addr)
			}
			return d.DialContext(ctx, network, ta.addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, header map[string]string) response {
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
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(raw)}
}

func get(t *testing.T, c *http.Client, u string) response {
	return do(t, c, http.MethodGet, u, nil, nil)
}

// newTenant creates a tenant through the operator service, as the console
// and `hromada tenant create` do.
func (ta *testApp) newTenant(t *testing.T, p tenant.CreateParams) *tenant.Tenant {
	t.Helper()
	tn, err := ta.operator.Create(t.Context(), p)
	require.NoError(t, err)
	return tn
}

// eventually retries check until it passes or 5 seconds pass (for work
// that happens asynchronously: jobs, cache invalidation notices).
func eventually(t *testing.T, check func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if check() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal(msg)
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }
