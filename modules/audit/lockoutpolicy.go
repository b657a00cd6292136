package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/tenant"
)

// The bounds of the lockout policy an administrator may set: a threshold
// low enough to lock staff for a typo, or lengths that lock for months or
// forget at once, would not protect anyone.
const (
	minThreshold, maxThreshold     = 3, 100
	minBaseMinutes, maxBaseMinutes = 1, 24 * 60
	maxMaxMinutes                  = 7 * 24 * 60
	minWindowMinutes               = 5
	maxWindowMinutes               = 30 * 24 * 60
)

// PolicyForm is the account lockout policy as typed: whole numbers, the
// lengths in minutes.
type PolicyForm struct {
	Threshold, BaseMinutes, MaxMinutes, WindowMinutes string
}

// FormOf is p as the form shows it.
func FormOf(p Policy) PolicyForm {
	mins := func(d time.Duration) string { return strconv.Itoa(int(d / time.Minute)) }
	return PolicyForm{Threshold: strconv.Itoa(p.Threshold), BaseMinutes: mins(p.BaseDelay),
		MaxMinutes: mins(p.MaxDelay), WindowMinutes: mins(p.Window)}
}

// PolicyErrors are a PolicyForm's errors, by field name.
type PolicyErrors map[string]*apperr.Error

func (e PolicyErrors) Error() string {
	return fmt.Sprintf("audit: lockout policy: %d invalid fields", len(e))
}

// Parse checks f against the bounds and returns the policy it sets, or
// the errors of its fields.
func (f PolicyForm) Parse() (Policy, PolicyErrors) {
	errs := PolicyErrors{}
	num := func(field, key, typed string, lo, hi int) int {
		n, err := strconv.Atoi(strings.TrimSpace(typed))
		if err != nil || n < lo || n > hi {
			errs[field] = apperr.New(apperr.Invalid, key).With(map[string]any{"Min": lo, "Max": hi})
		}
		return n
	}
	threshold := num("threshold", "error.lockout_threshold", f.Threshold, minThreshold, maxThreshold)
	base := num("base_minutes", "error.lockout_base", f.BaseMinutes, minBaseMinutes, maxBaseMinutes)
	lo := minBaseMinutes
	if errs["base_minutes"] == nil {
		lo = base // a cap shorter than the first lock would shorten it
	}
	maxDelay := num("max_minutes", "error.lockout_max", f.MaxMinutes, lo, maxMaxMinutes)
	window := num("window_minutes", "error.lockout_window", f.WindowMinutes, minWindowMinutes, maxWindowMinutes)
	if len(errs) > 0 {
		return Policy{}, errs
	}
	return Policy{Threshold: threshold, BaseDelay: time.Duration(base) * time.Minute,
		MaxDelay: time.Duration(maxDelay) * time.Minute, Window: time.Duration(window) * time.Minute}, nil
}

// SetAccountPolicy sets the city's lockout policy of staff accounts to
// what f says, on actor's word: the tenant's row of lockout_policies and
// an audit record with the old and the new values, in one transaction. The
// row is locked first, so a repeated or concurrent submit of the same
// values finds nothing to change and records nothing. PolicyErrors when a
// field is out of its bounds.
func (s *Service) SetAccountPolicy(ctx context.Context, actor uuid.UUID, f PolicyForm) error {
	if s.db == nil {
		return errNoDB
	}
	p, errs := f.Parse()
	if errs != nil {
		return errs
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	kind := strings.TrimSuffix(accountKeyPrefix, ":")
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// A row of NULLs means the defaults, so inserting one changes
		// nothing; it gives the FOR UPDATE below a row to wait on.
		if _, err := tx.Exec(ctx, `INSERT INTO lockout_policies (tenant_id, key_kind) VALUES ($1, $2)
			ON CONFLICT (tenant_id, key_kind) DO NOTHING`, t.ID, kind); err != nil {
			return fmt.Errorf("audit: lockout policy: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM lockout_policies WHERE tenant_id = $1 AND key_kind = $2 FOR UPDATE`, t.ID, kind); err != nil {
			return fmt.Errorf("audit: lockout policy: %w", err)
		}
		old, err := s.policyTx(ctx, tx, t.ID, accountKeyPrefix)
		if err != nil {
			return err
		}
		if old == p {
			return nil
		}
		sec := func(d time.Duration) int32 { return int32(d / time.Second) }
		if _, err := tx.Exec(ctx, `UPDATE lockout_policies SET threshold = $3, base_delay_seconds = $4,
			max_delay_seconds = $5, window_seconds = $6 WHERE tenant_id = $1 AND key_kind = $2`,
			t.ID, kind, p.Threshold, sec(p.BaseDelay), sec(p.MaxDelay), sec(p.Window)); err != nil {
			return fmt.Errorf("audit: lockout policy: %w", err)
		}
		_, err = s.Record(ctx, tx, Event{Actor: Actor{ID: actor.String(), Role: access.RoleAdministrator},
			Action: "security.lockout.policy", ObjectType: "lockout_policy", ObjectID: kind,
			Details: map[string]any{"old": policyDetails(old), "new": policyDetails(p)}})
		return err
	})
}

// policyDetails is p as an audit record keeps it, in seconds.
func policyDetails(p Policy) map[string]any {
	return map[string]any{"threshold": p.Threshold, "base_delay_seconds": int64(p.BaseDelay / time.Second),
		"max_delay_seconds": int64(p.MaxDelay / time.Second), "window_seconds": int64(p.Window / time.Second)}
}
