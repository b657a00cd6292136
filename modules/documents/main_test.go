package documents_test

import (
	"testing"

	"hromada/tenant/tenanttest"
)

// TestMain stops the PostgreSQL cluster the store tests start.
func TestMain(m *testing.M) { tenanttest.Main(m) }
