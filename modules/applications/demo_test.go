package applications

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/forms"
)

// Every demo form compiles: the demo loader would fail a city otherwise.
func TestDemoFormsCompile(t *testing.T) {
	t.Parallel()
	for _, code := range demoFormOrder {
		_, err := forms.Compile(DemoForms[code], nil)
		require.NoError(t, err, code)
	}
}
