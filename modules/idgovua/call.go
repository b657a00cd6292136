package idgovua

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxBody bounds what is read from id.gov.ua: a token or a person is a few
// hundred bytes.
const maxBody = 1 << 20

// call sends req and decodes the JSON answer into v. op names the endpoint
// in error texts. unauthorized is the sentinel for a 401 or 403 that names
// no error code. secrets are what the request carried (a code, a token):
// they, and the client secret, are scrubbed from any text that could echo
// them.
func (c *Client) call(req *http.Request, op string, v any, unauthorized error, secrets ...string) error {
	secrets = append(secrets, c.secret)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportError(op, err, secrets)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return transportError(op, err, secrets)
	}
	if len(body) > maxBody {
		return fmt.Errorf("%w: %s: the answer is over %d bytes", ErrMalformed, op, maxBody)
	}

	byStatus := ErrProvider
	switch {
	case resp.StatusCode >= 500:
		byStatus = ErrUnavailable
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		byStatus = unauthorized
	}
	// An error is an error whatever the status: id.gov.ua has been known to
	// answer one with 200.
	var e struct {
		Error            json.RawMessage `json:"error"`
		ErrorDescription json.RawMessage `json:"error_description"`
		Message          json.RawMessage `json:"message"`
	}
	jsonErr := json.Unmarshal(body, &e)
	if jsonErr == nil && isSet(e.Error) {
		code := text(e.Error) // "" for an object: describe says so
		desc := text(e.ErrorDescription)
		if desc == "" {
			desc = text(e.Message)
		}
		return fmt.Errorf("%w: %s: %s", errorFor(code, byStatus), op, describe(code, desc, secrets...))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s: status %d", byStatus, op, resp.StatusCode)
	}
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(jsonErr, &syntaxErr) || errors.Is(jsonErr, io.ErrUnexpectedEOF) || len(bytes.TrimSpace(body)) == 0:
		return fmt.Errorf("%w: %s: not JSON", ErrMalformed, op)
	case jsonErr != nil:
		return fmt.Errorf("%w: %s: not a JSON object", ErrMalformed, op)
	}
	if err := json.Unmarshal(body, v); err != nil {
		// The message names the field, or says what its value is not, but
		// does not quote the value.
		return fmt.Errorf("%w: %s: %w", ErrMalformed, op, err)
	}
	return nil
}

// text is a JSON string or number as a string, else "".
func text(raw json.RawMessage) string {
	var s flexString
	if s.UnmarshalJSON(raw) != nil {
		return ""
	}
	return string(s)
}

// isSet reports whether a JSON value is there and not null, "", false or 0.
func isSet(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "", "null", `""`, "false", "0":
		return false
	}
	return true
}

// transportError reports a request that got no answer. Go's *url.Error
// quotes the URL, and the URL of get-user-info carries the access token, so
// only the cause is kept.
func transportError(op string, err error, secrets []string) error {
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, ctxErr)
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%w: %s: %s", ErrUnavailable, op, redact(err.Error(), secrets...))
}
