package signature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Canonical returns the canonical bytes of an application: the bytes a
// resident signs and VerifyDetached checks. They are a deterministic JSON
// serialisation in the style of RFC 8785 (JSON Canonicalization Scheme):
//
//   - v is first marshalled with encoding/json, so struct tags, omitempty
//     and json.Marshaler apply; pass a json.RawMessage to canonicalise JSON
//     text as it is. The result is then re-serialised under the rules below.
//   - No insignificant whitespace anywhere.
//   - Object members are sorted by their names compared as sequences of
//     UTF-16 code units (as RFC 8785 §3.2.3 and JavaScript's sort do). An
//     object with two members of the same name is an error.
//   - Strings are escaped minimally: \" \\ \b \f \n \r \t for those
//     characters, \u00xx (lower-case hex) for the other controls below
//     U+0020, and every other character, including '/', '<', '>', '&',
//     U+2028, U+2029 and all non-ASCII, written as itself in UTF-8.
//   - Numbers are IEEE-754 doubles printed as ECMAScript's
//     Number.prototype.toString prints them (RFC 8785 §3.2.2.3): the
//     shortest digits that round-trip (those of strconv.FormatFloat(f, 'g',
//     -1, 64)), laid out without an exponent when the decimal exponent is
//     in [-6, 21) — so every integer below 1e21 is written as plain digits
//     ("100", not "1e+02") — and otherwise as d.ddde±x ("1e+21", "1e-7").
//     -0 is written "0". An integer literal that a double cannot hold
//     exactly (beyond ±2^53, e.g. a large int64) is an error rather than a
//     silent rounding, since two values would then share one signature.
//   - true, false and null as themselves.
//
// The layout matches what a browser computes with a JCS implementation,
// so a front end can produce the same bytes before signing.
func Canonical(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("signature: canonical: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := writeValue(&buf, dec); err != nil {
		return nil, fmt.Errorf("signature: canonical: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("signature: canonical: trailing data")
	}
	return buf.Bytes(), nil
}

func writeValue(buf *bytes.Buffer, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	return writeToken(buf, dec, tok)
}

func writeToken(buf *bytes.Buffer, dec *json.Decoder, tok json.Token) error {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return writeObject(buf, dec)
		case '[':
			buf.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					buf.WriteByte(',')
				}
				if err := writeValue(buf, dec); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
			buf.WriteByte(']')
			return nil
		}
		return fmt.Errorf("unexpected %v", t)
	case string:
		writeString(buf, t)
	case json.Number:
		s, err := formatNumber(t)
		if err != nil {
			return err
		}
		buf.WriteString(s)
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case nil:
		buf.WriteString("null")
	default:
		return fmt.Errorf("unexpected token %T", tok)
	}
	return nil
}

func writeObject(buf *bytes.Buffer, dec *json.Decoder) error {
	type member struct {
		key   string
		units []uint16
		val   []byte
	}
	var members []member
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		k, ok := kt.(string)
		if !ok {
			return fmt.Errorf("object key is %T", kt)
		}
		if seen[k] {
			return fmt.Errorf("duplicate object key %q", k)
		}
		seen[k] = true
		var vb bytes.Buffer
		if err := writeValue(&vb, dec); err != nil {
			return err
		}
		members = append(members, member{k, utf16.Encode([]rune(k)), vb.Bytes()})
	}
	if _, err := dec.Token(); err != nil { // '}'
		return err
	}
	sort.Slice(members, func(i, j int) bool {
		a, b := members[i].units, members[j].units
		for n := 0; n < len(a) && n < len(b); n++ {
			if a[n] != b[n] {
				return a[n] < b[n]
			}
		}
		return len(a) < len(b)
	})
	buf.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, m.key)
		buf.WriteByte(':')
		buf.Write(m.val)
	}
	buf.WriteByte('}')
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			buf.WriteString(`\"`)
		case r == '\\':
			buf.WriteString(`\\`)
		case r == '\b':
			buf.WriteString(`\b`)
		case r == '\f':
			buf.WriteString(`\f`)
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r < 0x20:
			buf.WriteString(`\u00`)
			buf.WriteByte(hex[r>>4])
			buf.WriteByte(hex[r&0xf])
		default:
			// encoding/json has already replaced invalid UTF-8 with U+FFFD.
			buf.WriteRune(r)
		}
		i += size
	}
	buf.WriteByte('"')
}

// formatNumber lays n out as ECMAScript's Number.prototype.toString does.
func formatNumber(n json.Number) (string, error) {
	lit := string(n)
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("number %s is not a finite double", lit)
	}
	if !strings.ContainsAny(lit, ".eE") && strconv.FormatFloat(f, 'f', -1, 64) != lit {
		return "", fmt.Errorf("integer %s is not exactly representable as a double", lit)
	}
	if f == 0 {
		return "0", nil
	}
	sign := ""
	if f < 0 {
		sign = "-"
		f = -f
	}
	// Shortest round-trip digits, as d.ddde±x.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, err := strconv.Atoi(exp)
	if err != nil {
		return "", err
	}
	k := len(digits)
	p := x + 1 // value = 0.digits × 10^p
	var out string
	switch {
	case k <= p && p <= 21:
		out = digits + strings.Repeat("0", p-k)
	case 0 < p && p <= 21:
		out = digits[:p] + "." + digits[p:]
	case -6 < p && p <= 0:
		out = "0." + strings.Repeat("0", -p) + digits
	default:
		out = digits[:1]
		if k > 1 {
			out += "." + digits[1:]
		}
		es := "+"
		if p-1 < 0 {
			es = "-"
		}
		out += "e" + es + strconv.Itoa(abs(p-1))
	}
	return sign + out, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
