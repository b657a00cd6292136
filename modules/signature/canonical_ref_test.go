package signature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// canonicalTokens is Canonical as it was first written, on encoding/json's
// token stream: the reference the faster one is held to
// (TestCanonicalSameAsTokens, FuzzCanonicalSameAsTokens).
func canonicalTokens(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("signature: canonical: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := refWriteValue(&buf, dec); err != nil {
		return nil, fmt.Errorf("signature: canonical: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("signature: canonical: trailing data")
	}
	return buf.Bytes(), nil
}

func refWriteValue(buf *bytes.Buffer, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	return refWriteToken(buf, dec, tok)
}

func refWriteToken(buf *bytes.Buffer, dec *json.Decoder, tok json.Token) error {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return refWriteObject(buf, dec)
		case '[':
			buf.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					buf.WriteByte(',')
				}
				if err := refWriteValue(buf, dec); err != nil {
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
		refWriteString(buf, t)
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

func refWriteObject(buf *bytes.Buffer, dec *json.Decoder) error {
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
		if err := refWriteValue(&vb, dec); err != nil {
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
		refWriteString(buf, m.key)
		buf.WriteByte(':')
		buf.Write(m.val)
	}
	buf.WriteByte('}')
	return nil
}

func refWriteString(buf *bytes.Buffer, s string) {
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

// canonicalCases are the inputs both implementations are compared on:
// FuzzCanonical's seeds and more, each strange in its own way.
var canonicalCases = []string{
	string(testData),
	`{"b":1,"a":[true,false,null,"\u0000\u001f\"\\/<>&\u2028"],"😀":{},"\ud83d\ude00x":[],"é":1e21,"z":-0}`,
	`[1,1.0,1e-7,0.000001,123456789012345678901234,1E400,9007199254740993,-5.5e-324,100]`,
	`{"a":1,"a":2}`, `{"a":{"x":1,"x":1e400}}`, `{"a":1e400,"a":2}`, `{"b":{"c":1,"c":2},"b":1}`,
	`{"applicant":{"rnokpp":"3221501449","name":"Шевченко Олена"},"data":{"area":42.5,"rooms":2},"service":"KY-0001"}`,
	"\"\xff\xfe\"", "{\"\xff\":1,\"\xfe\":2}", "{\"\xff\":1,\"\\ufffd\":2}", ` [ ] `, `{"x":1} {}`, `{ }`, `[[],{},[{}]]`,
	`"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\ud83d\ude00\ud83d"`, `{"\ud800":1,"\ufffd":2}`,
	`"\b\f\n\r\t\/\u007f\u0080é"`, "\"\u007f\"", `{"ab":1,"a":2,"":3,"b":{"z":[1,{"y":2,"x":3}]}}`,
	`{"ﬁ":0,"😀":1,"€":null,"é":true,"𝄞":2,"\uffff":3,"\ue000":4}`,
	`{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"a6":6,"a7":7,"a8":8,"a9":9,"b0":0,"b1":1,"b2":2,"b3":3,"b4":4,"b5":5,"b6":6,"a0":7}`,
	`{"q0":0,"q1":1,"q2":2,"q3":3,"q4":4,"q5":5,"q6":6,"q7":7,"q8":8,"q9":9,"p0":0,"p1":1,"p2":2,"p3":3,"p4":4,"p5":5,"p6":6,"p7":7}`,
	`-0.0`, `0.1e1`, `1E+2`, `-1e-400`, `12345678901234567891`, `[1e21,1e-6,1e-7,123e-20]`, `tru`, `"`, `{"a"}`, `[1,]`,
}

// Canonical gives exactly what the first implementation gave — bytes and
// errors — on JSON text and on the Go values it decodes to.
func TestCanonicalSameAsTokens(t *testing.T) {
	t.Parallel()
	for _, in := range canonicalCases {
		sameAsTokens(t, []byte(in))
	}
	type app struct {
		Service string          `json:"service"`
		Fields  map[string]any  `json:"fields"`
		Raw     json.RawMessage `json:"raw"`
	}
	for _, v := range []any{
		app{"dovidka", map[string]any{"😀": 1, "\ue000": 2, "<>&": "<>&\u2028", "b": []any{1.5, nil}}, json.RawMessage(`{"y":1,"x":"\u0041"}`)},
		map[string]any{"a": int64(1<<53 + 1)}, []any{"\xff", "a\x00b"},
	} {
		got, gotErr := Canonical(v)
		want, wantErr := canonicalTokens(v)
		require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(gotErr), "%#v", v)
		require.Equal(t, string(want), string(got), "%#v", v)
	}
}

func sameAsTokens(t *testing.T, in []byte) {
	t.Helper()
	got, gotErr := Canonical(json.RawMessage(in))
	want, wantErr := canonicalTokens(json.RawMessage(in))
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) {
		t.Fatalf("%q: got %q (%v), the reference %q (%v)", in, got, gotErr, want, wantErr)
	}
	var v any
	if json.Unmarshal(in, &v) == nil {
		got, gotErr = Canonical(v)
		want, wantErr = canonicalTokens(v)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) {
			t.Fatalf("%q as values: got %q (%v), the reference %q (%v)", in, got, gotErr, want, wantErr)
		}
	}
}

// FuzzCanonicalSameAsTokens: on any input, Canonical and the first
// implementation agree, bytes and errors.
func FuzzCanonicalSameAsTokens(f *testing.F) {
	for _, s := range canonicalCases {
		f.Add([]byte(s))
	}
	f.Fuzz(sameAsTokens)
}

// BenchmarkCanonical is the signed content of a submission: the
// application's data and four attachments.
func BenchmarkCanonical(b *testing.B) {
	for _, impl := range []struct {
		name string
		f    func(any) ([]byte, error)
	}{{"onepass", Canonical}, {"tokens", canonicalTokens}} {
		b.Run(impl.name, func(b *testing.B) {
			v := benchContent()
			b.ReportAllocs()
			reportCPU(b, func() {
				if _, err := impl.f(v); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// benchContent is shaped like applications.SignedContent of the demo
// residence form (KY-0001): Cyrillic values, four attachments.
func benchContent() any {
	type file struct {
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	}
	type person struct {
		RNOKPP   string `json:"rnokpp"`
		FullName string `json:"full_name"`
	}
	type content struct {
		Application string         `json:"application"`
		City        string         `json:"city"`
		Service     string         `json:"service"`
		ServiceName string         `json:"service_name"`
		FormVersion int            `json:"form_version"`
		Applicant   person         `json:"applicant"`
		Data        map[string]any `json:"data"`
		Attachments []file         `json:"attachments"`
	}
	c := content{Application: "01a24a0c-fad3-7381-9691-701391ea008b", City: "kyiv", Service: "KY-0001",
		ServiceName: "Реєстрація місця проживання", FormVersion: 3,
		Applicant: person{RNOKPP: "3221501449", FullName: "Шевченко Олена Петрівна"},
		Data: map[string]any{"full_name": "Шевченко Олена Петрівна", "rnokpp": "3221501449", "birth_date": "1988-03-14",
			"phone": "+380671234567", "address": "м. Київ, вул. Хрещатик, буд. 1, кв. 10", "reason": "переїзд <з області> & інше",
			"rooms": 3.0, "area_total": 42.5, "members": []any{map[string]any{"name": "Шевченко Іван", "relation": "син"}}}}
	for i := range 4 {
		c.Attachments = append(c.Attachments, file{Name: fmt.Sprintf("документ-%d.pdf", i), SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Size: 123456})
	}
	return c
}
