package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/tenant/tenanttest"
)

// runCLI runs the hromada command with env as its whole environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestCLI(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	env := map[string]string{
		"HROMADA_DATABASE_URL":          db.AppDSN,
		"HROMADA_OPERATOR_DATABASE_URL": db.OperatorDSN,
		"HROMADA_OWNER_DATABASE_URL":    db.OwnerDSN,
		"HROMADA_DATA_DIR":              t.TempDir(),
		"HROMADA_BASE_DOMAIN":           testBase,
		"HROMADA_LOG_LEVEL":             "warn",
		"LANG":                          "en_US.UTF-8", // HROMADA_LANG wins
		"HROMADA_LANG":                  "uk",
	}

	t.Run("Help", func(t *testing.T) {
		code, out, _ := runCLI(t, env, "--help")
		require.Equal(t, exitOK, code)
		for _, s := range []string{"serve", "worker", "migrate", "tenant", "demo", "db", "version", "HROMADA_DATABASE_URL", "HROMADA_BASE_DOMAIN", "Exit codes"} {
			require.Contains(t, out, s)
		}
		code, _, errOut := runCLI(t, env, "serve", "--help")
		require.Equal(t, exitOK, code)
		require.Contains(t, errOut, "-database-url")
	})
	t.Run("NoCommand", func(t *testing.T) {
		code, _, _ := runCLI(t, env)
		require.Equal(t, exitUsage, code)
	})
	t.Run("UnknownCommand", func(t *testing.T) {
		code, _, errOut := runCLI(t, env, "sreve")
		require.Equal(t, exitUsage, code)
		require.Contains(t, errOut, `unknown command "sreve"`)
	})
	t.Run("Version", func(t *testing.T) {
		code, out, _ := runCLI(t, env, "version")
		require.Equal(t, exitOK, code)
		require.True(t, strings.HasPrefix(out, "hromada "))
	})
	t.Run("BadConfig", func(t *testing.T) {
		bad := map[string]string{"HROMADA_ENV": "staging"}
		code, _, errOut := runCLI(t, bad, "tenant", "list")
		require.Equal(t, exitConfig, code)
		require.Contains(t, errOut, "HROMADA_ENV must be dev or production")
		code, _, errOut = runCLI(t, map[string]string{"HROMADA_ENV": "production"}, "serve")
		require.Equal(t, exitConfig, code)
		require.Contains(t, errOut, "embedded cluster is refused in production")
		code, _, errOut = runCLI(t, map[string]string{"HROMADA_SHUTDOWN_TIMEOUT": "soon"}, "version")
		require.Equal(t, exitConfig, code)
		require.Contains(t, errOut, "HROMADA_SHUTDOWN_TIMEOUT")
	})
	t.Run("InvalidSlugs", func(t *testing.T) {
		for _, slug := range []string{"", "Kyiv", "ky", "київ", "kyiv-", "1kyiv", "ky--iv", "www", "admin", strings.Repeat("a", 40)} {
			code, _, errOut := runCLI(t, env, "tenant", "create", "--slug", slug, "--name", "Громада")
			require.Equalf(t, exitUsage, code, "slug %q", slug)
			require.Containsf(t, errOut, "не підходить", "slug %q: %s", slug, errOut)
		}
		code, _, errOut := runCLI(t, env, "tenant", "create", "--slug", "odesa")
		require.Equal(t, exitUsage, code)
		require.Contains(t, errOut, "Вкажіть назву громади")
	})
	t.Run("InEnglish", func(t *testing.T) {
		en := map[string]string{}
		for k, v := range env {
			en[k] = v
		}
		en["HROMADA_LANG"] = "en"
		code, _, errOut := runCLI(t, en, "tenant", "create", "--slug", "Kyiv", "--name", "x")
		require.Equal(t, exitUsage, code)
		require.Contains(t, errOut, "does not fit")
	})
	t.Run("Lifecycle", func(t *testing.T) {
		code, out, errOut := runCLI(t, env, "tenant", "create", "--slug", "kharkiv", "--name", "Харківська міська рада",
			"--primary-color", "#005bbb", "--domains", "e.kharkiv.ua", "--admin", "3221501449")
		require.Equal(t, exitOK, code, errOut)
		require.Contains(t, out, "http://kharkiv."+testBase)

		code, _, errOut = runCLI(t, env, "tenant", "create", "--slug", "kharkiv", "--name", "Ще раз", "--admin", "3221501449")
		require.Equal(t, exitFailed, code)
		require.Contains(t, errOut, "уже зайнята")
		code, _, errOut = runCLI(t, env, "tenant", "create", "--slug", "kharkiv2", "--name", "X", "--primary-color", "red", "--admin", "3221501449")
		require.Equal(t, exitUsage, code)
		require.Contains(t, errOut, "#rrggbb")

		code, out, _ = runCLI(t, env, "tenant", "suspend", "kharkiv")
		require.Equal(t, exitOK, code)
		require.Contains(t, out, "suspended")
		code, out, _ = runCLI(t, env, "tenant", "list")
		require.Equal(t, exitOK, code)
		require.Regexp(t, `kharkiv\s+suspended\s+pending\s+Харківська міська рада\s+kharkiv.hromada.test, e.kharkiv.ua`, out)
		code, _, _ = runCLI(t, env, "tenant", "resume", "kharkiv")
		require.Equal(t, exitOK, code)
		code, _, errOut = runCLI(t, env, "tenant", "resume", "nowhere")
		require.Equal(t, exitFailed, code)
		require.Contains(t, errOut, "Громаду не знайдено")
		code, _, _ = runCLI(t, env, "tenant", "suspend")
		require.Equal(t, exitUsage, code)
		code, _, _ = runCLI(t, env, "tenant", "rename", "x")
		require.Equal(t, exitUsage, code)
	})
	t.Run("DemoIsIdempotent", func(t *testing.T) {
		for range 2 {
			code, out, errOut := runCLI(t, env, "demo")
			require.Equal(t, exitOK, code, errOut)
			require.Contains(t, out, "Київ: http://kyiv."+testBase)
			require.Contains(t, out, "Львів: http://lviv."+testBase)
		}
		var n int
		require.NoError(t, db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM tenants WHERE slug IN ('kyiv', 'lviv')`).Scan(&n))
		require.Equal(t, 2, n)
		require.NoError(t, db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'branding.refresh'`).Scan(&n))
		require.Equal(t, 3, n, "one theme job per created tenant, none for an unchanged demo city")
	})
	t.Run("Migrate", func(t *testing.T) {
		code, out, errOut := runCLI(t, env, "migrate")
		require.Equal(t, exitOK, code, errOut)
		require.Contains(t, out, "up to date")
	})
	t.Run("DBURLWithoutCluster", func(t *testing.T) {
		code, _, errOut := runCLI(t, map[string]string{"HROMADA_DATA_DIR": t.TempDir()}, "db", "url")
		require.Equal(t, exitFailed, code)
		require.Contains(t, errOut, "no cluster is running")
	})
}
