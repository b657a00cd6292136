package charttest

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// instruction is one line of the Dockerfile, continuation lines joined.
type instruction struct {
	op, args string
}

func dockerfile(t *testing.T) []instruction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), "Dockerfile"))
	require.NoError(t, err)
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		op, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

func find(ins []instruction, op string) []instruction {
	var out []instruction
	for _, i := range ins {
		if i.op == op {
			out = append(out, i)
		}
	}
	return out
}

// dockerUser is the final stage's USER uid:gid.
func dockerUser(t *testing.T) (uid, gid int64) {
	t.Helper()
	users := find(dockerfile(t), "USER")
	require.Len(t, users, 1, "one USER, in the final stage")
	u, g, ok := strings.Cut(users[0].args, ":")
	require.True(t, ok, "USER names a group too: %q", users[0].args)
	uid, err := strconv.ParseInt(u, 10, 64)
	require.NoError(t, err, "USER is numeric, so that runAsNonRoot can check it")
	gid, err = strconv.ParseInt(g, 10, 64)
	require.NoError(t, err)
	return uid, gid
}

func chartAppVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartDir(t), "Chart.yaml"))
	require.NoError(t, err)
	var c struct {
		AppVersion string `json:"appVersion"`
	}
	require.NoError(t, yaml.Unmarshal(b, &c))
	require.NotEmpty(t, c.AppVersion)
	return c.AppVersion
}

// glibc is what the runtime image (distroless/base-debian12) provides and
// all the binary may link against.
var glibc = []string{"libc.so.6", "libpthread.so.0", "libdl.so.2", "libm.so.6", "libresolv.so.2", "ld-linux-x86-64.so.2"}

// The Dockerfile's claims, checked without a container engine: a
// multi-stage build on the Go of go.mod; its build command, run here as
// the Dockerfile runs it, makes a binary that needs nothing but glibc,
// carries the version, and offers the subcommands the chart runs; the
// final stage is distroless, non-root, the same user the chart runs as,
// with the binary as ENTRYPOINT; the chart's image is the one `make image`
// tags.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	ins := dockerfile(t)
	dir := root(t)

	froms := find(ins, "FROM")
	require.GreaterOrEqual(t, len(froms), 2, "multi-stage")
	require.Regexp(t, `^golang:\$\{GO_VERSION\}-bookworm AS build$`, froms[0].args)
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	require.NotNil(t, goLine)
	var goVersion string
	for _, a := range find(ins, "ARG") {
		if v, ok := strings.CutPrefix(a.args, "GO_VERSION="); ok {
			goVersion = v
		}
	}
	require.Equal(t, string(goLine[1]), goVersion, "the image builds with go.mod's Go")
	final := froms[len(froms)-1].args
	require.True(t, strings.HasPrefix(final, "gcr.io/distroless/base-debian12"), "the final stage is distroless with glibc: %s", final)

	uid, gid := dockerUser(t)
	require.NotZero(t, uid, "non-root")
	require.NotZero(t, gid)
	values, err := os.ReadFile(filepath.Join(chartDir(t), "values.yaml"))
	require.NoError(t, err)
	var v struct {
		Image struct {
			Repository string   `json:"repository"`
			Tag        string   `json:"tag"`
			Command    []string `json:"command"`
		} `json:"image"`
		PodSecurityContext struct {
			RunAsUser  int64 `json:"runAsUser"`
			RunAsGroup int64 `json:"runAsGroup"`
		} `json:"podSecurityContext"`
	}
	require.NoError(t, yaml.Unmarshal(values, &v))
	require.Equal(t, uid, v.PodSecurityContext.RunAsUser, "the chart runs as the image's user")
	require.Equal(t, gid, v.PodSecurityContext.RunAsGroup)
	require.Empty(t, v.Image.Command, "the chart relies on the image's ENTRYPOINT")

	// `make image` tags what the chart pulls by default.
	makefile, err := os.ReadFile(filepath.Join(dir, "Makefile"))
	require.NoError(t, err)
	require.Contains(t, string(makefile), "IMAGE ?= "+v.Image.Repository+":$(CHART_APP_VERSION)")
	require.Empty(t, v.Image.Tag, "the tag defaults to the chart's appVersion")

	entry := find(ins, "ENTRYPOINT")
	require.Len(t, entry, 1)
	var argv []string
	require.NoError(t, json.Unmarshal([]byte(entry[0].args), &argv), "ENTRYPOINT in exec form (no shell in distroless)")
	require.Equal(t, []string{"/hromada"}, argv)
	var copied bool
	for _, c := range find(ins, "COPY") {
		copied = copied || c.args == "--from=build /out/hromada /hromada"
	}
	require.True(t, copied, "the final stage copies the built binary to the ENTRYPOINT")

	// The build command, as the Dockerfile runs it.
	var build string
	for _, r := range find(ins, "RUN") {
		if strings.Contains(r.args, "go build") {
			build = r.args
		}
	}
	require.NotEmpty(t, build)
	fields := strings.Fields(build)
	var envs, args []string
	for len(fields) > 0 && strings.Contains(fields[0], "=") {
		envs, fields = append(envs, fields[0]), fields[1:]
	}
	require.Equal(t, []string{"CGO_ENABLED=1"}, envs, "cgo on: the HSM's PKCS#11 library is loaded at run time")
	require.Equal(t, "go", fields[0])
	out := filepath.Join(t.TempDir(), "hromada")
	for i := 1; i < len(fields); i++ {
		f := strings.ReplaceAll(fields[i], "${VERSION}", "v-test")
		f = strings.Trim(f, `"`)
		if fields[i] == "-ldflags" {
			// The quoted flags are one argument.
			j := i + 1
			var parts []string
			for ; j < len(fields); j++ {
				parts = append(parts, strings.ReplaceAll(fields[j], "${VERSION}", "v-test"))
				if strings.HasSuffix(fields[j], `"`) {
					break
				}
			}
			args = append(args, "-ldflags", strings.Trim(strings.Join(parts, " "), `"`))
			i = j
			continue
		}
		if fields[i-1] == "-o" {
			f = out
		}
		args = append(args, f)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envs...)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %v:\n%s", args, b)

	f, err := elf.Open(out)
	require.NoError(t, err)
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NotEmpty(t, libs, "a cgo binary links glibc dynamically")
	for _, l := range libs {
		require.Contains(t, glibc, l, "the binary needs %s, which distroless/base does not have", l)
	}

	version, err := exec.Command(out, "version").Output()
	require.NoError(t, err)
	require.Equal(t, "hromada v-test\n", string(version), "the build stamps the version")
	help, err := exec.Command(out, "--help").Output()
	require.NoError(t, err)
	for _, sub := range subcommands {
		require.Regexp(t, `(?m)^  `+sub+` `, string(help), "hromada offers %s", sub)
		c := exec.Command(out, sub, "--help")
		c.Env = []string{"HROMADA_ENV=production"}
		b, err := c.CombinedOutput()
		require.NoError(t, err, "hromada %s --help:\n%s", sub, b)
		require.Contains(t, string(b), "Usage: hromada "+sub)
	}
}

