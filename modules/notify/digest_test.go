package notify_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/tenant"
)

// TestDigest: an official who chose the daily digest gets each new-work
// notice in the inbox at once and by SMS only as the day's one summary,
// made from 8:00 Kyiv time, once however often the job runs; a day with
// nothing new sends nothing; choosing "at once" again sends new work at
// once.
func TestDigest(t *testing.T) {
	t.Parallel()
	sim, gw := gateway(t)
	e := setup(t, envOpts{sms: gw})
	e.confirm(t, notify.SMS, "0671234567", func() string {
		waitJobsDone(t, e)
		ms := sim.Messages()
		require.Len(t, ms, 1)
		return ms[0].Text
	})
	prefs, err := e.svc.Preferences(e.ctx, e.account)
	require.NoError(t, err)
	st := prefs.Settings
	st.Digest = true
	require.NoError(t, e.svc.SavePreferences(e.ctx, e.account, prefs.Enabled, st))

	now := time.Date(2026, 3, 10, 7, 30, 0, 0, tenant.Zone)
	svc, err := notify.New(notify.Options{DB: e.db.App, Log: slog.New(slog.DiscardHandler), SMS: gw, Now: func() time.Time { return now },
		Insert: func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
			_, err := tenant.InsertTx(ctx, e.river, tx, args, nil)
			return err
		},
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost:8080" }})
	require.NoError(t, err)
	count := func(sql string) int {
		var n int
		require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error { return tx.QueryRow(ctx, sql).Scan(&n) }))
		return n
	}
	for _, number := range []string{"2026-000101", "2026-000102", "2026-000103"} {
		e.post(t, notify.KindNewWork, "notify.new_work", number)
	}
	waitJobsDone(t, e)
	// They came that morning, before the digest's hour (the test's clock).
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE notifications SET created_at = $1 WHERE kind = 'new_work'`, now.Add(-time.Hour))
		if err == nil && tag.RowsAffected() != 3 {
			t.Fatalf("moved %d notices", tag.RowsAffected())
		}
		return err
	}))
	require.Equal(t, 3, count(`SELECT count(*) FROM notifications WHERE kind = 'new_work'`), "in the inbox at once")
	require.Zero(t, count(`SELECT count(*) FROM notify_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.kind = 'new_work'`),
		"not sent one by one")
	require.Len(t, sim.Messages(), 1, "only the confirmation code so far")

	// Before 8:00 nothing is made; from 8:00 one summary, once.
	made, err := svc.Digest(e.ctx)
	require.NoError(t, err)
	require.Zero(t, made)
	now = time.Date(2026, 3, 10, 8, 5, 0, 0, tenant.Zone)
	total := 0
	for range 3 {
		made, err = svc.Digest(e.ctx)
		require.NoError(t, err)
		total += made
	}
	require.Equal(t, 1, total, "one summary however often the job runs")
	waitJobsDone(t, e)
	ms := sim.Messages()
	require.Len(t, ms, 2, "one summary")
	require.Equal(t, "Нових заяв у черзі: 3. Деталі в кабінеті.", ms[1].Text)
	require.Equal(t, 1, count(`SELECT count(*) FROM notifications WHERE key = 'notify.digest'`))

	// The next day with nothing new: the day is made, nothing sent.
	now = time.Date(2026, 3, 11, 9, 0, 0, 0, tenant.Zone)
	made, err = svc.Digest(e.ctx)
	require.NoError(t, err)
	require.Zero(t, made)
	require.Equal(t, 2, count(`SELECT count(*) FROM notify_digests`))

	// Back to "at once": new work goes out at once again.
	st.Digest = false
	require.NoError(t, e.svc.SavePreferences(e.ctx, e.account, prefs.Enabled, st))
	id := e.post(t, notify.KindNewWork, "notify.new_work", "2026-000104")
	require.Equal(t, notify.Delivered, e.settled(t, id, notify.SMS).Status)
	require.Len(t, sim.Messages(), 3)
}
