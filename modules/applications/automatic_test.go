package applications_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/tenant"
)

// registered is a registry in which every applicant lives in the city.
type registered struct{}

func (registered) Lookup(context.Context, string, string, string) (any, error) {
	return map[string]any{"registered": true, "address": "вул. Хрещатик, 1"}, nil
}

func (registered) Explain(error) string { return "Реєстр не відповів." }

func (registered) Retryable(error) bool { return false }

// pipeline is automatic mode for T-2 (provider B's automatic service),
// with a rule set that approves whom the residents' register knows.
func (e *env) pipeline(t *testing.T) *applications.Pipeline {
	t.Helper()
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return applications.PublishRules(ctx, tx, "T-2", applications.RuleSet{
			Checks:  []applications.Check{{Name: "residence", Lookup: "residence"}},
			Require: []applications.Cond{{Fact: "residence.registered", Op: "eq", Value: true}},
			Result: applications.ResultSpec{Title: tenant.Text{UK: "Довідка про склад сім’ї"},
				Facts: []applications.ResultFact{{Label: tenant.Text{UK: "Адреса"}, Fact: "residence.address"}}},
		})
	}))
	return &applications.Pipeline{Svc: e.svc, Registry: registered{}, Results: e.svc.Results,
		RetryAfter: func(int) time.Duration { return 10 * time.Millisecond }, MaxAttempts: 5,
		VerifyURL: func(t *tenant.Tenant, id uuid.UUID) string {
			return "https://" + t.Slug + ".hromada.example/verify/" + id.String()
		}}
}

