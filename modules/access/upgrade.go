package access

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// UpgradeDefaults gives the tenant in ctx the default policy lines added to
// policies/default.csv since it was installed (a new module's permissions,
// a new action such as applications:assign), as a new policy version
// written by the system, and returns the lines it added.
//
// A line the platform offered before is never offered again: the lines
// offered are those of the versions the system wrote (the install and
// earlier upgrades), so a default line the city's administrator removed on
// purpose stays removed. Lines the city already has are recorded as
// offered without changing its rules. A tenant without a policy gets the
// defaults (InstallDefaults).
func (s *Service) UpgradeDefaults(ctx context.Context, tx pgx.Tx) ([]Rule, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	if err := lockPolicies(ctx, tx, t.ID); err != nil {
		return nil, err
	}
	cur, err := currentVersion(ctx, tx)
	if err != nil {
		return nil, err
	}
	if cur == 0 {
		return nil, s.InstallDefaults(ctx, tx)
	}
	versions, err := listVersions(ctx, tx)
	if err != nil {
		return nil, err
	}
	offered := map[Rule]bool{}
	for _, v := range versions {
		if v.ChangedBy == SystemActor {
			for _, r := range v.Rules {
				offered[r] = true
			}
		}
	}
	defaults, err := DefaultRules()
	if err != nil {
		return nil, err
	}
	stored, _, err := loadRules(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	var fresh, added []Rule
	for _, r := range defaults {
		if offered[r] {
			continue
		}
		fresh = append(fresh, r)
		if !slices.Contains(stored, r) {
			added = append(added, r)
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	next := normalize(append(slices.Clone(stored), added...))
	if len(added) > 0 {
		if err := writeRules(ctx, tx, t.ID, next); err != nil {
			return nil, err
		}
	}
	summary := fmt.Sprintf("defaults: %d new lines (policies/default.csv)", len(added))
	if err := addVersion(ctx, tx, t.ID, cur+1, SystemActor, summary, next, s.now()); err != nil {
		return nil, err
	}
	if len(added) > 0 {
		if err := s.journal.PolicyChanged(ctx, tx, uuid.Nil, cur+1, summary); err != nil {
			return nil, err
		}
	}
	// casbin_rules' trigger tells every instance to forget the cached
	// lines when this commits (ChangeChannel).
	return added, nil
}

// UpgradeArgs brings a city's policy up to the platform's defaults
// (UpgradeDefaults).
type UpgradeArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (UpgradeArgs) Kind() string { return "access.upgrade_defaults" }

// NewUpgradeWorker returns the worker of UpgradeArgs.
func NewUpgradeWorker(db *tenant.DB, s *Service) *tenant.Worker[UpgradeArgs] {
	return tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, _ *river.Job[UpgradeArgs]) error {
		_, err := s.UpgradeDefaults(ctx, tx)
		return err
	})
}

// UpgradeAllArgs fans out one UpgradeArgs per active city. It runs when
// the server starts (the defaults change only with a new release) and
// daily after that; it carries no tenant itself.
type UpgradeAllArgs struct{}

// Kind implements river.JobArgs.
func (UpgradeAllArgs) Kind() string { return "access.upgrade_defaults_all" }

// UpgradeAllWorker enqueues a city's upgrade for each active city.
type UpgradeAllWorker struct {
	river.WorkerDefaults[UpgradeAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *UpgradeAllWorker) Work(ctx context.Context, _ *river.Job[UpgradeAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) UpgradeArgs { return UpgradeArgs{Envelope: e} })
}
