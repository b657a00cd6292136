package audit_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// clock is a clock the test moves.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time               { return c.now }
func (c *clock) Advance(d time.Duration)      { c.now = c.now.Add(d) }
func newClock() *clock                        { return &clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)} }
func (c *clock) In(d time.Duration) time.Time { return c.now.Add(d) }

type lockoutBundle struct {
	*testBundle
	clock *clock
	svc   *audit.Service
}

func setupLockout(t *testing.T, p audit.Policy) *lockoutBundle {
	t.Helper()
	b := setup(t)
	c := newClock()
	return &lockoutBundle{testBundle: b, clock: c, svc: &audit.Service{Now: c.Now, Policy: p}}
}

func (b *lockoutBundle) fail(t *testing.T, keys ...string) time.Time {
	t.Helper()
	var until time.Time
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		until, err = b.svc.RegisterFailure(ctx, tx, keys...)
		return err
	}))
	return until
}

func (b *lockoutBundle) locked(t *testing.T, keys ...string) (time.Time, bool) {
	t.Helper()
	var until time.Time
	var locked bool
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		until, locked, err = b.svc.Locked(ctx, tx, keys...)
		return err
	}))
	return until, locked
}

func (b *lockoutBundle) reset(t *testing.T, keys ...string) {
	t.Helper()
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return b.svc.ResetFailures(ctx, tx, keys...)
	}))
}

func securityEvents(t *testing.T, db *tenanttest.DB, ctx context.Context, f audit.SecurityFilter) ([]audit.SecurityRow, int) {
	t.Helper()
	var rows []audit.SecurityRow
	var total int
	require.NoError(t, db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		rows, total, err = audit.SearchSecurity(ctx, tx, f)
		return err
	}))
	return rows, total
}

type outboxMessage struct {
	Topic, Role string
	Payload     map[string]any
	CreatedAt   time.Time
	Delivered   bool
}

