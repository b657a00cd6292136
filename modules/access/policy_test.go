package access_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func without(rules []access.Rule, drop access.Rule) []access.Rule {
	return slices.DeleteFunc(slices.Clone(rules), func(r access.Rule) bool { return r == drop })
}

func TestSeparationOfDuties(t *testing.T) {
	t.Parallel()

	t.Run("AdministratorNeverProcesses", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, scope := range []string{"", b.provA.String()} {
			require.False(t, b.allowed(t, b.svc, b.admin, access.ObjApplications, access.ActProcess, scope))
			require.False(t, b.allowed(t, b.svc, b.admin, access.ObjAppeals, access.ActProcess, scope))
		}
		rules, v, err := b.svc.Policies(b.ctx)
		require.NoError(t, err)
		for _, r := range []access.Rule{
			{Role: access.RoleAdministrator, Object: access.ObjApplications, Action: access.ActProcess, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleAdministrator, Object: "applications/*", Action: access.ActProcess, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleAuditor, Object: access.ObjAudit, Action: access.ActDelete, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleDispatcher, Object: access.ObjOfficials, Action: access.ActGrant, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleProviderHead, Object: access.ObjOfficials, Action: access.ActBlock, Scope: access.ScopeProvider, Effect: access.EffectAllow},
			{Role: access.RoleDispatcher, Object: access.ObjPolicies, Action: access.ActUpdate, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleOwner, Object: access.ObjAudit, Action: access.ActUpdate, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleResident, Object: access.ObjAudit, Action: access.ActRead, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleAuditor, Object: access.ObjAudit, Action: access.ActRead, Scope: access.ScopeTenant, Effect: access.EffectDeny},
			{Role: access.RoleAuditor, Object: "*", Action: "*", Scope: access.ScopeTenant, Effect: access.EffectDeny},
			{Role: access.RoleAuditor, Object: access.ObjSecurityEvents, Action: "*", Scope: access.ScopeTenant, Effect: access.EffectDeny},
		} {
			_, err := b.svc.ReplacePolicies(b.ctx, b.admin, append(slices.Clone(rules), r), "спроба")
			require.ErrorIsf(t, err, access.ErrSeparationOfDuties, "%v", r)
		}
		for _, r := range []access.Rule{
			{Role: access.RoleOfficial, Object: access.ObjApplications, Action: access.ActProcess, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleDispatcher, Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeProvider, Effect: access.EffectAllow},
			{Role: access.RoleDispatcher, Object: "*", Action: access.ActRead, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleDispatcher, Object: "nothing", Action: access.ActRead, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: "root", Object: access.ObjReports, Action: access.ActRead, Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleOwner, Object: access.ObjReports, Action: "look", Scope: access.ScopeTenant, Effect: access.EffectAllow},
			{Role: access.RoleOwner, Object: access.ObjReports, Action: access.ActRead, Scope: access.ScopeTenant, Effect: "maybe"},
		} {
			_, err := b.svc.ReplacePolicies(b.ctx, b.admin, append(slices.Clone(rules), r), "спроба")
			require.ErrorIsf(t, err, access.ErrInvalidRule, "%v", r)
		}
		_, v2, err := b.svc.Policies(b.ctx)
		require.NoError(t, err)
		require.Equal(t, v, v2, "nothing was written")

		// Lines written behind the package's back are dropped on load, and
		// the pinned deny lines are there whatever the table says.
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM casbin_rules WHERE v5 = 'deny'`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO casbin_rules (tenant_id, id, v0, v1, v2, v3, v4, v5) VALUES
				(app_tenant_id(), gen_random_uuid(), 'administrator', app_tenant_id()::text, 'applications', 'process', 'tenant', 'allow'),
				(app_tenant_id(), gen_random_uuid(), 'administrator', app_tenant_id()::text, '*', '*', 'tenant', 'allow'),
				(app_tenant_id(), gen_random_uuid(), 'auditor', app_tenant_id()::text, 'audit', 'delete', 'tenant', 'allow'),
				(app_tenant_id(), gen_random_uuid(), 'owner', gen_random_uuid()::text, 'audit', 'read', 'tenant', 'allow')`)
			return err
		}))
		b.svc.Forget(b.tn.ID)
		owner := b.staff(t, access.RoleOwner, nil)
		auditor := b.staff(t, access.RoleAuditor, nil)
		require.False(t, b.allowed(t, b.svc, b.admin, access.ObjApplications, access.ActProcess, ""))
		require.False(t, b.allowed(t, b.svc, b.admin, access.ObjAudit, access.ActRead, ""))
		require.False(t, b.allowed(t, b.svc, auditor, access.ObjAudit, access.ActDelete, ""))
		require.False(t, b.allowed(t, b.svc, owner, access.ObjAudit, access.ActRead, ""), "another domain's line")
		require.True(t, b.allowed(t, b.svc, auditor, access.ObjAudit, access.ActRead, ""))
	})

	t.Run("PinnedLinesStay", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rules, _, err := b.svc.Policies(b.ctx)
		require.NoError(t, err)
		keep := slices.DeleteFunc(slices.Clone(rules), func(r access.Rule) bool { return slices.Contains(access.Pinned(), r) })
		require.Len(t, keep, len(rules)-len(access.Pinned()))
		_, err = b.svc.ReplacePolicies(b.ctx, b.admin, keep, "без заборон")
		require.NoError(t, err)
		after, _, err := b.svc.Policies(b.ctx)
		require.NoError(t, err)
		for _, pin := range access.Pinned() {
			require.Contains(t, after, pin)
		}
		auditor := b.staff(t, access.RoleAuditor, nil)
		require.True(t, b.allowed(t, b.svc, auditor, access.ObjAudit, access.ActRead, ""), "the auditor is not blinded")
		require.False(t, b.allowed(t, b.svc, b.admin, access.ObjApplications, access.ActProcess, b.provA.String()))
	})

	t.Run("NobodyChangesTheirOwnAccess", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.svc.Grant(b.ctx, b.admin, b.admin, access.RoleDispatcher, nil, "собі")
		require.ErrorIs(t, err, access.ErrSelf)
		_, err = b.svc.Block(b.ctx, b.admin, b.grants[b.admin], nil, "собі")
		require.ErrorIs(t, err, access.ErrSelf)
		_, err = b.svc.Revoke(b.ctx, b.admin, b.grants[b.admin], "собі")
		require.ErrorIs(t, err, access.ErrSelf)

		// An administrator whose other grant is blocked cannot unblock it.
		admin2 := b.staff(t, access.RoleAdministrator, nil)
		c, err := b.svc.Grant(b.ctx, admin2, b.admin, access.RoleDispatcher, nil, "заявка")
		require.NoError(t, err)
		_, err = b.svc.Block(b.ctx, admin2, c.After.ID, nil, "перевірка")
		require.NoError(t, err)
		_, err = b.svc.Unblock(b.ctx, b.admin, c.After.ID, "собі")
		require.ErrorIs(t, err, access.ErrSelf)
		_, err = b.svc.Unblock(b.ctx, admin2, c.After.ID, "перевірено")
		require.NoError(t, err)

		// Nor edit the lines of a role they hold.
		rules, _, err := b.svc.Policies(b.ctx)
		require.NoError(t, err)
		more := append(slices.Clone(rules), access.Rule{Role: access.RoleAdministrator, Object: access.ObjAudit, Action: access.ActRead, Scope: access.ScopeTenant, Effect: access.EffectAllow})
		_, err = b.svc.ReplacePolicies(b.ctx, b.admin, more, "собі")
		require.ErrorIs(t, err, access.ErrSelfPolicy)
		less := without(rules, access.Rule{Role: access.RoleAdministrator, Object: access.ObjOfficials, Action: access.ActBlock, Scope: access.ScopeTenant, Effect: access.EffectAllow})
		_, err = b.svc.ReplacePolicies(b.ctx, b.admin, less, "собі")
		require.ErrorIs(t, err, access.ErrSelfPolicy)
		// b.admin also holds dispatcher now: those lines are its own too.
		_, err = b.svc.ReplacePolicies(b.ctx, b.admin, without(rules, access.Rule{Role: access.RoleDispatcher, Object: access.ObjReports, Action: access.ActExport, Scope: access.ScopeTenant, Effect: access.EffectAllow}), "собі")
		require.ErrorIs(t, err, access.ErrSelfPolicy)
		v, err := b.svc.ReplacePolicies(b.ctx, admin2, without(rules, access.Rule{Role: access.RoleDispatcher, Object: access.ObjReports, Action: access.ActExport, Scope: access.ScopeTenant, Effect: access.EffectAllow}), "диспетчер без експорту")
		require.NoError(t, err)
		require.EqualValues(t, 2, v)
	})

	t.Run("RolesThatMustNotMeet", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		who := map[string]uuid.UUID{
			"admin2":   b.staff(t, access.RoleAdministrator, nil),
			"auditor":  b.staff(t, access.RoleAuditor, nil),
			"official": b.staff(t, access.RoleOfficial, &b.provA),
		}
		for _, tc := range []struct{ who, role string }{
			{"admin2", access.RoleOfficial}, {"admin2", access.RoleProviderHead}, {"admin2", access.RoleAuditor},
			{"auditor", access.RoleDispatcher}, {"auditor", access.RoleOwner}, {"official", access.RoleAdministrator},
		} {
			var provider *uuid.UUID
			if access.ProviderScoped(tc.role) {
				provider = &b.provB
			}
			_, err := b.svc.Grant(b.ctx, b.admin, who[tc.who], tc.role, provider, "заявка")
			require.ErrorIsf(t, err, access.ErrRoleConflict, "%s + %s", tc.who, tc.role)
		}
	})

	t.Run("OnlyTheAdministratorAdministers", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		official := b.staff(t, access.RoleOfficial, &b.provA)
		target := b.staff(t, access.RoleOfficial, &b.provA)
		rules, _, err := b.svc.Policies(b.ctx)
		require.NoError(t, err)
		for _, actor := range []uuid.UUID{
			official, b.staff(t, access.RoleProviderHead, &b.provA), b.staff(t, access.RoleAuditor, nil),
			b.staff(t, access.RoleDispatcher, nil), b.staff(t, access.RoleOwner, nil), b.account(t),
		} {
			_, err := b.svc.Grant(b.ctx, actor, b.account(t), access.RoleOfficial, &b.provA, "заявка")
			require.ErrorIs(t, err, access.ErrForbidden)
			_, err = b.svc.Block(b.ctx, actor, b.grants[target], nil, "блок")
			require.ErrorIs(t, err, access.ErrForbidden)
			_, err = b.svc.Revoke(b.ctx, actor, b.grants[target], "блок")
			require.ErrorIs(t, err, access.ErrForbidden)
			_, err = b.svc.ReplacePolicies(b.ctx, actor, rules[1:], "спроба")
			require.ErrorIs(t, err, access.ErrForbidden)
		}
	})
}

