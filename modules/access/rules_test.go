package access

import (
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestObjectMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		obj, pat string
		want     bool
	}{
		{"applications", "applications", true},
		{"applications", "appeals", false},
		{"applications/attachments", "applications/*", true},
		{"applications", "applications/*", false},
		{"applicationsx/a", "applications/*", false},
		{"applications/attachments", "applications", false},
		{"anything", "*", true},
	} {
		got, err := objectMatch(tc.obj, tc.pat)
		require.NoError(t, err)
		require.Equalf(t, tc.want, got, "%s ~ %s", tc.obj, tc.pat)
	}
}

func TestHolds(t *testing.T) {
	t.Parallel()
	a, b := uuid.New(), uuid.New()
	rs := newRoleSet([]Held{{Role: RoleResident}, {Role: RoleOfficial, Provider: a}})
	for _, tc := range []struct {
		role, pScope, rScope string
		want                 bool
	}{
		{RoleResident, ScopeTenant, "", true},
		{RoleResident, ScopeTenant, b.String(), true},
		{RoleOfficial, ScopeProvider, a.String(), true},
		{RoleOfficial, ScopeProvider, b.String(), false},
		{RoleOfficial, ScopeProvider, "", false},
		{RoleOfficial, ScopeTenant, "", true}, // a deny line with tenant scope reaches every official
		{RoleAdministrator, ScopeTenant, "", false},
	} {
		got, err := holds(rs, tc.role, tc.pScope, tc.rScope)
		require.NoError(t, err)
		require.Equalf(t, tc.want, got, "%+v", tc)
	}
}

func TestDefaultRulesValid(t *testing.T) {
	t.Parallel()
	rules, err := DefaultRules()
	require.NoError(t, err)
	require.NotEmpty(t, rules)
	for _, r := range rules {
		require.NoError(t, Validate(r), r.String())
	}
	require.Equal(t, normalize(rules), rules, "canonical order, no duplicates")
}

// BenchmarkDecide is one decision on the default policy, without the
// database: what the enforcer adds to a request.
func BenchmarkDecide(b *testing.B) {
	rules, err := DefaultRules()
	require.NoError(b, err)
	dom, prov := uuid.NewString(), uuid.New()
	e, err := compile(dom, rules, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	p := &policySet{enf: e, dom: dom}
	held := []Held{{Role: RoleResident}, {Role: RoleOfficial, Provider: prov}}
	before, n := cpuTime(), 0
	for b.Loop() {
		ok, err := p.decide(held, ObjApplications, ActProcess, prov.String())
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(n), "cpu-ns/op")
}
