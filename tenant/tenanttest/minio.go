package tenanttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// MinIOServer is the test binary's MinIO server: a real one, built from
// the upstream module by .ci/install-minio.sh, so the document store is
// tested against the S3 semantics it will meet in production (object
// locking, error codes, signatures) rather than a fake's idea of them.
type MinIOServer struct {
	// Endpoint is host:port, plain HTTP.
	Endpoint string
	// AccessKey and SecretKey are the root user's, random per server.
	AccessKey, SecretKey string
}

// URL is the docstore URL of bucket on s, for docstore.Open.
func (s *MinIOServer) URL(bucket string) string {
	u := url.URL{
		Scheme:   "s3",
		User:     url.UserPassword(s.AccessKey, s.SecretKey),
		Host:     s.Endpoint,
		Path:     "/" + bucket,
		RawQuery: "secure=false",
	}
	return u.String()
}

// NewBucket returns a bucket name nobody else in this test binary uses, so
// tests can run in parallel against the one server. It only names the
// bucket: docstore.Open creates it (with object locking), as it would in
// production. The name carries the test's name for reading the server's
// data directory when a test fails.
func (s *MinIOServer) NewBucket(tb testing.TB) string {
	tb.Helper()
	// Bucket names: 3–63 characters of a-z, 0-9, '-' and '.', starting and
	// ending with a letter or digit. "t" + name + "-" + number fits that
	// whatever the test is called.
	name := strings.Trim(bucketUnsafe.ReplaceAllString(strings.ToLower(tb.Name()), "-"), "-")
	if len(name) > 40 {
		name = strings.TrimRight(name[:40], "-")
	}
	return fmt.Sprintf("t%s-%d", name, bucketSeq.Add(1))
}

var bucketUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

const minioDirPrefix = "hromada-minio-"

var (
	minioOnce    sync.Once
	minioMu      sync.Mutex // guards minioProc and minioServer against StopMinIO
	minioServer  *MinIOServer
	minioProc    *minioProcess
	minioErr     error
	minioStopped bool
	bucketSeq    atomic.Int64
)

type minioProcess struct {
	cmd  *exec.Cmd
	root string          // temp dir: data, certs, owner.pid
	done <-chan struct{} // closed when the server has exited
	out  *tailBuffer
}

// MinIO returns the test binary's MinIO server, starting it on first use.
// Starting takes about a second once the binary is built; the first run on
// a machine builds it, which takes minutes (see .ci/install-minio.sh).
//
// Call StopMinIO when the tests end (tenanttest.Main does; so does a
// package's own TestMain). If the test binary dies without it, the server
// dies too (Pdeathsig), and the next run removes its data directory.
func MinIO(tb testing.TB) *MinIOServer {
	tb.Helper()
	minioOnce.Do(func() {
		srv, p, err := startMinIO()
		minioMu.Lock()
		defer minioMu.Unlock()
		minioServer, minioProc, minioErr = srv, p, err
		if minioStopped && p != nil {
			// StopMinIO ran while we were starting: do not outlive it.
			p.stop()
			minioErr = errors.New("MinIO was stopped")
		}
	})
	if minioErr != nil {
		tb.Fatalf("tenanttest: minio: %v", minioErr)
	}
	minioMu.Lock()
	defer minioMu.Unlock()
	if minioStopped {
		tb.Fatalf("tenanttest: minio: used after StopMinIO")
	}
	return minioServer
}

// StopMinIO stops the test binary's MinIO server, if one was started, and
// removes its data. It is safe to call more than once, and when MinIO was
// never used.
func StopMinIO() {
	minioMu.Lock()
	defer minioMu.Unlock()
	minioStopped = true
	if minioProc != nil {
		minioProc.stop()
		minioProc = nil
	}
}

func startMinIO() (*MinIOServer, *minioProcess, error) {
	reapStaleMinIO()
	bin, err := minioBinary()
	if err != nil {
		return nil, nil, err
	}
	// A free port is only free until someone else takes it; if the server
	// loses that race it exits at once, and we try again on new ports.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		srv, p, err := launchMinIO(bin)
		if err == nil {
			return srv, p, nil
		}
		lastErr = err
		if !errors.Is(err, errExitedEarly) {
			break
		}
	}
	return nil, nil, lastErr
}

var errExitedEarly = errors.New("server exited before it was ready")

