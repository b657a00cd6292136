package access

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every sensitive permission is one of the vocabulary's, so that a typo
// cannot silently leave an action without its fresh sign-in.
func TestSensitivePermissionsAreKnown(t *testing.T) {
	t.Parallel()
	require.NotEmpty(t, sensitive)
	for p := range sensitive {
		obj, act, ok := strings.Cut(p, ":")
		require.True(t, ok, p)
		require.True(t, KnownObject(obj), p)
		require.True(t, knownAction(act), p)
		require.True(t, Sensitive(Perm{Object: obj, Action: act}), p)
	}
	require.True(t, Sensitive(Perm{Object: ObjPolicies, Action: ActUpdate}))
	require.False(t, Sensitive(Perm{Object: ObjPolicies, Action: ActRead}))
	require.False(t, Sensitive(Perm{Object: ObjOwnApplications, Action: ActCreate}))
}
