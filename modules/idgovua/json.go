package idgovua

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// The protocol says strings; these types also take what a provider may send
// instead, so a number where a string was promised is not a failed sign-in.

// flexString is a JSON string, number or null (""), trimmed.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
	default:
		// No value in the text: it may be personal data.
		return errors.New("a field is not a string")
	}
	return nil
}

// flexSeconds is a count of seconds as a JSON number or a numeric string.
type flexSeconds int64

func (f *flexSeconds) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(string(s), 64)
	if err != nil || n < 0 || n > 1e9 {
		return errors.New("expected a number of seconds")
	}
	*f = flexSeconds(n)
	return nil
}

// address is a person's address as one line. The protocol does not fix its
// shape: a string is taken as it is; an object or array becomes its
// non-empty string and number leaves, in the order they came, joined by
// ", " (so {"city":"Київ","street":"Хрещатик","house":"36"} reads
// "Київ, Хрещатик, 36").
type address string

func (a *address) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var parts []string
	if err := leaves(dec, &parts, 0); err != nil {
		return errors.New("address: not JSON of a usable shape")
	}
	*a = address(strings.Join(parts, ", "))
	return nil
}

// leaves reads one JSON value from dec and appends its non-empty string and
// number leaves to parts, keeping their order; object keys are skipped.
func leaves(dec *json.Decoder, parts *[]string, depth int) error {
	if depth > 8 {
		return errors.New("too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim: // '{' or '[': the closing ones are read below
		for dec.More() {
			if v == '{' {
				if _, err := dec.Token(); err != nil { // the key
					return err
				}
			}
			if err := leaves(dec, parts, depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case string:
		if s := strings.TrimSpace(v); s != "" {
			*parts = append(*parts, s)
		}
	case json.Number:
		*parts = append(*parts, v.String())
	}
	return nil
}
