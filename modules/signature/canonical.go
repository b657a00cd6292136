package signature

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
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
	c := canon{in: raw, out: make([]byte, 0, len(raw))}
	c.space()
	if err := c.value(); err != nil {
		return nil, fmt.Errorf("signature: canonical: %w", err)
	}
	c.space()
	if c.i != len(c.in) {
		return nil, errors.New("signature: canonical: trailing data")
	}
	return c.out, nil
}

// canon re-serialises JSON text (json.Marshal's: valid, compact) under
// Canonical's rules in one pass over its bytes. It gives exactly what
// reading it as encoding/json's tokens and writing them out would (the
// first implementation, kept in the tests as the reference), without a
// token, a decoded string or a buffer per value: the submission computes
// the canonical bytes of every application it receives.
type canon struct {
	in  []byte
	i   int
	out []byte
	// members are the members of the objects being written, innermost
	// last; tmp is scratch space to reorder an object's members in.
	members []member
	tmp     []byte
}

// member is an object's member written at out[start:end] ("key":value).
type member struct {
	key        string
	start, end int
}

var errSyntax = errors.New("invalid JSON")

func (c *canon) space() {
	for c.i < len(c.in) {
		switch c.in[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *canon) value() error {
	if c.i >= len(c.in) {
		return errSyntax
	}
	switch b := c.in[c.i]; {
	case b == '{':
		return c.object()
	case b == '[':
		return c.array()
	case b == '"':
		raw, plain, err := c.str()
		if err != nil {
			return err
		}
		if plain {
			c.out = append(c.out, '"')
			c.out = append(c.out, raw...)
			c.out = append(c.out, '"')
		} else {
			c.out = appendString(c.out, unquote(raw))
		}
		return nil
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	case b == '-' || '0' <= b && b <= '9':
		start := c.i
		for c.i < len(c.in) && isNumberByte(c.in[c.i]) {
			c.i++
		}
		s, err := formatNumber(json.Number(c.in[start:c.i]))
		if err != nil {
			return err
		}
		c.out = append(c.out, s...)
		return nil
	}
	return errSyntax
}

func isNumberByte(b byte) bool {
	return '0' <= b && b <= '9' || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E'
}

func (c *canon) literal(lit string) error {
	if len(c.in)-c.i < len(lit) || string(c.in[c.i:c.i+len(lit)]) != lit {
		return errSyntax
	}
	c.i += len(lit)
	c.out = append(c.out, lit...)
	return nil
}

// str reads the string at c.i: its raw bytes between the quotes, and
// whether they are plain — valid UTF-8 with no escape and no control
// character — and so are their own value and their own canonical form.
func (c *canon) str() (raw []byte, plain bool, err error) {
	c.i++ // '"'
	start := c.i
	plain, ascii := true, true
	for c.i < len(c.in) {
		switch b := c.in[c.i]; {
		case b == '"':
			raw = c.in[start:c.i]
			c.i++
			if !ascii && plain {
				plain = utf8.Valid(raw)
			}
			return raw, plain, nil
		case b == '\\':
			plain = false
			c.i += 2
			continue
		case b < 0x20:
			plain = false
		case b >= utf8.RuneSelf:
			ascii = false
		}
		c.i++
	}
	return nil, false, errSyntax
}

func (c *canon) array() error {
	c.i++ // '['
	c.out = append(c.out, '[')
	c.space()
	if c.i < len(c.in) && c.in[c.i] == ']' {
		c.i++
		c.out = append(c.out, ']')
		return nil
	}
	for {
		c.space()
		if err := c.value(); err != nil {
			return err
		}
		c.space()
		if c.i >= len(c.in) {
			return errSyntax
		}
		switch c.in[c.i] {
		case ',':
			c.i++
			c.out = append(c.out, ',')
		case ']':
			c.i++
			c.out = append(c.out, ']')
			return nil
		default:
			return errSyntax
		}
	}
}

func (c *canon) object() error {
	c.i++ // '{'
	open := len(c.out)
	c.out = append(c.out, '{')
	base := len(c.members)
	defer func() { c.members = c.members[:base] }()
	c.space()
	if c.i < len(c.in) && c.in[c.i] == '}' {
		c.i++
		c.out = append(c.out, '}')
		return nil
	}
	var seen map[string]bool // with many members; few are compared one by one
	for {
		c.space()
		if c.i >= len(c.in) || c.in[c.i] != '"' {
			return errSyntax
		}
		raw, plain, err := c.str()
		if err != nil {
			return err
		}
		var k string
		if plain {
			k = string(raw)
		} else {
			k = unquote(raw)
		}
		ms := c.members[base:]
		if seen == nil && len(ms) >= 16 {
			seen = make(map[string]bool, 2*len(ms))
			for _, m := range ms {
				seen[m.key] = true
			}
		}
		dup := seen[k]
		for j := 0; seen == nil && j < len(ms) && !dup; j++ {
			dup = ms[j].key == k
		}
		if dup {
			return fmt.Errorf("duplicate object key %q", k)
		}
		if seen != nil {
			seen[k] = true
		}
		if len(ms) > 0 {
			c.out = append(c.out, ',')
		}
		start := len(c.out)
		if plain {
			c.out = append(c.out, '"')
			c.out = append(c.out, raw...)
			c.out = append(c.out, '"')
		} else {
			c.out = appendString(c.out, k)
		}
		c.out = append(c.out, ':')
		c.space()
		if c.i >= len(c.in) || c.in[c.i] != ':' {
			return errSyntax
		}
		c.i++
		c.space()
		if err := c.value(); err != nil {
			return err
		}
		c.members = append(c.members, member{key: k, start: start, end: len(c.out)})
		c.space()
		if c.i >= len(c.in) {
			return errSyntax
		}
		if c.in[c.i] == ',' {
			c.i++
			continue
		}
		if c.in[c.i] != '}' {
			return errSyntax
		}
		c.i++
		break
	}
	c.out = append(c.out, '}')
	c.sortMembers(open, c.members[base:])
	return nil
}

// sortMembers puts the object written at c.out[open:] in its members'
// order, when they were not in it already (a map's keys come from
// json.Marshal sorted by bytes, which is the UTF-16 order but for
// characters beyond U+FFFF).
func (c *canon) sortMembers(open int, ms []member) {
	sorted := true
	for j := 1; j < len(ms) && sorted; j++ {
		sorted = compareUTF16(ms[j-1].key, ms[j].key) < 0
	}
	if sorted {
		return
	}
	c.tmp = append(c.tmp[:0], c.out[open:]...)
	for j := range ms {
		ms[j].start -= open
		ms[j].end -= open
	}
	slices.SortFunc(ms, func(a, b member) int { return compareUTF16(a.key, b.key) })
	c.out = append(c.out[:open], '{')
	for j, m := range ms {
		if j > 0 {
			c.out = append(c.out, ',')
		}
		c.out = append(c.out, c.tmp[m.start:m.end]...)
	}
	c.out = append(c.out, '}')
}

// compareUTF16 compares a and b (valid UTF-8) as sequences of UTF-16 code
// units, as RFC 8785 sorts object members.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		a, b = a[na:], b[nb:]
		if ra == rb {
			continue
		}
		ha, la := utf16Units(ra)
		hb, lb := utf16Units(rb)
		if ha != hb {
			return cmp.Compare(ha, hb)
		}
		return cmp.Compare(la, lb)
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Units are r's first UTF-16 code unit and its second (0 if none).
func utf16Units(r rune) (rune, rune) {
	if r >= 0x10000 {
		return utf16.EncodeRune(r)
	}
	return r, 0
}

// unquote is the value of a JSON string's raw bytes (between the quotes,
// valid JSON) as encoding/json decodes it: escapes resolved, a lone
// surrogate and each byte of invalid UTF-8 replaced with U+FFFD.
func unquote(raw []byte) string {
	b := make([]byte, 0, len(raw)+2*utf8.UTFMax)
	for r := 0; r < len(raw); {
		switch c := raw[r]; {
		case c == '\\' && r+1 < len(raw):
			r++
			switch raw[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(raw[r-1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(raw[r:])); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						r += 6
						continue
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // '"', '\\', '/'
				b = append(b, raw[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(raw[r:])
			if rr == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, unicode.ReplacementChar)
			} else {
				b = append(b, raw[r:r+size]...)
			}
			r += size
		}
	}
	return string(b)
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	r, err := strconv.ParseUint(string(s[2:6]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(r)
}

// appendString writes s (valid UTF-8) as a JSON string, escaped minimally.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			buf = append(buf, '\\', '"')
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			if c < 0x20 {
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				buf = append(buf, c) // the bytes of every other character as they are
			}
		}
	}
	return append(buf, '"')
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
