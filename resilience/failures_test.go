package resilience

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// The tests of this file run one after another (no t.Parallel): each
// crashes something the others would notice (PostgreSQL is the binary's).

// PostgreSQL crashes (pg_ctl stop -m immediate) and comes back 10 s later
// while residents submit signed applications and automatic mode issues
// results: the server process keeps running and reconnects by itself;
// every submission it confirmed exists once with one result; during the
// outage people are told in Ukrainian to try again (503, Retry-After).
func TestPostgresRestart(t *testing.T) {
	db := tenanttest.New(t)
	s := newServer(t, db, "")
	s.start()
	k := kyiv(t, db)
	cr := newCrowd(t, s, 0)
	cr.waitFor(t, 8, "before the crash")
	pid := s.pid()

	pg := tenanttest.Cluster(t)
	require.NoError(t, pg.Crash())
	t.Logf("PostgreSQL crashed with %s", cr.tl)
	time.Sleep(10 * time.Second)
	require.NoError(t, pg.Start(t.Context()))
	t.Logf("PostgreSQL back with %s", cr.tl)

	cr.waitFor(t, 12, "after the restart")
	cr.stop()
	require.True(t, s.alive(), "the server survived the database's restart")
	require.Equal(t, pid, s.pid(), "no process restart")
	t.Logf("clients: %s", cr.tl)
	require.Positive(t, cr.tl.clear, "nobody met the outage: the test did not test it")
	noUnclear(t, cr.tl)
	require.Zero(t, cr.tl.refused)
	exactlyOnce(t, db, k, cr.tl, 3*time.Minute)
}

// kill -9 of the server in the middle of submissions and automatic mode,
// then a start: every confirmed submission exists once, every application
// gets exactly one result, and the clients that were cut off go on.
func TestServerKill9(t *testing.T) {
	db := tenanttest.New(t)
	s := newServer(t, db, "")
	s.start()
	k := kyiv(t, db)
	cr := newCrowd(t, s, 0)
	cr.waitFor(t, 8, "before the kill")

	cr.mayRefuse.Store(true)
	s.kill()
	running := count(t, db, k, `SELECT count(*) FROM river_job WHERE state = 'running'`)
	t.Logf("killed with %s; %d jobs left running", cr.tl, running)
	s.start()
	cr.mayRefuse.Store(false)

	cr.waitFor(t, 12, "after the restart")
	cr.stop()
	t.Logf("clients: %s", cr.tl)
	require.Positive(t, cr.tl.refused, "no client was cut off: the kill missed the submissions")
	noUnclear(t, cr.tl)
	exactlyOnce(t, db, k, cr.tl, 3*time.Minute)
}

