package audit_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	serve := func(mw func(http.Handler) http.Handler, remote string, header http.Header) audit.Request {
		var got audit.Request
		h := middleware.RequestID(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = audit.RequestFrom(r.Context())
		})))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = remote
		for k, v := range header {
			req.Header[k] = v
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		return got
	}
	spoofed := http.Header{"X-Forwarded-For": {"198.51.100.9"}, "User-Agent": {"Firefox/140"}}

	got := serve(audit.Middleware, "203.0.113.7:51234", spoofed)
	require.Equal(t, "203.0.113.7", got.IP, "X-Forwarded-For is not believed by default")
	require.Equal(t, "Firefox/140", got.UserAgent)
	require.NotEmpty(t, got.RequestID)
	require.Equal(t, "192.0.2.1", serve(audit.Middleware, "[::ffff:192.0.2.1]:80", nil).IP)
	require.Equal(t, "2001:db8::1", serve(audit.Middleware, "[2001:db8::1]:80", nil).IP)
	require.Equal(t, "pipe", serve(audit.Middleware, "pipe", nil).IP)

	trusted := audit.NewMiddleware(audit.MiddlewareOptions{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	chain := http.Header{"X-Forwarded-For": {"192.0.2.66, 198.51.100.9, 10.0.0.7"}}
	require.Equal(t, "198.51.100.9", serve(trusted, "10.0.0.5:443", chain).IP, "behind a trusted proxy")
	require.Equal(t, "203.0.113.7", serve(trusted, "203.0.113.7:443", chain).IP, "from an untrusted peer")
	require.Equal(t, "10.0.0.5", serve(trusted, "10.0.0.5:443", nil).IP, "a trusted peer without the header")

	require.Equal(t, audit.Request{}, audit.RequestFrom(t.Context()))
}
