package forms

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"hromada/tenant"
)

// Section is one step of a form: the resident fills it, the draft is saved,
// and the next one follows.
type Section struct {
	Title  tenant.Text `json:"title"`
	Fields []Field     `json:"fields"`
}

// Field says how one property of the schema is shown.
type Field struct {
	Name  string      `json:"name"`
	Label tenant.Text `json:"label"`
	Hint  tenant.Text `json:"hint,omitzero"`
	// Widget is text (the default), textarea, select, radio, checkbox or
	// settlement (WidgetSettlement); dates, numbers, phones and e-mails get
	// their input type from the schema.
	Widget string `json:"widget,omitempty"`
	// Options label an enum's values; values without one show as they are.
	Options map[string]tenant.Text `json:"options,omitempty"`
	// Autofill names where the value comes from before the person types:
	// a profile claim (AutofillSources), "previous" (the same field of the
	// person's last application that had it) or a registry's value
	// ("registry.residence.address": modules/registries lists them).
	Autofill string `json:"autofill,omitempty"`
}

// WidgetSettlement is the address picker of a katottg-format field: the
// person types a settlement's name and picks it; the field keeps its code
// from the codifier (Codifier.Resolve).
const WidgetSettlement = "settlement"

// AutofillSources are the profile claims a field may be filled from.
var AutofillSources = []string{"profile.full_name", "profile.family_name", "profile.given_name", "profile.middle_name",
	"profile.rnokpp", "profile.birth_date", "profile.email", "profile.phone", "profile.edrpou", "profile.org_name", "previous"}

// IdentitySources are the autofill sources that name the applicant: the
// РНОКПП and the name parts (прізвище, ім'я, по батькові) of the person
// signed in, and the ЄДРПОУ and name of the legal entity they act for. A
// field filled from one is the applicant's identity, not an answer: the
// page shows it read-only, and the applications refuse any other value
// than the sign-in's and the signing certificate's (docs/applications.md).
var IdentitySources = []string{"profile.rnokpp", "profile.family_name", "profile.given_name", "profile.middle_name",
	"profile.full_name", "profile.edrpou", "profile.org_name"}

// Identity says whether the field names the applicant (IdentitySources).
func (f Field) Identity() bool { return slices.Contains(IdentitySources, f.Autofill) }

// Property is what the schema says of a field, as far as showing and
// reading it needs.
type Property struct {
	Type      string   `json:"type"`
	Format    string   `json:"format"`
	Enum      []any    `json:"enum"`
	MaxLength int      `json:"maxLength"`
	Required  bool     `json:"-"`
	Options   []string `json:"-"` // Enum as strings
}

// InputType is the HTML input type of a text-like property.
func (p Property) InputType() string {
	switch {
	case p.Format == "date" || p.Format == "date-past" || p.Format == "date-future":
		return "date"
	case p.Format == "email":
		return "email"
	case p.Format == "phone-ua":
		return "tel"
	case p.Type == "integer" || p.Type == "number":
		return "text" // inputmode="decimal" in the page: number inputs lose what was typed wrong
	}
	return "text"
}

type schemaShape struct {
	Required   []string            `json:"required"`
	Properties map[string]Property `json:"properties"`
}

// properties reads the top-level properties of a schema.
func properties(raw json.RawMessage) (map[string]Property, error) {
	var s schemaShape
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if s.Properties == nil {
		s.Properties = map[string]Property{}
	}
	for name, p := range s.Properties {
		p.Required = slices.Contains(s.Required, name)
		for _, v := range p.Enum {
			p.Options = append(p.Options, fmt.Sprint(v))
		}
		if p.Type == "" && len(p.Enum) > 0 {
			p.Type = "string"
		}
		s.Properties[name] = p
	}
	return s.Properties, nil
}

