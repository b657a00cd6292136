package centres_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/centres"
)

// TestQueueDay: on Tuesday a booked person checks in (З-001) and a
// walk-in takes a ticket (А-001); the clerk calls the earliest first,
// cannot call again while someone is at the window, marks served; the
// waiting and service times are recorded; the display shows the call
// with its key only.
func TestQueueDay(t *testing.T) {
	t.Parallel()
	e := setup(t, 2)
	b, err := e.svc.Book(e.resident(t, 1), "cnap-t", "T-1", at(3, 9, 30), uuid.Nil)
	require.NoError(t, err)

	e.now = at(3, 9, 0)
	key := uuid.New()
	walk, err := e.svc.WalkIn(e.ctx, "cnap-t", "T-1", key)
	require.NoError(t, err)
	require.Equal(t, "А-001", walk.Ticket)
	again, err := e.svc.WalkIn(e.ctx, "cnap-t", "T-1", key)
	require.NoError(t, err)
	require.Equal(t, walk.ID, again.ID, "the form sent twice gives one ticket")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM visits WHERE kind = 'walk_in'`))
	_, err = e.svc.WalkIn(e.ctx, "cnap-t", "T-2", uuid.New())
	require.ErrorIs(t, err, centres.ErrNoService, "no window serves T-2")

	e.now = at(3, 9, 20)
	in, err := e.svc.CheckIn(e.ctx, "cnap-t", b.ID)
	require.NoError(t, err)
	require.Equal(t, "З-001", in.Ticket)
	in2, err := e.svc.CheckIn(e.ctx, "cnap-t", b.ID)
	require.NoError(t, err)
	require.Equal(t, "З-001", in2.Ticket, "checking in again changes nothing")

	// The walk-in came at 9:00, before the booked 9:30: called first.
	e.now = at(3, 9, 25)
	first, err := e.svc.CallNext(e.ctx, "cnap-t", 1)
	require.NoError(t, err)
	require.Equal(t, "А-001", first.Ticket)
	_, err = e.svc.CallNext(e.ctx, "cnap-t", 1)
	require.ErrorIs(t, err, centres.ErrWindowBusy, "a second click calls nobody")

	q, err := e.svc.Queue(e.ctx, "cnap-t")
	require.NoError(t, err)
	_, err = e.svc.Board(e.ctx, "cnap-t", "not-the-key")
	require.ErrorIs(t, err, centres.ErrNotFound)
	board, err := e.svc.Board(e.ctx, "cnap-t", q.DisplayKey)
	require.NoError(t, err)
	require.Len(t, board.Called, 1)
	require.Equal(t, "А-001", board.Called[0].Ticket)
	require.Equal(t, 1, board.Called[0].CalledWindow)
	require.Equal(t, 1, board.Waiting)

	e.now = at(3, 9, 35)
	_, err = e.svc.Finish(e.ctx, "cnap-t", first.ID, centres.Served)
	require.NoError(t, err)
	second, err := e.svc.CallNext(e.ctx, "cnap-t", 2)
	require.NoError(t, err)
	require.Equal(t, "З-001", second.Ticket)
	_, err = e.svc.CallNext(e.ctx, "cnap-t", 1)
	require.ErrorIs(t, err, centres.ErrQueueEmpty)
	_, err = e.svc.Finish(e.ctx, "cnap-t", second.ID, centres.NoShow)
	require.NoError(t, err)
	_, err = e.svc.Finish(e.ctx, "cnap-t", second.ID, centres.Served)
	require.ErrorIs(t, err, centres.ErrWrongStatus)

	q, err = e.svc.Queue(e.ctx, "cnap-t")
	require.NoError(t, err)
	require.Equal(t, 20*time.Minute, q.AvgWait.Round(time.Minute), "9:00→9:25 and 9:20→9:35")
	require.Equal(t, 10*time.Minute, q.AvgService.Round(time.Minute), "9:25→9:35; a no-show is not service")
}

// TestCallNextConcurrently: two clerks calling at the same instant call
// two different people.
func TestCallNextConcurrently(t *testing.T) {
	t.Parallel()
	e := setup(t, 2)
	e.now = at(3, 9, 0)
	for range 2 {
		_, err := e.svc.WalkIn(e.ctx, "cnap-t", "T-1", uuid.New())
		require.NoError(t, err)
	}
	var (
		wg     sync.WaitGroup
		called [2]*centres.Visit
		errs   [2]error
	)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			called[i], errs[i] = e.svc.CallNext(e.ctx, "cnap-t", i+1)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.NotEqual(t, called[0].ID, called[1].ID)
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM visits WHERE status = 'called'`))
}
