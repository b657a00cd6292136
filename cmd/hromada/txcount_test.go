package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// txCounter is a pgx tracer that counts the transactions begun on the
// application's pool by a request whose context carries a counter (see
// withTxCount); the statements of other requests and of the workers, which
// share the pool, carry none and are not counted.
type txCounter struct{}

type txCountKey struct{}

func withTxCount(ctx context.Context) (context.Context, *atomic.Int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, txCountKey{}, n), n
}

// TraceQueryStart counts a BEGIN: tenant.DB sends it with the tenant's
// SET LOCAL as one message, pgx's own Begin as a bare BEGIN.
func (txCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if n, ok := ctx.Value(txCountKey{}).(*atomic.Int64); ok && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(data.SQL)), "BEGIN") {
		n.Add(1)
	}
	return ctx
}

func (txCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// countTx serves one GET of path on host through the whole app's router,
// with c's cookies (its session), and returns the status and the number
// of transactions the request began.
func (ta *testApp) countTx(t *testing.T, c *http.Client, host, path string) (int, int64) {
	t.Helper()
	u, err := url.Parse(ta.url(host, path))
	require.NoError(t, err)
	ctx, n := withTxCount(t.Context())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	req.Host = host
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	ta.handler.ServeHTTP(rec, req)
	return rec.Code, n.Load()
}

// pageViewTx bounds the transactions of one official's page view. They
// are: the session's read and its commit, the guard's decision (the
// lockout, the scope, the roles, which it also hands to the page's header),
// the page's own (the application, its history, files, grounds, form, the
// official's position and the view's audit record) and the staff journal's
// record; and the page's links' permissions (access.Allows: which of
// take, extend and reassign the person may post, so that no form is shown
// that answers 403).
const pageViewTx = 6

// One official opening one application: no call back into cmd/hromada
// from applications, nothing read twice (7 transactions before the
// applications module read the official's position in the page's own
// transaction).
func TestOfficialPageViewTransactions(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{tracer: txCounter{}})
	res := e.as(appsKyiv, "resident")
	id := e.applyResidence(res, appsPersona(t, "resident"))
	off := e.as(appsKyiv, "official-dcnap")
	for i := range 2 { // the first view and a second one (warm caches)
		status, n := e.ta.countTx(t, off, appsKyiv, "/work/applications/"+id)
		require.Equal(t, http.StatusOK, status)
		t.Logf("view %d: %d transactions", i+1, n)
		require.LessOrEqual(t, n, int64(pageViewTx), "transactions of one official's page view")
	}
}