func TestPolicyVersions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	defaults, err := access.DefaultRules()
	require.NoError(t, err)

	hist, err := b.svc.PolicyHistory(b.ctx)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	require.EqualValues(t, 1, hist[0].Version)
	require.Equal(t, access.SystemActor, hist[0].ChangedBy)
	require.Equal(t, defaults, hist[0].Rules)

	// Installing again changes nothing.
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error { return b.svc.InstallDefaults(ctx, tx) }))
	rules, v, err := b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, v)
	require.Equal(t, defaults, rules)

	dispatcher := b.staff(t, access.RoleDispatcher, nil)
	require.True(t, b.allowed(t, b.svc, dispatcher, access.ObjReports, access.ActExport, ""))
	drop := access.Rule{Role: access.RoleDispatcher, Object: access.ObjReports, Action: access.ActExport, Scope: access.ScopeTenant, Effect: access.EffectAllow}
	v, err = b.svc.ReplacePolicies(b.ctx, b.admin, without(rules, drop), "диспетчер без експорту")
	require.NoError(t, err)
	require.EqualValues(t, 2, v)
	require.False(t, b.allowed(t, b.svc, dispatcher, access.ObjReports, access.ActExport, ""), "in effect at once in this process")

	same, err := b.svc.ReplacePolicies(b.ctx, b.admin, without(rules, drop), "те саме")
	require.NoError(t, err)
	require.EqualValues(t, 2, same, "no change, no version")

	add := access.Rule{Role: access.RoleOwner, Object: "reports/*", Action: access.ActRead, Scope: access.ScopeTenant, Effect: access.EffectAllow}
	v, err = b.svc.ReplacePolicies(b.ctx, b.admin, append(without(rules, drop), add), "власник: частини звітів")
	require.NoError(t, err)
	require.EqualValues(t, 3, v)

	hist, err = b.svc.PolicyHistory(b.ctx)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	require.Equal(t, []int64{3, 2, 1}, []int64{hist[0].Version, hist[1].Version, hist[2].Version})
	require.Equal(t, b.admin.String(), hist[1].ChangedBy)
	require.Equal(t, "диспетчер без експорту", hist[1].Summary)
	require.NotContains(t, hist[1].Rules, drop)
	require.Contains(t, hist[2].Rules, drop)
	require.Contains(t, hist[0].Rules, add)
	rules, v, err = b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, v)
	require.Equal(t, hist[0].Rules, rules)
}

