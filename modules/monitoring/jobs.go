package monitoring

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// RollupEvery is how often each city's indicators are rolled up: the
// dashboards and the open statistics are at most this much behind.
const RollupEvery = 15 * time.Minute

// RollupArgs rolls a city's changed days up (Rollup).
type RollupArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (RollupArgs) Kind() string { return "monitoring.rollup" }

// NewRollupWorker returns the worker of RollupArgs: the city's rollup in
// the job's own transaction.
func NewRollupWorker(db *tenant.DB) *tenant.Worker[RollupArgs] {
	return tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, _ *river.Job[RollupArgs]) error {
		_, err := rollup(ctx, tx)
		return err
	})
}

// RollupAllArgs fans out one RollupArgs per active city; it runs
// periodically and carries no tenant itself.
type RollupAllArgs struct{}

// Kind implements river.JobArgs.
func (RollupAllArgs) Kind() string { return "monitoring.rollup_all" }

// RollupAllWorker enqueues a city's rollup for each active city.
type RollupAllWorker struct {
	river.WorkerDefaults[RollupAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *RollupAllWorker) Work(ctx context.Context, _ *river.Job[RollupAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) RollupArgs { return RollupArgs{Envelope: e} })
}

// PeriodicRollup is the rollup's periodic job, for River's config.
func PeriodicRollup() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(RollupEvery), func() (river.JobArgs, *river.InsertOpts) {
		return RollupAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: RollupEvery}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// SendArgs delivers one national message (Deliver, then its receipt).
type SendArgs struct {
	tenant.Envelope
	MessageID uuid.UUID `json:"message_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "monitoring.national_send" }

// InsertOpts: one send job per message, however often it is queued.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// sendBackoff is the wait before a failed delivery's next attempt: from a
// minute, doubling, at most six hours, so a receiver down for a day is
// caught up with within hours of its return, and never hammered.
func sendBackoff(attempt int) time.Duration {
	d := time.Minute << min(attempt, 9)
	return min(d, 6*time.Hour)
}

// NewSendWorker returns the worker of SendArgs: the post outside any
// transaction, the receipt recorded with the job's completion; a failure
// waits sendBackoff and is tried again (River's attempts).
func NewSendWorker(s *Service) *tenant.StepWorker[SendArgs, *Receipt] {
	w := tenant.NewStepWorker(s.db, func(ctx context.Context, job *river.Job[SendArgs]) (*Receipt, error) {
		return s.Deliver(ctx, job.Args.MessageID)
	}, func(ctx context.Context, tx pgx.Tx, job *river.Job[SendArgs], rc *Receipt) error {
		return recordReceipt(ctx, tx, job.Args.MessageID, rc)
	})
	w.RetryAfter = sendBackoff
	return w
}

// ExchangeArgs builds a city's national messages of the days not yet
// exchanged (Exchange).
type ExchangeArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (ExchangeArgs) Kind() string { return "monitoring.national_exchange" }

// NewExchangeWorker returns the worker of ExchangeArgs, in the job's
// transaction (the messages, their send jobs and the job's completion
// commit together).
func NewExchangeWorker(s *Service) *tenant.Worker[ExchangeArgs] {
	return tenant.NewWorker(s.db, func(ctx context.Context, tx pgx.Tx, _ *river.Job[ExchangeArgs]) error {
		_, err := s.exchange(ctx, tx)
		return err
	})
}

// ExchangeAllArgs fans out one ExchangeArgs per active city; it runs
// periodically and carries no tenant itself.
type ExchangeAllArgs struct{}

// Kind implements river.JobArgs.
func (ExchangeAllArgs) Kind() string { return "monitoring.national_exchange_all" }

// ExchangeAllWorker enqueues a city's exchange for each active city.
type ExchangeAllWorker struct {
	river.WorkerDefaults[ExchangeAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *ExchangeAllWorker) Work(ctx context.Context, _ *river.Job[ExchangeAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) ExchangeArgs { return ExchangeArgs{Envelope: e} })
}