// once holds that app went through automatic mode to its result exactly
// once: decided, issued, its files, its issued document and its notice
// (in the result notices' urgent lane) one each, its run done.
func (e *env) once(t *testing.T, app uuid.UUID) {
	t.Helper()
	for _, q := range []string{
		`SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'in_review'`,
		`SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'approved'`,
		`SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'issued'`,
		`SELECT count(*) FROM application_files WHERE application_id = $1 AND kind = 'result'`,
		`SELECT count(*) FROM application_files WHERE application_id = $1 AND kind = 'result_signature'`,
		`SELECT count(*) FROM issued_documents WHERE application_id = $1`,
		`SELECT count(*) FROM notifications WHERE application_id = $1 AND key = 'notify.granted' AND kind = 'result' AND urgency = 'urgent'`,
		`SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'done'`,
		`SELECT count(*) FROM applications WHERE id = $1 AND status = 'issued'`,
	} {
		require.Equal(t, 1, e.count(t, q, app), q)
	}
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE application_id = $1 AND kind = 'result'`, app), "one result notice")
}

// jobsOf counts the jobs of kind among those the service inserted.
func (e *env) jobsOf(kind string) int {
	n := 0
	for _, a := range e.insertCalls() {
		if a.Kind() == kind {
			n++
		}
	}
	return n
}

// TestAutomaticRetriedCommits: verify's commit decides and render's commit
// issues and tells, each in one transaction; a commit whose transaction is
// lost and retried, or a commit repeated after one that landed, decides,
// issues and tells once — the run's step under FOR UPDATE is the guard.
func TestAutomaticRetriedCommits(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.pipeline(t)
	app := e.submitted(t, e.o1, e.r1, "T-2")
	env := tenant.Envelope{TenantID: e.tn.ID}
	verify := applications.AutomaticArgs{Envelope: env, ApplicationID: app.ID}
	render := applications.RenderArgs{Envelope: env, ApplicationID: app.ID}

	// The first transaction lost, then two that commit.
	require.NoError(t, p.VerifyCommits(e.ctx, verify, true, false, false))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'render'`, app.ID))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'approved'`, app.ID))
	// The lost transaction's render job and the one that landed (the
	// test's inserter is outside the transaction); none from the third.
	require.Equal(t, 2, e.jobsOf(applications.RenderArgs{}.Kind()))
	require.Zero(t, e.jobsOf(applications.DecideArgs{}.Kind()), "no decide job: verify decides")

	require.NoError(t, p.RenderCommits(e.ctx, render, true, false, false))
	e.once(t, app.ID)
	require.Zero(t, e.jobsOf(applications.NotifyArgs{}.Kind()), "no notify job: render tells")

	// Whole attempts again, their reads too: nothing more.
	require.NoError(t, p.VerifyCommits(e.ctx, verify, false))
	require.NoError(t, p.RenderCommits(e.ctx, render, false))
	e.once(t, app.ID)
	require.Equal(t, 2, e.jobsOf(applications.RenderArgs{}.Kind()))
}

// TestAutomaticEarlierVersionsRunsFinish: runs an earlier version left at
// step 'decide' with a decide job queued, and at 'notify' with a notify
// job queued, finish under this version's workers exactly once; a render
// job left over for a run already past render does nothing.
func TestAutomaticEarlierVersionsRunsFinish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.pipeline(t)
	atDecide := e.submitted(t, e.o1, e.r1, "T-2")
	atNotify := e.submitted(t, e.o2, e.r2, "T-2")

	var client *river.Client[pgx.Tx]
	e.svc.Insert = func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, client, tx, args, nil)
		return err
	}
	workers := river.NewWorkers()
	p.AddWorkers(workers)
	var err error
	client, err = river.NewClient(riverpgxv5.New(e.db.App.Pool()), &river.Config{
		Workers: workers, ErrorHandler: p, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{applications.QueueAutomatic: {MaxWorkers: 2}, applications.QueueNotify: {MaxWorkers: 1}},
	})
	require.NoError(t, err)

	// The states, made while no worker runs.
	env := tenant.Envelope{TenantID: e.tn.ID}
	require.NoError(t, p.VerifyAsEarlierVersion(e.ctx, applications.AutomaticArgs{Envelope: env, ApplicationID: atDecide.ID}))
	require.NoError(t, p.VerifyCommits(e.ctx, applications.AutomaticArgs{Envelope: env, ApplicationID: atNotify.ID}, false))
	require.NoError(t, p.RenderAsEarlierVersion(e.ctx, applications.RenderArgs{Envelope: env, ApplicationID: atNotify.ID}))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'decide'`, atDecide.ID))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'notify'`, atNotify.ID))
	require.Zero(t, e.count(t, `SELECT count(*) FROM notifications WHERE application_id = $1 AND kind = 'result'`, atNotify.ID))
	queued := func(kind string) int {
		var n int
		require.NoError(t, e.db.Owner.QueryRow(e.ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'available'`, kind).Scan(&n))
		return n
	}
	require.Equal(t, 1, queued(applications.DecideArgs{}.Kind()))
	require.Equal(t, 1, queued(applications.NotifyArgs{}.Kind()))
	require.Equal(t, 1, queued(applications.RenderArgs{}.Kind()), "the render job the notify run's verify inserted")

	require.NoError(t, client.Start(e.ctx))
	t.Cleanup(func() { _ = client.Stop(context.WithoutCancel(e.ctx)) })
	// Bounded only so that a broken worker fails the test, not hangs it.
	for i := 0; ; i++ {
		var left int
		require.NoError(t, e.db.Owner.QueryRow(e.ctx, `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&left))
		if left == 0 {
			break
		}
		require.Less(t, i, 1500, "%d jobs left", left)
		time.Sleep(20 * time.Millisecond)
	}
	var failed int
	require.NoError(t, e.db.Owner.QueryRow(e.ctx, `SELECT count(*) FROM river_job WHERE state <> 'completed'`).Scan(&failed))
	require.Zero(t, failed, "every job completed")
	e.once(t, atDecide.ID)
	e.once(t, atNotify.ID)
	require.Zero(t, queued(applications.NotifyArgs{}.Kind()))
	var notifyJobs int
	require.NoError(t, e.db.Owner.QueryRow(e.ctx, `SELECT count(*) FROM river_job WHERE kind = $1`, applications.NotifyArgs{}.Kind()).Scan(&notifyJobs))
	require.Equal(t, 1, notifyJobs, "the decided run was told in its render job, with no notify job")
}

// countingRegistry answers as registered does, or fails as a registry
// that answered nonsense when fail is set, and counts the lookups.
type countingRegistry struct {
	registered
	fail    bool
	lookups *atomic.Int32
}

func (c countingRegistry) Lookup(ctx context.Context, lookup, subject, purpose string) (any, error) {
	c.lookups.Add(1)
	if c.fail {
		return nil, errors.New("malformed answer")
	}
	return c.registered.Lookup(ctx, lookup, subject, purpose)
}

// TestAutomaticRepeatedVerifyAsksNoRegistry: verify's job is completed by
// River after its commit (Guarded), so a crash in between runs it again;
// the repeat must not query the registries again — neither for a run it
// decided nor for one it handed to the officials (the application still
// received) — and must change nothing.
func TestAutomaticRepeatedVerifyAsksNoRegistry(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.pipeline(t)
	env := tenant.Envelope{TenantID: e.tn.ID}
	var lookups atomic.Int32

	decided := e.submitted(t, e.o1, e.r1, "T-2")
	p.Registry = countingRegistry{lookups: &lookups}
	require.NoError(t, p.VerifyCommits(e.ctx, applications.AutomaticArgs{Envelope: env, ApplicationID: decided.ID}, false))
	require.EqualValues(t, 1, lookups.Load())
	require.NoError(t, p.VerifyCommits(e.ctx, applications.AutomaticArgs{Envelope: env, ApplicationID: decided.ID}, false))
	require.EqualValues(t, 1, lookups.Load(), "the repeat asked a registry again")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'approved'`, decided.ID))

	manual := e.submitted(t, e.o2, e.r2, "T-2")
	p.Registry = countingRegistry{fail: true, lookups: &lookups}
	require.NoError(t, p.VerifyCommits(e.ctx, applications.AutomaticArgs{Envelope: env, ApplicationID: manual.ID}, false))
	require.EqualValues(t, 2, lookups.Load())
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'manual'`, manual.ID))
	require.NoError(t, p.VerifyCommits(e.ctx, applications.AutomaticArgs{Envelope: env, ApplicationID: manual.ID}, false))
	require.EqualValues(t, 2, lookups.Load(), "the repeat of a handed-over run asked a registry again")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1 AND comment LIKE 'Автоматичний режим неможливий%'`, manual.ID))
}