func outbox(t *testing.T, db *tenanttest.DB, ctx context.Context) []outboxMessage {
	t.Helper()
	var out []outboxMessage
	require.NoError(t, db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT topic, recipient_role, payload, created_at, delivered_at IS NOT NULL FROM outbox ORDER BY id`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxMessage, error) {
			var m outboxMessage
			return m, r.Scan(&m.Topic, &m.Role, &m.Payload, &m.CreatedAt, &m.Delivered)
		})
		return err
	}))
	return out
}

func TestLockoutBackOff(t *testing.T) {
	t.Parallel()
	b := setupLockout(t, audit.Policy{})
	account, ip := audit.AccountKey("acc-1"), audit.IPKey("203.0.113.7")
	require.Equal(t, "account:acc-1", account)
	require.Equal(t, "ip:203.0.113.7", ip)

	for range 4 {
		require.True(t, b.fail(t, account, ip).IsZero(), "below the threshold")
		b.clock.Advance(time.Second)
	}
	_, locked := b.locked(t, account, ip)
	require.False(t, locked)
	require.Empty(t, outbox(t, b.db, b.ctx))

	// The fifth failure locks both keys for a minute.
	want := b.clock.In(time.Minute)
	require.Equal(t, want, b.fail(t, account, ip))
	for _, k := range []string{account, ip} {
		until, locked := b.locked(t, k)
		require.True(t, locked, k)
		require.Equal(t, want, until, k)
	}

	// A lockout event per key, and a message to the administrators.
	events, total := securityEvents(t, b.db, b.ctx, audit.SecurityFilter{Kind: audit.KindLockout})
	require.Equal(t, 2, total)
	subjects := []string{events[0].Subject, events[1].Subject}
	require.ElementsMatch(t, []string{account, ip}, subjects)
	require.Equal(t, json.Number("5"), events[0].Details["failures"])
	require.Equal(t, json.Number("60"), events[0].Details["seconds"])
	require.Equal(t, "203.0.113.7", events[0].Request.IP)
	require.Equal(t, "req-1", events[0].Request.RequestID)
	require.Equal(t, b.clock.now, events[0].At)
	msgs := outbox(t, b.db, b.ctx)
	require.Len(t, msgs, 2)
	for _, m := range msgs {
		require.Equal(t, audit.TopicLockout, m.Topic)
		require.Equal(t, "security.lockout", m.Topic)
		require.Equal(t, "administrator", m.Role)
		require.False(t, m.Delivered)
		require.Equal(t, want.Format(time.RFC3339), m.Payload["locked_until"])
		require.EqualValues(t, 5, m.Payload["failures"])
		require.NotEmpty(t, m.Payload["security_event_id"])
		require.Equal(t, b.clock.now, m.CreatedAt.UTC())
	}
	require.ElementsMatch(t, []string{account, ip}, []any{msgs[0].Payload["key"], msgs[1].Payload["key"]})

	// The lock ends when its time is up.
	b.clock.Advance(59 * time.Second)
	_, locked = b.locked(t, account)
	require.True(t, locked)
	b.clock.Advance(time.Second)
	_, locked = b.locked(t, account)
	require.False(t, locked)

	// Each further failure doubles the lock: 2, 4, 8… minutes, at most an hour.
	require.Equal(t, b.clock.In(2*time.Minute), b.fail(t, account))
	require.Len(t, outbox(t, b.db, b.ctx), 3, "a new lockout is reported")
	// A failure while locked extends the lock but reports nothing new.
	require.Equal(t, b.clock.In(4*time.Minute), b.fail(t, account))
	require.Len(t, outbox(t, b.db, b.ctx), 3)
	for _, d := range []time.Duration{8, 16, 32, 60, 60} {
		require.Equal(t, b.clock.In(d*time.Minute), b.fail(t, account))
	}
	until, locked := b.locked(t, account, ip)
	require.True(t, locked)
	require.Equal(t, b.clock.In(time.Hour), until, "the longest lock of the keys")

	// A successful sign-in resets the account; the address keeps its count.
	b.reset(t, account)
	_, locked = b.locked(t, account)
	require.False(t, locked)
	require.True(t, b.fail(t, account).IsZero(), "counting starts again")
	b.clock.Advance(2 * time.Minute)
	require.Equal(t, b.clock.In(2*time.Minute), b.fail(t, ip), "the address's sixth failure")
}

func TestLockoutWindowForgetsOldFailures(t *testing.T) {
	t.Parallel()
	b := setupLockout(t, audit.Policy{Threshold: 3, BaseDelay: 10 * time.Second, MaxDelay: 30 * time.Second, Window: time.Hour})
	key := audit.AccountKey("acc-2")
	b.fail(t, key)
	b.fail(t, key)
	b.clock.Advance(61 * time.Minute)
	require.True(t, b.fail(t, key).IsZero(), "the failures of over an hour ago are forgotten")
	require.True(t, b.fail(t, key).IsZero())
	require.Equal(t, b.clock.In(10*time.Second), b.fail(t, key), "the third within the window locks")
	require.Equal(t, b.clock.In(20*time.Second), b.fail(t, key))
	require.Equal(t, b.clock.In(30*time.Second), b.fail(t, key))
	require.Equal(t, b.clock.In(30*time.Second), b.fail(t, key), "capped")
	// A long-expired lock's failures are forgotten too.
	b.clock.Advance(2 * time.Hour)
	require.True(t, b.fail(t, key).IsZero())
}

func TestLockoutIsPerTenantAndKey(t *testing.T) {
	t.Parallel()
	b := setupLockout(t, audit.Policy{Threshold: 2})
	other := tenanttest.NewTenant(t, b.db)
	key := audit.AccountKey("same-id")
	b.fail(t, key, key) // a repeated key counts once
	_, locked := b.locked(t, key)
	require.False(t, locked)
	require.False(t, b.fail(t, key).IsZero())
	_, locked = b.locked(t, audit.AccountKey("another"))
	require.False(t, locked)
	require.NoError(t, b.db.App.ReadTx(tenant.With(t.Context(), other), func(ctx context.Context, tx pgx.Tx) error {
		_, locked, err := b.svc.Locked(ctx, tx, key)
		require.False(t, locked, "another tenant's counter")
		return err
	}))
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := b.svc.RegisterFailure(ctx, tx, "")
		require.ErrorIs(t, err, audit.ErrNoKey)
		return nil
	}))
}

// The lockout's event and message are in the caller's transaction: gone if
// it rolls back.
func TestLockoutRollsBackWithTheTransaction(t *testing.T) {
	t.Parallel()
	b := setupLockout(t, audit.Policy{Threshold: 1})
	err := b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		until, err := b.svc.RegisterFailure(ctx, tx, audit.AccountKey("x"))
		require.NoError(t, err)
		require.False(t, until.IsZero())
		return context.Canceled
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, outbox(t, b.db, b.ctx))
	_, total := securityEvents(t, b.db, b.ctx, audit.SecurityFilter{})
	require.Zero(t, total)
}

func TestRecordSecurity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newClock()
	svc := &audit.Service{Now: c.Now}
	rec := func(ctx context.Context, e audit.SecurityEvent) error {
		return b.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return svc.RecordSecurity(ctx, tx, e)
		})
	}
	require.NoError(t, rec(b.ctx, audit.SecurityEvent{Kind: audit.KindSigninFailed, Subject: "1234567890", Details: map[string]any{"reason": "bad signature"}}))
	c.Advance(time.Minute)
	require.NoError(t, rec(b.ctx, audit.SecurityEvent{Kind: audit.KindCrossTenant, Subject: "acc-1"}))
	c.Advance(time.Minute)
	require.NoError(t, rec(audit.WithRequest(b.ctx, audit.Request{}), audit.SecurityEvent{Kind: audit.KindPolicyChanged}))
	require.ErrorIs(t, rec(b.ctx, audit.SecurityEvent{Kind: "Bad Kind"}), audit.ErrInvalid)
	require.ErrorIs(t, rec(b.ctx, audit.SecurityEvent{}), audit.ErrInvalid)

	rows, total := securityEvents(t, b.db, b.ctx, audit.SecurityFilter{})
	require.Equal(t, 3, total)
	require.Equal(t, audit.KindPolicyChanged, rows[0].Kind, "newest first")
	require.Equal(t, audit.Request{}, rows[0].Request)
	rows, total = securityEvents(t, b.db, b.ctx, audit.SecurityFilter{Kind: audit.KindSigninFailed})
	require.Equal(t, 1, total)
	require.Equal(t, "1234567890", rows[0].Subject)
	require.Equal(t, "bad signature", rows[0].Details["reason"])
	require.Equal(t, audit.Request{IP: "203.0.113.7", UserAgent: "Firefox/140", RequestID: "req-1"}, rows[0].Request)
	require.Equal(t, newClock().now, rows[0].At)
	_, total = securityEvents(t, b.db, b.ctx, audit.SecurityFilter{Subject: "acc-1"})
	require.Equal(t, 1, total)
	_, total = securityEvents(t, b.db, b.ctx, audit.SecurityFilter{From: newClock().In(time.Minute)})
	require.Equal(t, 2, total)
	_, total = securityEvents(t, b.db, b.ctx, audit.SecurityFilter{To: newClock().In(time.Minute)})
	require.Equal(t, 1, total)
	rows, total = securityEvents(t, b.db, b.ctx, audit.SecurityFilter{Limit: 1, Offset: 1})
	require.Equal(t, 3, total)
	require.Equal(t, audit.KindCrossTenant, rows[0].Kind)
	other := tenant.With(t.Context(), tenanttest.NewTenant(t, b.db))
	_, total = securityEvents(t, b.db, other, audit.SecurityFilter{})
	require.Zero(t, total)
}
