package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
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
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), city), func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO national_messages (tenant_id, id, provider_id, day, schema, body, signature, status, attempts, last_error, sent_at)
			SELECT app_tenant_id(), gen_random_uuid(), p.id, current_date - n, 'hromada.monitoring.national/v1', '\x7b7d', '\x30', s, a, e,
				CASE WHEN s = 'sent' THEN now() END
			FROM (SELECT id FROM providers ORDER BY code LIMIT 1) p,
				(VALUES (1, 'sent', 1, ''), (2, 'pending', 3, 'monitoring: national receiver answered 503: maintenance'), (3, 'pending', 0, ''))
				AS v(n, s, a, e)`)
		return err
	}))

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
}
