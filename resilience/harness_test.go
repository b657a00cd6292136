package resilience

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// This package's own test binary owns its PostgreSQL cluster (tenanttest)
// and its MinIO servers, so crashing them disturbs no other package's tests.
//
// Its PostgreSQL commits synchronously: these tests crash it and then check
// that every submission the server confirmed is there. With the test
// clusters' asynchronous commit an immediate stop loses the commits of the
// last few hundred milliseconds — a confirmed submission gone (seen once
// in CI), or a job's completion gone, leaving it "running" until River's
// rescue. Without fsync the WAL a commit wrote still survives a crash of
// PostgreSQL's processes (the kernel keeps it); only the machine's crash
// would lose it, which no test does.
func TestMain(m *testing.M) {
	tenanttest.Settings = map[string]string{"synchronous_commit": "on"}
	tenanttest.Main(m)
}

const (
	baseDomain = "hromada.test"
	kyivHost   = "kyiv." + baseDomain
	// operatorKey and secretKey are the servers' (tests only).
	operatorKey = "operator-key-for-resilience-0123456789abcdef"
)

var secretKey = []byte("0123456789abcdef0123456789abcdef")

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// hromadaBinary builds bin/hromada-resilience from ./cmd/hromada once per
// test binary: the tests run the real server as a process, to kill it.
func hromadaBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(root, "bin", "hromada-resilience")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/hromada")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/hromada: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// server is `hromada serve --demo` as a child process on a database of
// its own, listening on a fixed local address across its restarts.
type server struct {
	t       *testing.T
	db      *tenanttest.DB
	addr    string
	dir     string
	env     []string
	cmd     *exec.Cmd
	exited  chan struct{}
	logs    []string
	started int
}

// newServer prepares a server on db with the document store store (a
// file:// directory when empty); start runs it.
func newServer(t *testing.T, db *tenanttest.DB, store string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	dir := t.TempDir()
	if store == "" {
		store = "file://" + filepath.Join(dir, "docs")
	}
	s := &server{t: t, db: db, addr: addr, dir: dir}
	s.env = append(os.Environ(),
		"HROMADA_DATABASE_URL="+db.AppDSN, "HROMADA_OPERATOR_DATABASE_URL="+db.OperatorDSN, "HROMADA_OWNER_DATABASE_URL="+db.OwnerDSN,
		"HROMADA_ADDR="+addr, "HROMADA_BASE_DOMAIN="+baseDomain, "HROMADA_DATA_DIR="+filepath.Join(dir, "data"),
		"HROMADA_OBJECT_STORE="+store, "HROMADA_SECRET_KEY="+base64.StdEncoding.EncodeToString(secretKey),
		"HROMADA_OPERATOR_KEY="+operatorKey, "HROMADA_LOG_LEVEL=warn", "HROMADA_SHUTDOWN_TIMEOUT=10s",
		// The fallback rescue of a job still marked running, shortened from
		// 10 minutes to fit the tests' waits: once in four CI runs (stop 32)
		// 7 of 24 automatic applications stayed unfinished for 3 minutes
		// after a PostgreSQL restart with nothing logged — jobs whose state
		// was lost around the workers' stop and the life line's re-hold. The
		// race is an open item of issue 23; exactly-once is still checked.
		"HROMADA_JOB_RESCUE_AFTER=90s")
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			for _, l := range s.logs {
				t.Logf("%s:\n%s", l, tail(l, 6000))
			}
		}
	})
	return s
}

// start runs the server and waits (minutes at most: the machine is
// shared) until it answers /healthz. A start that fails because River's
// producers did not start within River's own 10 s (a loaded machine) is
// tried again, twice at most, as a supervisor would.
func (s *server) start() {
	s.t.Helper()
	for try := 0; ; try++ {
		if s.startOnce() || try == 2 {
			return
		}
		s.t.Logf("start %d: River did not start in time on the loaded machine; starting again", s.started)
	}
}

// startOnce is one start; false when River's start timed out.
func (s *server) startOnce() bool {
	t := s.t
	t.Helper()
	s.started++
	logName := filepath.Join(s.dir, fmt.Sprintf("serve-%d.log", s.started))
	out, err := os.Create(logName)
	require.NoError(t, err)
	s.logs = append(s.logs, logName)
	cmd := exec.Command(hromadaBinary(t), "serve", "--demo")
	cmd.Env, cmd.Stdout, cmd.Stderr = s.env, out, out
	// The server never outlives the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	require.Eventually(t, func() bool {
		select {
		case <-exited:
			return true // reported below
		default:
		}
		res, err := http.Get("http://" + s.addr + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 3*time.Minute, 100*time.Millisecond, "the server did not start")
	select {
	case <-exited:
		if strings.Contains(tail(logName, 4000), "StartWorkContext timed out") {
			return false
		}
		t.Fatalf("the server exited at start: %s", tail(logName, 4000))
	default:
	}
	return true
}

// kill ends the server with SIGKILL, as a crash or the OOM killer would.
func (s *server) kill() {
	s.t.Helper()
	require.NoError(s.t, s.cmd.Process.Signal(syscall.SIGKILL))
	<-s.exited
	s.cmd = nil
}

// stop ends the server with SIGTERM (a graceful stop), if it runs.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// pid is the running server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// alive reports whether the server process still runs.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// rssKiB is the resident set size of the process, from /proc.
func rssKiB(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// kyiv is the demo city Київ, as the server loaded it.
func kyiv(t *testing.T, db *tenanttest.DB) *tenant.Tenant {
	t.Helper()
	k, err := tenant.BySlug(t.Context(), db.App.Pool(), "kyiv")
	require.NoError(t, err)
	return k
}

// count runs a count query in Kyiv (through row-level security, as the
// server's role); a query that fails (the database restarting) is
// retried for a while.
func count(t *testing.T, db *tenanttest.DB, k *tenant.Tenant, sql string, args ...any) int {
	t.Helper()
	var n int
	var err error
	for range 100 {
		err = db.App.ReadTx(tenant.With(context.Background(), k), func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, sql, args...).Scan(&n)
		})
		if err == nil {
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, err, sql)
	return n
}

// tail is the end of a log file.
func tail(name string, n int) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
