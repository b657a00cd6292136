package charttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// root is the repository's root.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	dir, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, "go.mod"))
	return dir
}

func chartDir(t *testing.T) string { return filepath.Join(root(t), "charts", "hromada") }

var (
	helmOnce sync.Once
	helmPath string
	helmErr  error
)

// helm is the path of the helm binary .ci/install-helm.sh finds or builds
// (minutes the first time; the test fails, never skips, when it cannot).
func helm(t *testing.T) string {
	t.Helper()
	helmOnce.Do(func() {
		cmd := exec.Command(filepath.Join(root(t), ".ci", "install-helm.sh"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			helmErr = err
			helmPath = stderr.String()
			return
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		helmPath = lines[len(lines)-1]
	})
	require.NoError(t, helmErr, "install-helm.sh: %s", helmPath)
	return helmPath
}

// runHelm runs helm with args and returns its stdout, and stderr with the error.
func runHelm(t *testing.T, args ...string) ([]byte, string, error) {
	t.Helper()
	cmd := exec.Command(helm(t), args...)
	// helm's own caches and config stay in the test's directory.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}

// manifest is one rendered document.
type manifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	json []byte
}

func (m manifest) String() string { return m.APIVersion + " " + m.Kind + " " + m.Metadata.Name }

// split cuts helm's output into its documents, each as JSON.
func split(t tb, out []byte) []manifest {
	t.Helper()
	var docs []manifest
	for _, part := range regexpDocSep.Split(string(out), -1) {
		j, err := yaml.YAMLToJSON([]byte(part))
		require.NoError(t, err, "a rendered document is not YAML:\n%s", part)
		if s := strings.TrimSpace(string(j)); s == "null" || s == "" || s == "{}" {
			continue
		}
		var m manifest
		require.NoError(t, json.Unmarshal(j, &m))
		m.json = j
		docs = append(docs, m)
	}
	return docs
}

// strict decodes a document into an API type, refusing any field the type
// does not have: a misspelt or misplaced key fails here, where the API
// server would silently drop it (or reject the release).
func strict(t tb, m manifest, into any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(m.json))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(into), "%s does not match its API type", m)
}

// tb is what the checks need of a test: a *testing.T, or a recorder that
// shows a check catching a mistake.
type tb interface {
	require.TestingT
	Helper()
	Fatalf(format string, args ...any)
}

var errStop = errors.New("stopped at the first failed check")

// recorder keeps a check's first failure instead of failing the test.
type recorder struct {
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	if !r.failed {
		r.failed, r.msg = true, fmt.Sprintf(format, args...)
	}
}
func (r *recorder) FailNow() { panic(errStop) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}
