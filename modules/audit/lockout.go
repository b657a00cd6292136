package audit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/tenant"
)

// KindUnlocked is the security event of an administrator lifting a lockout.
const KindUnlocked = "unlocked"

// The notices a lockout puts in the administrators' cabinet inbox (e-mail
// comes with the notifications module, from the outbox).
const (
	NoticeLockoutAccount = "notice.lockout_account" // an account's staff rights are locked
	NoticeLockoutOther   = "notice.lockout_other"   // another key (a client address) is locked
)

// Errors of the lockout's administration, with message keys in web/locales.
var (
	ErrUnlockComment = apperr.New(apperr.Invalid, "error.unlock_comment_required")
	ErrNotLocked     = apperr.New(apperr.NotFound, "error.unlock_not_locked")
)

// NotifyFunc puts a notice in an account's cabinet inbox, in tx. The
// notify module owns the inbox; the root wires its Account.
type NotifyFunc func(ctx context.Context, tx pgx.Tx, account uuid.UUID, key string, args map[string]any) error

// maxCommentLen bounds an unlock's comment.
const maxCommentLen = 1000

// withAuditLink returns a copy of details naming the audit record r
// written with a security event (its seq, its lane when not 0, and its
// actor), so the security page links to it.
func withAuditLink(details map[string]any, r Row) map[string]any {
	out := maps.Clone(details)
	if out == nil {
		out = map[string]any{}
	}
	out["audit_seq"] = r.Seq
	if r.Lane != 0 {
		out["audit_lane"] = r.Lane
	}
	out["audit_actor"] = r.Actor.ID
	return out
}

// policyTx is the lockout policy of key in the tenant: the tenant's row of
// lockout_policies for the key's kind ("account", "ip") over the Service's
// Policy over DefaultPolicy, field by field.
func (s *Service) policyTx(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, key string) (Policy, error) {
	p := s.Policy.withDefaults()
	kind, _, ok := strings.Cut(key, ":")
	if !ok {
		return p, nil
	}
	var threshold, base, maxDelay, window *int32
	err := tx.QueryRow(ctx, `SELECT threshold, base_delay_seconds, max_delay_seconds, window_seconds
		FROM lockout_policies WHERE tenant_id = $1 AND key_kind = $2`, tenantID, kind).Scan(&threshold, &base, &maxDelay, &window)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("audit: the city's lockout policy: %w", err)
	}
	if threshold != nil {
		p.Threshold = int(*threshold)
	}
	seconds := func(v *int32, d *time.Duration) {
		if v != nil {
			*d = time.Duration(*v) * time.Second
		}
	}
	seconds(base, &p.BaseDelay)
	seconds(maxDelay, &p.MaxDelay)
	seconds(window, &p.Window)
	return p.withDefaults(), nil
}

// notifyLockout puts a notice of key's lockout in every administrator's
// inbox, in tx. Without a NotifyFunc it does nothing (the outbox message
// is written either way).
func (s *Service) notifyLockout(ctx context.Context, tx pgx.Tx, key string, now, until time.Time) error {
	if s.Notify == nil {
		return nil
	}
	admins, err := access.HoldersTx(ctx, tx, access.RoleAdministrator, now)
	if err != nil {
		return err
	}
	noticeKey, args := NoticeLockoutOther, map[string]any{"Key": key, "Until": until.In(tenant.Zone).Format("02.01.2006 15:04")}
	if id, ok := accountOfKey(key); ok {
		people, err := access.PeopleTx(ctx, tx, []uuid.UUID{id}, now)
		if err != nil {
			return err
		}
		noticeKey, args["Who"] = NoticeLockoutAccount, people[id].Name
	}
	for _, a := range admins {
		if err := s.Notify(ctx, tx, a, noticeKey, args); err != nil {
			return fmt.Errorf("audit: lockout notice: %w", err)
		}
	}
	return nil
}

// accountOfKey is the account of an AccountKey.
func accountOfKey(key string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(key, accountKeyPrefix)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(rest)
	return id, err == nil
}

// LockedAccount is an account whose staff rights are locked out now.
type LockedAccount struct {
	AccountID uuid.UUID
	Name      string
	Roles     []string
	Failures  int       // counted failures so far
	Until     time.Time // when the lock ends by itself
	LastPath  string    // the last counted request: "POST /work/applications/…"
}

// lockedAccounts lists the accounts of the tenant in ctx that are locked
// out now, the soonest to end first.
func (s *Service) lockedAccounts(ctx context.Context, tx pgx.Tx) ([]LockedAccount, error) {
	now := s.now()
	rows, err := tx.Query(ctx, `SELECT key, failures, locked_until FROM lockouts
		WHERE key LIKE 'account:%' AND locked_until > $1 ORDER BY locked_until, key`, now)
	if err != nil {
		return nil, fmt.Errorf("audit: locked accounts: %w", err)
	}
	var out []LockedAccount
	var ids []uuid.UUID
	for rows.Next() {
		var key string
		var l LockedAccount
		if err := rows.Scan(&key, &l.Failures, &l.Until); err != nil {
			rows.Close()
			return nil, fmt.Errorf("audit: locked accounts: %w", err)
		}
		id, ok := accountOfKey(key)
		if !ok {
			continue
		}
		l.AccountID, l.Until = id, l.Until.UTC()
		out = append(out, l)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: locked accounts: %w", err)
	}
	people, err := access.PeopleTx(ctx, tx, ids, now)
	if err != nil {
		return nil, err
	}
	for i := range out {
		p := people[out[i].AccountID]
		out[i].Name, out[i].Roles = p.Name, p.Roles
		err := tx.QueryRow(ctx, `SELECT coalesce(details->>'method', '') || ' ' || coalesce(details->>'path', '')
			FROM security_events WHERE kind = $1 AND subject = $2 AND details->>'counted' = 'true'
			ORDER BY at DESC, id DESC LIMIT 1`, KindAccessDenied, out[i].AccountID.String()).Scan(&out[i].LastPath)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("audit: locked accounts: %w", err)
		}
	}
	return out, nil
}

// Unlock lifts the lockout of account and forgets its failures, on
// actor's word with a required comment: an audit record and a security
// event in the same transaction. ErrNotLocked when the account is not
// locked out (any more).
func (s *Service) Unlock(ctx context.Context, actor, account uuid.UUID, comment string) error {
	if s.db == nil {
		return errNoDB
	}
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return ErrUnlockComment
	}
	comment = clean(comment, maxCommentLen)
	key := AccountKey(account.String())
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var until time.Time
		var failures int
		err := tx.QueryRow(ctx, `DELETE FROM lockouts WHERE key = $1 AND locked_until > $2
			RETURNING locked_until, failures`, key, s.now()).Scan(&until, &failures)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotLocked
		}
		if err != nil {
			return fmt.Errorf("audit: unlock: %w", err)
		}
		details := map[string]any{"comment": comment, "locked_until": until.UTC().Format(time.RFC3339), "failures": failures}
		row, err := s.record(ctx, tx, Event{Actor: Actor{ID: actor.String(), Role: access.RoleAdministrator},
			Action: "security.lockout.unlock", ObjectType: "account", ObjectID: account.String(), Details: details})
		if err != nil {
			return err
		}
		return s.RecordSecurity(ctx, tx, SecurityEvent{Kind: KindUnlocked, Subject: account.String(),
			Details: withAuditLink(details, row)})
	})
}
