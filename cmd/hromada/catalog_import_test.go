package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/demo"
	"hromada/modules/catalog"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// hromada catalog import: the dry run prints the plan and changes nothing;
// a file with a refused row changes nothing and says why, in Ukrainian;
// the apply imports, unpublished unless --publish.
func TestCLICatalogImport(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	lutsk := tenanttest.NewTenantWith(t, db, tenant.CreateParams{Slug: "lutsk", Name: "Луцька міська рада"})
	env := map[string]string{
		"HROMADA_DATABASE_URL": db.AppDSN, "HROMADA_OPERATOR_DATABASE_URL": db.OperatorDSN,
		"HROMADA_DATA_DIR": t.TempDir(), "HROMADA_LOG_LEVEL": "warn", "HROMADA_LANG": "uk",
	}
	d, err := demo.Load()
	require.NoError(t, err)
	lviv, ok := d.City("lviv")
	require.True(t, ok)
	var b strings.Builder
	require.NoError(t, catalog.WriteRegister(&b, lviv.Register))
	dir := t.TempDir()
	file := filepath.Join(dir, "register.json")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))

	count := func(sql string) int {
		var n int
		require.NoError(t, db.App.ReadTx(tenant.With(t.Context(), lutsk), func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, sql).Scan(&n)
		}))
		return n
	}
	services := len(lviv.Register.Services)

	code, out, errOut := runCLI(t, env, "catalog", "import", "--tenant", "lutsk", "--dry-run", file)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "Послуга")
	require.Contains(t, out, "Створити")
	require.Contains(t, out, "відхилено: 0.")
	require.Zero(t, count(`SELECT count(*) FROM services`))
	require.Zero(t, count(`SELECT count(*) FROM providers`))

	// A wrong IBAN check digit: refused, named, nothing written.
	paid := ""
	for _, s := range lviv.Register.Services {
		if !s.Content.Fee.Free {
			paid = s.Content.Fee.IBAN
			break
		}
	}
	require.NotEmpty(t, paid, "the Lviv demo has a paid service")
	bad := filepath.Join(dir, "bad.json")
	broken := paid[:4] + string('0'+('9'-paid[4])%10) + paid[5:]
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(b.String(), paid, broken, 1)), 0o600))
	code, out, errOut = runCLI(t, env, "catalog", "import", "--tenant", "lutsk", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, out, "fee_iban: IBAN некоректний")
	require.Contains(t, errOut, "Імпорт не виконано")
	require.Zero(t, count(`SELECT count(*) FROM services`))

	code, _, errOut = runCLI(t, env, "catalog", "import", "--tenant", "lutsk", filepath.Join(dir, "none.json"))
	require.Equal(t, exitFailed, code, errOut)
	require.NoError(t, os.WriteFile(bad, []byte(`{"schema": "x"}`), 0o600))
	code, _, errOut = runCLI(t, env, "catalog", "import", "--tenant", "lutsk", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "не є реєстром")
	code, _, _ = runCLI(t, env, "catalog", "import", file)
	require.Equal(t, exitUsage, code)

	code, out, errOut = runCLI(t, env, "catalog", "import", "--tenant", "lutsk", file)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "Імпорт застосовано")
	require.Equal(t, services, count(`SELECT count(*) FROM services`))
	require.Zero(t, count(`SELECT count(*) FROM services WHERE content IS NOT NULL`))
	require.Equal(t, services, count(`SELECT count(*) FROM service_revisions WHERE status = 'pending'`))

	// Again, with --publish: nothing new to propose; publish what an apply
	// proposes, so a changed file is published at once.
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(b.String(), lviv.Register.Services[0].Content.Name.UK,
		lviv.Register.Services[0].Content.Name.UK+" (змінено)", 1)), 0o600))
	code, out, errOut = runCLI(t, env, "catalog", "import", "--tenant", "lutsk", "--publish", file)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "Опубліковано послуг: 1.")
	require.Equal(t, 1, count(`SELECT count(*) FROM services WHERE content IS NOT NULL`))
}
