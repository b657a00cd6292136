package tenant_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

type noteArgs struct {
	tenant.Envelope
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "test.note" }

func TestJobEnvelope(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	a, b := tenanttest.NewTenant(t, db), tenanttest.NewTenant(t, db)
	ctxA := tenant.With(t.Context(), a)

	// The worker writes under RLS as the envelope's tenant.
	workers := river.NewWorkers()
	seen := make(chan uuid.UUID, 4)
	river.AddWorker(workers, tenant.NewWorker(db.App, func(ctx context.Context, tx pgx.Tx, job *river.Job[noteArgs]) error {
		tn, err := tenant.From(ctx)
		if err != nil {
			return err
		}
		seen <- tn.ID
		_, err = tx.Exec(ctx, `INSERT INTO branding_themes (tenant_id, id, source_hash, css) VALUES ($1, gen_random_uuid(), $2, '')`, job.Args.TenantID, job.Args.Note)
		return err
	}))
	client, err := river.NewClient(riverpgxv5.New(db.App.Pool()), &river.Config{
		Workers: workers, Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
	})
	require.NoError(t, err)

	// A job for another tenant than the context's is refused.
	err = db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tenant.InsertTx(ctx, client, tx, noteArgs{Envelope: tenant.Envelope{TenantID: b.ID}}, nil)
		return err
	})
	require.ErrorIs(t, err, tenant.ErrForeignJob)

	// A rolled-back transaction leaves no job.
	boom := errors.New("boom")
	err = db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
		env, _ := tenant.EnvelopeFrom(ctx)
		if _, err := tenant.InsertTx(ctx, client, tx, noteArgs{Envelope: env, Note: "rolled back"}, nil); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)

	var jobID int64
	require.NoError(t, db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
		env, err := tenant.EnvelopeFrom(ctx)
		require.NoError(t, err)
		res, err := tenant.InsertTx(ctx, client, tx, noteArgs{Envelope: env, Note: "for A"}, nil)
		if err == nil {
			jobID = res.Job.ID
		}
		return err
	}))
	var jobs int
	require.NoError(t, db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM river_job`).Scan(&jobs))
	require.Equal(t, 1, jobs, "the rolled back job exists")

	require.NoError(t, client.Start(t.Context()))
	defer client.Stop(context.WithoutCancel(t.Context())) //nolint:errcheck
	select {
	case id := <-seen:
		require.Equal(t, a.ID, id)
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not run")
	}
	require.Eventually(t, func() bool {
		var st rivertype.JobState
		_ = db.Owner.QueryRow(t.Context(), `SELECT state FROM river_job WHERE id = $1`, jobID).Scan(&st)
		return st == rivertype.JobStateCompleted
	}, 10*time.Second, 20*time.Millisecond)
	var n int
	require.NoError(t, db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM branding_themes WHERE source_hash = 'for A'`).Scan(&n)
	}))
	require.Equal(t, 1, n)
}

// A job whose envelope names a tenant that a worker cannot enter (none, a
// deleted one) is cancelled rather than run without a tenant; a suspended
// tenant's job waits.
func TestWorkerRefusesJobsWithoutTenant(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	w := tenant.NewWorker(db.App, func(context.Context, pgx.Tx, *river.Job[noteArgs]) error {
		t.Fatal("the work ran")
		return nil
	})
	var cancel *river.JobCancelError
	err := w.Work(t.Context(), &river.Job[noteArgs]{JobRow: &rivertype.JobRow{ID: 1, Kind: "test.note"}})
	require.ErrorAs(t, err, &cancel)
	err = w.Work(t.Context(), &river.Job[noteArgs]{JobRow: &rivertype.JobRow{ID: 2}, Args: noteArgs{Envelope: tenant.Envelope{TenantID: uuid.New()}}})
	require.ErrorAs(t, err, &cancel)

	s := tenanttest.NewTenant(t, db)
	require.NoError(t, pgx.BeginFunc(t.Context(), db.Owner, func(tx pgx.Tx) error {
		return tenant.SetStatus(t.Context(), tx, s.ID, tenant.Suspended)
	}))
	var snooze *river.JobSnoozeError
	err = w.Work(t.Context(), &river.Job[noteArgs]{JobRow: &rivertype.JobRow{ID: 3}, Args: noteArgs{Envelope: tenant.Envelope{TenantID: s.ID}}})
	require.ErrorAs(t, err, &snooze)
}
