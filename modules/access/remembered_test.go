package access_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/access"
)

// The enforcer's answers are remembered per policy and roles held; the
// roles are read at every decision, so a grant, a block and a policy
// change each take effect at the next decision, with the same question
// already answered (and remembered) before.
func TestRememberedDecisionsFollowChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	person, other := b.account(t), b.account(t)
	atA, atB := b.provA.String(), b.provB.String()
	may := func(who string) (bool, bool) {
		id := person
		if who == "other" {
			id = other
		}
		return b.allowed(t, b.svc, id, access.ObjApplications, access.ActProcess, atA),
			b.allowed(t, b.svc, id, access.ObjApplications, access.ActProcess, atB)
	}
	for range 2 { // the second time from memory
		a, bb := may("person")
		require.False(t, a)
		require.False(t, bb)
	}

	c, err := b.svc.Bootstrap(b.ctx, person, access.RoleOfficial, &b.provA, "наказ № 2")
	require.NoError(t, err)
	a, bb := may("person")
	require.True(t, a, "the grant at once")
	require.False(t, bb, "at its own provider only")
	a, _ = may("other")
	require.False(t, a, "a resident still a resident")

	_, err = b.svc.Block(b.ctx, b.admin, c.After.ID, nil, "перевірка")
	require.NoError(t, err)
	a, _ = may("person")
	require.False(t, a, "the block at once")

	head := b.staff(t, access.RoleProviderHead, &b.provA)
	require.True(t, b.allowed(t, b.svc, head, access.ObjApplications, access.ActRead, atA))
	rules, _, err := b.svc.Policies(b.ctx)
	require.NoError(t, err)
	_, err = b.svc.ReplacePolicies(b.ctx, b.admin, without(rules, access.Rule{Role: access.RoleProviderHead, Object: access.ObjApplications,
		Action: access.ActRead, Scope: access.ScopeProvider, Effect: access.EffectAllow}), "керівник без перегляду заяв")
	require.NoError(t, err)
	require.False(t, b.allowed(t, b.svc, head, access.ObjApplications, access.ActRead, atA), "the policy change at once")
}
