package demo_test

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"hromada/demo"
	"hromada/modules/forms"
)

// The embedded folder decodes: the two demo cities with their registers,
// forms and rule sets, the personas and the registries' data.
func TestLoad(t *testing.T) {
	t.Parallel()
	d, err := demo.Load()
	require.NoError(t, err)
	require.Equal(t, d.Roster, demo.MustRoster())
	require.Equal(t, d.Registries, demo.MustRegistries())
	require.Equal(t, "UA80000000000093317", demo.MustKATOTTG("kyiv"))

	kyiv, ok := d.City("kyiv")
	require.True(t, ok)
	lviv, ok := d.City("lviv")
	require.True(t, ok)
	for _, c := range d.Cities {
		require.NotEmpty(t, c.Name, c.Slug)
		require.NotEmpty(t, c.Branding.DisplayName.UK, c.Slug)
		require.Regexp(t, `^UA\d{17}$`, c.KATOTTG, c.Slug)
		require.NotEmpty(t, c.Register.Services, c.Slug)
		require.NotEmpty(t, c.Forms, c.Slug)
		for code, def := range c.Forms {
			_, err := forms.Compile(def, nil)
			require.NoError(t, err, code)
		}
		p := c.Params()
		require.Equal(t, c.Slug, p.Slug)
		require.Equal(t, c.Branding, p.Branding)
	}
	require.Contains(t, kyiv.Rules, "KY-0003")
	require.GreaterOrEqual(t, len(kyiv.Forms), 20, "Kyiv's services a resident applies for online")
	for _, code := range []string{"KY-0004", "KY-0017"} {
		require.Contains(t, kyiv.Rules, code, "automatic mode where a registry answers")
	}
	for _, c := range d.Cities {
		for _, s := range c.Register.Services {
			if _, ok := c.Forms[s.Content.Code]; ok {
				require.Contains(t, s.Content.WaysToSubmit, "online", "%s has a form: its card says it can be applied for online", s.Content.Code)
			}
		}
		for code, def := range c.Forms {
			f, err := forms.Compile(def, nil)
			require.NoError(t, err, code)
			for _, sec := range f.Sections() {
				require.NotEmpty(t, sec.Title.EN, "%s: a section without an English title", code)
				for _, fl := range sec.Fields {
					require.NotEmpty(t, fl.Label.EN, "%s: field %s has no English label", code, fl.Name)
					require.Equal(t, fl.Hint.UK == "", fl.Hint.EN == "", "%s: field %s has its hint in one language only", code, fl.Name)
					for v, o := range fl.Options {
						require.NotEmpty(t, o.EN, "%s: field %s: option %s has no English label", code, fl.Name, v)
					}
					if p := f.Property(fl.Name); len(p.Options) > 0 {
						require.Len(t, fl.Options, len(p.Options), "%s: field %s: every choice is labelled", code, fl.Name)
					}
				}
			}
		}
	}
	// Every form says how the service's documents come online, by their
	// places in the register's list: with no section, every document would
	// be optional and a resident could sign with none of those the law asks.
	for _, c := range d.Cities {
		for _, s := range c.Register.Services {
			def, ok := c.Forms[s.Content.Code]
			if !ok {
				continue
			}
			require.NotEmpty(t, def.Documents, "%s: its form says nothing of its documents", s.Content.Code)
			for _, doc := range def.Documents {
				require.LessOrEqual(t, doc.Document, len(s.Content.Documents), "%s: document %d is not in the register's list", s.Content.Code, doc.Document)
			}
		}
	}
	require.Empty(t, lviv.Rules)
	_, ok = d.City("nowhere")
	require.False(t, ok)

	require.NotEmpty(t, d.Providers)
	require.NotEmpty(t, d.Personas)
	require.NotEmpty(t, d.People)
	require.NotEmpty(t, d.Exchange.Instance)
	require.Len(t, d.Exchange.Registries, 4)
}

