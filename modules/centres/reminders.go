package centres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// RemindBefore is how long before a booked time its reminder goes out.
const RemindBefore = 24 * time.Hour

// Remind sends the city's reminders due now, in one transaction: one per
// booking whose time is less than RemindBefore away, once (reminded_at;
// a move clears it, so the new time is reminded of too). It returns how
// many went out.
func (s *Service) Remind(ctx context.Context) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		n, err = s.remind(ctx, tx)
		return err
	})
	return n, err
}

func (s *Service) remind(ctx context.Context, tx pgx.Tx) (int, error) {
	now := s.now()
	// SKIP LOCKED: a booking being moved or cancelled right now is
	// reminded of (or not) on the next run, with its new state.
	due, err := visits(ctx, tx, `WHERE v.kind = 'booking' AND v.status = 'booked' AND v.reminded_at IS NULL
		AND v.starts_at > $1 AND v.starts_at <= $2 ORDER BY v.starts_at FOR UPDATE OF v SKIP LOCKED`, now, now.Add(RemindBefore))
	if err != nil {
		return 0, err
	}
	for i := range due {
		if _, err := tx.Exec(ctx, `UPDATE visits SET reminded_at = $2 WHERE id = $1`, due[i].ID, now); err != nil {
			return 0, fmt.Errorf("centres: reminder: %w", err)
		}
		if err := s.tell(ctx, tx, &due[i], "centres.notice_reminder"); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// RemindersEvery is how often the reminders' periodic job runs: a
// reminder comes at most this much later than a day before.
const RemindersEvery = 15 * time.Minute

// RemindArgs runs a city's reminders (Remind).
type RemindArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (RemindArgs) Kind() string { return "centres.remind" }

// NewRemindWorker returns the worker of RemindArgs: the city's reminders
// in the job's own transaction.
func NewRemindWorker(s *Service) *tenant.Worker[RemindArgs] {
	return tenant.NewWorker(s.db, func(ctx context.Context, tx pgx.Tx, _ *river.Job[RemindArgs]) error {
		_, err := s.remind(ctx, tx)
		return err
	})
}

// RemindAllArgs fans out one RemindArgs per active city; it runs
// periodically (cmd/hromada) and carries no tenant itself.
type RemindAllArgs struct{}

// Kind implements river.JobArgs.
func (RemindAllArgs) Kind() string { return "centres.remind_all" }

// RemindAllWorker enqueues a city's reminders for each active city.
type RemindAllWorker struct {
	river.WorkerDefaults[RemindAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *RemindAllWorker) Work(ctx context.Context, _ *river.Job[RemindAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) RemindArgs { return RemindArgs{Envelope: e} })
}

// PeriodicReminders is the periodic job of the reminders, for River's
// config.
func PeriodicReminders() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(RemindersEvery), func() (river.JobArgs, *river.InsertOpts) {
		return RemindAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: RemindersEvery}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
