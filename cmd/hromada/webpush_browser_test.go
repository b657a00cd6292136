package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/modules/notify/webpushsim"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestWebPushInBrowser is Web Push received in Chromium: the resident
// allows notifications on the settings page, push.js registers the
// portal's service worker and posts the subscription; a notice to the
// resident goes out through notify.WebPush to the push service (the
// simulator checks the VAPID JWT and decrypts the aes128gcm body with the
// subscription's private key, as the browser would); that data is
// delivered into the browser's service worker with CDP, which shows the
// notification with the notice's title and text; the link it opens on a
// click is the notice in the cabinet inbox.
//
// What Chromium cannot do here: headless Chromium has no push service
// (PushManager.subscribe fails "permission denied" offline), so the
// subscription is the simulator's, handed to the page by the
// "pushSubscription" step in place of PushManager.subscribe; and it has
// no notification UI to click, so the click is a visit of the link the
// notification carries (push-sw.js opens exactly that).
func TestWebPushInBrowser(t *testing.T) {
	t.Parallel()
	ps, err := webpushsim.New()
	require.NoError(t, err)
	t.Cleanup(ps.Close)
	psHost := strings.TrimPrefix(ps.URL(), "https://")
	// Only the simulator's address is a push service here (the default
	// refuses an address, as a browser-typed endpoint may aim inside).
	wp := &notify.WebPush{Client: ps.Client(), AllowEndpoint: func(u *url.URL) bool { return u.Scheme == "https" && u.Host == psHost }}
	ta := startApp(t, testAppOpts{baseDomain: "localhost", webPush: wp})
	_, err = ta.loadDemo(t.Context())
	require.NoError(t, err)
	kyiv, err := tenant.BySlug(t.Context(), ta.db.App.Pool(), "kyiv")
	require.NoError(t, err)
	ctx := tenant.With(t.Context(), kyiv)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }

	appKey, err := ta.notify.VAPIDPublicKey(ctx)
	require.NoError(t, err)
	endpoint, keys := ps.Subscribe(appKey)
	sub, err := json.Marshal(map[string]any{"endpoint": endpoint, "keys": keys})
	require.NoError(t, err)

	// The push service's delivery to the browser: asked for once the page
	// has subscribed, a notice goes to whoever the subscription belongs
	// to, through the real outbox, job and notify.WebPush; the browser
	// gets what the push service decrypted.
	var (
		mu     sync.Mutex
		notice uuid.UUID
	)
	delivery := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var account uuid.UUID
		err := ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT account_id FROM notify_devices WHERE platform = 'webpush' AND token = $1`, endpoint).Scan(&account)
		})
		if err != nil {
			http.Error(w, "the page's subscription is not registered: "+err.Error(), http.StatusInternalServerError)
			return
		}
		var id uuid.UUID
		err = ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			id, err = ta.notify.Post(ctx, tx, notify.Notice{Account: account, Kind: notify.KindResult, Key: "notify.approved",
				Args: map[string]any{"Number": "2026-000777", "Service": "Довідка про склад сім'ї"}})
			return err
		})
		if err != nil {
			http.Error(w, "post: "+err.Error(), http.StatusInternalServerError)
			return
		}
		mu.Lock()
		notice = id
		mu.Unlock()
		got := ps.Wait(1, 3*time.Minute)
		if len(got) == 0 {
			_, problems := ps.Messages()
			http.Error(w, "nothing reached the push service: "+strings.Join(problems, "; "), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(got[0].Data)
	}))
	t.Cleanup(delivery.Close)

	phone := &browsertest.Viewport{Width: 390, Height: 844}
	scope := "/static/js/"
	steps := []browsertest.Step{
		{Op: "pushSubscription", Value: string(sub)},
		{Op: "goto", URL: u("/auth/login?return=/cabinet/notifications/settings")},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "grant", Value: "notifications"},
		{Op: "click", Selector: "#browser-push-on"},
		{Op: "waitText", Selector: "#browser-push-state", Value: "увімкнено", TimeoutMs: 60000},
		{Op: "screenshot", Name: "hromada-webpush-settings-on", FullPage: true},
		{Op: "overflow"},
		{Op: "axe"},
		{Op: "push", URL: delivery.URL, Value: scope, TimeoutMs: 200000},
		{Op: "notifications", Value: scope, TimeoutMs: 60000},
	}
	res := browsertest.Run(t, []browsertest.Scenario{{Name: "WebPushReceived", Viewport: phone, Steps: steps}})
	browsertest.RequireOK(t, res)
	browsertest.RequireNoViolations(t, res)
	got := res[0].Steps
	require.Len(t, got, len(steps))
	require.Equal(t, "Сповіщення в цьому браузері увімкнено.", got[5].Text)
	require.Equal(t, "0", got[7].Text, "no sideways scrolling at 390 px")

	// The push service got one push, signed and encrypted as RFC 8291/8292
	// say (the simulator refused none), urgent as a result is.
	msgs, problems := ps.Messages()
	require.Empty(t, problems)
	require.Len(t, msgs, 1)
	require.Equal(t, "high", msgs[0].Header.Get("Urgency"))
	var sent struct{ Title, Body, Link string }
	require.NoError(t, json.Unmarshal(msgs[0].Data, &sent))
	require.Equal(t, string(msgs[0].Data), got[9].Text, "the browser got what the push service decrypted")
	mu.Lock()
	id := notice
	mu.Unlock()
	require.Equal(t, "Київ", sent.Title, "the city's name")
	require.Equal(t, "Є рішення за заявою № 2026-000777. Деталі в кабінеті.", sent.Body, "the outside-the-cabinet text: no decision in a push")
	require.True(t, strings.HasPrefix(sent.Link, u("/cabinet/notifications?")), sent.Link)
	require.Contains(t, sent.Link, "n="+id.String())

	// The service worker showed it: the notice's title and text, and the
	// inbox link it opens on a click.
	var shown []struct {
		Title, Body string
		Data        struct{ Link string }
	}
	require.NoError(t, json.Unmarshal([]byte(got[10].Text), &shown))
	require.Len(t, shown, 1)
	require.Equal(t, sent.Title, shown[0].Title)
	require.Equal(t, sent.Body, shown[0].Body)
	require.Equal(t, sent.Link, shown[0].Data.Link)

	// The click opens that link: the notice, marked, in the resident's
	// inbox (a browser signs in first: the link grants nothing).
	link, err := url.Parse(shown[0].Data.Link)
	require.NoError(t, err)
	open := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=" + url.QueryEscape(link.RequestURI()))},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "text", Selector: "li[aria-current=true]"},
		{Op: "screenshot", Name: "hromada-webpush-inbox", FullPage: true},
		{Op: "axe"},
	}
	res = browsertest.Run(t, []browsertest.Scenario{{Name: "WebPushOpened", Viewport: phone, Steps: open}})
	browsertest.RequireOK(t, res)
	browsertest.RequireNoViolations(t, res)
	require.Equal(t, link.RequestURI(), strings.TrimPrefix(res[0].Steps[1].URL, u("")))
	require.Contains(t, res[0].Steps[2].Text, "2026-000777")
}
