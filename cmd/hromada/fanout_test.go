package main

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/modules/monitoring"
)

// The periodic jobs that act city by city fan out one job per active city
// (tenant.FanOut) and each city's job runs: the deadlines' and the policy
// upgrade's on start, the sessions' sweep when its hourly job comes.
func TestPeriodicJobsFanOutPerCity(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	pool := ta.db.App.Pool()
	var cities int
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*) FROM tenants WHERE status = 'active'`).Scan(&cities))
	require.Positive(t, cities)
	done := func(kind string) func() bool {
		return func() bool {
			var n int
			require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(DISTINCT args->>'tenant_id') FROM river_job WHERE kind = $1 AND state = 'completed'`, kind).Scan(&n))
			return n == cities
		}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)
	// Both fan-outs are asked for now (the deadlines' also runs on start;
	// a city's job, once completed, counts once).
	_, err = client.Insert(t.Context(), applications.DeadlinesAllArgs{}, nil)
	require.NoError(t, err)
	_, err = client.Insert(t.Context(), identity.SweepAllArgs{}, nil)
	require.NoError(t, err)
	_, err = client.Insert(t.Context(), access.UpgradeAllArgs{}, nil)
	require.NoError(t, err)
	_, err = client.Insert(t.Context(), monitoring.RollupAllArgs{}, nil)
	require.NoError(t, err)
	require.Eventually(t, done("applications.deadlines"), 30*time.Second, 100*time.Millisecond, "one deadlines job per active city")
	require.Eventually(t, done("identity.sessions.sweep"), 30*time.Second, 100*time.Millisecond, "one sweep per active city")
	require.Eventually(t, done("access.upgrade_defaults"), 30*time.Second, 100*time.Millisecond, "one policy upgrade per active city")
	require.Eventually(t, done("monitoring.rollup"), 60*time.Second, 100*time.Millisecond, "one indicators' rollup per active city")
}