func launchMinIO(bin string) (*MinIOServer, *minioProcess, error) {
	root, err := os.MkdirTemp("", minioDirPrefix)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(root, pidFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		_ = os.RemoveAll(root)
		return nil, nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		_ = os.RemoveAll(root)
		return nil, nil, err
	}
	srv := &MinIOServer{
		Endpoint:  net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		AccessKey: "hromada" + randomHex(8),
		SecretKey: randomHex(24),
	}
	console := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))

	cmd := exec.Command(bin, "server",
		"--address", srv.Endpoint,
		"--console-address", console,
		// Our own certs dir, so TLS certificates in ~/.minio/certs cannot
		// turn the server to HTTPS behind the tests' back.
		"--certs-dir", filepath.Join(root, "certs"),
		"--quiet",
		filepath.Join(root, "data"))
	cmd.Env = append(minioEnv(),
		"MINIO_ROOT_USER="+srv.AccessKey,
		"MINIO_ROOT_PASSWORD="+srv.SecretKey,
		// CI sets CI=true, which MinIO reads as MINIO_CI_CD; set it always,
		// so a run on a laptop behaves like a run in CI.
		"MINIO_CI_CD=on",
		"MINIO_UPDATE=off",
		"MINIO_BROWSER=off",
	)
	out := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = root

	p := &minioProcess{cmd: cmd, root: root, out: out}
	done, err := StartLocked(cmd)
	if err != nil {
		_ = os.RemoveAll(root)
		return nil, nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p.done = done
	if err := p.waitReady(srv.Endpoint, 60*time.Second); err != nil {
		p.stop()
		return nil, nil, err
	}
	return srv, p, nil
}

// minioEnv is the environment without MINIO_* variables, so a developer's
// own MinIO settings (a KMS, a different root user) do not leak in.
func minioEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls the cluster health endpoint until it answers 200. The
// liveness endpoint answers as soon as the process listens, before its
// object layer is initialised (requests then fail with "Server not
// initialized yet"); the cluster check answers 200 only once it serves.
func (p *minioProcess) waitReady(endpoint string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	health := "http://" + endpoint + "/minio/health/cluster"
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%w (%s); its output:\n%s", errExitedEarly, p.cmd.ProcessState, p.out)
		default:
		}
		resp, err := client.Get(health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", health, resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %v; its output:\n%s", timeout, err, p.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the server, politely first, and removes its data.
func (p *minioProcess) stop() {
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
	if err := os.RemoveAll(p.root); err != nil {
		fmt.Fprintln(os.Stderr, "tenanttest: minio:", err)
	}
}

// reapStaleMinIO removes the data of test binaries that died without
// StopMinIO. Their servers are already dead (Pdeathsig); only the
// directories are left behind.
func reapStaleMinIO() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), minioDirPrefix+"*"))
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, pidFile))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		if pid <= 0 || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// minioBinary finds the server binary: HROMADA_MINIO_BIN, or whatever
// .ci/install-minio.sh finds or builds, so tests and CI agree on one.
func minioBinary() (string, error) {
	return installedBinary("HROMADA_MINIO_BIN", "install-minio.sh")
}

// installedBinary finds a tool the tests run: the file $env names, or
// whatever .ci/<script> finds or builds (its last line of stdout).
func installedBinary(env, script string) (string, error) {
	if bin := os.Getenv(env); bin != "" {
		if st, err := os.Stat(bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s=%s is not an executable file", env, bin)
		}
		return bin, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, ".ci", script)
	// The first run builds the tool, for minutes; pass the script's
	// progress through so a waiting developer sees why.
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Dir = root
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(&stderr, os.Stderr)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %v\n%s\n(set %s to the binary to skip the build)", path, err, stderr.String(), env)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	bin := strings.TrimSpace(lines[len(lines)-1])
	if bin == "" {
		return "", fmt.Errorf("%s printed no path", path)
	}
	return bin, nil
}

// moduleRoot walks up from the working directory (a package's directory,
// under go test) to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; set the tool's HROMADA_*_BIN")
		}
		dir = parent
	}
}

func freePorts(n int) ([]int, error) {
	// Hold all listeners open until every port is chosen, so the n ports
	// differ from each other.
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}

// tailBuffer keeps the last max bytes written to it, safely for the
// goroutines os/exec copies output from.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.b) == 0 {
		return "(no output)"
	}
	return string(t.b)
}

// MinIOBinary is the MinIO server binary the tests run, for a test that
// starts, kills and restarts a server of its own (package resilience).
func MinIOBinary() (string, error) { return minioBinary() }
