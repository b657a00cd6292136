package monitoring_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/modules/monitoring"
	"hromada/tenant"
)

// TestNationalOutageThroughRiver is the done-when's outage, through the
// send jobs as the server runs them: the receiver is down for over an
// hour, each message's job fails and waits its back-off (1 min doubling)
// again and again, and once the receiver is back every message arrives
// exactly once. The hour is injected: each time River schedules a retry,
// the test records the wait River chose and then moves the job's time to
// now, as the scheduler would once the wait had passed.
func TestNationalOutageThroughRiver(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	_, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)
	rg := newRig(t, e)

	var client *river.Client[pgx.Tx]
	insert := func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, client, tx, args, nil)
		return err
	}
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, tenant.Zone)
	svc := monitoring.New(monitoring.Options{DB: e.db.App, Now: func() time.Time { return now }, Seals: rg.sealer, Insert: insert,
		National: &monitoring.National{URL: rg.srv.URL + "/messages", Client: rg.client}})
	workers := river.NewWorkers()
	river.AddWorker(workers, monitoring.NewSendWorker(svc))
	client, err = river.NewClient(riverpgxv5.New(e.db.App.Pool()), &river.Config{Workers: workers,
		FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}})
	require.NoError(t, err)

	rg.sim.Down.Store(true)
	ids, err := svc.Exchange(e.ctx)
	require.NoError(t, err)
	require.NotEmpty(t, ids)
	require.NoError(t, client.Start(t.Context()))
	t.Cleanup(func() { _ = client.Stop(context.WithoutCancel(t.Context())) })

	// River's own table, read as the platform (it has no tenant column).
	jobs := func(sql string, args ...any) int {
		var n int
		require.NoError(t, e.db.Owner.QueryRow(t.Context(), sql, args...).Scan(&n))
		return n
	}
	const kind = "monitoring.national_send"
	// release moves the waiting jobs' time to now: their wait has passed.
	release := func() {
		_, err := e.db.Owner.Exec(t.Context(), `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE kind = $1 AND state = 'retryable'`, kind)
		require.NoError(t, err)
	}
	waited := time.Duration(0) // the back-off River chose, summed over attempts
	rounds := 0
	for round := 1; ; round++ {
		require.Eventually(t, func() bool {
			return jobs(`SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'retryable' AND attempt = $2`, kind, round) == len(ids)
		}, 2*time.Minute, 50*time.Millisecond, "round %d: every send failed and waits", round)
		var lo, hi time.Duration
		require.NoError(t, e.db.Owner.QueryRow(t.Context(), `SELECT min(scheduled_at - attempted_at), max(scheduled_at - attempted_at)
			FROM river_job WHERE kind = $1`, kind).Scan(&lo, &hi))
		require.InDelta(t, float64(time.Minute<<round), float64(lo), float64(5*time.Second), "round %d: the back-off doubles", round)
		require.InDelta(t, float64(lo), float64(hi), float64(5*time.Second))
		waited += lo
		if waited >= time.Hour {
			// Every job now waits minutes ahead: none runs until released
			// below, so the counts that follow cannot move under the test
			// (releasing them here raced a last refused post past them).
			rounds = round
			break
		}
		release()
	}
	require.Empty(t, rg.sim.Received(), "nothing got through while the receiver was down")
	require.Equal(t, rounds, e.count(t, `SELECT max(attempts) FROM national_messages`))
	require.Equal(t, len(ids)*rounds, e.count(t, `SELECT count(*) FROM national_attempts WHERE error LIKE '%503%'`),
		"every failed attempt is recorded for the operator")

	// Back up after more than an hour: each message arrives once.
	before := rg.sim.Posts()
	require.Equal(t, len(ids)*rounds, before, "each failed attempt was one refused post")
	rg.sim.Down.Store(false)
	release()
	require.Eventually(t, func() bool {
		return jobs(`SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'retryable'`, kind) == 0 &&
			jobs(`SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'`, kind) == len(ids)
	}, 2*time.Minute, 50*time.Millisecond)
	got := rg.sim.Received()
	require.Len(t, got, len(ids), "nothing lost")
	for _, id := range ids {
		require.Equal(t, 1, got[id].Times, "%s: delivered once", id)
	}
	require.Equal(t, len(ids), rg.sim.Posts()-before, "no message posted twice once the receiver is back")
	require.Empty(t, rg.sim.Refusals())
	require.Equal(t, len(ids), e.count(t, fmt.Sprintf(`SELECT count(*) FROM national_messages WHERE status = 'sent' AND attempts = %d`, rounds+1)))
	require.Equal(t, len(ids), e.count(t, fmt.Sprintf(`SELECT count(*) FROM national_attempts WHERE error = '' AND n = %d`, rounds+1)))
}