// MinIO is killed for 60 s while automatic mode produces results: the
// steps that store documents wait for it (snoozed, not giving up), the
// results complete after it is back, each once; a resident downloading a
// result meanwhile is told in Ukrainian to try again (503), not a 500.
func TestMinIOOutage(t *testing.T) {
	db := tenanttest.New(t)
	mio := startMinIO(t)
	s := newServer(t, db, mio.url("results"))
	s.start()
	k := kyiv(t, db)
	cr := newCrowd(t, s, time.Second)
	cr.waitFor(t, 6, "before the outage")
	require.Eventually(t, func() bool { return count(t, db, k, `SELECT count(*) FROM automatic_runs WHERE step = 'done'`) > 0 },
		3*time.Minute, 100*time.Millisecond, "no result before the outage")

	// A result and its owner, to download it.
	var app, file, rnokpp string
	require.NoError(t, db.App.ReadTx(tenant.With(t.Context(), k), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT f.application_id::text, f.id::text, ac.rnokpp FROM application_files f
			JOIN applications a ON a.tenant_id = f.tenant_id AND a.id = f.application_id
			JOIN accounts ac ON ac.tenant_id = a.tenant_id AND ac.id = a.applicant_id
			WHERE f.kind = 'result' LIMIT 1`).Scan(&app, &file, &rnokpp)
	}))
	var owner *client
	for _, c := range cr.clients {
		if c.persona.RNOKPP == rnokpp {
			owner = c
		}
	}
	require.NotNil(t, owner)
	download := "/cabinet/applications/" + app + "/files/" + file
	a, err := owner.do(http.MethodGet, download, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, a.status)

	began := time.Now()
	mio.kill()
	down := time.Now()
	t.Logf("MinIO killed with %s", cr.tl)
	clearBefore := cr.tl.clear
	_, err = owner.do(http.MethodGet, download, nil)
	t.Logf("the download answered in %s", time.Since(down).Round(time.Millisecond))
	require.ErrorIs(t, err, errRetry, "the download cannot succeed without the store")
	require.Equal(t, clearBefore+1, cr.tl.clear, "the download told clearly: %v", cr.tl.unclear)
	// Results wait: submissions go on, results do not come.
	cr.waitFor(t, 4, "submissions while MinIO is down")
	time.Sleep(time.Until(down.Add(60 * time.Second)))
	submitted := count(t, db, k, `SELECT count(*) FROM applications WHERE status <> 'draft'`)
	done := count(t, db, k, `SELECT count(*) FROM automatic_runs WHERE step = 'done'`)
	t.Logf("after 60 s without MinIO: %d submitted, %d done", submitted, done)
	require.Less(t, done, submitted, "some results wait for the store")

	mio.start()
	back := time.Now()
	t.Logf("MinIO back %s after the kill", back.Sub(began).Round(time.Second))
	cr.waitFor(t, 2, "after MinIO is back")
	t.Logf("clients stopping %s after MinIO is back", time.Since(back).Round(time.Second))
	cr.stop()
	exactlyOnce(t, db, k, cr.tl, 3*time.Minute)
	t.Logf("every result done %s after MinIO came back; clients: %s", time.Since(back).Round(time.Second), cr.tl)
	noUnclear(t, cr.tl)
	a, err = owner.do(http.MethodGet, download, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, a.status)
	require.Zero(t, count(t, db, k, `SELECT count(*) FROM automatic_runs WHERE step = 'manual'`), "nothing handed to officials")
}

// exactlyOnce waits (up to within) until automatic mode has finished
// every submitted application, then checks: every confirmed submission
// is there; each application was received once, issued once, with one
// result, one seal, one issued document and one notice; none went to the
// officials and no job was discarded.
func exactlyOnce(t *testing.T, db *tenanttest.DB, k *tenant.Tenant, tl *tally, within time.Duration) {
	t.Helper()
	confirmed := len(tl.confirmed)
	require.Equal(t, confirmed, count(t, db, k, `SELECT count(*) FROM applications WHERE id = ANY($1::uuid[]) AND status <> 'draft'`, tl.confirmed),
		"every confirmed submission exists")
	submitted := count(t, db, k, `SELECT count(*) FROM applications WHERE status <> 'draft'`)
	require.GreaterOrEqual(t, submitted, confirmed)
	t.Logf("%d confirmed, %d submitted (the others' confirmations were cut off: %d unsure)", confirmed, submitted, len(tl.unsure))
	require.Eventually(t, func() bool {
		return count(t, db, k, `SELECT count(*) FROM automatic_runs WHERE step IN ('done', 'manual')`) >= submitted
	}, within, 200*time.Millisecond, "automatic mode did not finish: %d of %d", count(t, db, k, `SELECT count(*) FROM automatic_runs WHERE step = 'done'`), submitted)
	require.Zero(t, count(t, db, k, `SELECT count(*) FROM automatic_runs WHERE step = 'manual'`), "nothing went to officials")
	require.Equal(t, submitted, count(t, db, k, `SELECT count(*) FROM applications WHERE status = 'issued'`))
	require.Equal(t, submitted, count(t, db, k, `SELECT count(*) FROM issued_documents`))
	require.Equal(t, submitted, count(t, db, k, `SELECT count(*) FROM notifications WHERE key IN ('notify.granted', 'notify.denied')`))
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT application_id FROM application_events WHERE to_status = 'received' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM application_events WHERE to_status = 'issued' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM application_files WHERE kind = 'result' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM application_files WHERE kind = 'result_signature' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM notifications WHERE key IN ('notify.granted', 'notify.denied') GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM river_job WHERE state = 'discarded'`,
	} {
		require.Zero(t, count(t, db, k, q), q)
	}
}

// minioServer is a MinIO server of the test's own, killed and started
// again on the same data directory and port.
type minioServer struct {
	t          *testing.T
	bin, dir   string
	addr       string
	user, pass string
	cmd        *exec.Cmd
	exited     chan struct{}
}

func startMinIO(t *testing.T) *minioServer {
	t.Helper()
	bin, err := tenanttest.MinIOBinary()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	m := &minioServer{t: t, bin: bin, dir: t.TempDir(), addr: addr, user: "resilience", pass: "resilience-secret-" + strconv.Itoa(time.Now().Nanosecond())}
	m.start()
	t.Cleanup(func() {
		if m.cmd != nil {
			m.kill()
		}
	})
	return m
}

// url is the server's document store URL for bucket.
func (m *minioServer) url(bucket string) string {
	return fmt.Sprintf("s3://%s:%s@%s/%s?secure=false", m.user, m.pass, m.addr, bucket)
}

// start runs the server and waits until it serves.
func (m *minioServer) start() {
	t := m.t
	t.Helper()
	cmd := exec.Command(m.bin, "server", "--address", m.addr, "--console-address", "127.0.0.1:0",
		"--certs-dir", filepath.Join(m.dir, "certs"), "--quiet", filepath.Join(m.dir, "data"))
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + m.dir, "MINIO_ROOT_USER=" + m.user, "MINIO_ROOT_PASSWORD=" + m.pass,
		"MINIO_CI_CD=on", "MINIO_UPDATE=off", "MINIO_BROWSER=off"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	m.cmd, m.exited = cmd, exited
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + m.addr + "/minio/health/cluster")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 2*time.Minute, 100*time.Millisecond, "MinIO did not start")
}

// kill ends the server with SIGKILL.
func (m *minioServer) kill() {
	require.NoError(m.t, m.cmd.Process.Signal(syscall.SIGKILL))
	<-m.exited
	m.cmd = nil
}

// noUnclear fails with the first unclear answers the clients met.
func noUnclear(t *testing.T, tl *tally) {
	t.Helper()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if n := len(tl.unclear); n > 0 {
		t.Fatalf("%d answers were neither expected nor a clear message; the first:\n%s", n, strings.Join(tl.unclear[:min(n, 10)], "\n"))
	}
}
