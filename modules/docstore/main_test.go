package docstore_test

import (
	"testing"

	"hromada/tenant/tenanttest"
)

// TestMain stops the MinIO server the tests start.
func TestMain(m *testing.M) { tenanttest.Main(m) }
