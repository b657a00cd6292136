package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// A database or document store out of reach is told as a moment's
// unavailability (503, Retry-After, in Ukrainian), not as our fault; any
// other internal error stays a 500.
func TestUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	rd, err := New(Options{})
	require.NoError(t, err)
	// The error pgx gives when the server's socket is gone.
	_, dialErr := pgconn.Connect(context.Background(), "host=/nonexistent-socket-dir port=5432 user=x dbname=x connect_timeout=2")
	require.Error(t, dialErr)
	for name, err := range map[string]error{
		"connect":        fmt.Errorf("tenant: begin: %w", dialErr),
		"admin shutdown": &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
		"refused":        fmt.Errorf("docstore: get x: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
	} {
		w := httptest.NewRecorder()
		rd.Error(w, httptest.NewRequest(http.MethodGet, "/", nil), err)
		require.Equal(t, http.StatusServiceUnavailable, w.Code, name)
		require.NotEmpty(t, w.Header().Get("Retry-After"), name)
		require.Contains(t, html.UnescapeString(w.Body.String()), "спробуйте, будь ласка, ще раз", name)
	}
	w := httptest.NewRecorder()
	rd.Error(w, httptest.NewRequest(http.MethodGet, "/", nil), errors.New("a bug"))
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.Empty(t, w.Header().Get("Retry-After"))
}