// TestGiveUpAfterTheStepCommitted: a verify job whose commit landed and
// whose repeat (after a crash: River completes it after the commit) then
// fails its last attempt does not hand the decided application to the
// officials; a step that really failed still does.
func TestGiveUpAfterTheStepCommitted(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.pipeline(t)
	env := tenant.Envelope{TenantID: e.tn.ID}
	lastAttempt := func(args tenant.JobArgs) *rivertype.JobRow {
		raw, err := json.Marshal(args)
		require.NoError(t, err)
		return &rivertype.JobRow{ID: 9, Kind: args.Kind(), Attempt: 5, MaxAttempts: 5, EncodedArgs: raw}
	}
	manual := `SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'manual'`

	app := e.submitted(t, e.o1, e.r1, "T-2")
	require.NoError(t, p.VerifyCommits(e.ctx, applications.AutomaticArgs{Envelope: env, ApplicationID: app.ID}, false))
	require.Nil(t, p.HandleError(e.ctx, lastAttempt(applications.AutomaticArgs{Envelope: env, ApplicationID: app.ID}), errors.New("connection reset")))
	require.Zero(t, e.count(t, manual, app.ID), "a decided application was handed to the officials")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'render'`, app.ID))

	// The render step, where the run is, failing for good: handed over.
	require.Nil(t, p.HandleError(e.ctx, lastAttempt(applications.RenderArgs{Envelope: env, ApplicationID: app.ID}), errors.New("the store is full")))
	require.Equal(t, 1, e.count(t, manual, app.ID))
}
