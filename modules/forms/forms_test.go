package forms

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/web"
)

const residenceSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["full_name", "rnokpp", "birth_date", "phone", "katottg", "from", "to"],
  "properties": {
    "full_name": {"type": "string", "minLength": 5, "maxLength": 200},
    "rnokpp": {"type": "string", "format": "rnokpp"},
    "edrpou": {"type": "string", "format": "edrpou"},
    "iban": {"type": "string", "format": "iban-ua"},
    "phone": {"type": "string", "format": "phone-ua"},
    "katottg": {"type": "string", "format": "katottg"},
    "birth_date": {"type": "string", "format": "date-past"},
    "visit": {"type": "string", "format": "date-future"},
    "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"},
    "rooms": {"type": "integer", "minimum": 1, "maximum": 20},
    "area_living": {"type": "number", "minimum": 0},
    "area_other": {"type": "number", "minimum": 0},
    "area_total": {"type": "number"},
    "kind": {"enum": ["permanent", "temporary"]}
  }
}`

func compile(t *testing.T) *Form {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	f, err := Compile(Definition{Schema: []byte(residenceSchema), Rules: []Rule{
		{Kind: "sum", Fields: []string{"area_living", "area_other"}, Target: "area_total"},
		{Kind: "after", Fields: []string{"from", "to"}},
	}}, now)
	require.NoError(t, err)
	return f
}

func keys(errs Errors) map[string]string {
	out := map[string]string{}
	for f, e := range errs {
		out[f] = e.Key
	}
	return out
}

func TestCheck(t *testing.T) {
	t.Parallel()
	f := compile(t)
	good := `{"full_name": "Шевченко Олена Петрівна", "rnokpp": "3221501449", "phone": "+380671234567", "katottg": "UA80000000000093317",
		"birth_date": "1988-03-14", "from": "2026-11-01", "to": "2027-11-01", "area_living": 30.5, "area_other": 12, "area_total": 42.5,
		"edrpou": "43215679", "iban": "UA213223130000026007233566001", "visit": "2026-12-01", "rooms": 2, "kind": "permanent"}`
	require.Empty(t, keys(f.Check([]byte(good))))

	bad := `{"full_name": "Ше", "rnokpp": "3221501448", "phone": "0671234567", "katottg": "UA8000", "birth_date": "2030-01-01",
		"from": "2026-11-01", "to": "2026-10-01", "area_living": 30, "area_other": 12, "area_total": 40,
		"edrpou": "43215670", "iban": "UA213223130000026007233566002", "visit": "2020-01-01", "rooms": 0, "kind": "forever"}`
	require.Equal(t, map[string]string{
		"full_name": "error.form_too_short", "rnokpp": "error.form_format_rnokpp", "phone": "error.form_format_phone_ua",
		"katottg": "error.form_format_katottg", "birth_date": "error.form_format_date_past", "to": "error.form_after",
		"area_total": "error.form_sum", "edrpou": "error.form_format_edrpou", "iban": "error.form_format_iban_ua",
		"visit": "error.form_format_date_future", "rooms": "error.form_minimum", "kind": "error.form_enum",
	}, keys(f.Check([]byte(bad))))

	missing := keys(f.Check([]byte(`{"full_name": "Шевченко Олена"}`)))
	for _, field := range []string{"rnokpp", "birth_date", "phone", "katottg", "from", "to"} {
		require.Equal(t, "error.form_required", missing[field], field)
	}
	require.Equal(t, "error.form_not_json", keys(f.Check([]byte(`{"full_name":`)))[""])
	require.Equal(t, "error.form_type", keys(f.Check([]byte(`{"rooms": "two"}`)))["rooms"])
}

func TestCompileRefusesBadDefinitions(t *testing.T) {
	t.Parallel()
	for _, d := range []Definition{
		{Schema: []byte(`{"type": 5}`)},
		{Schema: []byte(`not json`)},
		{Schema: []byte(`{"type": "object"}`), Rules: []Rule{{Kind: "sum", Fields: []string{"a"}}}},
		{Schema: []byte(`{"type": "object"}`), Rules: []Rule{{Kind: "teleport"}}},
	} {
		_, err := Compile(d, nil)
		require.ErrorIs(t, err, ErrInvalidDefinition)
	}
}

// Every message key Check can give has words in both languages.
func TestMessagesExist(t *testing.T) {
	t.Parallel()
	keys := []string{"error.form_required", "error.form_too_short", "error.form_too_long", "error.form_minimum", "error.form_maximum",
		"error.form_type", "error.form_enum", "error.form_pattern", "error.form_invalid", "error.form_sum", "error.form_range",
		"error.form_after", "error.form_not_json", "error.form_definition", "error.form_format_date", "error.form_format_email",
		"error.form_markup", "error.settlement_unknown", "error.settlement_choose"}
	for _, f := range formats(time.Now) {
		keys = append(keys, "error.form_format_"+strings.ReplaceAll(f.Name, "-", "_"))
	}
	for _, lang := range web.Languages {
		l, err := web.NewLocalizer(lang)
		require.NoError(t, err)
		for _, k := range keys {
			require.NotEqualf(t, k, l.Message(k, map[string]any{"Min": 1, "Max": 2, "Sum": 3}), "%s has no %s message", lang, k)
		}
	}
}

// Values are shown as people read them: dates as 14.03.1988, enum labels,
// numbers without a trailing ".0".
func TestDisplay(t *testing.T) {
	t.Parallel()
	f := compile(t)
	require.Equal(t, "14.03.1988", f.Display("birth_date", "1988-03-14", "uk"))
	require.Equal(t, "not-a-date", f.Display("birth_date", "not-a-date", "uk"))
	require.Equal(t, "3", f.Display("rooms", 3.0, "uk"))
	require.Equal(t, "так", f.Display("x", true, "uk"))
	require.Equal(t, "yes", f.Display("x", true, "en"))
	require.Equal(t, "", f.Display("x", nil, "uk"))
}
