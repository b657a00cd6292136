package forms

import (
	"bytes"
	"encoding/json"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hromada/ukid"
)

// fuzzForm is the residence form of TestCheck with its two rules, on a
// fixed clock so that date-past and date-future mean the same in every run.
func fuzzForm(f *testing.F) *Form {
	f.Helper()
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	form, err := Compile(Definition{Schema: []byte(residenceSchema), Rules: []Rule{
		{Kind: "sum", Fields: []string{"area_living", "area_other"}, Target: "area_total"},
		{Kind: "after", Fields: []string{"from", "to"}},
	}}, now)
	if err != nil {
		f.Fatal(err)
	}
	return form
}

// FuzzFormCheck feeds a submission's bytes to the validator. Whatever
// comes in, Check answers; and data it accepts is re-read here, without the
// validator, and must keep every promise the schema and the rules make —
// an application is formed from it, so the validator never lets through
// what the schema forbids.
func FuzzFormCheck(f *testing.F) {
	form := fuzzForm(f)
	for _, s := range []string{
		`{"full_name": "Шевченко Олена Петрівна", "rnokpp": "3221501449", "phone": "+380671234567", "katottg": "UA80000000000093317",
		"birth_date": "1988-03-14", "from": "2026-11-01", "to": "2027-11-01", "area_living": 30.5, "area_other": 12, "area_total": 42.5,
		"edrpou": "43215679", "iban": "UA213223130000026007233566001", "visit": "2026-12-01", "rooms": 2, "kind": "permanent"}`,
		`{"full_name": "Ше", "rnokpp": "3221501448", "phone": "0671234567", "katottg": "UA8000", "birth_date": "2030-01-01",
		"from": "2026-11-01", "to": "2026-10-01", "area_living": 30, "area_other": 12, "area_total": 40,
		"edrpou": "43215670", "iban": "UA213223130000026007233566002", "visit": "2020-01-01", "rooms": 0, "kind": "forever"}`,
		`{"full_name": "Шевченко Олена"}`,
		`{"full_name":`,
		`{"rooms": "two"}`,
		`{"full_name": "<b>Шевченко</b> Олена", "rnokpp": "3221501449", "phone": "+380671234567", "katottg": "UA80000000000093317",
		"birth_date": "1988-03-14", "from": "2026-11-01", "to": "2027-11-01", "note": "<script>x</script>"}`,
		`{"full_name": "Шевченко Олена", "rnokpp": "3221501449", "phone": "+380671234567", "katottg": "UA80000000000093317",
		"birth_date": "1988-03-14", "from": "2026-11-01", "to": "2027-11-01", "area_living": 1e-400, "area_other": 0.1, "area_total": 0.1, "rooms": 2.0}`,
		`[]`, `null`, `"x"`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		errs := form.Check(data)
		for field, e := range errs {
			if e == nil || e.Key == "" {
				t.Fatalf("field %q has an error with no message key", field)
			}
		}
		if len(errs) > 0 {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil || obj == nil {
			t.Fatalf("accepted data that is not a JSON object: %q (%v)", data, err)
		}
		requireAccepted(t, obj)
	})
}

// requireAccepted re-checks, field by field, what residenceSchema and the
// two rules require of accepted data.
func requireAccepted(t *testing.T, obj map[string]any) {
	t.Helper()
	str := func(name string, required bool) (string, bool) {
		v, ok := obj[name]
		if !ok {
			if required {
				t.Fatalf("accepted without the required %q", name)
			}
			return "", false
		}
		s, ok := v.(string)
		if !ok {
			t.Fatalf("accepted %q of type %T, want a string", name, v)
		}
		return s, true
	}
	date := func(name string, required bool) (time.Time, bool) {
		s, ok := str(name, required)
		if !ok {
			return time.Time{}, false
		}
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatalf("accepted %q = %q, not a date: %v", name, s, err)
		}
		return d, true
	}
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

	name, _ := str("full_name", true)
	if n := utf8.RuneCountInString(name); n < 5 || n > 200 {
		t.Fatalf("accepted full_name of %d characters", n)
	}
	if s, _ := str("rnokpp", true); !ukid.ValidRNOKPP(s) {
		t.Fatalf("accepted rnokpp %q", s)
	}
	if s, ok := str("edrpou", false); ok && !ukid.ValidEDRPOU(s) {
		t.Fatalf("accepted edrpou %q", s)
	}
	if s, ok := str("iban", false); ok && !ukid.ValidIBAN(s) {
		t.Fatalf("accepted iban %q", s)
	}
	if s, _ := str("phone", true); !phoneRE.MatchString(s) {
		t.Fatalf("accepted phone %q", s)
	}
	if s, _ := str("katottg", true); !ukid.ValidKATOTTG(s) {
		t.Fatalf("accepted katottg %q", s)
	}
	if d, _ := date("birth_date", true); d.After(today) {
		t.Fatalf("accepted a birth_date in the future: %s", d)
	}
	if d, ok := date("visit", false); ok && d.Before(today) {
		t.Fatalf("accepted a visit in the past: %s", d)
	}
	from, _ := date("from", true)
	to, _ := date("to", true)
	if !to.After(from) {
		t.Fatalf("accepted to %s not after from %s", to, from)
	}
	num := func(name string) (*big.Rat, bool) {
		v, ok := obj[name]
		if !ok {
			return nil, false
		}
		n, ok := v.(json.Number)
		if !ok {
			t.Fatalf("accepted %q of type %T, want a number", name, v)
		}
		r, ok := new(big.Rat).SetString(n.String())
		if !ok {
			t.Fatalf("accepted %q = %s, not a number", name, n)
		}
		return r, true
	}
	if r, ok := num("rooms"); ok && (!r.IsInt() || r.Cmp(big.NewRat(1, 1)) < 0 || r.Cmp(big.NewRat(20, 1)) > 0) {
		t.Fatalf("accepted rooms = %s", r.RatString())
	}
	living, okL := num("area_living")
	other, okO := num("area_other")
	total, okT := num("area_total")
	for _, r := range []*big.Rat{living, other} {
		if r != nil && r.Sign() < 0 {
			t.Fatalf("accepted a negative area %s", r.RatString())
		}
	}
	if okL && okO && okT && new(big.Rat).Add(living, other).Cmp(total) != 0 {
		t.Fatalf("accepted areas %s + %s ≠ %s", living.RatString(), other.RatString(), total.RatString())
	}
	if v, ok := obj["kind"]; ok && v != "permanent" && v != "temporary" {
		t.Fatalf("accepted kind %v", v)
	}
	// Free text, known or not, never carries markup.
	for k, v := range obj {
		if s, ok := v.(string); ok && form0Free(k) && hasMarkup(s) {
			t.Fatalf("accepted markup in %q: %q", k, s)
		}
	}
}

