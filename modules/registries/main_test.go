package registries_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/devidp"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/tenant/tenanttest"
	"hromada/ukid"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// testBundle is a simulator behind mTLS and a client that trusts it.
type testBundle struct {
	sim      *simulator.Simulator
	srv      *httptest.Server
	pki      *simulator.PKI
	services registries.Static
	client   *registries.Client
	logs     *queryLogs
}

// fastConfig retries at once, so tests of failures take milliseconds.
func fastConfig() registries.Config {
	return registries.Config{BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, MaxAttempts: 3}
}

// setup starts a simulator behind mTLS and a client with cfg (its TLS,
// Services and OnQuery are filled in), then edit, when given, changes the
// demo services before the client sees them.
func setup(t *testing.T, cfg registries.Config, edit func(svcs []registries.Service)) *testBundle {
	t.Helper()
	b := &testBundle{sim: simulator.New(), logs: &queryLogs{}}
	var err error
	b.pki, err = simulator.NewPKI()
	require.NoError(t, err)
	b.srv = httptest.NewUnstartedServer(b.sim)
	// Refused handshakes are what some tests are about: not news.
	b.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	b.srv.TLS = b.pki.ServerTLS()
	b.srv.StartTLS()
	t.Cleanup(b.srv.Close)
	b.services = registries.Static(simulator.DemoServices(b.srv.URL))
	if edit != nil {
		edit(b.services)
	}
	if cfg.TLS == nil {
		cfg.TLS = b.pki.ClientTLS()
	}
	if cfg.Services == nil {
		cfg.Services = b.services
	}
	if cfg.OnQuery == nil {
		cfg.OnQuery = b.logs.add
	}
	b.client = registries.NewClient(cfg)
	t.Cleanup(b.client.Close)
	return b
}

// queryLogs collects what OnQuery is told.
type queryLogs struct {
	mu   sync.Mutex
	list []registries.QueryLog
}

func (l *queryLogs) add(_ context.Context, q registries.QueryLog) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, q)
}

func (l *queryLogs) all() []registries.QueryLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]registries.QueryLog(nil), l.list...)
}

func (l *queryLogs) last(t *testing.T) registries.QueryLog {
	t.Helper()
	all := l.all()
	require.NotEmpty(t, all)
	return all[len(all)-1]
}

// persona returns the development IdP's persona id.
func persona(t *testing.T, id string) devidp.Persona {
	t.Helper()
	for _, p := range devidp.Personas {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no persona %q", id)
	return devidp.Persona{}
}

// unknownRNOKPP is a valid РНОКПП that no persona has.
func unknownRNOKPP(t *testing.T) string {
	t.Helper()
	for d := range 10 {
		s := "301234567" + strconv.Itoa(d)
		if ukid.ValidRNOKPP(s) {
			for _, p := range devidp.Personas {
				require.NotEqual(t, s, p.RNOKPP)
			}
			return s
		}
	}
	t.Fatal("no check digit fits")
	return ""
}

func service(t *testing.T, svcs []registries.Service, code string) *registries.Service {
	t.Helper()
	for i := range svcs {
		if svcs[i].Code == code {
			return &svcs[i]
		}
	}
	t.Fatalf("no service %q", code)
	return nil
}
