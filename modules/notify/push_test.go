package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/modules/notify/fcmsim"
)

func fcm(t *testing.T) (*fcmsim.Simulator, *notify.FCM) {
	t.Helper()
	sim, err := fcmsim.New("hromada-test")
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	f, err := notify.NewFCM(sim.Credentials(srv.URL), srv.URL, nil)
	require.NoError(t, err)
	return sim, f
}

const phoneToken = "dTk3s-fcm-registration-token:APA91bH_test_0001"

// A resident's status change reaches the phone once, through FCM HTTP v1
// with a service account's token (asked for once, then reused), titled
// with the city and pointing to the inbox; a quota answer with
// Retry-After is waited out, and nothing is sent twice.
func TestPushGoesOutOnce(t *testing.T) {
	t.Parallel()
	sim, f := fcm(t)
	e := setup(t, envOpts{fcm: f})

	_, err := e.svc.RegisterDevice(e.ctx, e.account, notify.Device{Platform: "apns", Token: phoneToken})
	require.ErrorIs(t, err, notify.ErrBadDevice)
	dev, err := e.svc.RegisterDevice(e.ctx, e.account, notify.Device{Platform: notify.FCMPlatform, Token: phoneToken, AppVersion: "1.4.0"})
	require.NoError(t, err)
	again, err := e.svc.RegisterDevice(e.ctx, e.account, notify.Device{Platform: notify.FCMPlatform, Token: phoneToken, AppVersion: "1.4.1"})
	require.NoError(t, err)
	require.Equal(t, dev, again, "the same token is the same device")

	id := e.post(t, notify.KindStatus, "notify.status", "2026-000123")
	d := e.settled(t, id, notify.Push)
	require.Equal(t, notify.Delivered, d.Status, d.LastError)
	ms := sim.Messages()
	require.Len(t, ms, 1, "sent once")
	require.Equal(t, phoneToken, ms[0].Token)
	require.Equal(t, "Тестове", ms[0].Title)
	require.Contains(t, ms[0].Body, "2026-000123")
	require.NotContains(t, ms[0].Body, "Довідка", "the service's name stays in the cabinet")
	require.Regexp(t, `^http://.+/cabinet/notifications\?n=`+id.String()+`&sig=`, ms[0].Data["link"])

	sim.FailNext(http.StatusTooManyRequests, "1")
	sim.FailNext(http.StatusServiceUnavailable, "")
	id = e.post(t, notify.KindResult, "notify.approved", "2026-000124")
	d = e.settled(t, id, notify.Push)
	require.Equal(t, notify.Delivered, d.Status, d.LastError)
	require.Equal(t, 3, d.Attempts)
	require.Len(t, sim.Messages(), 2, "sent once more")
	require.Equal(t, 1, sim.TokensIssued(), "the access token is reused until it expires")
	waitJobsDone(t, e)
	require.Len(t, sim.Messages(), 2)
}

// FCM's UNREGISTERED disables the device: the delivery fails for good,
// and the next notice makes no push delivery at all — until the app
// registers the token again.
func TestUnregisteredTokenIsDisabled(t *testing.T) {
	t.Parallel()
	sim, f := fcm(t)
	e := setup(t, envOpts{fcm: f})
	_, err := e.svc.RegisterDevice(e.ctx, e.account, notify.Device{Platform: notify.FCMPlatform, Token: phoneToken})
	require.NoError(t, err)
	sim.Unregister(phoneToken)

	id := e.post(t, notify.KindStatus, "notify.status", "2026-000123")
	d := e.settled(t, id, notify.Push)
	require.Equal(t, notify.Permanent, d.Status)
	require.Equal(t, 1, d.Attempts)
	require.Contains(t, d.LastError, "UNREGISTERED")
	var disabled bool
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT disabled_at IS NOT NULL FROM notify_devices WHERE token = $1`, phoneToken).Scan(&disabled)
	}))
	require.True(t, disabled)

	id = e.post(t, notify.KindStatus, "notify.status", "2026-000125")
	require.Equal(t, 0, e.deliveries(t, id), "no push to a disabled device")

	// The app registers the token anew (reinstalled): it is enabled.
	_, err = e.svc.RegisterDevice(e.ctx, e.account, notify.Device{Platform: notify.FCMPlatform, Token: phoneToken})
	require.NoError(t, err)
	id = e.post(t, notify.KindStatus, "notify.status", "2026-000126")
	require.Equal(t, 1, e.deliveries(t, id))

	// Signing out removes it; twice is once.
	require.NoError(t, e.svc.UnregisterDevice(e.ctx, e.account, notify.FCMPlatform, phoneToken))
	require.NoError(t, e.svc.UnregisterDevice(e.ctx, e.account, notify.FCMPlatform, phoneToken))
	id = e.post(t, notify.KindStatus, "notify.status", "2026-000127")
	require.Equal(t, 0, e.deliveries(t, id))
	require.Empty(t, sim.Messages())
}

// deliveries counts notice's deliveries.
func (e *env) deliveries(t *testing.T, notice any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notify_deliveries WHERE notification_id = $1`, notice).Scan(&n)
	}))
	return n
}

// Push is offered per kind once the person has a device, and turning it
// off for a kind keeps that kind's notices off the phone; saving before a
// device existed leaves push on for when it comes.
func TestPushChosenPerKind(t *testing.T) {
	t.Parallel()
	_, f := fcm(t)
	e := setup(t, envOpts{fcm: f})
	p, err := e.svc.Preferences(e.ctx, e.account)
	require.NoError(t, err)
	require.NotContains(t, p.KindChannels, notify.Push, "no device, no choice")
	require.NoError(t, e.svc.SavePreferences(e.ctx, e.account, map[notify.Kind]map[notify.Channel]bool{}, p.Settings))

	_, err = e.svc.RegisterDevice(e.ctx, e.account, notify.Device{Platform: notify.FCMPlatform, Token: phoneToken})
	require.NoError(t, err)
	p, err = e.svc.Preferences(e.ctx, e.account)
	require.NoError(t, err)
	require.Contains(t, p.KindChannels, notify.Push)
	require.Equal(t, 1, p.Devices)
	require.True(t, p.Enabled[notify.KindStatus][notify.Push], "still on: it was never offered")
	require.Equal(t, 1, e.deliveries(t, e.post(t, notify.KindStatus, "notify.status", "2026-000001")))

	require.NoError(t, e.svc.SavePreferences(e.ctx, e.account, map[notify.Kind]map[notify.Channel]bool{notify.KindResult: {notify.Push: true}}, p.Settings))
	p, err = e.svc.Preferences(e.ctx, e.account)
	require.NoError(t, err)
	require.False(t, p.Enabled[notify.KindStatus][notify.Push])
	require.True(t, p.Enabled[notify.KindResult][notify.Push])
	require.Equal(t, 0, e.deliveries(t, e.post(t, notify.KindStatus, "notify.status", "2026-000002")))
	require.Equal(t, 1, e.deliveries(t, e.post(t, notify.KindResult, "notify.approved", "2026-000002")))
}