// form0Free says whether residenceSchema's property name is free text (no
// format, no enum): those are the fields markup is refused in.
func form0Free(name string) bool {
	switch name {
	case "rnokpp", "edrpou", "iban", "phone", "katottg", "birth_date", "visit", "from", "to", "kind":
		return false
	}
	return true
}

// FuzzNormalise types a phone number and a number plate as a person might.
// Normalising twice changes nothing; a phone number is either rewritten to
// the one kept spelling (which the phone-ua format accepts) or left as typed
// for the format check to refuse; a plate the format accepts is one a
// normalised plate spells.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"067 100 00 01", "(067) 100-00-01", "+38 067 1000001", "0671000001", "380671000001", "80671000001",
		"+380671000001", "+80671000001", "12345", "", "аа 1234 вв", "AA-1234-BB", "АА1234ВВ", "ka 0001 xx", "\u00a0067\u2011100\u201300\u00a001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := NormalisePhone(s)
		if NormalisePhone(p) != p {
			t.Fatalf("NormalisePhone is not stable on %q: %q then %q", s, p, NormalisePhone(p))
		}
		if p != s && p != trimmed(s) && !phoneRE.MatchString(p) {
			t.Fatalf("NormalisePhone(%q) = %q: rewritten, yet not a valid phone", s, p)
		}
		pl := NormalisePlate(s)
		if NormalisePlate(pl) != pl {
			t.Fatalf("NormalisePlate is not stable on %q: %q then %q", s, pl, NormalisePlate(pl))
		}
		if validPlate(s) && pl != s {
			t.Fatalf("NormalisePlate changed the valid plate %q to %q", s, pl)
		}
		_ = normalise("phone-ua", s)
	})
}

func trimmed(s string) string { return strings.TrimSpace(s) }

// FuzzFormDecode posts a step of the form (a URL-encoded body, as the
// browser sends it) through Decode, then checks it as the application
// page does. Whatever was typed, the data Decode makes is kept as a draft,
// so it must always encode as JSON; and what Check then accepts keeps the
// schema's promises (requireAccepted).
func FuzzFormDecode(f *testing.F) {
	form := fuzzForm(f)
	for _, s := range []string{
		"full_name=Шевченко+Олена+Петрівна&rnokpp=3221501449&phone=067+123+45+67&katottg=UA80000000000093317&birth_date=1988-03-14" +
			"&from=2026-11-01&to=2027-11-01&area_living=30,5&area_other=12&area_total=42.5&rooms=2&kind=permanent",
		"rooms=два&area_living=NaN&area_other=Inf&area_total=-Infinity",
		"rooms=9223372036854775808&area_living=1e309&area_total=0x1p-2",
		"full_name=<b>x</b>&phone=(067)+100-00-01",
		"%zz&rooms=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		vals, _ := url.ParseQuery(body) // what parsed is what the handler reads
		data := map[string]any{}
		form.Decode(0, vals, data)
		raw, err := json.Marshal(data)
		if err != nil {
			t.Fatalf("Decode of %q made data that does not encode: %v", body, err)
		}
		if errs := form.Check(raw); len(errs) == 0 {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var obj map[string]any
			if err := dec.Decode(&obj); err != nil {
				t.Fatal(err)
			}
			requireAccepted(t, obj)
		}
	})
}
