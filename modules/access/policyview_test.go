package access

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The per-role view and the diff read the same lines the enforcer does:
// grouped by object, scope and effect, actions and objects in the
// vocabulary's order, roles in Roles' order; the pinned lines never show
// as removed.
func TestRoleViewAndDiff(t *testing.T) {
	t.Parallel()
	rules := []Rule{
		{RoleOwner, ObjReports, ActExport, ScopeTenant, EffectAllow},
		{RoleOfficial, ObjApplications, ActProcess, ScopeProvider, EffectAllow},
		{RoleOwner, ObjTenantSettings, ActRead, ScopeTenant, EffectAllow},
		{RoleOwner, ObjReports, ActRead, ScopeTenant, EffectAllow},
		{RoleOfficial, ObjApplications, ActRead, ScopeProvider, EffectAllow},
		{RoleOfficial, "applications/cabinet_by_law", ActRead, ScopeProvider, EffectAllow},
	}
	view := RoleView(rules)
	require.Equal(t, []RolePerms{
		{Role: RoleOfficial, Lines: []PermLine{
			{Object: ObjApplications, Actions: []string{ActRead, ActProcess}, Scope: ScopeProvider, Effect: EffectAllow},
			{Object: "applications/cabinet_by_law", Actions: []string{ActRead}, Scope: ScopeProvider, Effect: EffectAllow},
		}},
		{Role: RoleOwner, Lines: []PermLine{
			{Object: ObjTenantSettings, Actions: []string{ActRead}, Scope: ScopeTenant, Effect: EffectAllow},
			{Object: ObjReports, Actions: []string{ActRead, ActExport}, Scope: ScopeTenant, Effect: EffectAllow},
		}},
	}, view)
	require.Equal(t, "applications.cabinet_by_law", view[0].Lines[1].Word())
	require.Equal(t, "all", PermLine{Object: "*"}.Word())
	require.Equal(t, "applications", PermLine{Object: "applications/attachments"}.Word())

	after := append([]Rule{{RoleAuditor, ObjAudit, ActExport, ScopeTenant, EffectAllow}}, rules[1:]...)
	require.Equal(t, []RoleDiff{
		{Role: RoleOwner, Removed: []PermLine{{Object: ObjReports, Actions: []string{ActExport}, Scope: ScopeTenant, Effect: EffectAllow}}},
		{Role: RoleAuditor, Added: []PermLine{{Object: ObjAudit, Actions: []string{ActExport}, Scope: ScopeTenant, Effect: EffectAllow}}},
	}, DiffRules(rules, after))
	require.Empty(t, DiffRules(rules, append(rules[3:], rules[:3]...)), "the same lines in another order")
	require.Empty(t, DiffRules(rules, append(rules, Pinned()...)), "the pinned lines are in every set")
}