// A tenant whose creation installed no policy gets the defaults at its
// first decision.
func TestDefaultsOnFirstUse(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	b := &testBundle{db: db, tn: tn, ctx: tenant.With(t.Context(), tn), clock: &clock{t: time.Now()}}
	b.svc = access.New(db.App, nil)
	resident := b.account(t)
	require.True(t, b.allowed(t, b.svc, resident, access.ObjOwnProfile, access.ActRead, ""))
	_, v, err := b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, v)
}

// A policy change in one process reaches another through NOTIFY; a
// process that does not listen keeps its cache until the TTL.
func TestNotifyReloadsOtherProcesses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	listening := b.otherService(t, &access.Options{TTL: time.Hour})
	deaf := b.otherService(t, &access.Options{TTL: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go listening.Listen(ctx, tlog(t))

	dispatcher := b.staff(t, access.RoleDispatcher, nil)
	require.True(t, b.allowed(t, listening, dispatcher, access.ObjTenantSettings, access.ActUpdate, ""))
	require.True(t, b.allowed(t, deaf, dispatcher, access.ObjTenantSettings, access.ActUpdate, ""))

	rules, _, err := b.svc.Policies(b.ctx)
	require.NoError(t, err)
	_, err = b.svc.ReplacePolicies(b.ctx, b.admin, without(rules, access.Rule{Role: access.RoleDispatcher, Object: access.ObjTenantSettings, Action: access.ActUpdate, Scope: access.ScopeTenant, Effect: access.EffectAllow}), "налаштування — лише адміністрація")
	require.NoError(t, err)
	require.False(t, b.allowed(t, b.svc, dispatcher, access.ObjTenantSettings, access.ActUpdate, ""))
	require.Eventually(t, func() bool {
		return !b.allowed(t, listening, dispatcher, access.ObjTenantSettings, access.ActUpdate, "")
	}, 10*time.Second, 20*time.Millisecond)
	require.True(t, b.allowed(t, deaf, dispatcher, access.ObjTenantSettings, access.ActUpdate, ""), "the deaf one still has its cache: the reload was the notice's doing")

	// Grants need no notice: they are read at every decision.
	official := b.staff(t, access.RoleOfficial, &b.provA)
	require.True(t, b.allowed(t, deaf, official, access.ObjApplications, access.ActProcess, b.provA.String()))
	_, err = b.svc.Block(b.ctx, b.admin, b.grants[official], nil, "підозра")
	require.NoError(t, err)
	require.False(t, b.allowed(t, deaf, official, access.ObjApplications, access.ActProcess, b.provA.String()))
	require.False(t, b.allowed(t, listening, official, access.ObjApplications, access.ActProcess, b.provA.String()))
}