// The build context: nothing `go build ./cmd/hromada` reads (its packages'
// Go files and go:embed files, go.mod, go.sum) is excluded by .dockerignore.
func TestDockerignoreKeepsTheBuildInputs(t *testing.T) {
	t.Parallel()
	dir := root(t)
	b, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
	require.NoError(t, err)
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			require.False(t, strings.HasPrefix(l, "!"), "exceptions are not supported by this check")
			patterns = append(patterns, l)
		}
	}
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if eq .Module.Path "hromada"}}{{.Dir}}|{{join .GoFiles ","}}|{{join .CgoFiles ","}}|{{join .EmbedFiles ","}}{{end}}{{end}}`, "./cmd/hromada")
	cmd.Dir = dir
	out, err := cmd.Output()
	require.NoError(t, err)
	inputs := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		rel, err := filepath.Rel(dir, parts[0])
		require.NoError(t, err)
		for _, list := range parts[1:] {
			for _, f := range strings.Split(list, ",") {
				if f != "" {
					inputs = append(inputs, filepath.ToSlash(filepath.Join(rel, f)))
				}
			}
		}
	}
	require.Greater(t, len(inputs), 100, "go list found too few inputs")
	for _, in := range inputs {
		for _, p := range patterns {
			require.False(t, ignored(p, in), ".dockerignore's %q leaves out %s, which the build reads", p, in)
		}
	}
	// And the check itself catches a pattern that would.
	require.True(t, ignored("docs/*.md", "docs/opendata.md"))
	require.True(t, ignored("**/testdata", "modules/x/testdata/a.json"))
	require.True(t, ignored("web", "web/static/app.css"))
}

// ignored reports whether a .dockerignore pattern leaves out path: the
// pattern matches the path or one of its parent directories; a leading
// "**/" matches at any depth.
func ignored(pattern, path string) bool {
	parts := strings.Split(path, "/")
	anyDepth := strings.HasPrefix(pattern, "**/")
	pattern = strings.TrimPrefix(pattern, "**/")
	for start := 0; start < len(parts); start++ {
		if start > 0 && !anyDepth {
			break
		}
		for end := start + 1; end <= len(parts); end++ {
			if ok, _ := filepath.Match(pattern, strings.Join(parts[start:end], "/")); ok {
				return true
			}
		}
	}
	return false
}
