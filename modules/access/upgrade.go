package access

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
// offered without changing its rules. A Withdrawn line the platform
// installed is taken out once. A tenant without a policy gets the
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
	removed := withdrawals(versions, stored)
	if len(fresh) == 0 && len(removed) == 0 {
		return nil, nil
	}
	next := normalize(append(slices.DeleteFunc(slices.Clone(stored), func(r Rule) bool { return slices.Contains(removed, r) }), added...))
	if len(added) > 0 || len(removed) > 0 {
		if err := writeRules(ctx, tx, t.ID, next); err != nil {
			return nil, err
		}
	}
	summary := fmt.Sprintf("defaults: %d new lines (policies/default.csv)", len(added))
	if len(removed) > 0 {
		summary += fmt.Sprintf("; %d withdrawn (%s)", len(removed), ruleList(removed))
	}
	if err := addVersion(ctx, tx, t.ID, cur+1, SystemActor, summary, next, s.now()); err != nil {
		return nil, err
	}
	if len(added) > 0 || len(removed) > 0 {
		if err := s.journal.PolicyChanged(ctx, tx, uuid.Nil, cur+1, summary); err != nil {
			return nil, err
		}
	}
	// casbin_rules' trigger tells every instance to forget the cached
	// lines when this commits (ChangeChannel).
	return added, nil
}

// Withdrawn are default lines the platform once installed and takes back
// from every city because they broke a rule of the law, not a matter of the
// city's taste: the provider head published its own provider's service
// information, forms and rule sets, which seed 003 §7.3 and §7.5 leave to
// the administrator's approval.
var Withdrawn = []Rule{
	{Role: RoleProviderHead, Object: ObjServiceRevisions, Action: ActApprove, Scope: ScopeProvider, Effect: EffectAllow},
}

// withdrawals are the Withdrawn lines stored that the platform installed
// and has never taken back: present in every version the system wrote.
// Once a system version lacks a line (taken back, or never installed) an
// administrator who adds it again keeps it; that is their decision, audited.
func withdrawals(versions []PolicyVersion, stored []Rule) []Rule {
	var out []Rule
	for _, w := range Withdrawn {
		if !slices.Contains(stored, w) {
			continue
		}
		always, installed := true, false
		for _, v := range versions {
			if v.ChangedBy == SystemActor {
				installed = true
				always = always && slices.Contains(v.Rules, w)
			}
		}
		if installed && always {
			out = append(out, w)
		}
	}
	return out
}

func ruleList(rs []Rule) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, "; ")
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
