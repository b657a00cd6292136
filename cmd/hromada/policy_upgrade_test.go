package main

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
)

// A city installed by an older release gets the default lines added since
// (here the provider head's applications:assign) when the release starts:
// one system version, recorded in the city's audit log as the platform's.
func TestPolicyUpgradeReachesExistingCities(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	ctx := tenant.With(t.Context(), ts[0])
	assign := access.Rule{Role: access.RoleProviderHead, Object: access.ObjApplications, Action: access.ActAssign, Scope: access.ScopeProvider, Effect: access.EffectAllow}
	defaults, err := access.DefaultRules()
	require.NoError(t, err)
	older, err := json.Marshal(slices.DeleteFunc(defaults, func(r access.Rule) bool { return r == assign }))
	require.NoError(t, err)
	require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE policy_versions SET snapshot = $1 WHERE version = 1`, older); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM casbin_rules WHERE (v0, v2, v3) = ('provider_head', 'applications', 'assign')`)
		return err
	}))

	client, err := river.NewClient(riverpgxv5.New(ta.db.App.Pool()), &river.Config{})
	require.NoError(t, err)
	_, err = client.Insert(t.Context(), access.UpgradeAllArgs{}, nil)
	require.NoError(t, err)
	upgraded := func() bool {
		var lines, events int
		require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM casbin_rules WHERE (v0, v2, v3, v4) = ('provider_head', 'applications', 'assign', 'provider')`).Scan(&lines); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'access.policy.update' AND actor_role = 'platform' AND actor_id = ''`).Scan(&events)
		}))
		return lines == 1 && events == 1
	}
	require.Eventually(t, upgraded, 30*time.Second, 100*time.Millisecond, "the line added, once, by the platform")
	var by string
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT changed_by FROM policy_versions ORDER BY version DESC LIMIT 1`).Scan(&by)
	}))
	require.Equal(t, access.SystemActor, by)
}
