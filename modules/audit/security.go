package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// The kinds of security events. The set is open: a kind is any dotted
// lower-case word; these are the ones the platform writes.
const (
	KindSigninFailed  = "signin_failed"  // a sign-in failed; Subject is the attempted login
	KindAccessDenied  = "access_denied"  // access control refused a request
	KindCrossTenant   = "cross_tenant"   // a request reached for another tenant's object
	KindPolicyChanged = "policy_changed" // the access policies changed
	KindAccessGranted = "access_granted" // a role or permission was given
	KindAccessBlocked = "access_blocked" // an account was blocked, or a locked one tried again
	KindLockout       = "lockout"        // failures started a lockout; Subject is its key
	// KindSignatureRefused: a resident's signature on an application was
	// refused; Subject is the account, Details the application, the reason
	// and the verifier's detail (modules/applications).
	KindSignatureRefused = "signature_refused"
)

// A lockout is reported to the tenant's administrators through the outbox.
const (
	TopicLockout      = "security.lockout" // the outbox topic of a lockout
	RoleAdministrator = "administrator"    // the recipient role of a lockout message
)

const (
	accountKeyPrefix   = "account:"
	ipKeyPrefix        = "ip:"
	maxKeyLen          = 300
	securityKindMaxLen = 64
)

// SecurityEvent is an event of the tenant's security log. Where it came
// from (IP, user agent, request id) and when are filled by RecordSecurity.
type SecurityEvent struct {
	Kind    string         // one of the Kind… constants, or another dotted lower-case word
	Subject string         // an account id, the attempted login, a lockout key
	Details map[string]any // anything else worth keeping; stored as jsonb
}

// SecurityRow is a security event as stored.
type SecurityRow struct {
	ID      uuid.UUID
	At      time.Time
	Kind    string
	Subject string
	Request Request
	Details map[string]any
}

// RecordSecurity writes e to the security events of the tenant in ctx,
// inside tx, with the Service's clock. See Service.RecordSecurity.
func RecordSecurity(ctx context.Context, tx pgx.Tx, e SecurityEvent) error {
	return std.RecordSecurity(ctx, tx, e)
}

// RecordSecurity writes e to the security events of the tenant in ctx,
// inside tx, so it commits with what it reports. Note that an event that
// must outlive a rolled-back transaction (a failed sign-in whose request
// fails) needs a transaction of its own.
func (s *Service) RecordSecurity(ctx context.Context, tx pgx.Tx, e SecurityEvent) error {
	_, err := s.recordSecurity(ctx, tx, e)
	return err
}

