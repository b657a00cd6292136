package main

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

// The settings page gives the browser the city's VAPID key, and push.js's
// POST of the subscription registers this browser as the person's device,
// once however often it is posted; a bad subscription or another origin's
// post changes nothing; turning it off forgets it.
func TestBrowserSubscribesToPush(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	kyiv := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	host := "kyiv." + testBase
	c := ta.client(t)
	r, _ := signIn(t, ta, c, host, "resident")
	require.Equal(t, http.StatusOK, r.status)

	page := get(t, c, ta.url(host, "/cabinet/notifications/settings"))
	require.Equal(t, http.StatusOK, page.status)
	key, err := ta.notify.VAPIDPublicKey(tenant.With(t.Context(), kyiv))
	require.NoError(t, err)
	require.Contains(t, page.body, `data-key="`+key+`"`)
	require.Contains(t, page.body, `/static/js/push.js`)

	ua, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	sub := map[string]any{"endpoint": "https://push.example.net/wpush/v2/abc", "expirationTime": nil,
		"keys": map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()), "auth": base64.RawURLEncoding.EncodeToString(auth)}}
	post := func(path string, body any, site string) int {
		t.Helper()
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, ta.url(host, path), strings.NewReader(string(raw)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", site)
		res, err := c.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		require.NoError(t, res.Body.Close())
		return res.StatusCode
	}
	devices := func() int {
		var n int
		require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM notify_devices WHERE platform = 'webpush' AND keys ? 'p256dh'`).Scan(&n)
		}))
		return n
	}

	require.Equal(t, http.StatusForbidden, post("/cabinet/notifications/settings/webpush", sub, "cross-site"))
	require.Equal(t, 0, devices())
	require.Equal(t, http.StatusNoContent, post("/cabinet/notifications/settings/webpush", sub, "same-origin"))
	require.Equal(t, http.StatusNoContent, post("/cabinet/notifications/settings/webpush", sub, "same-origin"))
	require.Equal(t, 1, devices(), "one browser, one device")
	bad := map[string]any{"endpoint": "https://10.0.0.1/internal", "keys": sub["keys"]}
	require.GreaterOrEqual(t, post("/cabinet/notifications/settings/webpush", bad, "same-origin"), 400)
	require.Equal(t, 1, devices())
	require.Contains(t, get(t, c, ta.url(host, "/cabinet/notifications/settings")).body, `id="on-status-push"`, "push is offered per kind")

	require.Equal(t, http.StatusNoContent, post("/cabinet/notifications/settings/webpush/remove", sub, "same-origin"))
	require.Equal(t, 0, devices())
}
