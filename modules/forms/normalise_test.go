package forms

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

// The ways people write a phone number all become +380XXXXXXXXX; what is
// not a Ukrainian number stays as typed, for the format check to refuse.
func TestNormalisePhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"067 100 00 01":        "+380671000001",
		"(067) 100-00-01":      "+380671000001",
		"+38 067 1000001":      "+380671000001",
		"0671000001":           "+380671000001",
		"380671000001":         "+380671000001",
		"+380671000001":        "+380671000001",
		"80671000001":          "+380671000001",
		" +38 (067) 100.00.01": "+380671000001",
		"+38 (044) 279-01-23":  "+380442790123",
		"067 100 00":           "067 100 00",
		"+48 601 123 456":      "+48 601 123 456",
		"+0671000001":          "+0671000001",
		"067 100 00 0l":        "067 100 00 0l",
		"":                     "",
	} {
		require.Equal(t, want, NormalisePhone(in), in)
	}
}

// Plates: Cyrillic or Latin look-alikes, any case, spaces and hyphens,
// all become the registered spelling; the format takes the current plate
// (two letters, four digits, two letters of the allowed set) only.
func TestPlates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, norm string
		valid    bool
	}{
		{"АА1234ВВ", "АА1234ВВ", true},
		{"AA1234BB", "АА1234ВВ", true}, // Latin look-alikes
		{"аа 1234 вв", "АА1234ВВ", true},
		{"ka-0001-ix", "КА0001ІХ", true},
		{"Вс 7777 ет", "ВС7777ЕТ", true},
		{"AA1234ВВ", "АА1234ВВ", true},  // Latin and Cyrillic mixed
		{"ЖЖ1234ЖЖ", "ЖЖ1234ЖЖ", false}, // Ж is not a plate letter
		{"AA123BB", "АА123ВВ", false},
		{"AA12345BB", "АА12345ВВ", false},
		{"1234ААВВ", "1234ААВВ", false},
		{"ZZ1234ZZ", "ZZ1234ZZ", false}, // no Cyrillic look-alike
	} {
		require.Equal(t, c.norm, NormalisePlate(c.in), c.in)
		require.Equal(t, c.valid, validPlate(NormalisePlate(c.in)), c.in)
	}
}

// Markup is what a browser would read as a tag or a comment; a lone "<"
// is text.
func TestMarkup(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"<b>Під’їзд</b> № 2":        true,
		"<script>alert(1)</script>": true,
		"текст </p>":                true,
		"<!-- коментар -->":         true,
		"<img src=x onerror=alert>": true,
		"<дім>":                     true,
		"площа < 50 м²":             false,
		"<3":                        false,
		"a<5 і b>2":                 false,
		"вул. Хрещатик, 10, кв. 5":  false,
		"Договір № 12/3 від 01.02.": false,
	} {
		require.Equal(t, want, hasMarkup(in), in)
	}
}

const vehicleSchema = `{"type": "object", "required": ["phone", "plate", "note"],
  "properties": {
    "phone": {"type": "string", "format": "phone-ua"},
    "plate": {"type": "string", "format": "plate-ua"},
    "note": {"type": "string", "maxLength": 500},
    "kind": {"enum": ["a", "b"]},
    "place": {"type": "string", "format": "katottg"}
  }}`

// A posted step is normalised before it is checked: the phone and the
// plate as people type them pass, and the page gets the kept spelling
// back; markup in free text is refused, naming the field's key.
func TestDecodeNormalisesAndCheckRefusesMarkup(t *testing.T) {
	t.Parallel()
	f, err := Compile(Definition{Schema: []byte(vehicleSchema)}, nil)
	require.NoError(t, err)
	data := map[string]any{}
	f.Decode(0, url.Values{"phone": {"(067) 100-00-01"}, "plate": {"aa 1234 bb"}, "note": {"Під’їзд № 2"}}, data)
	require.Equal(t, "+380671000001", data["phone"])
	require.Equal(t, "АА1234ВВ", data["plate"])
	require.Empty(t, keys(f.Check(mustMarshal(t, data))))

	f.Decode(0, url.Values{"phone": {"067 100 00"}, "plate": {"АА 12 ВВ"}, "note": {"<b>терміново</b>"}}, data)
	require.Equal(t, "067 100 00", data["phone"], "what cannot be normalised is kept as typed")
	require.Equal(t, map[string]string{"phone": "error.form_format_phone_ua", "plate": "error.form_format_plate_ua", "note": "error.form_markup"},
		keys(f.Check(mustMarshal(t, data))))
}

// The settlement widget goes only on a КАТОТТГ field; the documents'
// needs are known ones, each document named once.
func TestCompileChecksWidgetsAndDocuments(t *testing.T) {
	t.Parallel()
	section := func(field, widget string) []Section {
		fields := []Field{{Name: "phone", Label: text("Телефон")}, {Name: "plate", Label: text("Номер")}, {Name: "note", Label: text("Примітка")},
			{Name: "kind", Label: text("Вид")}, {Name: "place", Label: text("Населений пункт")}}
		for i := range fields {
			if fields[i].Name == field {
				fields[i].Widget = widget
			}
		}
		return []Section{{Title: text("Дані"), Fields: fields}}
	}
	_, err := Compile(Definition{Schema: []byte(vehicleSchema), Layout: section("place", WidgetSettlement)}, nil)
	require.NoError(t, err)
	_, err = Compile(Definition{Schema: []byte(vehicleSchema), Layout: section("note", WidgetSettlement)}, nil)
	require.ErrorIs(t, err, ErrInvalidDefinition)

	for _, ds := range [][]Document{{{Document: 0, Need: NeedRequired}}, {{Document: 1, Need: "maybe"}},
		{{Document: 2, Need: NeedRequired}, {Document: 2, Need: NeedOptional}}} {
		_, err = Compile(Definition{Schema: []byte(vehicleSchema), Documents: ds}, nil)
		require.ErrorIs(t, err, ErrInvalidDefinition, ds)
	}
	f, err := Compile(Definition{Schema: []byte(vehicleSchema), Documents: []Document{
		{Document: 1, Need: NeedReplaced}, {Document: 2, Need: NeedRequired}, {Document: 4, Need: NeedRequired}, {Document: 9, Need: NeedRequired}}}, nil)
	require.NoError(t, err)
	require.Equal(t, NeedReplaced, f.Need(1))
	require.Equal(t, NeedOptional, f.Need(3), "a document the form does not name is optional")
	require.Equal(t, []int{2, 4}, f.MissingDocuments(5, map[int]bool{3: true}), "a place beyond the register's list is not asked for")
	require.Empty(t, f.MissingDocuments(5, map[int]bool{2: true, 4: true}))
}

// trimKind leaves the name to search of what people type.
func TestTrimKind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"м. Бровари": "Бровари", "с.Гора": "Гора", "смт Бородянка": "Бородянка", "Бровари, Броварська громада": "Бровари",
		"Смига": "Смига", "селище Веснянка": "Веснянка", "Мостиська": "Мостиська",
	} {
		require.Equal(t, want, trimKind(in), in)
	}
}

func text(uk string) tenant.Text { return tenant.Text{UK: uk} }

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
