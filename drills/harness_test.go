package drills

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"hromada/tenant/tenanttest"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"
)

// The drills' shared state, made once by TestMain.
var (
	// hromadaBin is the binary built from cmd/hromada for this run.
	hromadaBin string
	// caFile is the PEM of the self-signed certificate every drill's MinIO
	// serves TLS with; the hromada processes and this binary trust it
	// through SSL_CERT_FILE, pgBackRest through its CA file option.
	caFile, certFile, keyFile string
	// moduleDir is the repository's root (go.mod).
	moduleDir string
)

const (
	testBase = "hromada.test"
	testKey  = "operator-key-for-drills-0123456789abcdef"
	// runDirPrefix names the temporary directory of one run of this test
	// binary; a run that died leaves it, and the next run removes it.
	runDirPrefix = "hromada-drills-"
	ownerPidFile = "owner.pid"
)

func TestMain(m *testing.M) {
	dir, err := setUp()
	if err != nil {
		fmt.Fprintln(os.Stderr, "drills:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// setUp builds the binary once for the whole package and makes the
// certificate the drills' MinIO servers use.
func setUp() (string, error) {
	reapStale()
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	moduleDir = filepath.Dir(wd)
	dir, err := os.MkdirTemp("", runDirPrefix)
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerPidFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return "", err
	}
	hromadaBin = filepath.Join(dir, "hromada")
	build := exec.Command("go", "build", "-o", hromadaBin, "./cmd/hromada")
	build.Dir = moduleDir
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/hromada: %w\n%s", err, out)
	}
	certFile, keyFile, caFile = filepath.Join(dir, "public.crt"), filepath.Join(dir, "private.key"), filepath.Join(dir, "ca.pem")
	if err := selfSignedCert(certFile, keyFile); err != nil {
		return "", err
	}
	if err := os.Link(certFile, caFile); err != nil {
		return "", err
	}
	// Before any TLS handshake: Go reads the system roots once.
	return dir, os.Setenv("SSL_CERT_FILE", caFile)
}

// reapStale removes the directories of runs that died without cleaning up.
func reapStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), runDirPrefix+"*"))
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, ownerPidFile))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		if pid <= 0 || syscall.Kill(pid, 0) == nil {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// selfSignedCert writes a certificate for localhost and 127.0.0.1 that is
// its own CA, in the file names MinIO's certs directory takes.
func selfSignedCert(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		// 127.0.0.1 as a DNS name too: pgBackRest matches the host it
		// connects to against DNS names and the common name only.
		DNSNames:              []string{"localhost", "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
}

// workDir is a test's directory that the service user (postgres, when the
// tests run as root) can enter, removed when the test ends.
func workDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hromada-drill-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// serviceCred is whom PostgreSQL and pgBackRest run as: postgres when the
// tests run as root (as localpg does), else nil (ourselves).
func serviceCred(t *testing.T) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	require.NoError(t, err, "running as root needs the postgres user (Debian's postgresql package makes it)")
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// chownTo gives paths to cred's user (nothing when cred is nil).
func chownTo(t *testing.T, cred *syscall.Credential, paths ...string) {
	t.Helper()
	if cred == nil {
		return
	}
	for _, p := range paths {
		require.NoError(t, os.Chown(p, int(cred.Uid), int(cred.Gid)))
	}
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// objectStore is a drill's own MinIO, erasure-coded over four drives as
// production runs it, serving TLS with the run's self-signed certificate.
type objectStore struct {
	Endpoint             string // 127.0.0.1:port
	AccessKey, SecretKey string
	Root                 string // drives d1…d4, certs, the server's log
	Client               *minio.Client
}

// startErasureMinIO starts the drill's MinIO: `minio server d{1...4}`.
func startErasureMinIO(t *testing.T) *objectStore {
	t.Helper()
	bin, err := tenanttest.MinIOBinary()
	require.NoError(t, err)
	root := workDir(t)
	certs := filepath.Join(root, "certs")
	require.NoError(t, os.MkdirAll(certs, 0o755))
	for _, f := range []string{certFile, keyFile} {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(certs, filepath.Base(f)), raw, 0o600))
	}
	ports := freePorts(t, 2)
	s := &objectStore{Endpoint: "127.0.0.1:" + strconv.Itoa(ports[0]), AccessKey: "drill" + randomHex(6), SecretKey: randomHex(20), Root: root}
	logPath := filepath.Join(root, "minio.log")
	out, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(bin, "server", "--address", s.Endpoint, "--console-address", "127.0.0.1:"+strconv.Itoa(ports[1]),
		"--certs-dir", certs, filepath.Join(root, "d{1...4}"))
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	// MINIO_CI_CD lets the four drives share the root disk, as on a
	// test machine; production gives each its own.
	cmd.Env = append(env, "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_CI_CD=on", "MINIO_UPDATE=off", "MINIO_BROWSER=off")
	cmd.Stdout, cmd.Stderr, cmd.Dir = out, out, root
	done, err := tenanttest.StartLocked(cmd)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		_ = out.Close()
		if t.Failed() {
			t.Logf("minio.log:\n%s", tail(logPath))
		}
	})
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t), MinVersion: tls.VersionTLS12}}
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	require.Eventually(t, func() bool {
		select {
		case <-done:
			return true // reported below
		default:
		}
		res, err := hc.Get("https://" + s.Endpoint + "/minio/health/cluster")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 3*time.Minute, 200*time.Millisecond, "MinIO did not become ready")
	select {
	case <-done:
		t.Fatalf("MinIO exited: %s", tail(logPath))
	default:
	}
	s.Client, err = minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Secure: true, Transport: tr})
	require.NoError(t, err)
	return s
}

