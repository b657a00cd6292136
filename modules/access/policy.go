package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// SystemActor is policy_versions.changed_by for versions written by the
// platform (the defaults).
const SystemActor = "system"

// InstallDefaults gives the tenant in ctx the default policy lines
// (policies/default.csv) as its policy version 1, in tx, unless it has a
// policy already (so it is safe to call again, and to retry).
//
// tx must be a transaction opened by tenant.DB.Tx for the tenant in ctx:
// the tables are under RLS, and the operator's role has no privilege on
// them. Call it right after creating the tenant (or from a job enqueued in
// the creation transaction); a tenant without a policy also gets the
// defaults at its first access decision.
func (s *Service) InstallDefaults(ctx context.Context, tx pgx.Tx) error {
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	var in *uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT app_tenant_id()`).Scan(&in); err != nil {
		return fmt.Errorf("access: install defaults: %w", err)
	}
	if in == nil || *in != t.ID {
		return errors.New("access: install defaults: tx is not a tenant.Tx of the tenant in ctx")
	}
	if err := lockPolicies(ctx, tx, t.ID); err != nil {
		return err
	}
	v, err := currentVersion(ctx, tx)
	if err != nil || v > 0 {
		return err
	}
	rules, err := DefaultRules()
	if err != nil {
		return err
	}
	if err := writeRules(ctx, tx, t.ID, rules); err != nil {
		return err
	}
	return addVersion(ctx, tx, t.ID, 1, SystemActor, "defaults (policies/default.csv)", rules, s.now())
}

// Policies returns the policy lines of the tenant in ctx, in canonical
// order, and their version. Routes showing them need ObjPolicies/ActRead.
func (s *Service) Policies(ctx context.Context) ([]Rule, int64, error) {
	if _, err := s.policy(ctx, nil); err != nil { // installs the defaults if there are none
		return nil, 0, err
	}
	var (
		rules   []Rule
		version int64
	)
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, 0, err
	}
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if version, err = currentVersion(ctx, tx); err != nil {
			return err
		}
		rules, _, err = loadRules(ctx, tx, t.ID)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(rules, compareRules)
	return rules, version, nil
}

// PolicyHistory returns every version of the tenant's policy, newest first,
// each with the whole rule set after its change.
func (s *Service) PolicyHistory(ctx context.Context) ([]PolicyVersion, error) {
	var out []PolicyVersion
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = listVersions(ctx, tx)
		return err
	})
	return out, err
}

// ReplacePolicies makes rules the policy of the tenant in ctx, as a new
// version recording actor and summary, and returns that version (the
// current one when rules change nothing). The pinned deny lines are always
// kept. It refuses:
//
//   - an actor not allowed ObjPolicies/ActUpdate (ErrForbidden);
//   - a line that breaks Validate (ErrInvalidRule, ErrSeparationOfDuties),
//     e.g. one letting the administrator process applications;
//   - a change to the lines of a role the actor holds, other than resident
//     (ErrSelfPolicy): nobody changes their own access.
func (s *Service) ReplacePolicies(ctx context.Context, actor uuid.UUID, rules []Rule, summary string) (int64, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range rules {
		if err := Validate(r); err != nil {
			return 0, err
		}
	}
	next := normalize(rules)
	if _, err := s.policy(ctx, nil); err != nil { // installs the defaults if there are none
		return 0, err
	}
	var version int64
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockPolicies(ctx, tx, t.ID); err != nil {
			return err
		}
		cur, err := currentVersion(ctx, tx)
		if err != nil {
			return err
		}
		stored, _, err := loadRules(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		// Decide on the policy as it is under the lock, not as cached.
		e, err := compile(t.ID.String(), stored, s.log)
		if err != nil {
			return err
		}
		held, err := heldRoles(ctx, tx, actor, s.now())
		if err != nil {
			return err
		}
		ok, err := (&policySet{enf: e, dom: t.ID.String()}).decide(held, ObjPolicies, ActUpdate, "")
		if err != nil {
			return err
		}
		if !ok {
			return ErrForbidden
		}
		before := normalize(stored)
		for _, h := range held {
			if h.Role == RoleResident {
				continue // every account is a resident; Validate keeps that role to own_* objects
			}
			if !slices.Equal(linesOf(before, h.Role), linesOf(next, h.Role)) {
				return ErrSelfPolicy.With(map[string]any{"Role": h.Role})
			}
		}
		if slices.Equal(before, next) {
			version = cur
			return nil
		}
		if err := writeRules(ctx, tx, t.ID, next); err != nil {
			return err
		}
		version = cur + 1
		if err := addVersion(ctx, tx, t.ID, version, actor.String(), strings.TrimSpace(summary), next, s.now()); err != nil {
			return err
		}
		return s.journal.PolicyChanged(ctx, tx, actor, version, strings.TrimSpace(summary))
	})
	if err != nil {
		return 0, err
	}
	s.Forget(t.ID)
	return version, nil
}
