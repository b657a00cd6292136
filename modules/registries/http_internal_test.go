package registries

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRegisterOf: the page names the four registries by their own words
// and any other service of the exchange (a provider's system over
// Trembita) as "other", never by a locale key that does not exist.
func TestRegisterOf(t *testing.T) {
	t.Parallel()
	for _, c := range []string{CodeResidents, CodeVehicles, CodeBenefits, CodeLand} {
		require.Equal(t, c, registerOf(c))
	}
	require.Equal(t, "other", registerOf("provsys-dcnap"))
}
