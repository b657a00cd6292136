package audit_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
)

// queued records e the way Submit does: the head's lock queued in the
// caller's batch beside its own statements, the row appended after.
func queued(ctx context.Context, tx pgx.Tx, svc *audit.Service, e audit.Event) (int64, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT 1`) // the caller's own statements ride along
	p, err := svc.Queue(ctx, batch, e)
	if err != nil {
		return 0, err
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return 0, err
	}
	return p.Append(ctx, tx)
}

// laneOf reads the lane the row with object id obj is in.
func laneOf(t *testing.T, b *testBundle, obj string) int {
	t.Helper()
	rows, _ := search(t, b.db, b.ctx, audit.Filter{Limit: audit.MaxLimit})
	for _, r := range rows {
		if r.ObjectID == obj {
			return r.Lane
		}
	}
	t.Fatalf("no row of %s", obj)
	return 0
}

// A change in one lane is found there, named by its lane and seq, while
// the other lanes verify; a lane's cut tail and a lane deleted with its
// head are found too (the heads say where each lane ends, and that each
// lane exists).
func TestVerifyNamesTheBrokenLane(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		sql     string
		lane    int
		broken  int64
		problem audit.Problem
	}{
		"ChangedRow":      {`UPDATE audit_events SET actor_name = 'Mallory' WHERE tenant_id = $1 AND lane = 3 AND seq = 2`, 3, 2, audit.ProblemHash},
		"DeletedLastRow":  {`DELETE FROM audit_events WHERE tenant_id = $1 AND lane = 3 AND seq = 4`, 3, 4, audit.ProblemMissing},
		"DeletedLaneHead": {`DELETE FROM audit_heads WHERE tenant_id = $1 AND chain = 'audit.3'`, 3, 1, audit.ProblemNoHead},
		"DeletedWholeLane": {`DELETE FROM audit_events WHERE tenant_id = $1 AND lane = 3;
			DELETE FROM audit_heads WHERE tenant_id = $1 AND chain = 'audit.3'`, 3, 1, audit.ProblemNoHead},
		// Lane 3 moved whole, rows and head, to the empty lane 6: the
		// rows of a lane hash their lane.
		"MovedToAnotherLane": {`UPDATE audit_events SET lane = 6 WHERE tenant_id = $1 AND lane = 3;
			UPDATE audit_heads SET chain = 'moving' WHERE tenant_id = $1 AND chain = 'audit.6';
			UPDATE audit_heads SET chain = 'audit.6' WHERE tenant_id = $1 AND chain = 'audit.3';
			UPDATE audit_heads SET chain = 'audit.3' WHERE tenant_id = $1 AND chain = 'moving'`, 6, 1, audit.ProblemHash},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			lane3 := audit.InLane(3)
			for i := 1; i <= 4; i++ {
				record(t, b.db, b.ctx, event(i)) // lane 0
				require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
					seq, err := lane3.Record(ctx, tx, event(10+i))
					require.Equal(t, int64(i), seq)
					return err
				}))
			}
			require.Equal(t, 3, laneOf(t, b, "obj-11"))
			rep := verify(t, b.db, b.ctx)
			require.True(t, rep.OK(), rep.Reason)
			require.Equal(t, int64(8), rep.Rows)

			_, err := superuser(t, b.db).Exec(t.Context(), tc.sql, pgx.QueryExecModeSimpleProtocol, b.ten.ID)
			require.NoError(t, err)
			rep = verify(t, b.db, b.ctx)
			require.False(t, rep.OK())
			require.Equalf(t, tc.lane, rep.Lane, "report: %+v", rep)
			require.Equalf(t, tc.broken, rep.FirstBroken, "report: %+v", rep)
			require.Equalf(t, tc.problem, rep.Problem, "report: %+v", rep)
			require.True(t, strings.HasPrefix(rep.Reason, fmt.Sprintf("lane %d: ", tc.lane)), rep.Reason)
			for _, l := range rep.Lanes {
				require.Equalf(t, l.Lane != tc.lane, l.OK(), "only lane %d is broken: %+v", tc.lane, l)
			}
		})
	}
}

// Submissions of one city at once, their records queued in their batches
// (Queue) and recorded (Record) mixed: all chained, nothing lost, every
// lane verifies; and in one pinned lane, Queue and Record make one chain.
func TestConcurrentSubmissionsOfOneCity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	svc := audit.New(nil, nil)
	const workers, each = 16, 20
	appendAtOnce(t, b, workers, each, func(ctx context.Context, tx pgx.Tx, w, i int) error {
		e := event(w*1000 + i)
		if (w+i)%2 == 0 {
			_, err := queued(ctx, tx, svc, e)
			return err
		}
		_, err := audit.Record(ctx, tx, e)
		return err
	})
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(workers*each), rep.Rows)
	require.Len(t, rep.Lanes, audit.Lanes)
	used := 0
	for _, l := range rep.Lanes {
		require.Equal(t, l.Rows, l.LastSeq, "lane %d", l.Lane)
		if l.Rows > 0 {
			used++
		}
	}
	require.Greater(t, used, 1)
	rows, total := search(t, b.db, b.ctx, audit.Filter{Limit: audit.MaxLimit})
	require.Equal(t, workers*each, total)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.ObjectID] = true
	}
	require.Len(t, seen, workers*each, "every record is there once")

	// Queue and Record pinned to one lane chain with each other.
	lane5 := audit.InLane(5)
	appendAtOnce(t, b, 4, 10, func(ctx context.Context, tx pgx.Tx, w, i int) error {
		e := event(50000 + w*100 + i)
		if i%2 == 0 {
			_, err := queued(ctx, tx, lane5, e)
			return err
		}
		_, err := lane5.Record(ctx, tx, e)
		return err
	})
	before := rep.Lanes[5].Rows
	rep = verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, before+40, rep.Lanes[5].Rows)
	require.Equal(t, rep.Lanes[5].Rows, rep.Lanes[5].HeadSeq)
}

// What the lanes are for: a transaction that holds its lane's head does
// not hold up a record of the same city in another lane, while a record
// in the same lane waits for it.
func TestLanesDoNotWaitForEachOther(t *testing.T) {
	t.Parallel()
	b := setup(t)
	record(t, b.db, b.ctx, event(1)) // the city's heads
	hold := make(chan struct{})
	held := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := audit.InLane(1).Record(ctx, tx, event(2)); err != nil {
				return err
			}
			close(held)
			<-hold // lane 1's head stays locked until the test lets go
			return nil
		})
	}()
	<-held
	inLane := func(lane int, timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(b.ctx, timeout)
		defer cancel()
		return b.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := audit.InLane(lane).Record(ctx, tx, event(3))
			return err
		})
	}
	require.NoError(t, inLane(2, time.Minute), "another lane appends while lane 1 is held")
	require.Error(t, inLane(1, 300*time.Millisecond), "the same lane waits for the holder")
	close(hold)
	require.NoError(t, <-done)
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(3), rep.Rows)
}

// The auditor's pages list the records of every lane by time, newest
// first, and page through them without skipping or repeating one: rows of
// different lanes at the same microsecond are ordered by id.
func TestSearchPagesAcrossLanes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var want []uuid.UUID
	for i := range 12 {
		svc := audit.InLane(i % audit.Lanes)
		when := at.Add(time.Duration(i/3) * time.Second) // three rows share each time
		svc.Now = func() time.Time { return when }
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.Record(ctx, tx, event(i))
			return err
		}))
	}
	all, total := search(t, b.db, b.ctx, audit.Filter{Limit: 100})
	require.Equal(t, 12, total)
	for _, r := range all {
		want = append(want, r.ID)
	}
	var got []uuid.UUID
	for off := 0; off < total; off += 5 {
		page, n := search(t, b.db, b.ctx, audit.Filter{Limit: 5, Offset: off})
		require.Equal(t, total, n)
		for _, r := range page {
			got = append(got, r.ID)
		}
	}
	require.Equal(t, want, got, "the pages together are the list, once each")
	for i := 1; i < len(all); i++ {
		prev, r := all[i-1], all[i]
		require.True(t, prev.At.After(r.At) || (prev.At.Equal(r.At) && prev.ID.String() > r.ID.String()),
			"row %d (%s %s) after row %d (%s %s)", i, r.At, r.ID, i-1, prev.At, prev.ID)
	}

	// The index the pages read by is used (and the query plan names it).
	var plan []string
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `EXPLAIN (FORMAT TEXT) SELECT id FROM audit_events WHERE tenant_id = $1
			ORDER BY at DESC, id DESC LIMIT 50`, b.ten.ID)
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}))
	require.Contains(t, strings.Join(plan, "\n"), "audit_events_at_id_idx")
}

// A city with a log from before the lanes: its rows are lane 0's, hashed
// as they were (v1), and migration 0050 gives it the seven new heads,
// empty, without touching a row. Its log verifies as it did, and new
// records go on in every lane.
func TestMigrationKeepsTheOldChain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := 1; i <= 3; i++ {
		record(t, b.db, b.ctx, event(i))
	}
	before, _ := search(t, b.db, b.ctx, audit.Filter{})
	// The city as it was before 0050: the one head, "audit".
	_, err := superuser(t, b.db).Exec(t.Context(), `DELETE FROM audit_heads WHERE tenant_id = $1 AND chain <> 'audit'`, b.ten.ID)
	require.NoError(t, err)
	rep := verify(t, b.db, b.ctx)
	require.False(t, rep.OK(), "a city with heads has all of them")

	// 0050's backfill, as the migrations run it (the owner).
	raw, err := os.ReadFile("../../migrations/0050_audit_lanes.sql")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(raw), "-- +goose StatementBegin\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "-- +goose StatementEnd")
	require.True(t, ok)
	tx, err := b.db.Owner.Begin(t.Context())
	require.NoError(t, err)
	_, err = tx.Exec(t.Context(), block)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(t.Context()))

	rep = verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Len(t, rep.Lanes, audit.Lanes)
	require.Equal(t, audit.LaneReport{Lane: 0, Rows: 3, LastSeq: 3, HeadSeq: 3, Head: true}, rep.Lanes[0])
	after, _ := search(t, b.db, b.ctx, audit.Filter{})
	require.Equal(t, before, after, "no row rewritten")
	for i := 4; i <= 20; i++ {
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := audit.Record(ctx, tx, event(i))
			return err
		}))
	}
	rep = verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(20), rep.Rows)
}

// A detail named later to Queue is filled after the batch with its lock
// was sent (Submit's number, taken last), and QueueAppend puts the row in
// the caller's next batch: the stored details carry the value, the chain
// verifies. A value that JSON might escape, a key never named, and a
// detail never filled are refused.
func TestQueueFillsALaterDetail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	svc := audit.New(nil, nil)
	e := event(1)
	e.Details["number"] = "old"
	for i, value := range []string{"2026-000001", "2026-000002"} {
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			batch := &pgx.Batch{}
			p, err := svc.Queue(ctx, batch, e, "number")
			require.NoError(t, err)
			require.NoError(t, tx.SendBatch(ctx, batch).Close())
			require.Error(t, p.Fill("number", `2026"<x>`), "not plain text")
			require.Error(t, p.Fill("other", "x"), "not named later")
			require.NoError(t, p.Fill("number", value))
			batch = &pgx.Batch{}
			batch.Queue(`SELECT 1`)
			require.NoError(t, p.QueueAppend(ctx, tx, batch))
			return tx.SendBatch(ctx, batch).Close()
		}), "record %d", i) // the first makes the city's heads
	}
	rows, _ := search(t, b.db, b.ctx, audit.Filter{})
	require.Len(t, rows, 2)
	require.Equal(t, "2026-000002", rows[0].Details["number"])
	require.Equal(t, "2026-000001", rows[1].Details["number"])
	require.Equal(t, "old", e.Details["number"], "the caller's details are not changed")
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)

	err := b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		batch := &pgx.Batch{}
		p, err := svc.Queue(ctx, batch, e, "number")
		require.NoError(t, err)
		require.NoError(t, tx.SendBatch(ctx, batch).Close())
		_, err = p.Append(ctx, tx)
		return err
	})
	require.ErrorContains(t, err, "never filled")
}

