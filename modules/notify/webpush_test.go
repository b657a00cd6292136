package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/egress"
	"hromada/modules/notify"
	"hromada/modules/notify/webpushsim"
)

// subscription is what a browser subscribed through ps with appKey
// posts: its PushSubscription.toJSON().
func subscription(ps *webpushsim.Simulator, appKey string) notify.Device {
	endpoint, keys := ps.Subscribe(appKey)
	return notify.Device{Platform: notify.WebPushPlatform, Token: endpoint, Keys: keys}
}

// messages are the pushes ps accepted, decoded, with their headers and
// the problems of those refused.
func messages(t *testing.T, ps *webpushsim.Simulator) ([]map[string]string, []http.Header, []string) {
	t.Helper()
	got, problems := ps.Messages()
	var out []map[string]string
	var headers []http.Header
	for _, m := range got {
		var v map[string]string
		require.NoError(t, json.Unmarshal(m.Data, &v))
		out, headers = append(out, v), append(headers, m.Header)
	}
	return out, headers, problems
}

// A notice reaches the browser's push service once, encrypted to the
// subscription and signed with the city's VAPID key (the one the page
// gives browsers to subscribe with); a subscription the service says is
// gone (410) is disabled.
func TestWebPushGoesOutOnce(t *testing.T) {
	t.Parallel()
	ps, err := webpushsim.New()
	require.NoError(t, err)
	t.Cleanup(ps.Close)
	e := setup(t, envOpts{webpush: &notify.WebPush{Client: ps.Client(), AllowEndpoint: func(u *url.URL) bool { return u.Scheme == "https" }}})

	appKey, err := e.svc.VAPIDPublicKey(e.ctx)
	require.NoError(t, err)
	again, err := e.svc.VAPIDPublicKey(e.ctx)
	require.NoError(t, err)
	require.Equal(t, appKey, again, "one key per city")
	sub := subscription(ps, appKey)
	bad := sub
	bad.Keys = map[string]string{"p256dh": "AAAA", "auth": sub.Keys["auth"]}
	_, err = e.svc.RegisterDevice(e.ctx, e.account, bad)
	require.ErrorIs(t, err, notify.ErrBadDevice)
	_, err = e.svc.RegisterDevice(e.ctx, e.account, sub)
	require.NoError(t, err)

	id := e.post(t, notify.KindResult, "notify.approved", "2026-000123")
	d := e.settled(t, id, notify.Push)
	require.Equal(t, notify.Delivered, d.Status, d.LastError)
	got, headers, problems := messages(t, ps)
	require.Empty(t, problems)
	require.Len(t, got, 1, "sent once")
	require.Equal(t, "Тестове", got[0]["title"])
	require.Contains(t, got[0]["body"], "2026-000123")
	require.Contains(t, got[0]["link"], "/cabinet/notifications?n="+id.String())
	require.Equal(t, "high", headers[0].Get("Urgency"), "a result is urgent")

	ps.SetGone(true)
	id = e.post(t, notify.KindStatus, "notify.status", "2026-000124")
	d = e.settled(t, id, notify.Push)
	require.Equal(t, notify.Permanent, d.Status)
	require.Contains(t, d.LastError, "410")
	id = e.post(t, notify.KindStatus, "notify.status", "2026-000125")
	require.Equal(t, 0, e.deliveries(t, id), "the subscription is disabled")
	waitJobsDone(t, e)
	got, _, _ = messages(t, ps)
	require.Len(t, got, 1)

	// An endpoint on an address, not a push service's name, is refused
	// by default: a browser types it, and it must not reach inside.
	svc := &notify.WebPush{}
	_, err = svc.Send(context.Background(), nil, "", "https://127.0.0.1/x", sub.Keys, notify.PushMessage{}, false)
	require.ErrorIs(t, err, notify.ErrUnregistered)
	// Past that check, the default client still dials only public
	// addresses (a name may resolve inside): the real push service above,
	// on 127.0.0.1, is not reached.
	vapid, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	svc = &notify.WebPush{AllowEndpoint: func(*url.URL) bool { return true }}
	_, err = svc.Send(context.Background(), vapid, "https://kyiv.example", ps.URL()+"/push/subscription-1", sub.Keys, notify.PushMessage{Title: "т"}, false)
	require.ErrorIs(t, err, egress.ErrRefused)
	require.ErrorIs(t, err, notify.ErrUnregistered, "the subscription is dropped")
	got, _, _ = messages(t, ps)
	require.Len(t, got, 1)
}
