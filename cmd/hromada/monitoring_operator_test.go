package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestOperatorSeesNationalExchange (issue 21): the console shows, per
// city, how many national messages were sent and wait, and the last
// failure — through national_exchange_state only: the operator's role
// cannot read the outbox itself.
func TestOperatorSeesNationalExchange(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	city := ts[0]
	seedNational(t, ta, city)

	ex, err := ta.operator.Exchanges(t.Context())
	require.NoError(t, err)
	require.EqualValues(t, 1, ex[city.ID].Sent)
	require.EqualValues(t, 2, ex[city.ID].Pending)
	require.EqualValues(t, 1, ex[city.ID].Failing)
	require.NotNil(t, ex[city.ID].LastSent)
	require.Contains(t, ex[city.ID].LastError, "503")
	require.Zero(t, ex[ts[1].ID].Sent+ex[ts[1].ID].Pending, "another city's outbox is its own")

	_, err = ta.opPool.Exec(t.Context(), `SELECT count(*) FROM national_messages`)
	require.ErrorContains(t, err, "permission denied", "the operator reads counts, not the outbox")

	c := ta.client(t)
	r := do(t, c, http.MethodPost, ta.url(testBase, "/signin"), url.Values{"key": {testKey}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	r = get(t, c, ta.url(testBase, "/"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "надіслано 1 · у черзі 2")
	require.Contains(t, r.body, "не доставлено: 1")
	require.Contains(t, r.body, "answered 503: maintenance")
	require.Contains(t, r.body, `href="/tenants/`+city.Slug+`/exchange"`)

	// The city's messages one by one: each attempt, when, and what the
	// receiver said — through national_exchange_messages, never the body.
	var msg string
	list, err := ta.operator.ExchangeMessages(t.Context(), city.ID)
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.Equal(t, "sent", list[0].Status, "newest day first")
	for _, m := range list {
		if m.Failing() {
			msg = m.ID.String()
			require.Len(t, m.Tries, 3)
			require.Equal(t, "monitoring: national receiver answered 503: attempt 2", m.Tries[1].Error)
		}
	}
	require.NotEmpty(t, msg, "the failing message is listed")
	empty, err := ta.operator.ExchangeMessages(t.Context(), ts[1].ID)
	require.NoError(t, err)
	require.Empty(t, empty, "another city's messages are its own")
	r = get(t, c, ta.url(testBase, "/tenants/"+city.Slug+"/exchange"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, msg)
	require.Contains(t, r.body, "answered 503: attempt 1")
	require.Contains(t, r.body, "answered 503: maintenance")
	require.Contains(t, r.body, "не доставлено, буде повторено")
	require.NotContains(t, r.body, "\\x7b7d", "the body is not shown")
	r = get(t, ta.client(t), ta.url(testBase, "/tenants/"+city.Slug+"/exchange"))
	require.Equal(t, http.StatusSeeOther, r.status, "signed out: sent to sign in")
	require.NotContains(t, r.body, msg)
}

// seedNational gives the city three national messages of its first
// provider: yesterday's sent, the day before's failed three times with a
// 503, and the third day's not yet tried.
func seedNational(t *testing.T, ta *testApp, city *tenant.Tenant) {
	t.Helper()
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), city), func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO national_messages (tenant_id, id, provider_id, day, schema, body, signature, status, attempts, last_error, sent_at)
			SELECT app_tenant_id(), gen_random_uuid(), p.id, current_date - n, 'hromada.monitoring.national/v1', '\x7b7d', '\x30', s, a, e,
				CASE WHEN s = 'sent' THEN now() END
			FROM (SELECT id FROM providers ORDER BY code LIMIT 1) p,
				(VALUES (1, 'sent', 1, ''), (2, 'pending', 3, 'monitoring: national receiver answered 503: maintenance'), (3, 'pending', 0, ''))
				AS v(n, s, a, e)`)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO national_attempts (tenant_id, message_id, n, at, error)
			SELECT m.tenant_id, m.id, n, now() - (4 - n) * interval '1 hour',
				CASE WHEN n < m.attempts THEN 'monitoring: national receiver answered 503: attempt ' || n ELSE m.last_error END
			FROM national_messages m, generate_series(1, m.attempts) n WHERE m.status = 'pending'
			UNION ALL SELECT tenant_id, id, 1, sent_at, '' FROM national_messages WHERE status = 'sent'`)
		return err
	}))
}

// TestOperatorExchangeInBrowser: the operator's page of a city's national
// messages — the failed message's attempts one by one — at phone and desk
// sizes, axe-clean, without sideways scrolling.
func TestOperatorExchangeInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	seedNational(t, ta, ts[0])
	u := func(path string) string { return ta.url("localhost", path) }
	steps := func(shot string) []browsertest.Step {
		return []browsertest.Step{
			{Op: "goto", URL: u("/signin")},
			{Op: "click", Selector: "a[href='/signin/oidc']"},
			{Op: "click", Selector: "button[value=operator]"},
			{Op: "click", Selector: "a[href='/tenants/" + ts[0].Slug + "/exchange']"},
			{Op: "text", Selector: "h1"}, // 4
			{Op: "text", Selector: "ul.messages"},
			{Op: "overflow"},
			{Op: "screenshot", Name: shot, FullPage: true},
			{Op: "axe"},
		}
	}
	results := browsertest.Run(t, []browsertest.Scenario{
		{Name: "Phone", Viewport: &browsertest.Viewport{Width: 390, Height: 844}, Steps: steps("hromada-operator-exchange-phone")},
		{Name: "Desk", Steps: steps("hromada-operator-exchange")},
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for _, r := range results {
		require.Equal(t, "Національний моніторинг: "+ts[0].Name, r.Steps[4].Text)
		require.Contains(t, r.Steps[5].Text, "не доставлено, буде повторено")
		require.Contains(t, r.Steps[5].Text, "answered 503: maintenance")
	}
}