// A new city's first submissions at once: the batch that locks a
// submission's lane goes on to take the city's number (here an advisory
// lock, held to the commit as the counter's row is). When the city had no
// heads yet, Queue's lock found none and the heads were made and locked
// after the batch — after the number — so a second submission holding
// that lane and waiting for the number closed a cycle (PostgreSQL:
// deadlock detected; seen in the pipeline bench's first round). The
// heads are now made in the batch, before the lock.
func TestFirstSubmissionsOfACityDoNotDeadlock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	super := superuser(t, b.db)
	var heads int
	require.NoError(t, super.QueryRow(b.ctx, `SELECT count(*) FROM audit_heads WHERE tenant_id = $1`, b.ten.ID).Scan(&heads))
	require.Zero(t, heads, "a city with no record has no heads")
	blocked := func() int {
		var n int
		require.NoError(t, super.QueryRow(b.ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n))
		return n
	}
	// waitFor polls until cond holds: the other transactions' progress is
	// seen in PostgreSQL, not guessed with sleeps of a fixed length.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			require.True(t, time.Now().Before(deadline), "waiting for %s", what)
			time.Sleep(20 * time.Millisecond)
		}
	}
	lane3 := audit.InLane(3)
	// submit is one submission's shape: the lane's lock and the number in
	// one batch, then the record appended.
	submit := func(ctx context.Context, tx pgx.Tx, e audit.Event, between func()) error {
		batch := &pgx.Batch{}
		p, err := lane3.Queue(ctx, batch, e)
		if err != nil {
			return err
		}
		batch.Queue(`SELECT pg_advisory_xact_lock(24)`) // the city's number
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		between()
		_, err = p.Append(ctx, tx)
		return err
	}
	firstHolds, firstGoes := make(chan struct{}), make(chan struct{})
	first, other, second := make(chan error, 1), make(chan error, 1), make(chan error, 1)
	go func() {
		first <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return submit(ctx, tx, event(1), func() { close(firstHolds); <-firstGoes })
		})
	}()
	<-firstHolds // the first holds the number
	// Another record of the city (any transaction's): before, it made the
	// heads and committed; now it waits for the first's heads.
	go func() {
		other <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := audit.Record(ctx, tx, event(2))
			return err
		})
	}()
	waitFor("the other record to commit or wait", func() bool { return len(other) == 1 || blocked() >= 1 })
	before := blocked()
	// The second submission, in the same lane: it waits — before, holding
	// the lane, for the number; now for the first's heads.
	secondHolds, secondGoes := make(chan struct{}), make(chan struct{})
	go func() {
		second <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return submit(ctx, tx, event(3), func() { close(secondHolds); <-secondGoes })
		})
	}()
	waitFor("the second submission to wait", func() bool { return blocked() > before })
	close(firstGoes)
	// The second now holds the number. A third submission in the lane
	// waits for it: for the lane, or — had the second found no heads in
	// its batch (with the heads remembered before their commit, it
	// skipped making them) and locked the lane after the number — holding
	// the lane, for the number, which closes the cycle when the second
	// appends.
	select {
	case <-secondHolds:
	case err := <-second:
		t.Fatalf("the second submission ended before taking the number: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the second submission did not take the number")
	}
	third := make(chan error, 1)
	go func() {
		third <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return submit(ctx, tx, event(4), func() {})
		})
	}()
	waitFor("the third submission to wait", func() bool { return blocked() >= 1 })
	close(secondGoes)
	errs := map[string]error{}
	for name, ch := range map[string]chan error{"first": first, "other": other, "second": second, "third": third} {
		select {
		case errs[name] = <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("the %s transaction did not end", name)
		}
	}
	require.Equal(t, map[string]error{"first": nil, "other": nil, "second": nil, "third": nil}, errs)
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(4), rep.Rows)
}
