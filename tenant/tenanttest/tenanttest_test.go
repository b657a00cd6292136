package tenanttest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

func TestNewGivesSeparateDatabases(t *testing.T) {
	t.Parallel()
	a, b := tenanttest.New(t), tenanttest.New(t)
	require.NotEqual(t, a.Name, b.Name)
	ta := tenanttest.NewTenant(t, a)
	var n int
	require.NoError(t, b.Owner.QueryRow(t.Context(), `SELECT count(*) FROM tenants WHERE id = $1`, ta.ID).Scan(&n))
	require.Zero(t, n, "a tenant of one test's database is visible in another's")
	// The template is migrated: the tenant tables are there.
	require.NoError(t, a.Owner.QueryRow(t.Context(), `SELECT count(*) FROM branding_themes`).Scan(&n))
}

// BenchmarkNew measures what a test pays for a database of its own.
func BenchmarkNew(b *testing.B) {
	tenanttest.Cluster(b)
	for b.Loop() {
		tenanttest.New(b)
	}
}
