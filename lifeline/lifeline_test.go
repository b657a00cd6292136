package lifeline_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/lifeline"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// A process's running jobs stay with it while it lives (its lock is held)
// and are made available again by another process's sweep once it dies
// (its session, and so its lock, gone); those out of attempts are
// discarded; jobs of clients that hold no life line (an older release) are
// left to River's own rescuer.
func TestSweepTakesBackTheJobsOfTheDead(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ctx := t.Context()
	pool := db.Owner
	log := slog.New(slog.DiscardHandler)
	alive, err := lifeline.Hold(ctx, pool, log)
	require.NoError(t, err)
	sweeper, err := lifeline.Hold(ctx, pool, log)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sweeper.Close(context.Background()) })
	dead, err := lifeline.NewID()
	require.NoError(t, err)

	job := func(client string, attempt int) int64 {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `
			INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
			VALUES ('{}', 'test', 3, 'default', 'running', $1, now(), ARRAY[$2])
			RETURNING id`, attempt, client).Scan(&id))
		return id
	}
	state := func(id int64) (st string, errs int, rescues int) {
		require.NoError(t, pool.QueryRow(ctx, `SELECT state::text, coalesce(cardinality(errors), 0), coalesce((metadata->>'river:rescue_count')::int, 0) FROM river_job WHERE id = $1`, id).Scan(&st, &errs, &rescues))
		return
	}
	ofAlive := job(alive.ID, 1)
	ofDead := job(dead, 1)
	ofDeadLastTry := job(dead, 3)
	ofOldRelease := job("some-host-2026-12-05T01:02:03", 1)
	mine := job(sweeper.ID, 1)

	n, err := sweeper.Sweep(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	st, errs, rescues := state(ofDead)
	require.Equal(t, "available", st)
	require.Equal(t, 1, errs)
	require.Equal(t, 1, rescues)
	st, _, _ = state(ofDeadLastTry)
	require.Equal(t, "discarded", st)
	for _, id := range []int64{ofAlive, ofOldRelease, mine} {
		st, _, _ = state(id)
		require.Equal(t, "running", st, "job %d", id)
	}
	n, err = sweeper.Sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a second sweep finds nothing more")

	// The live process dies: its session ends, its lock with it (once the
	// server has seen the session go, a moment after the socket closes).
	require.NoError(t, alive.Close(ctx))
	require.Eventually(t, func() bool {
		n, err = sweeper.Sweep(ctx)
		require.NoError(t, err)
		return n == 1
	}, time.Minute, 20*time.Millisecond)
	st, _, _ = state(ofAlive)
	require.Equal(t, "available", st)
}

// A line whose connection broke (the database restarted) is held again by
// Reconnect under the same id: its lock is taken again, so others judge
// the process alive, and its own jobs left running by the workers it
// stopped are available again at once.
func TestReconnectHoldsTheLineAgain(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ctx := t.Context()
	pool := db.Owner
	log := slog.New(slog.DiscardHandler)
	line, err := lifeline.Hold(ctx, pool, log)
	require.NoError(t, err)
	t.Cleanup(func() { _ = line.Close(context.Background()) })
	other, err := lifeline.Hold(ctx, pool, log)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close(context.Background()) })
	var job int64
	require.NoError(t, pool.QueryRow(ctx, `
		INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
		VALUES ('{}', 'test', 3, 'default', 'running', 1, now(), ARRAY[$1]) RETURNING id`, line.ID).Scan(&job))

	// The line's session ends as in a restart of the server.
	_, err = pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND objid = (hashtextextended('hromada.lifeline:' || $1, 0) & 4294967295)::oid`, line.ID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		err := line.Reconnect(ctx)
		return err == nil
	}, time.Minute, 50*time.Millisecond)
	var st string
	require.NoError(t, pool.QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, job).Scan(&st))
	require.Equal(t, "available", st, "its own jobs made available again")
	// Held again: another process's sweep judges it alive.
	require.NoError(t, pool.QueryRow(ctx, `
		INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
		VALUES ('{}', 'test', 3, 'default', 'running', 1, now(), ARRAY[$1]) RETURNING id`, line.ID).Scan(&job))
	n, err := other.Sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}
