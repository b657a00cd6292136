package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// The officials' choice of a daily digest of new work on the notices'
// settings page (issue 16): offered to staff, not to residents; saved, and
// shown as chosen; what the digest does is notify's TestDigest.
func TestNewWorkDigestChosen(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	const offer = "Щоденним підсумком о 8:00"
	res := e.as(appsKyiv, "resident")
	r := get(t, res, e.u("/cabinet/notifications/settings"))
	require.Equal(t, http.StatusOK, r.status)
	require.NotContains(t, appsText(r), offer, "a resident has no new work")

	off := e.as(appsKyiv, "official-dcnap")
	r = get(t, off, e.u("/cabinet/notifications/settings"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), offer)
	require.Contains(t, r.body, `id="new-work-now" name="new_work" value="now" checked`)
	form := url.Values{"language": {"uk"}, "new_work": {"digest"}, "on": {"new_work.email", "security.email"}}
	r = appsPost(t, off, e.u("/cabinet/notifications/settings"), form)
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	r = get(t, off, e.u("/cabinet/notifications/settings"))
	require.Contains(t, r.body, `id="new-work-digest" name="new_work" value="digest" checked`)
	official := appsPersona(t, "official-dcnap")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notify_settings s JOIN accounts a ON a.id = s.account_id WHERE a.rnokpp = $1 AND s.digest`, official.RNOKPP))
}
