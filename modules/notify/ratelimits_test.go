package notify_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/identity"
	"hromada/modules/notify"
)

// A city's own limit is the one the claim enforces: with 1 SMS a minute
// stored for the city (the platform's default is far higher), one notice
// goes and the next waits (its job snoozed, the delivery untouched). A
// limit out of bounds or not a number is refused naming the channel and
// nothing is saved; the same limits twice change nothing the second time;
// a change is audited.
func TestStoredRateLimitHoldsBack(t *testing.T) {
	t.Parallel()
	sim, gw := gateway(t)
	e := setup(t, envOpts{sms: gw})
	e.confirm(t, notify.SMS, "0671234567", func() string {
		waitJobsDone(t, e)
		return sim.Messages()[0].Text
	})
	// The code went out just now; as if a minute had passed since, so
	// the window holds only what this test sends next.
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE notify_deliveries SET updated_at = updated_at - interval '2 minutes'`)
		if err == nil && tag.RowsAffected() != 1 {
			t.Errorf("%d deliveries moved back, want the code's", tag.RowsAffected())
		}
		return err
	}))

	ctx := identity.WithSigned(e.ctx, &identity.Signed{AccountID: e.account, FullName: "Олена Петренко"})
	_, err := e.svc.SaveRateLimits(ctx, map[notify.Channel]string{notify.SMS: "0", notify.Email: "600"})
	var errs notify.RateLimitErrors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1)
	require.Contains(t, errs, notify.SMS)
	_, err = e.svc.SaveRateLimits(ctx, map[notify.Channel]string{notify.SMS: "12000000"})
	require.ErrorAs(t, err, &errs)
	_, err = e.svc.SaveRateLimits(ctx, map[notify.Channel]string{notify.SMS: "п'ять"})
	require.ErrorAs(t, err, &errs)
	limits, err := e.svc.RateLimits(e.ctx)
	require.NoError(t, err)
	require.Equal(t, notify.RateLimit{Channel: notify.SMS, PerMinute: 120, Default: 120, Max: 1200, LastHour: 1}, limits[1], "nothing saved; the code counts in the last hour")

	changed, err := e.svc.SaveRateLimits(ctx, map[notify.Channel]string{notify.SMS: " 1 ", notify.Email: "600", notify.Push: "1200"})
	require.NoError(t, err)
	require.True(t, changed)
	changed, err = e.svc.SaveRateLimits(ctx, map[notify.Channel]string{notify.SMS: "1", notify.Email: "600", notify.Push: "1200"})
	require.NoError(t, err)
	require.False(t, changed, "the same limits again change nothing")
	limits, err = e.svc.RateLimits(e.ctx)
	require.NoError(t, err)
	require.Equal(t, notify.RateLimit{Channel: notify.SMS, PerMinute: 1, Default: 120, Max: 1200, Own: true, LastHour: 1}, limits[1])
	require.False(t, limits[0].Own, "the default kept is not stored")
	var audited string
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT string_agg(details::text, ';') FROM audit_events WHERE action = 'notify.rate_limits.update'`).Scan(&audited)
	}))
	require.JSONEq(t, `{"sms": {"from": 120, "to": 1}}`, audited, "one change, audited once")

	first := e.post(t, notify.KindStatus, "notify.approved", "2026-000001")
	require.Equal(t, notify.Delivered, e.settled(t, first, notify.SMS).Status)
	second := e.post(t, notify.KindStatus, "notify.issued", "2026-000001")
	held := false
	for range 3000 {
		var state string
		require.NoError(t, e.db.Owner.QueryRow(t.Context(), `SELECT state FROM river_job WHERE kind = 'notify.deliver' ORDER BY id DESC LIMIT 1`).Scan(&state))
		if held = state == "scheduled"; held {
			break
		}
		sleepBriefly()
	}
	require.True(t, held, "the second SMS's job waits")
	var st notify.Status
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT status FROM notify_deliveries WHERE notification_id = $1`, second).Scan(&st)
	}))
	require.Equal(t, notify.Created, st, "held back, untouched")
	require.Len(t, sim.Messages(), 2, "the code and the first notice only")
}
