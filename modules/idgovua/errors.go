package idgovua

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// Errors of this package, for errors.Is. Every error the Client returns
// wraps one of them; the text after it is for the log, and never carries the
// client secret, an authorization code or a token.
var (
	// ErrInvalidConfig: New was given a Config it cannot work with.
	ErrInvalidConfig = errors.New("idgovua: invalid configuration")
	// ErrDenied: the person declined, or cancelled, at id.gov.ua.
	ErrDenied = errors.New("idgovua: sign-in declined")
	// ErrInvalidGrant: the authorization code is unknown, used already,
	// expired or issued for another client or redirect URI.
	// The person has to sign in again.
	ErrInvalidGrant = errors.New("idgovua: invalid grant")
	// ErrInvalidClient: id.gov.ua refused the client ID or secret. It is a
	// configuration error of the tenant, not the person's fault.
	ErrInvalidClient = errors.New("idgovua: client credentials refused")
	// ErrInvalidToken: the access token is unknown or expired; sign in again.
	ErrInvalidToken = errors.New("idgovua: access token refused")
	// ErrMalformed: the answer is not what the protocol promises: not JSON,
	// a missing token, a callback without code, or a person whose РНОКПП or
	// ЄДРПОУ fails its check digit.
	ErrMalformed = errors.New("idgovua: malformed response")
	// ErrUnavailable: id.gov.ua could not be reached, timed out or failed
	// (5xx, server_error). Trying again later may work.
	ErrUnavailable = errors.New("idgovua: id.gov.ua unavailable")
	// ErrProvider: id.gov.ua refused the request for another reason it
	// named (invalid_request, an unknown error code…).
	ErrProvider = errors.New("idgovua: request refused")
)

// CallbackError checks the query id.gov.ua redirected the browser back with.
// It returns nil when there is a code, ErrDenied for error=access_denied,
// the matching sentinel for another error (ErrProvider if none matches) and
// ErrMalformed for neither. It does not
// check state: the caller compares it with the one it keeps, before
// anything else.
func CallbackError(q url.Values) error {
	if code := q.Get("error"); code != "" {
		return fmt.Errorf("%w: authorize: %s", errorFor(code, ErrProvider), describe(code, q.Get("error_description")))
	}
	if q.Get("code") == "" {
		return fmt.Errorf("%w: authorize: the callback has neither code nor error", ErrMalformed)
	}
	return nil
}

// errorFor maps an OAuth2 error code to the sentinel the caller acts on.
func errorFor(code string, otherwise error) error {
	switch code {
	case "access_denied":
		return ErrDenied
	case "invalid_grant", "invalid_code", "expired_code":
		return ErrInvalidGrant
	case "invalid_client", "unauthorized_client":
		return ErrInvalidClient
	case "invalid_token", "expired_token":
		return ErrInvalidToken
	case "server_error", "temporarily_unavailable":
		return ErrUnavailable
	}
	return otherwise
}

var errorCodeRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// describe renders an error code and description from id.gov.ua (or from
// the browser's query, which anyone can forge) fit for a log line: the code
// only if it looks like one, the description without control characters
// and clipped.
func describe(code, desc string, secrets ...string) string {
	if !errorCodeRE.MatchString(code) {
		code = "unrecognised error code"
	}
	desc = redact(clip(desc, 200), secrets...)
	if desc == "" {
		return code
	}
	return fmt.Sprintf("%s: %q", code, desc)
}

// clip removes control characters and keeps at most n runes.
func clip(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if n == 0 {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
		n--
	}
	return strings.TrimSpace(b.String())
}

// redact replaces every secret in s. Text from the other side (an error
// description, a transport error) may echo what we sent.
func redact(s string, secrets ...string) string {
	for _, x := range secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "[redacted]")
			if q := url.QueryEscape(x); q != x {
				s = strings.ReplaceAll(s, q, "[redacted]")
			}
		}
	}
	return s
}
