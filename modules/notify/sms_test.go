package notify_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/modules/notify/smssim"
	"hromada/web"
)

func gateway(t *testing.T) (*smssim.Simulator, *notify.TurboSMS) {
	sim := smssim.New("test-token")
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, &notify.TurboSMS{BaseURL: srv.URL, Token: "test-token"}
}

func TestSMSGoesOutOnce(t *testing.T) {
	t.Parallel()
	sim, gw := gateway(t)
	e := setup(t, envOpts{sms: gw})

	require.ErrorIs(t, e.svc.SetAddress(e.ctx, e.account, notify.SMS, "+1 202 555 0100"), notify.ErrBadAddress)
	e.confirm(t, notify.SMS, "+38 (067) 123-45-67", func() string {
		waitJobsDone(t, e)
		ms := sim.Messages()
		require.Len(t, ms, 1)
		require.Equal(t, "380671234567", ms[0].Phone)
		return ms[0].Text
	})
	sim.FailNext(2) // the gateway's own failure, twice: retried
	id := e.post(t, notify.KindClarification, "notify.clarification", "2026-000123")
	d := e.settled(t, id, notify.SMS)
	require.Equal(t, notify.Delivered, d.Status)
	require.Equal(t, 3, d.Attempts)
	ms := sim.Messages()
	require.Len(t, ms, 2, "sent once")
	require.Equal(t, "Hromada", ms[1].Sender)
	require.Equal(t, "Заява № 2026-000123 потребує уточнення. Деталі в кабінеті.", ms[1].Text)
	require.Equal(t, 1, ms[1].Segments)
	var segs int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT segments FROM notify_deliveries WHERE id = $1`, d.ID).Scan(&segs)
	}))
	require.Equal(t, 1, segs, "the segments are counted")

	// A number the gateway refuses: a permanent failure, not retried.
	sim.Refuse("380671234567")
	id = e.post(t, notify.KindResult, "notify.approved", "2026-000124")
	d = e.settled(t, id, notify.SMS)
	require.Equal(t, notify.Permanent, d.Status)
	require.Equal(t, 1, d.Attempts)
	require.Contains(t, d.LastError, "NOT_ALLOWED_RECIPIENT_COUNTRY")
	require.Len(t, sim.Messages(), 2)
}

// The texts that leave by SMS fit one segment in both languages, with the
// longest application number and a code.
func TestSMSTextsFitOneSegment(t *testing.T) {
	t.Parallel()
	args := map[string]any{"Number": "2026-000123", "Code": "123456", "Due": "05.12.2026"}
	for _, lang := range web.Languages {
		l, err := web.NewLocalizer(lang)
		require.NoError(t, err)
		for _, k := range append(notify.Kinds, notify.KindCode) {
			text := l.Message("notify.out."+string(k), args)
			require.False(t, strings.HasPrefix(text, "notify."), "%s: %s has a text", lang, k)
		}
		// Every outward text, the kinds' and the notices' own.
		ids, err := web.MessageIDs("notify.out.")
		require.NoError(t, err)
		require.Greater(t, len(ids), len(notify.Kinds))
		for _, id := range ids {
			text := l.Message(id, args)
			n, _ := notify.Segments(text)
			require.Equal(t, 1, n, "%s %s: %q (%d characters)", lang, id, text, len([]rune(text)))
		}
	}
}

func TestSegments(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		n    int
		ucs2 bool
	}{
		{strings.Repeat("a", 160), 1, false},
		{strings.Repeat("a", 161), 2, false},
		{strings.Repeat("€", 80), 1, false}, // two septets each
		{strings.Repeat("€", 81), 2, false},
		{strings.Repeat("я", 70), 1, true},
		{strings.Repeat("я", 71), 2, true},
		{strings.Repeat("я", 134), 2, true},
		{strings.Repeat("я", 135), 3, true},
		{strings.Repeat("a", 69) + "😀", 2, true}, // a surrogate pair is two units
	} {
		n, ucs2 := notify.Segments(c.text)
		require.Equal(t, [2]any{c.n, c.ucs2}, [2]any{n, ucs2}, "%d runes of %q", len([]rune(c.text)), []rune(c.text)[0])
	}
}

// A city over its rate limit of a channel waits: the next SMS is held
// (its job snoozed), not sent, not failed — unless it is urgent.
func TestRateLimitHoldsBack(t *testing.T) {
	t.Parallel()
	sim, gw := gateway(t)
	e := setup(t, envOpts{sms: gw, limits: map[notify.Channel]int{notify.SMS: 2}})
	e.confirm(t, notify.SMS, "0671234567", func() string {
		waitJobsDone(t, e)
		return sim.Messages()[0].Text
	})
	first := e.post(t, notify.KindStatus, "notify.approved", "2026-000001")
	require.Equal(t, notify.Delivered, e.settled(t, first, notify.SMS).Status)
	second := e.post(t, notify.KindStatus, "notify.issued", "2026-000001")
	for range 3000 {
		var state string
		require.NoError(t, e.db.Owner.QueryRow(t.Context(), `SELECT state FROM river_job WHERE kind = 'notify.deliver' ORDER BY id DESC LIMIT 1`).Scan(&state))
		if state == "scheduled" {
			break
		}
		sleepBriefly()
	}
	var st notify.Status
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT status FROM notify_deliveries WHERE notification_id = $1`, second).Scan(&st)
	}))
	require.Equal(t, notify.Created, st, "held back, untouched")
	require.Len(t, sim.Messages(), 2, "the code and the first notice only")

	// An urgent notice is not held back by a limit the normal ones spent.
	urgent := e.post(t, notify.KindResult, "notify.issued", "2026-000002")
	require.Equal(t, notify.Delivered, e.settled(t, urgent, notify.SMS).Status, "urgent goes out over the limit")
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT status FROM notify_deliveries WHERE notification_id = $1`, second).Scan(&st)
	}))
	require.Equal(t, notify.Created, st, "the held normal notice still waits")
}
