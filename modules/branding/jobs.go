package branding

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hromada/tenant"
)

// RefreshArgs asks for the tenant's theme to be rendered again from its
// current branding.
type RefreshArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (RefreshArgs) Kind() string { return "branding.refresh" }

// InsertOpts makes refreshes of one tenant unique while one waits: ten
// branding edits in a row need one render, of the last.
func (RefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       "default",
		MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{
			ByArgs:  true,
			ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
		},
	}
}

// EnqueueRefresh asks, in tx, for the theme of the tenant in ctx to be
// rendered: the job exists if and only if tx commits.
func EnqueueRefresh(ctx context.Context, client *river.Client[pgx.Tx], tx pgx.Tx) error {
	env, err := tenant.EnvelopeFrom(ctx)
	if err != nil {
		return err
	}
	_, err = tenant.InsertTx(ctx, client, tx, RefreshArgs{Envelope: env}, nil)
	return err
}

// NewRefreshWorker returns the worker of RefreshArgs.
func NewRefreshWorker(db *tenant.DB) *tenant.Worker[RefreshArgs] {
	return tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, job *river.Job[RefreshArgs]) error {
		_, err := refresh(ctx, tx)
		return err
	})
}

// refresh renders the tenant's theme unless the newest cached one was
// rendered from the same colours; it is idempotent.
func refresh(ctx context.Context, tx pgx.Tx) (*Cached, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	th := Render(t.Branding)
	cur, err := latest(ctx, tx)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.SourceHash == th.SourceHash {
		return cur, nil
	}
	return save(ctx, tx, t.ID, th)
}
