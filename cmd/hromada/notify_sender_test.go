package main

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// Issue 16: the dispatcher keeps the city's sender on the notifications
// page — the administrator and the owner read it without the forms — a
// bad address is named and kept, a good one saved, and a new DKIM key is
// made once however often the page's button is pressed.
func TestSenderOnTheNotificationsPage(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	page := e.u("/admin/notifications")
	disp := e.as(e.host, "dispatcher")
	r := get(t, disp, page)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `action="/admin/notifications/sender"`)
	selector := regexp.MustCompile(`name="selector" value="([^"]+)"`).FindStringSubmatch(r.body)
	require.Len(t, selector, 2)
	for _, persona := range []string{"administrator", "owner"} {
		r := get(t, e.as(e.host, persona), page)
		require.Equal(t, http.StatusOK, r.status, persona)
		require.NotContains(t, r.body, `action="/admin/notifications/sender"`, persona)
		require.NotContains(t, r.body, `/sender/rotate`, persona)
	}

	bad := url.Values{"from_name": {"Київ"}, "from_address": {"не адреса"}, "sms_sender": {"Kyiv"}}
	r = appsPost(t, disp, e.u("/admin/notifications/sender"), bad)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Адреса відправника листів: вкажіть адресу електронної пошти")
	require.Contains(t, appsText(r), `value="не адреса"`)

	good := url.Values{"from_name": {"Київ Цифровий"}, "from_address": {"info@kyiv.hromada.test"}, "sms_sender": {"KyivDigital"}}
	r = appsPost(t, disp, e.u("/admin/notifications/sender"), good)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = get(t, disp, page+"?done=sender")
	require.Contains(t, appsText(r), "Відправника збережено.")
	require.Contains(t, appsText(r), "Київ Цифровий <info@kyiv.hromada.test>")

	for range 2 {
		r = appsPost(t, disp, e.u("/admin/notifications/sender/rotate"), url.Values{"selector": {selector[1]}})
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
	}
	r = get(t, disp, page)
	now := regexp.MustCompile(`name="selector" value="([^"]+)"`).FindStringSubmatch(r.body)
	require.NotEqual(t, selector[1], now[1], "a new key under a new selector")
	require.Contains(t, r.body, now[1]+"._domainkey.", "its DNS record is shown")
}