// DocsURL is the HROMADA_OBJECT_STORE of bucket (TLS, verified against
// the run's certificate through SSL_CERT_FILE).
func (s *objectStore) DocsURL(bucket string) string {
	return "s3://" + s.AccessKey + ":" + s.SecretKey + "@" + s.Endpoint + "/" + bucket
}

// requireErasure checks that the server runs in erasure mode over its
// four drives: its format says "xl" (a single drive says "xl-single")
// with one set of four, and each object under prefix in bucket has its
// erasure-coded metadata on every drive.
func (s *objectStore) requireErasure(t *testing.T, bucket, prefix string) int {
	t.Helper()
	var format struct {
		Format string `json:"format"`
		XL     struct {
			Sets             [][]string `json:"sets"`
			DistributionAlgo string     `json:"distributionAlgo"`
		} `json:"xl"`
	}
	raw, err := os.ReadFile(filepath.Join(s.Root, "d1", ".minio.sys", "format.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &format))
	require.Equal(t, "xl", format.Format, "MinIO is not in erasure mode: %s", raw)
	require.Len(t, format.XL.Sets, 1)
	require.Len(t, format.XL.Sets[0], 4, "one erasure set of four drives")
	n := 0
	for o := range s.Client.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		require.NoError(t, o.Err)
		for d := 1; d <= 4; d++ {
			_, err := os.Stat(filepath.Join(s.Root, "d"+strconv.Itoa(d), bucket, filepath.FromSlash(o.Key), "xl.meta"))
			require.NoError(t, err, "object %s has no shard on drive %d", o.Key, d)
		}
		n++
	}
	return n
}

func caPool(t *testing.T) *x509.CertPool {
	t.Helper()
	raw, err := os.ReadFile(caFile)
	require.NoError(t, err)
	p := x509.NewCertPool()
	require.True(t, p.AppendCertsFromPEM(raw))
	return p
}

// dbURLs are the three roles' URLs of one database.
type dbURLs struct{ App, Operator, Owner string }

// hromadaEnv is the environment of a hromada process on db and the
// documents' bucket, listening on addr, with its own data directory.
func hromadaEnv(db dbURLs, docs, addr, dataDir string, key []byte) []string {
	return append(os.Environ(),
		"HROMADA_DATABASE_URL="+db.App, "HROMADA_OPERATOR_DATABASE_URL="+db.Operator, "HROMADA_OWNER_DATABASE_URL="+db.Owner,
		"HROMADA_ADDR="+addr, "HROMADA_BASE_DOMAIN="+testBase, "HROMADA_DATA_DIR="+dataDir,
		"HROMADA_OBJECT_STORE="+docs, "HROMADA_SECRET_KEY="+base64.StdEncoding.EncodeToString(key),
		"HROMADA_OPERATOR_KEY="+testKey, "HROMADA_LOG_LEVEL=warn", "SSL_CERT_FILE="+caFile)
}

// process is one running hromada command.
type process struct {
	name string
	addr string
	cmd  *exec.Cmd
	done <-chan struct{}
	log  string
}

// startHromada runs `hromada args…` with env, logging to dir/name.log,
// and, when addr is set, waits until its /healthz answers; it is stopped
// (SIGTERM) when the test ends if it still runs. A process that exits
// before it is healthy is started again, twice at most, as its supervisor
// would restart it: on a machine this loaded River's start can time out
// (its queue settings are fetched within 10 s), which is not what the
// drills test.
func startHromada(t *testing.T, dir, name, addr string, env []string, args ...string) *process {
	t.Helper()
	p := &process{name: name, addr: addr, log: filepath.Join(dir, name+".log")}
	out, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	t.Cleanup(func() {
		if p.cmd != nil {
			p.stop(t)
		}
		_ = out.Close()
		if t.Failed() {
			t.Logf("%s:\n%s", p.log, tail(p.log))
		}
	})
	hc := &http.Client{Timeout: 5 * time.Second}
	for attempt := 1; ; attempt++ {
		p.cmd = exec.Command(hromadaBin, args...)
		p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = env, out, out
		p.done, err = tenanttest.StartLocked(p.cmd)
		require.NoError(t, err)
		if addr == "" {
			return p
		}
		require.Eventually(t, func() bool {
			select {
			case <-p.done:
				return true
			default:
			}
			res, err := hc.Get("http://" + addr + "/healthz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusOK
		}, 3*time.Minute, 100*time.Millisecond, "%s did not start", name)
		select {
		case <-p.done:
			require.Less(t, attempt, 3, "%s exited: %s", name, tail(p.log))
			t.Logf("%s exited while starting (%s); starting it again", name, p.cmd.ProcessState)
		default:
			return p
		}
	}
}

// stop ends the process gracefully (SIGTERM) and waits for it.
func (p *process) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		t.Errorf("%s did not stop within two minutes of SIGTERM; killed", p.name)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// runHromada runs a one-shot hromada command and returns its output.
func runHromada(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(hromadaBin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "hromada %s: %s", strings.Join(args, " "), out)
	return string(out)
}

func tail(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
