package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Issue 12: the administrator sets the city's lockout policy on the
// security page; a bad value is named and changes nothing, a repeated
// submit records nothing twice, the auditor may not, and the new
// threshold locks at once.
func TestLockoutPolicyEditedByAdministrator(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	admin := e.as(appsKyiv, "administrator")
	admID, _ := e.account("administrator")
	page := e.u("/admin/security")
	policy := e.u("/admin/security/policy")
	const form = `action="/admin/security/policy"`

	// The form shows the policy in force: the default.
	r := get(t, admin, page)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, form)
	require.Contains(t, r.body, `name="threshold" value="5"`)
	require.Contains(t, r.body, `name="window_minutes" value="1440"`)
	require.Contains(t, appsText(r), "Ціле число від 3 до 100.")

	// A threshold out of bounds is named; what was typed stays; nothing
	// changes.
	bad := url.Values{"threshold": {"2"}, "base_minutes": {"2"}, "max_minutes": {"1"}, "window_minutes": {"1440"}}
	r = appsPost(t, admin, policy, bad)
	require.Equal(t, http.StatusBadRequest, r.status)
	text := appsText(r)
	require.Contains(t, text, "Поле «Поріг спроб» має бути цілим числом від 3 до 100.")
	require.Contains(t, text, "Поле «Найдовше блокування, хв» має бути цілим числом хвилин від 2 до 10080")
	require.NotContains(t, text, "Поле «Перше блокування, хв»")
	require.Contains(t, r.body, `name="threshold" value="2"`)
	require.Contains(t, r.body, `name="max_minutes" value="1"`)
	require.Contains(t, r.body, `aria-invalid="true"`)
	require.Zero(t, e.count(`SELECT count(*) FROM lockout_policies WHERE threshold IS NOT NULL`))
	require.Zero(t, e.count(`SELECT count(*) FROM audit_events WHERE action = 'security.lockout.policy'`))

	// The administrator sets the 3rd attempt, twice (a double submit).
	good := url.Values{"threshold": {"3"}, "base_minutes": {"2"}, "max_minutes": {"60"}, "window_minutes": {"1440"}}
	for range 2 {
		r = appsPost(t, admin, policy, good)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM lockout_policies WHERE key_kind = 'account' AND threshold = 3
		AND base_delay_seconds = 120 AND max_delay_seconds = 3600 AND window_seconds = 86400`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'security.lockout.policy'`), "recorded once")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'security.lockout.policy' AND actor_id = $1
		AND (details->'old'->>'threshold')::int = 5 AND (details->'new'->>'threshold')::int = 3
		AND (details->'old'->>'base_delay_seconds')::int = 60 AND (details->'new'->>'base_delay_seconds')::int = 120`, admID.String()))
	r = get(t, admin, e.u("/admin/security?done=policy"))
	text = appsText(r)
	require.Contains(t, text, "Правило блокування збережено.")
	require.Contains(t, text, "Правило громади: 3-та зарахована спроба блокує службові права на 2 хв")
	require.Contains(t, r.body, `name="threshold" value="3"`)
	require.Contains(t, text, "спроби забуваються через 24 год без нових")
	// A window that is not whole hours is told in minutes, not rounded down.
	odd := url.Values{"threshold": {"3"}, "base_minutes": {"2"}, "max_minutes": {"60"}, "window_minutes": {"90"}}
	r = appsPost(t, admin, policy, odd)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Contains(t, appsText(get(t, admin, e.u("/admin/security"))), "спроби забуваються через 90 хв без нових")

	// The auditor and the dispatcher see the policy but no form, and may
	// not post one.
	for _, persona := range []string{"auditor", "dispatcher"} {
		c := e.as(appsKyiv, persona)
		r = get(t, c, page)
		if persona == "auditor" {
			require.Equal(t, http.StatusOK, r.status)
		}
		if r.status == http.StatusOK {
			require.Contains(t, appsText(r), "Правило громади: 3-та", persona)
			require.NotContains(t, r.body, form, persona)
		}
		require.Equal(t, http.StatusForbidden, appsPost(t, c, policy, url.Values{"threshold": {"50"}, "base_minutes": {"1"},
			"max_minutes": {"60"}, "window_minutes": {"1440"}}).status, persona)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM lockout_policies WHERE threshold = 3`), "unchanged")

	// The new threshold takes effect: the 3rd counted attempt locks.
	official, _ := e.account("official-transport")
	tr := e.as(appsKyiv, "official-transport")
	for i := range 3 {
		r = appsPost(t, tr, e.u("/work/applications/"+uuid.NewString()+"/take"), url.Values{})
		require.Equal(t, http.StatusForbidden, r.status)
		if i < 2 {
			require.Empty(t, e.lockedUntil(official), "not locked before the 3rd (attempt %d)", i+1)
		}
	}
	require.NotEmpty(t, e.lockedUntil(official), "locked at the city's new 3rd")
	r = get(t, tr, e.u("/work/applications?provider="+e.providerID("transport")))
	require.Contains(t, appsText(r), "Службові права тимчасово заблоковано")
}
