package notify_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/identity"
	"hromada/modules/notify"
)

// The dispatcher's announcement reaches exactly the residents who opted
// in to city news — in the inbox and by the channel they chose, through
// the bulk lane — once, however often the send is submitted, and is
// audited; no one is opted in unasked.
func TestBulkSendsOnceToOptedIn(t *testing.T) {
	t.Parallel()
	sim, gw := gateway(t)
	e := setup(t, envOpts{sms: gw})
	e.confirm(t, notify.SMS, "0671234567", func() string {
		waitJobsDone(t, e)
		return sim.Messages()[0].Text
	})
	account := func(rnokpp, name string) uuid.UUID {
		var id uuid.UUID
		require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: rnokpp, FullName: name})
			if err != nil {
				return err
			}
			id = a.ID
			return nil
		}))
		return id
	}
	other, dispatcher := account("4104812317", "Іван Коваль"), account("4350612318", "Марія Диспетчерська")
	account("4224912301", "Не погодився") // never opts in

	p, err := e.svc.Preferences(e.ctx, e.account)
	require.NoError(t, err)
	require.False(t, p.Enabled[notify.KindNews][notify.SMS], "news is opt-in")
	require.Equal(t, 0, mustAudience(t, e))
	require.NoError(t, e.svc.SavePreferences(e.ctx, e.account, map[notify.Kind]map[notify.Channel]bool{notify.KindNews: {notify.SMS: true}}, p.Settings))
	require.NoError(t, e.svc.SavePreferences(e.ctx, other, map[notify.Kind]map[notify.Channel]bool{notify.KindNews: {notify.SMS: true}}, p.Settings))
	require.Equal(t, 2, mustAudience(t, e))

	a := notify.Announcement{Key: uuid.Must(uuid.NewV7()), TextUK: "  "}
	ctx := identity.WithSigned(e.ctx, &identity.Signed{AccountID: dispatcher, FullName: "Марія Диспетчерська"})
	_, err = e.svc.SendBulk(ctx, a)
	require.ErrorIs(t, err, notify.ErrBulkTextUK)
	a.TextUK, a.TextEN = "Завтра з 9:00 до 13:00 не буде води на вул. Хрещатик.", "No water on Khreshchatyk tomorrow 9:00–13:00."
	sent, err := e.svc.SendBulk(ctx, a)
	require.NoError(t, err)
	require.True(t, sent)
	sent, err = e.svc.SendBulk(ctx, a)
	require.NoError(t, err)
	require.False(t, sent, "a double submit sends once")
	waitJobsDone(t, e)

	var notices, queued, audited int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE kind = 'news' AND urgency = 'bulk' AND args->>'Text' = $1`, a.TextUK).Scan(&notices); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'notify.bulk.send' AND object_id = $1 AND details->>'recipients' = '2'`, a.Key.String()).Scan(&audited)
	}))
	require.NoError(t, e.db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'notify.deliver' AND queue = $1`, notify.QueueBulk).Scan(&queued))
	require.Equal(t, 2, notices, "one notice per resident who opted in")
	require.Equal(t, 1, queued, "one SMS (the other resident has no confirmed phone), in the bulk lane")
	require.Equal(t, 1, audited)
	ms := sim.Messages()
	require.Len(t, ms, 2, "the code, then the announcement once")
	require.Equal(t, "Нове оголошення міста. Деталі в кабінеті.", ms[1].Text)
	sends, err := e.svc.BulkSends(e.ctx)
	require.NoError(t, err)
	require.Len(t, sends, 1)
	require.Equal(t, notify.BulkSend{ID: a.Key, TextUK: a.TextUK, Recipients: 2, Posted: 2, CreatedAt: sends[0].CreatedAt, Done: true, Segment: notify.Segment{Kind: notify.SegmentCity}}, sends[0])
}

func mustAudience(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.svc.BulkAudience(e.ctx)
	require.NoError(t, err)
	return n
}
