// Package apperr is the closed set of application errors. Every error a user
// may see carries a Code (which decides the HTTP status) and a message key in
// web/locales (which decides the words, in the user's language). Anything
// else is an internal error: logged with the request id, never shown.
//
// It is a leaf package, imported by tenant and every module, so that the edge
// (web) can render any error the same way.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an error for the edge.
type Code string

// The codes. Keep the set small: a new code needs a status and a message.
const (
	Invalid     Code = "invalid"     // the input is wrong; the user can fix it
	NotFound    Code = "not_found"   // nothing there, or nothing the caller may see
	Conflict    Code = "conflict"    // the input clashes with what exists
	Forbidden   Code = "forbidden"   // the caller may not do this
	Unavailable Code = "unavailable" // the tenant or a dependency is not serving now
	TooLarge    Code = "too_large"   // the request body is over its limit
	Internal    Code = "internal"    // our fault; details only in the log
)

// Error is an error a user may be told about.
type Error struct {
	Code Code
	// Key is the message id in web/locales; Args fill its template.
	Key  string
	Args map[string]any
	// Err is the cause, for the log only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Key)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a message key.
func New(code Code, key string) *Error { return &Error{Code: code, Key: key} }

// With returns a copy of e with template arguments for its message.
func (e *Error) With(args map[string]any) *Error {
	c := *e
	c.Args = args
	return &c
}

// Wrap returns a copy of e carrying cause for the log.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// Is matches errors by code and key, so sentinels declared with New can be
// tested with errors.Is after With or Wrap.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Key == e.Key
}

// As returns the first *Error in err's chain, or a generic internal error.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Key: "error.internal", Err: err}
}

// Status is the HTTP status for a code.
func Status(c Code) int {
	switch c {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Forbidden:
		return http.StatusForbidden
	case Unavailable:
		return http.StatusServiceUnavailable
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusInternalServerError
	}
}