func (s *Service) recordSecurity(ctx context.Context, tx pgx.Tx, e SecurityEvent) (uuid.UUID, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	if len(e.Kind) > securityKindMaxLen || !actionRE.MatchString(e.Kind) {
		return uuid.Nil, fmt.Errorf("%w: security event kind %q is not dotted lower case", ErrInvalid, e.Kind)
	}
	details, err := marshalDetails(e.Details)
	if err != nil {
		return uuid.Nil, fmt.Errorf("audit: security event %s: details: %w", e.Kind, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	req := RequestFrom(ctx).clean()
	_, err = tx.Exec(ctx, `INSERT INTO security_events (tenant_id, id, at, kind, subject, ip, user_agent, request_id, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
		t.ID, id, s.now(), e.Kind, clean(e.Subject, 320), req.IP, req.UserAgent, req.RequestID, details)
	if err != nil {
		return uuid.Nil, fmt.Errorf("audit: security event %s: %w", e.Kind, err)
	}
	return id, nil
}

// SecurityFilter selects security events for SearchSecurity. Zero fields
// select all.
type SecurityFilter struct {
	From, To time.Time // From ≤ at < To
	Kind     string
	Subject  string // exactly
	// Person selects the events of an account: its own (Subject is its
	// id) and its lockout's (Subject is its AccountKey).
	Person uuid.UUID
	Limit  int // default 100, at most MaxLimit
	Offset int
}

// SearchSecurity returns the tenant's security events that match f, newest
// first, a page of them, and how many match in all.
func SearchSecurity(ctx context.Context, tx pgx.Tx, f SecurityFilter) (rows []SecurityRow, total int, err error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, 0, err
	}
	where := []string{"tenant_id = $1"}
	args := []any{t.ID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.Subject != "" {
		where = append(where, "subject = "+arg(f.Subject))
	}
	if f.Person != uuid.Nil {
		where = append(where, "subject = ANY("+arg([]string{f.Person.String(), AccountKey(f.Person.String())})+")")
	}
	cond := strings.Join(where, " AND ")
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM security_events WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit: security events: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	res, err := tx.Query(ctx, `SELECT id, at, kind, subject, ip, user_agent, request_id, details::text
		FROM security_events WHERE `+cond+` ORDER BY at DESC, id DESC LIMIT `+arg(min(limit, MaxLimit))+` OFFSET `+arg(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: security events: %w", err)
	}
	rows, err = pgx.CollectRows(res, func(r pgx.CollectableRow) (SecurityRow, error) {
		var s SecurityRow
		var details string
		if err := r.Scan(&s.ID, &s.At, &s.Kind, &s.Subject, &s.Request.IP, &s.Request.UserAgent, &s.Request.RequestID, &details); err != nil {
			return s, err
		}
		s.At = s.At.UTC()
		var err error
		s.Details, err = decodeDetails(details)
		return s, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("audit: security events: %w", err)
	}
	return rows, total, nil
}

// Policy is when failed sign-ins lock a key out, and for how long.
type Policy struct {
	// Threshold is the number of failures that starts a lockout. Default 5.
	Threshold int
	// BaseDelay is the length of the first lockout; each failure after it
	// doubles it. Default 1 minute.
	BaseDelay time.Duration
	// MaxDelay caps a lockout. Default 1 hour.
	MaxDelay time.Duration
	// Window is how long a key that is not locked keeps its failures: one
	// that has had none for longer starts again from zero. Default 24 hours.
	Window time.Duration
}

// DefaultPolicy is the lockout policy of a zero Policy: the fifth failure
// locks for a minute, the sixth for two, then four… up to an hour.
var DefaultPolicy = Policy{Threshold: 5, BaseDelay: time.Minute, MaxDelay: time.Hour, Window: 24 * time.Hour}

func (p Policy) withDefaults() Policy {
	if p.Threshold <= 0 {
		p.Threshold = DefaultPolicy.Threshold
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultPolicy.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultPolicy.MaxDelay
	}
	if p.Window <= 0 {
		p.Window = DefaultPolicy.Window
	}
	return p
}

// delay is how long the failures-th failure locks a key for (0: not yet).
func (p Policy) delay(failures int) time.Duration {
	if failures < p.Threshold {
		return 0
	}
	d := p.BaseDelay
	for range failures - p.Threshold {
		if d >= p.MaxDelay {
			break
		}
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// AccountKey is the lockout key of an account.
func AccountKey(accountID string) string { return accountKeyPrefix + accountID }

// IPKey is the lockout key of a client address.
func IPKey(ip string) string { return ipKeyPrefix + ip }

// ErrNoKey is returned for an empty or overlong lockout key.
var ErrNoKey = errors.New("audit: lockout key is empty or too long")

// lockoutKeys returns keys sorted and without repeats (so that two
// transactions lock them in the same order and never deadlock).
func lockoutKeys(keys []string) ([]string, error) {
	out := slices.Clone(keys)
	for _, k := range out {
		if k == "" || len(k) > maxKeyLen {
			return nil, ErrNoKey
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// RegisterFailure counts a failed sign-in against each key (typically
// AccountKey and IPKey) and returns until when the most locked of them is
// locked (the zero time if none is). A key is locked when its failures reach
// the Policy's threshold, for BaseDelay, doubled by each further failure up
// to MaxDelay. When a lockout starts, a security event of KindLockout and an
// outbox message (TopicLockout, to RoleAdministrator) are written in tx.
//
// RegisterFailure writes in tx: a sign-in that fails should count it in a
// transaction that commits.
func (s *Service) RegisterFailure(ctx context.Context, tx pgx.Tx, keys ...string) (lockedUntil time.Time, err error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return time.Time{}, err
	}
	keys, err = lockoutKeys(keys)
	if err != nil {
		return time.Time{}, err
	}
	now := s.now()
	for _, key := range keys {
		p, err := s.policyTx(ctx, tx, t.ID, key)
		if err != nil {
			return time.Time{}, err
		}
		until, started, failures, err := registerFailure(ctx, tx, t.ID, key, p, now)
		if err != nil {
			return time.Time{}, fmt.Errorf("audit: register failure: %w", err)
		}
		if until.After(lockedUntil) {
			lockedUntil = until
		}
		if started {
			if err := s.lockoutStarted(ctx, tx, t.ID, key, failures, now, until); err != nil {
				return time.Time{}, err
			}
		}
	}
	return lockedUntil, nil
}

// registerFailure counts one failure of key, with the key's row locked for
// the rest of tx. until is when the key's lock ends (zero if not locked);
// started says whether this failure started it.
func registerFailure(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, key string, p Policy, now time.Time) (until time.Time, started bool, failures int, err error) {
	var lockedUntil, lastFailure *time.Time
	for {
		err = tx.QueryRow(ctx, `SELECT failures, locked_until, last_failure_at FROM lockouts
			WHERE tenant_id = $1 AND key = $2 FOR UPDATE`, tenantID, key).Scan(&failures, &lockedUntil, &lastFailure)
		if err == nil {
			break
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return time.Time{}, false, 0, err
		}
		// The key's first failure; if another transaction inserts it
		// first, lock its row instead.
		tag, err := tx.Exec(ctx, `INSERT INTO lockouts (tenant_id, key, failures) VALUES ($1, $2, 0)
			ON CONFLICT (tenant_id, key) DO NOTHING`, tenantID, key)
		if err != nil {
			return time.Time{}, false, 0, err
		}
		if tag.RowsAffected() == 1 {
			break
		}
	}
	wasLocked := lockedUntil != nil && lockedUntil.After(now)
	if !wasLocked && lastFailure != nil && now.Sub(*lastFailure) > p.Window {
		failures = 0
	}
	failures++
	if d := p.delay(failures); d > 0 {
		u := now.Add(d)
		lockedUntil = &u
	}
	_, err = tx.Exec(ctx, `UPDATE lockouts SET failures = $3, locked_until = $4, last_failure_at = $5
		WHERE tenant_id = $1 AND key = $2`, tenantID, key, failures, lockedUntil, now)
	if err != nil {
		return time.Time{}, false, 0, err
	}
	if lockedUntil == nil || !lockedUntil.After(now) {
		return time.Time{}, false, failures, nil
	}
	return lockedUntil.UTC(), !wasLocked, failures, nil
}

// lockoutStarted records that key is locked until until: a security event,
// and a message to the tenant's administrators.
func (s *Service) lockoutStarted(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, key string, failures int, now, until time.Time) error {
	details := map[string]any{
		"failures":     failures,
		"locked_until": until.Format(time.RFC3339),
		"seconds":      int64(until.Sub(now) / time.Second),
	}
	eventID, err := s.recordSecurity(ctx, tx, SecurityEvent{Kind: KindLockout, Subject: key, Details: details})
	if err != nil {
		return err
	}
	payload := map[string]any{
		"key":               key,
		"failures":          failures,
		"locked_until":      until.Format(time.RFC3339),
		"security_event_id": eventID.String(),
		"request_id":        RequestFrom(ctx).clean().RequestID,
	}
	if err := Enqueue(ctx, tx, tenantID, now, TopicLockout, RoleAdministrator, payload); err != nil {
		return fmt.Errorf("audit: lockout message: %w", err)
	}
	return s.notifyLockout(ctx, tx, key, now, until)
}

// Enqueue writes a message to the outbox for everyone holding role,
// delivered after tx commits (by the notifications work).
func Enqueue(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, now time.Time, topic, role string, payload map[string]any) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO outbox (tenant_id, id, created_at, topic, recipient_role, payload)
		VALUES ($1, $2, $3, $4, $5, $6::jsonb)`, tenantID, id, now, topic, role, replaceNULEscapes(raw))
	return err
}

// Locked returns until when the most locked of keys is locked, if any is
// now. A sign-in checks it before it checks the credentials, and refuses a
// locked key without counting a failure.
func (s *Service) Locked(ctx context.Context, tx pgx.Tx, keys ...string) (until time.Time, locked bool, err error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	keys, err = lockoutKeys(keys)
	if err != nil {
		return time.Time{}, false, err
	}
	var u *time.Time
	err = tx.QueryRow(ctx, lockedSQL, t.ID, keys, s.now()).Scan(&u)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("audit: locked: %w", err)
	}
	if u == nil {
		return time.Time{}, false, nil
	}
	return u.UTC(), true, nil
}

// lockedSQL is the latest end of the locks on keys ($2) of a tenant ($1)
// still on at $3.
const lockedSQL = `SELECT max(locked_until) FROM lockouts
		WHERE tenant_id = $1 AND key = ANY($2) AND locked_until > $3`

// ResetFailures forgets the failures of keys, after a successful sign-in
// (typically of the AccountKey only: an address shared by many keeps its
// count). A key still locked stays locked no longer.
func (s *Service) ResetFailures(ctx context.Context, tx pgx.Tx, keys ...string) error {
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	keys, err = lockoutKeys(keys)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM lockouts WHERE tenant_id = $1 AND key = ANY($2)`, t.ID, keys); err != nil {
		return fmt.Errorf("audit: reset failures: %w", err)
	}
	return nil
}