// The files are for people: indented, Ukrainian as UTF-8 rather than \u
// escapes.
func TestFilesReadable(t *testing.T) {
	t.Parallel()
	n := 0
	err := fs.WalkDir(os.DirFS("."), ".", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(name, ".json") {
			return err
		}
		n++
		raw, err := os.ReadFile(name)
		require.NoError(t, err)
		require.NotContains(t, string(raw), `\u`, name)
		if len(raw) > 10 {
			require.Contains(t, string(raw), "\n  ", name)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, n, 10)
}

// A city folder that does not hold together is refused, naming the file.
func TestLoadFSInvalid(t *testing.T) {
	t.Parallel()
	base, err := fs.ReadFile(os.DirFS("."), "lviv/register.json")
	require.NoError(t, err)
	files := func(change map[string]string) fstest.MapFS {
		m := fstest.MapFS{}
		for _, name := range []string{"personas.json", "registries/exchange.json", "registries/people.json", "lviv/city.json", "lviv/rules.json", "lviv/forms/LV-0001.json"} {
			raw, err := os.ReadFile(name)
			require.NoError(t, err)
			m[name] = &fstest.MapFile{Data: raw}
		}
		m["lviv/register.json"] = &fstest.MapFile{Data: base}
		for name, data := range change {
			m[name] = &fstest.MapFile{Data: []byte(data)}
		}
		return m
	}
	_, err = demo.LoadFS(files(nil))
	require.NoError(t, err)

	cases := map[string]struct {
		change map[string]string
		want   string
	}{
		"UnknownField": {map[string]string{"lviv/city.json": `{"slug": "lviv", "colour": "blue"}`}, `lviv/city.json: json: unknown field "colour"`},
		"SlugNotFolder": {map[string]string{"lviv/city.json": `{"slug": "lemberg"}`},
			`lviv/city.json: slug "lemberg" is not the folder's name`},
		"FormOfNoService": {map[string]string{"lviv/forms/LV-9999.json": `{"schema": {"type": "object"}}`},
			"lviv/forms/LV-9999.json: service LV-9999 is not in the register"},
		"FormDoesNotCompile": {map[string]string{"lviv/forms/LV-0001.json": `{"schema": {"type": "object", "properties": {"a": {"type": "string"}}}, "layout": [{"title": {"uk": "Крок"}, "fields": []}]}`},
			`lviv/forms/LV-0001.json: invalid: error.form_definition: property "a" is in no section`},
		"RulesDoNotHold": {map[string]string{"lviv/rules.json": `{"LV-0001": {"checks": [], "require": [{"fact": "form.nope", "op": "present"}], "result": {"title": {"uk": "Т"}}}}`},
			`lviv/rules.json: service LV-0001: invalid: error.rules_invalid: condition on "form.nope": the form has no such field`},
		"RulesOfNoService": {map[string]string{"lviv/rules.json": `{"LV-9999": {"checks": [], "require": [], "result": {}}}`},
			"lviv/rules.json: service LV-9999 is not in the register"},
		"BadRegister": {map[string]string{"lviv/register.json": strings.Replace(string(base), `"provider": "dcnap"`, `"provider": "nope"`, 1)},
			`lviv/register.json: catalog: register: service LV-`},
		"PersonaOfUnknownProvider": {map[string]string{"personas.json": `{"providers": [], "personas": [{"id": "x", "provider": "dcnap"}]}`},
			`persona x: provider "dcnap" is not among the providers`},
		"PeopleOfNoPersona": {map[string]string{"registries/people.json": `[{"persona": "ghost"}]`},
			`registries/people.json: persona "ghost" is not in personas.json`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := demo.LoadFS(files(tc.change))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// A field a choice needs is required with that choice only: a child's name
// when a child is deregistered, the current address when a property is
// divided; the error names the field.
func TestFormConditions(t *testing.T) {
	t.Parallel()
	d, err := demo.Load()
	require.NoError(t, err)
	kyiv, _ := d.City("kyiv")
	for _, tc := range []struct {
		code, data, field string
		wantErr           bool
	}{
		{"KY-0002", `{"for_whom": "child"}`, "child_full_name", true},
		{"KY-0002", `{"for_whom": "child", "child_full_name": "Шевченко Іван Андрійович"}`, "child_full_name", false},
		{"KY-0002", `{"for_whom": "self"}`, "child_full_name", false},
		{"KY-0038", `{"object": "division"}`, "current_address", true},
		{"KY-0038", `{"object": "completed"}`, "current_address", false},
	} {
		f, err := forms.Compile(kyiv.Forms[tc.code], nil)
		require.NoError(t, err)
		errs := f.Check([]byte(tc.data))
		_, got := errs[tc.field]
		require.Equal(t, tc.wantErr, got, "%s %s: %v", tc.code, tc.data, errs)
		if got {
			require.Equal(t, "error.form_required", errs[tc.field].Key)
		}
	}
}
