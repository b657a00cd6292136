package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// A request in flight when the stop comes completes; the server takes no
// new connections meanwhile.
func TestStopDrainsRequests(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	ta := startApp(t, testAppOpts{extraRoutes: func(r chiRouter) {
		r.Get("/test/slow", func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			<-release
			_, _ = w.Write([]byte("finished"))
		})
	}})
	ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	c := ta.client(t)

	got := make(chan response, 1)
	go func() { got <- get(t, c, ta.url("kyiv."+testBase, "/test/slow")) }()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- ta.shutdown(t) }()

	// New connections are refused once the listener closes.
	eventually(t, func() bool {
		_, err := (&http.Client{Timeout: time.Second}).Get("http://" + ta.addr + "/healthz")
		return err != nil
	}, "the server still takes new connections while stopping")
	select {
	case err := <-stopped:
		t.Fatalf("the server stopped before the request in flight finished (%v)", err)
	default:
	}
	close(release)
	r := <-got
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "finished", r.body)
	require.NoError(t, <-stopped)
}

// slowArgs is a tenant job that runs until released or cancelled.
type slowArgs struct {
	tenant.Envelope
	Note string `json:"note"`
}

func (slowArgs) Kind() string { return "test.slow" }

// A job in flight when the stop comes is never lost: one that finishes
// within the stop timeout completes; one that does not is cancelled, kept
// for a retry, and completed by the next process.
func TestStopKeepsJobs(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	startedJob := make(chan string, 4)
	release := map[string]chan struct{}{"interrupted": make(chan struct{}), "finishes": make(chan struct{})}
	addWorkers := func(w *river.Workers) {
		river.AddWorker(w, tenant.NewWorker(db.App, func(ctx context.Context, tx pgx.Tx, job *river.Job[slowArgs]) error {
			startedJob <- job.Args.Note
			select {
			case <-release[job.Args.Note]:
			case <-ctx.Done():
				return ctx.Err()
			}
			_, err := tx.Exec(ctx, `INSERT INTO branding_themes (tenant_id, id, source_hash, css) VALUES (app_tenant_id(), gen_random_uuid(), $1, '')`, job.Args.Note)
			return err
		}))
	}
	ta := startApp(t, testAppOpts{db: db, addWorkers: addWorkers, shutdown: 2 * time.Second})
	tn := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	ctx := tenant.With(t.Context(), tn)
	insert := func(a *App, note string) int64 {
		var id int64
		require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			res, err := tenant.InsertTx(ctx, a.river, tx, slowArgs{Envelope: tenant.Envelope{TenantID: tn.ID}, Note: note}, nil)
			if err == nil {
				id = res.Job.ID
			}
			return err
		}))
		return id
	}
	jobState := func(id int64) rivertype.JobState {
		var st rivertype.JobState
		require.NoError(t, db.Owner.QueryRow(t.Context(), `SELECT state FROM river_job WHERE id = $1`, id).Scan(&st))
		return st
	}
	themes := func(note string) int {
		var n int
		require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM branding_themes WHERE source_hash = $1`, note).Scan(&n)
		}))
		return n
	}

	// The job outlives the stop timeout: cancelled, kept for a retry.
	id := insert(ta.App, "interrupted")
	require.Equal(t, "interrupted", <-startedJob)
	require.NoError(t, ta.shutdown(t))
	st := jobState(id)
	require.Containsf(t, []rivertype.JobState{rivertype.JobStateRetryable, rivertype.JobStateAvailable}, st, "job state after a stop: %s", st)
	require.Zero(t, themes("interrupted"), "an interrupted job's work was committed")

	// The next process works it to completion, exactly once.
	close(release["interrupted"])
	next := startApp(t, testAppOpts{db: db, addWorkers: addWorkers})
	_, err := db.Owner.Exec(t.Context(), `UPDATE river_job SET scheduled_at = now() WHERE id = $1`, id)
	require.NoError(t, err)
	eventually(t, func() bool { return jobState(id) == rivertype.JobStateCompleted }, "the interrupted job was not completed by the next process")
	require.Equal(t, 1, themes("interrupted"))

	require.Equal(t, "interrupted", <-startedJob)

	// A job in flight that finishes within the timeout completes before
	// the stop ends.
	id2 := insert(next.App, "finishes")
	require.Equal(t, "finishes", <-startedJob)
	stopped := make(chan error, 1)
	go func() { stopped <- next.shutdown(t) }()
	time.Sleep(200 * time.Millisecond) // the stop has begun and waits for the job
	require.Equal(t, rivertype.JobStateRunning, jobState(id2))
	close(release["finishes"])
	require.NoError(t, <-stopped)
	require.Equal(t, rivertype.JobStateCompleted, jobState(id2))
	require.Equal(t, 1, themes("finishes"))
}
