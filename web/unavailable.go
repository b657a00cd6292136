package web

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"hromada/apperr"
)

// ErrUnavailable is what a person is told when the database or the
// document store cannot be reached for a moment (a restart, a failover):
// nothing they did is wrong, and the same request will work again.
var ErrUnavailable = apperr.New(apperr.Unavailable, "error.unavailable")

// retryAfter is the Retry-After of ErrUnavailable, in seconds: about as
// long as a database restart takes.
const retryAfter = "10"

// unreachable reports whether err is a dependency out of reach rather than
// a fault of ours: PostgreSQL not accepting connections, shutting down or
// gone mid-query (SQLSTATE classes 08 and 57P), or a network error on the
// way to it or to the document store.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// pgx's word for a connection that broke under a statement.
	return pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}

// asUnavailable turns an internal error that is a dependency out of reach
// into ErrUnavailable, with a Retry-After on w.
func asUnavailable(w http.ResponseWriter, e *apperr.Error, err error) *apperr.Error {
	if e.Code != apperr.Internal || err == nil || !unreachable(err) {
		return e
	}
	w.Header().Set("Retry-After", retryAfter)
	return ErrUnavailable.Wrap(err)
}
