package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// Envelope is embedded in the args of every tenant job: the tenant the job
// works for. River's tables are platform tables, so the envelope — not RLS —
// is what takes the tenant across; the worker re-enters it with Tx.
type Envelope struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// JobTenant returns the tenant the job works for.
func (e Envelope) JobTenant() uuid.UUID { return e.TenantID }

// JobArgs are the args of a tenant job: River's, plus the envelope.
type JobArgs interface {
	river.JobArgs
	JobTenant() uuid.UUID
}

// EnvelopeFrom returns the envelope for the tenant in ctx.
func EnvelopeFrom(ctx context.Context) (Envelope, error) {
	t, err := From(ctx)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{TenantID: t.ID}, nil
}

// ErrForeignJob is returned when a job is inserted for another tenant than
// the one in ctx: a job must never carry work across tenants.
var ErrForeignJob = errors.New("tenant: job's envelope names another tenant than the context")

// InsertTx enqueues args in tx, so the job exists if and only if tx commits.
// The envelope must name the tenant in ctx.
func InsertTx(ctx context.Context, client *river.Client[pgx.Tx], tx pgx.Tx, args JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	t, err := From(ctx)
	if err != nil {
		return nil, err
	}
	if args.JobTenant() != t.ID {
		return nil, ErrForeignJob
	}
	return client.InsertTx(ctx, tx, args, opts)
}

// WorkFunc does a tenant job's work inside the tenant's transaction.
type WorkFunc[T JobArgs] func(ctx context.Context, tx pgx.Tx, job *river.Job[T]) error

// Worker runs a tenant job: it loads the tenant named by the envelope, puts
// it in the context and runs the work in db.Tx, completing the job in that
// same transaction, so the work's effects and the job's completion commit
// together (a retried job never finds half its work done).
type Worker[T JobArgs] struct {
	river.WorkerDefaults[T]
	db   *DB
	work WorkFunc[T]
	// SuspendedDelay is how long a suspended tenant's job waits before it
	// is tried again. Defaults to 10 minutes.
	SuspendedDelay time.Duration
}

// NewWorker returns a Worker running work for db's tenants.
func NewWorker[T JobArgs](db *DB, work WorkFunc[T]) *Worker[T] {
	return &Worker[T]{db: db, work: work, SuspendedDelay: 10 * time.Minute}
}

// Work implements river.Worker.
func (w *Worker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	ctx, err := jobTenant(ctx, w.db, job, w.SuspendedDelay)
	if err != nil {
		return err
	}
	return w.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := w.work(ctx, tx, job); err != nil {
			return err
		}
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
}

// jobTenant puts the job's tenant in ctx, or says what to do with a job
// whose tenant is gone (cancel) or suspended (snooze).
func jobTenant[T JobArgs](ctx context.Context, db *DB, job *river.Job[T], suspended time.Duration) (context.Context, error) {
	id := job.Args.JobTenant()
	if id == uuid.Nil {
		return nil, river.JobCancel(fmt.Errorf("tenant: job %d (%s) has no tenant in its envelope", job.ID, job.Kind))
	}
	t, err := ByID(ctx, db.pool, id)
	if errors.Is(err, ErrNotFound) || err == nil && t.Status == Deleted {
		return nil, river.JobCancel(fmt.Errorf("tenant: job %d: tenant %s no longer exists", job.ID, id))
	}
	if err != nil {
		return nil, err
	}
	if t.Status != Active {
		return nil, river.JobSnooze(suspended)
	}
	return With(ctx, t), nil
}

// StepWorker runs a tenant job in two phases: Prepare in the tenant's
// context but outside any transaction — calls to other systems, rendering,
// anything that would hold a connection while it waits — then Commit in
// the tenant's transaction together with the job's completion. A crash
// between the two repeats Prepare, so Prepare must be safe to repeat.
type StepWorker[T JobArgs, P any] struct {
	river.WorkerDefaults[T]
	db      *DB
	prepare func(ctx context.Context, job *river.Job[T]) (P, error)
	commit  func(ctx context.Context, tx pgx.Tx, job *river.Job[T], p P) error
	// SuspendedDelay is how long a suspended tenant's job waits.
	SuspendedDelay time.Duration
	// JobTimeout, when set, bounds one attempt (River's default otherwise).
	JobTimeout time.Duration
	// RetryAfter, when set, is how long a failed attempt waits (River's
	// policy otherwise).
	RetryAfter func(attempt int) time.Duration
	// Wait, when set, picks out the errors that mean a dependency is out
	// of reach for a while (the document store restarting): the job is
	// snoozed for the duration it returns, which does not count as an
	// attempt, so an outage longer than the retries does not give up on
	// work that only has to wait.
	Wait func(err error) (time.Duration, bool)
	// Guarded, when set, says the commit guards itself against being
	// repeated (it finds its step done, under a lock, and does nothing),
	// so the job's completion is left to River's completer, which marks
	// finished jobs in batches once Work returns, instead of a statement
	// in every job's transaction (issue 24: PostgreSQL plans that
	// statement anew at every call, about 0.6 ms of a job's). A crash
	// between the commit and the completer's batch runs the job again,
	// which is why only a guarded commit may leave it: its Prepare must
	// then do nothing it should not repeat either.
	Guarded bool
}

// NextRetry implements river.Worker.
func (w *StepWorker[T, P]) NextRetry(job *river.Job[T]) time.Time {
	if w.RetryAfter == nil {
		return time.Time{}
	}
	return time.Now().Add(w.RetryAfter(job.Attempt))
}

// NewStepWorker returns a StepWorker for db's tenants.
func NewStepWorker[T JobArgs, P any](db *DB, prepare func(ctx context.Context, job *river.Job[T]) (P, error),
	commit func(ctx context.Context, tx pgx.Tx, job *river.Job[T], p P) error) *StepWorker[T, P] {
	return &StepWorker[T, P]{db: db, prepare: prepare, commit: commit, SuspendedDelay: 10 * time.Minute}
}

// Timeout implements river.Worker.
func (w *StepWorker[T, P]) Timeout(job *river.Job[T]) time.Duration {
	return w.JobTimeout
}

// Work implements river.Worker.
func (w *StepWorker[T, P]) Work(ctx context.Context, job *river.Job[T]) error {
	ctx, err := jobTenant(ctx, w.db, job, w.SuspendedDelay)
	if err != nil {
		return err
	}
	p, err := w.prepare(ctx, job)
	if err == nil {
		err = w.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			if err := w.commit(ctx, tx, job, p); err != nil || w.Guarded {
				return err
			}
			_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
			return err
		})
	}
	if err != nil && w.Wait != nil {
		if d, ok := w.Wait(err); ok {
			return river.JobSnooze(d)
		}
	}
	return err
}

// FanOut inserts, from a periodic job without a tenant, one job per active
// tenant (each made by each from the tenant's envelope), through the River
// client of ctx: the periodic jobs that sweep or escalate city by city.
func FanOut[A river.JobArgs](ctx context.Context, db *DB, each func(Envelope) A) error {
	ts, err := List(ctx, db.Pool())
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	for _, t := range ts {
		if t.Status == Active {
			params = append(params, river.InsertManyParams{Args: each(Envelope{TenantID: t.ID})})
		}
	}
	if len(params) == 0 {
		return nil
	}
	_, err = river.ClientFromContext[pgx.Tx](ctx).InsertMany(ctx, params)
	return err
}
