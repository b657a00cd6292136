package applications

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/forms"
)

// Every demo form compiles: the demo loader would fail a city otherwise.
// The forms are read from the demo folder (this package's tests cannot
// import package demo, which imports applications).
func TestDemoFormsCompile(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob("../../demo/*/forms/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		raw, err := os.ReadFile(name)
		require.NoError(t, err)
		var def forms.Definition
		require.NoError(t, json.Unmarshal(raw, &def), name)
		_, err = forms.Compile(def, nil)
		require.NoError(t, err, name)
	}
}
