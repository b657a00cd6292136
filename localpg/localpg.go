// Package localpg runs a PostgreSQL cluster of its own from the system's
// server binaries: the embedded default of `hromada serve` (in
// HROMADA_DATA_DIR/pg) and the cluster of each test binary.
//
// PostgreSQL refuses to run as root, so when the process is root the cluster
// belongs to, and runs as, the "postgres" system user (or "nobody"). The
// cluster listens on a unix socket in its own directory and, when asked, on a
// free port of 127.0.0.1 (password authentication there). A cluster that is
// already running is reused; Stop stops only a cluster this process started.
package localpg

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options describe the cluster to open; the zero value of each field is a
// sensible default.
type Options struct {
	// Dir is the data directory. Required.
	Dir string
	// TCP also listens on 127.0.0.1 at a free port (the embedded default);
	// otherwise the cluster has its unix socket only (tests).
	TCP bool
	// Durable keeps fsync on. Tests turn it off: their clusters are thrown
	// away, and fsync would dominate their run time.
	Durable bool
	// Settings are extra postgresql.conf settings, passed with -c.
	Settings map[string]string
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// Cluster is a running local PostgreSQL cluster.
type Cluster struct {
	Dir       string // data directory
	SocketDir string // where the unix socket is
	Port      int    // the socket's (and, with TCP, the listener's) port
	bin       string
	cred      *syscall.Credential // run as this user; nil means as ourselves
	started   bool                // by this process: Stop stops it
	startArgs []string            // pg_ctl start's arguments, for Start after Crash
}

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("localpg: no PostgreSQL server binaries found (install postgresql-15, or set HROMADA_PG_BIN)")

// BinDir finds the directory of initdb, pg_ctl and postgres: HROMADA_PG_BIN,
// then the newest /usr/lib/postgresql/*/bin, then PATH.
func BinDir() (string, error) {
	if d := os.Getenv("HROMADA_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoBinaries
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Open initialises the cluster in opts.Dir if it has none, and starts it
// unless it is running already.
func Open(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("localpg: no data directory")
	}
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, SocketDir: filepath.Join(dir, "run"), bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = serviceUser(); err != nil {
			return nil, err
		}
		if err := c.reachable(); err != nil {
			return nil, err
		}
	}
	if real, err := filepath.EvalSymlinks(c.Dir); err == nil {
		c.Dir, c.SocketDir = real, filepath.Join(real, "run")
	}
	if running, err := c.readPid(); err == nil && running {
		logf("reusing the PostgreSQL cluster running in %s", dir)
		return c, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logf("creating a PostgreSQL cluster in %s", dir)
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if err := c.start(ctx, opts); err != nil {
		return nil, err
	}
	return c, nil
}

// Attach returns the cluster running in dir, or an error if none is.
func Attach(dir string) (*Cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	c := &Cluster{Dir: dir, SocketDir: filepath.Join(dir, "run")}
	running, err := c.readPid()
	if err != nil || !running {
		return nil, fmt.Errorf("localpg: no cluster is running in %s (start one with `hromada serve`)", dir)
	}
	return c, nil
}

// reachable makes sure the service user can reach the data directory. A
// checkout under /root (mode 0700) is not reachable by "postgres": then the
// cluster lives in /var/lib/hromada/<hash of the path>, and the data
// directory becomes a symbolic link to it (PostgreSQL is given the real
// path, since it cannot follow a link inside /root).
func (c *Cluster) reachable() error {
	parent := filepath.Dir(c.Dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	if traversable(parent, c.cred) {
		return nil
	}
	if fi, err := os.Lstat(c.Dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil // moved on an earlier start
	}
	if _, err := os.Stat(c.Dir); err == nil {
		return fmt.Errorf("localpg: user %d cannot reach %s; move the data directory (HROMADA_DATA_DIR) under a path it can read", c.cred.Uid, c.Dir)
	}
	sum := sha256.Sum256([]byte(c.Dir))
	real := filepath.Join("/var/lib/hromada", hex.EncodeToString(sum[:6]), filepath.Base(c.Dir))
	if err := os.MkdirAll(real, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(filepath.Dir(real), 0o755); err != nil {
		return err
	}
	if err := os.Chmod("/var/lib/hromada", 0o755); err != nil {
		return err
	}
	return os.Symlink(real, c.Dir)
}

// traversable reports whether cred's user may enter every directory from
// / down to dir.
func traversable(dir string, cred *syscall.Credential) bool {
	for d := dir; ; d = filepath.Dir(d) {
		var st syscall.Stat_t
		if err := syscall.Stat(d, &st); err != nil {
			return false
		}
		mode := st.Mode
		ok := mode&0o001 != 0 || st.Uid == cred.Uid && mode&0o100 != 0 || st.Gid == cred.Gid && mode&0o010 != 0
		if !ok {
			return false
		}
		if d == "/" || d == "." {
			return true
		}
	}
}

// serviceUser is whom the cluster runs as when we are root.
func serviceUser() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("localpg: running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8", "TZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Dir = "/"
	}
	return cmd
}

func (c *Cluster) chown(paths ...string) error {
	if c.cred == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	// The parent must be traversable by the service user.
	if c.cred != nil {
		_ = os.Chmod(filepath.Dir(c.Dir), 0o755)
	}
	pw := randomHex(24)
	pwFile := filepath.Join(filepath.Dir(c.Dir), filepath.Base(c.Dir)+".superuser-password")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		return err
	}
	if err := c.chown(c.Dir, pwFile); err != nil {
		return err
	}
	out, err := c.command(ctx, "initdb", "-D", c.Dir, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
		"--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile="+pwFile).CombinedOutput()
	if err != nil {
		return fmt.Errorf("localpg: initdb: %w\n%s", err, out)
	}
	return nil
}

func (c *Cluster) start(ctx context.Context, opts Options) error {
	if err := os.MkdirAll(c.SocketDir, 0o700); err != nil {
		return err
	}
	if err := c.chown(c.SocketDir); err != nil {
		return err
	}
	c.Port = 5432
	listen := ""
	if opts.TCP {
		port, err := freePort()
		if err != nil {
			return err
		}
		c.Port, listen = port, "127.0.0.1"
	}
	settings := map[string]string{
		"listen_addresses":        listen,
		"unix_socket_directories": c.SocketDir,
		"unix_socket_permissions": "0700",
		"max_connections":         "200",
		"shared_buffers":          "128MB",
		"log_min_messages":        "warning",
		"timezone":                "UTC",
	}
	if !opts.Durable {
		settings["fsync"] = "off"
		settings["synchronous_commit"] = "off"
		settings["full_page_writes"] = "off"
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var o strings.Builder
	fmt.Fprintf(&o, "-p %d", c.Port)
	for _, k := range keys {
		fmt.Fprintf(&o, " -c %s='%s'", k, settings[k])
	}
	logFile := filepath.Join(c.Dir, "server.log")
	c.startArgs = []string{"start", "-w", "-t", "60", "-D", c.Dir, "-l", logFile, "-o", o.String()}
	out, err := c.command(ctx, "pg_ctl", c.startArgs...).CombinedOutput()
	if err != nil {
		tail, _ := os.ReadFile(logFile)
		return fmt.Errorf("localpg: pg_ctl start: %w\n%s\n%s", err, out, lastLines(string(tail), 15))
	}
	c.started = true
	return nil
}

// Stop stops the cluster if this process started it.
func (c *Cluster) Stop() error {
	if !c.started {
		return nil
	}
	return c.ForceStop()
}

// Crash stops a cluster this process started as a crash of the server
// would (pg_ctl stop -m immediate: no checkpoint, every backend ends at
// once, its clients lose their connections); Start brings it back through
// crash recovery. The failure tests use it.
func (c *Cluster) Crash() error {
	if c.startArgs == nil {
		return errors.New("localpg: Crash of a cluster this process did not start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.command(ctx, "pg_ctl", "stop", "-w", "-m", "immediate", "-D", c.Dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("localpg: pg_ctl stop -m immediate: %w\n%s", err, out)
	}
	return nil
}

// Start starts again, with the same settings, a cluster this process
// started and then crashed.
func (c *Cluster) Start(ctx context.Context) error {
	if c.startArgs == nil {
		return errors.New("localpg: Start of a cluster this process did not start")
	}
	out, err := c.command(ctx, "pg_ctl", c.startArgs...).CombinedOutput()
	if err != nil {
		tail, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		return fmt.Errorf("localpg: pg_ctl start: %w\n%s\n%s", err, out, lastLines(string(tail), 15))
	}
	return nil
}

// ForceStop stops the cluster whoever started it.
func (c *Cluster) ForceStop() error {
	if c.bin == "" {
		var err error
		if c.bin, err = BinDir(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.command(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.Dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("localpg: pg_ctl stop: %w\n%s", err, out)
	}
	c.started = false
	return nil
}

// readPid reads postmaster.pid: whether the postmaster it names is alive,
// and the port and socket directory it listens on.
func (c *Cluster) readPid() (bool, error) {
	f, err := os.Open(filepath.Join(c.Dir, "postmaster.pid"))
	if err != nil {
		return false, err
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	if len(lines) < 5 {
		return false, errors.New("localpg: postmaster.pid is incomplete")
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	if pid <= 0 || syscall.Kill(pid, 0) != nil && !errors.Is(syscall.Kill(pid, 0), syscall.EPERM) {
		return false, nil
	}
	c.Port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	if sd := strings.TrimSpace(lines[4]); sd != "" {
		c.SocketDir = sd
	}
	_, err = os.Stat(filepath.Join(c.SocketDir, fmt.Sprintf(".s.PGSQL.%d", c.Port)))
	return err == nil, nil
}

// DSN is the connection string for user to database over the unix socket.
func (c *Cluster) DSN(user, database string) string {
	q := url.Values{}
	q.Set("host", c.SocketDir)
	q.Set("port", strconv.Itoa(c.Port))
	q.Set("sslmode", "disable")
	return (&url.URL{Scheme: "postgres", User: url.User(user), Path: "/" + database, RawQuery: q.Encode()}).String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
