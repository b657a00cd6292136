package identity

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAuthenticatedSince(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_000, 500_000_000)
	for name, c := range map[string]struct {
		claims map[string]any
		want   bool
	}{
		"SameSecond": {map[string]any{"auth_time": float64(1_800_000_000)}, true},
		"After":      {map[string]any{"auth_time": float64(1_800_000_060)}, true},
		"Before":     {map[string]any{"auth_time": float64(1_799_999_999)}, false},
		"Missing":    {map[string]any{}, false},
		"NotANumber": {map[string]any{"auth_time": "1800000000"}, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.want, authenticatedSince(c.claims, start))
		})
	}
}
