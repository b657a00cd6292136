package tenant

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// The gate sets the tenant with a SET LOCAL command: Citus carries SET
// LOCAL (not a set_config call) to the worker nodes, where the shards' row
// level security policies read app.tenant_id (docs/scale.md). Behaviour on
// one server is TestIsolation's.
func TestGateSetsTheTenantWithSetLocal(t *testing.T) {
	id := uuid.MustParse("0b9f4c2e-1d7a-4c59-9a41-3f3f1f0e2a11")
	require.Equal(t, "BEGIN READ ONLY; SET LOCAL app.tenant_id = '0b9f4c2e-1d7a-4c59-9a41-3f3f1f0e2a11'",
		beginQuery("BEGIN READ ONLY", &Tenant{ID: id}))
}
