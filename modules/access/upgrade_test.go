package access_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// TestUpgradeDefaults: a city installed before some default lines existed
// gets them, once, as a system version; a default line its administrator
// removed stays removed; a line it added itself is kept.
func TestUpgradeDefaults(t *testing.T) {
	t.Parallel()
	b := setup(t)
	defaults, err := access.DefaultRules()
	require.NoError(t, err)
	assign := access.Rule{Role: access.RoleProviderHead, Object: access.ObjApplications, Action: access.ActAssign, Scope: access.ScopeProvider, Effect: access.EffectAllow}
	ownAppeals := access.Rule{Role: access.RoleResident, Object: access.ObjOwnAppeals, Action: access.ActCreate, Scope: access.ScopeTenant, Effect: access.EffectAllow}
	officialRead := access.Rule{Role: access.RoleOfficial, Object: access.ObjServices, Action: access.ActRead, Scope: access.ScopeProvider, Effect: access.EffectAllow}
	for _, r := range []access.Rule{assign, ownAppeals, officialRead} {
		require.Contains(t, defaults, r)
	}

	// The city as an older release installed it: without assign and
	// own_appeals:create in its rules and in its version 1.
	old := without(without(defaults, assign), ownAppeals)
	snapshot, err := json.Marshal(old)
	require.NoError(t, err)
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE policy_versions SET snapshot = $1 WHERE version = 1`, snapshot); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM casbin_rules WHERE (v0, v2, v3) = ('provider_head', 'applications', 'assign') OR (v0, v2, v3) = ('resident', 'own_appeals', 'create')`)
		return err
	}))
	b.svc.Forget(b.tn.ID)

	// Its administrator then removed a default line and added
	// own_appeals:create themselves.
	rules, _, err := b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.NotContains(t, rules, assign)
	edited := append(without(rules, officialRead), ownAppeals)
	v, err := b.svc.ReplacePolicies(b.ctx, b.admin, edited, "без перегляду послуг")
	require.NoError(t, err)
	require.EqualValues(t, 2, v)

	head := b.staff(t, access.RoleProviderHead, &b.provA)
	require.False(t, b.allowed(t, b.svc, head, access.ObjApplications, access.ActAssign, b.provA.String()))

	upgrade := func() []access.Rule {
		var added []access.Rule
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			added, err = b.svc.UpgradeDefaults(ctx, tx)
			return err
		}))
		b.svc.Forget(b.tn.ID)
		return added
	}
	require.Equal(t, []access.Rule{assign}, upgrade())
	rules, v, err = b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, v)
	require.Contains(t, rules, assign)
	require.Contains(t, rules, ownAppeals, "the administrator's own line is kept")
	require.NotContains(t, rules, officialRead, "a default line removed on purpose stays removed")
	require.True(t, b.allowed(t, b.svc, head, access.ObjApplications, access.ActAssign, b.provA.String()))
	history, err := b.svc.PolicyHistory(b.ctx)
	require.NoError(t, err)
	require.Equal(t, access.SystemActor, history[0].ChangedBy)

	// Everything is offered now: a second run writes nothing.
	require.Empty(t, upgrade())
	_, v, err = b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, v)
}

// TestUpgradeRecordsLinesAlreadyThere: a default line the city already has
// is recorded as offered without a change, so removing it afterwards is
// not undone by the next upgrade.
func TestUpgradeRecordsLinesAlreadyThere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	defaults, err := access.DefaultRules()
	require.NoError(t, err)
	assign := access.Rule{Role: access.RoleProviderHead, Object: access.ObjApplications, Action: access.ActAssign, Scope: access.ScopeProvider, Effect: access.EffectAllow}
	snapshot, err := json.Marshal(without(defaults, assign))
	require.NoError(t, err)
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE policy_versions SET snapshot = $1 WHERE version = 1`, snapshot)
		return err
	}))

	run := func() []access.Rule {
		var added []access.Rule
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			added, err = b.svc.UpgradeDefaults(ctx, tx)
			return err
		}))
		b.svc.Forget(b.tn.ID)
		return added
	}
	require.Empty(t, run(), "the line is there: nothing to add")
	rules, v, err := b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, v, "recorded as offered")
	_, err = b.svc.ReplacePolicies(b.ctx, b.admin, without(rules, assign), "без перепризначення")
	require.NoError(t, err)
	require.Empty(t, run())
	rules, _, err = b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.NotContains(t, rules, assign)
}

// TestUpgradeInstallsWhenNone: a city with no policy gets the defaults.
func TestUpgradeInstallsWhenNone(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	ctx := tenant.With(t.Context(), tn)
	svc := access.New(db.App, &access.Options{Log: tlog(t)})
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.UpgradeDefaults(ctx, tx)
		return err
	}))
	rules, v, err := svc.Policies(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, v)
	defaults, err := access.DefaultRules()
	require.NoError(t, err)
	for _, r := range defaults {
		require.True(t, slices.Contains(rules, r), "%v", r)
	}
}

// TestUpgradeWithdraws: a city installed by a release whose defaults let
// the provider head publish (seed 003 §7.3, §7.5 leave it to the
// administrator) loses that line once, recorded in a system version and
// the audit; an administrator who then grants it again on purpose keeps it.
func TestUpgradeWithdraws(t *testing.T) {
	t.Parallel()
	b := setup(t)
	publish := access.Rule{Role: access.RoleProviderHead, Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: access.ScopeProvider, Effect: access.EffectAllow}
	require.Contains(t, access.Withdrawn, publish)
	defaults, err := access.DefaultRules()
	require.NoError(t, err)
	require.NotContains(t, defaults, publish, "no longer a default")

	// As the older release installed the city: the line in its rules and
	// in its version 1.
	snapshot, err := json.Marshal(append(slices.Clone(defaults), publish))
	require.NoError(t, err)
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE policy_versions SET snapshot = $1 WHERE version = 1`, snapshot); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO casbin_rules (tenant_id, id, ptype, v0, v1, v2, v3, v4, v5)
			VALUES (app_tenant_id(), gen_random_uuid(), 'p', 'provider_head', app_tenant_id()::text, 'service_revisions', 'approve', 'provider', 'allow')`)
		return err
	}))
	b.svc.Forget(b.tn.ID)
	head := b.staff(t, access.RoleProviderHead, &b.provA)
	require.True(t, b.allowed(t, b.svc, head, access.ObjServiceRevisions, access.ActApprove, b.provA.String()), "the older release's head publishes")

	run := func() {
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := b.svc.UpgradeDefaults(ctx, tx)
			return err
		}))
		b.svc.Forget(b.tn.ID)
	}
	run()
	require.False(t, b.allowed(t, b.svc, head, access.ObjServiceRevisions, access.ActApprove, b.provA.String()), "withdrawn")
	require.True(t, b.allowed(t, b.svc, head, access.ObjServiceRevisions, access.ActCreate, b.provA.String()), "the head still proposes")
	rules, v, err := b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, v)
	require.NotContains(t, rules, publish)
	history, err := b.svc.PolicyHistory(b.ctx)
	require.NoError(t, err)
	require.Equal(t, access.SystemActor, history[0].ChangedBy)
	require.Contains(t, history[0].Summary, "1 withdrawn")
	run()
	_, v, err = b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, v, "a second run changes nothing")

	// The administrator's own decision afterwards stands.
	_, err = b.svc.ReplacePolicies(b.ctx, b.admin, append(rules, publish), "керівник публікує сам")
	require.NoError(t, err)
	run()
	rules, _, err = b.svc.Policies(b.ctx)
	require.NoError(t, err)
	require.Contains(t, rules, publish, "granted again on purpose: kept")
}