// checkLayout makes sure every property is shown exactly once and every
// field shown is a property; with no layout, one section shows them all.
func checkLayout(layout []Section, props map[string]Property) ([]Section, error) {
	if len(layout) == 0 {
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		s := Section{Title: tenant.Text{UK: "Дані заяви", EN: "Application data"}}
		for _, n := range names {
			s.Fields = append(s.Fields, Field{Name: n, Label: tenant.Text{UK: n}})
		}
		return []Section{s}, nil
	}
	seen := map[string]bool{}
	for _, s := range layout {
		if s.Title.UK == "" {
			return nil, fmt.Errorf("a section has no Ukrainian title")
		}
		for _, f := range s.Fields {
			if _, ok := props[f.Name]; !ok {
				return nil, fmt.Errorf("field %q is not in the schema", f.Name)
			}
			if seen[f.Name] {
				return nil, fmt.Errorf("field %q is shown twice", f.Name)
			}
			if f.Label.UK == "" {
				return nil, fmt.Errorf("field %q has no Ukrainian label", f.Name)
			}
			if f.Widget == WidgetSettlement && props[f.Name].Format != "katottg" {
				return nil, fmt.Errorf("field %q: the settlement widget needs format katottg", f.Name)
			}
			if f.Autofill != "" && !slices.Contains(AutofillSources, f.Autofill) && !strings.HasPrefix(f.Autofill, "registry.") {
				return nil, fmt.Errorf("field %q: unknown autofill %q", f.Name, f.Autofill)
			}
			seen[f.Name] = true
		}
	}
	for n := range props {
		if !seen[n] {
			return nil, fmt.Errorf("property %q is in no section", n)
		}
	}
	return layout, nil
}

// Sections returns the form's steps.
func (f *Form) Sections() []Section { return f.layout }

// Property returns what the schema says of a field.
func (f *Form) Property(name string) Property { return f.props[name] }

// Decode reads a posted step into data: each field of section i is set
// from the form values, or removed when left empty (so "required" reports
// it). A number that does not parse is kept as the text typed, so the
// person sees it again next to its error rather than losing it.
func (f *Form) Decode(i int, vals url.Values, data map[string]any) {
	if i < 0 || i >= len(f.layout) {
		return
	}
	for _, fl := range f.layout[i].Fields {
		p := f.props[fl.Name]
		raw := strings.TrimSpace(vals.Get(fl.Name))
		if p.Type == "boolean" {
			data[fl.Name] = raw != ""
			continue
		}
		if raw == "" {
			delete(data, fl.Name)
			continue
		}
		raw = normalise(p.Format, raw)
		switch p.Type {
		case "integer":
			if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
				data[fl.Name] = n
				continue
			}
		case "number":
			// "NaN" and "Inf" parse, but JSON has no such numbers: the
			// draft would not encode (found by FuzzFormDecode). Kept as
			// typed, they are refused as not a number.
			if n, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", "."), 64); err == nil && !math.IsNaN(n) && !math.IsInf(n, 0) {
				data[fl.Name] = n
				continue
			}
		}
		data[fl.Name] = raw
	}
}

// SectionErrors keeps the errors of section i's fields only: a step is
// checked on its own, the whole form before signing.
func (f *Form) SectionErrors(i int, errs Errors) Errors {
	out := Errors{}
	if i < 0 || i >= len(f.layout) {
		return out
	}
	for _, fl := range f.layout[i].Fields {
		if e, ok := errs[fl.Name]; ok {
			out[fl.Name] = e
		}
	}
	return out
}

// SectionOf returns the index of the section showing field name, or -1.
func (f *Form) SectionOf(name string) int {
	for i, s := range f.layout {
		for _, fl := range s.Fields {
			if fl.Name == name {
				return i
			}
		}
	}
	return -1
}

// Display is a value as a person reads it: an enum's label, "так"/"ні",
// numbers without a trailing ".0".
func (f *Form) Display(name string, v any, lang string) string {
	if v == nil {
		return ""
	}
	s := fmt.Sprint(v)
	for _, sec := range f.layout {
		for _, fl := range sec.Fields {
			if fl.Name != name {
				continue
			}
			if t, ok := fl.Options[s]; ok {
				return t.In(lang)
			}
		}
	}
	if b, ok := v.(bool); ok {
		if lang == "en" {
			return map[bool]string{true: "yes", false: "no"}[b]
		}
		return map[bool]string{true: "так", false: "ні"}[b]
	}
	if n, ok := v.(float64); ok {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	if p := f.props[name]; p.InputType() == "date" {
		// As people in Ukraine write dates: 14.03.1988.
		if d, err := time.Parse("2006-01-02", s); err == nil {
			return d.Format("02.01.2006")
		}
	}
	return s
}
