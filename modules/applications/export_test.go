package applications

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hromada/tenant"
)

// What the automatic-mode tests reach inside the pipeline: its two steps'
// commits, repeated as a retried job would repeat them, and the state an
// earlier version (verify → decide → render → notify, a job each) left
// between its steps.

// errLost rolls back a commit's transaction after the commit did its work:
// a transaction lost at its end (the job's completion failing, the
// connection dropping), which River then retries.
var errLost = errors.New("applications test: the transaction is lost")

// VerifyCommits runs a verify job's Prepare once, then its Commit once per
// entry of lost, each in a transaction of its own: a true entry's
// transaction is rolled back at its end, a false one commits. Two false
// entries are a commit repeated after one that landed (a second attempt
// that had prepared before the first committed).
func (p *Pipeline) VerifyCommits(ctx context.Context, args AutomaticArgs, lost ...bool) error {
	return stepCommits(ctx, p.Svc.DB, args, p.prepareVerify, p.commitVerify, lost)
}

// RenderCommits is VerifyCommits for a render job.
func (p *Pipeline) RenderCommits(ctx context.Context, args RenderArgs, lost ...bool) error {
	return stepCommits(ctx, p.Svc.DB, args, p.prepareRender, p.commitRender, lost)
}

func stepCommits[T tenant.JobArgs, P any](ctx context.Context, db *tenant.DB, args T, prepare func(context.Context, *river.Job[T]) (P, error),
	commit func(context.Context, pgx.Tx, *river.Job[T], P) error, lost []bool) error {
	job := &river.Job[T]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1, State: rivertype.JobStateRunning}, Args: args}
	v, err := prepare(ctx, job)
	if err != nil {
		return err
	}
	for _, l := range lost {
		err := db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			if err := commit(ctx, tx, job, v); err != nil {
				return err
			}
			if l {
				return errLost
			}
			return nil
		})
		if err != nil && !errors.Is(err, errLost) {
			return err
		}
	}
	return nil
}

// VerifyAsEarlierVersion does what an earlier version's verify job did:
// the registries asked, then in one transaction the facts written with
// the run at step 'decide' and a DecideArgs job inserted.
func (p *Pipeline) VerifyAsEarlierVersion(ctx context.Context, args AutomaticArgs) error {
	job := &river.Job[AutomaticArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1}, Args: args}
	v, err := p.prepareVerify(ctx, job)
	if err != nil {
		return err
	}
	if v.Manual != "" {
		return errors.New("applications test: verify wants the officials: " + v.Manual)
	}
	return p.Svc.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO automatic_runs (tenant_id, application_id, rules_id, step, facts)
			VALUES (app_tenant_id(), $1, $2, 'decide', $3)`, args.ApplicationID, v.RulesID, mustJSON(v.Facts)); err != nil {
			return err
		}
		return p.insert(ctx, tx, DecideArgs(args))
	})
}

// RenderAsEarlierVersion does what an earlier version's render job (once
// it sealed and stored too) did: the result issued, then in the same
// transaction the run set to step 'notify' and a NotifyArgs job inserted,
// the notice left to that job.
func (p *Pipeline) RenderAsEarlierVersion(ctx context.Context, args RenderArgs) error {
	job := &river.Job[RenderArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1}, Args: args}
	sd, err := p.prepareRender(ctx, job)
	if err != nil {
		return err
	}
	return p.Svc.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := p.issued(ctx, tx, args.ApplicationID, "render", sd)
		if err != nil {
			return err
		}
		if app == nil {
			return errors.New("applications test: the run is not at step 'render'")
		}
		if err := setStep(ctx, tx, app.ID, "notify"); err != nil {
			return err
		}
		return p.insert(ctx, tx, NotifyArgs(args))
	})
}
