// Package forms is the electronic forms of services: a JSON Schema
// (2020-12) for the data, checked with santhosh-tekuri/jsonschema with
// Ukrainian identifiers as formats (РНОКПП, ЄДРПОУ, IBAN, phone, КАТОТТГ,
// dates in the past or the future), cross-field rules for arithmetic
// control (sums, ranges, "end after start"), and every problem reported per
// field with a message key in web/locales — "forming stops, with a clear
// message per field" (seed 003 §5.2).
//
// A form's layout (layout.go) splits it into steps with labels, hints and
// where each value may be filled from; modules/applications renders it.
package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"hromada/apperr"
	"hromada/ukid"
)

// Rule is a cross-field check the schema cannot express.
type Rule struct {
	// Kind is "sum" (Fields add up to Target), "after" (Fields[1] is a date
	// after Fields[0]) or "range" (Fields[0] ≤ Fields[1], numbers).
	Kind   string   `json:"kind"`
	Fields []string `json:"fields"`
	Target string   `json:"target,omitempty"`
}

// Definition is a service's form as the provider gives it.
type Definition struct {
	Schema json.RawMessage `json:"schema"`
	Rules  []Rule          `json:"rules,omitempty"`
	// Layout orders the fields in steps with their labels and hints; with
	// none, one step shows every property under its name.
	Layout []Section `json:"layout,omitempty"`
	// Documents says, for documents of the service's list in the register,
	// how each comes with an online application; a document not named is
	// optional (attached if it concerns the person).
	Documents []Document `json:"documents,omitempty"`
}

// Form is a compiled Definition, ready to check data.
type Form struct {
	schema *jsonschema.Schema
	rules  []Rule
	now    func() time.Time
	props  map[string]Property
	layout []Section
	docs   []Document
}

// Errors is every problem of a form's data, by field (a JSON pointer
// without the leading slash, "" for the form as a whole).
type Errors map[string]*apperr.Error

// ErrInvalidDefinition is a form definition that does not compile.
var ErrInvalidDefinition = apperr.New(apperr.Invalid, "error.form_definition")

var (
	phoneRE = regexp.MustCompile(`^\+380\d{9}$`)
)

// formats are the formats Hromada adds to JSON Schema's.
func formats(now func() time.Time) []*jsonschema.Format {
	str := func(check func(string) bool) func(any) error {
		return func(v any) error {
			s, ok := v.(string)
			if !ok || check(s) {
				return nil // a non-string is the type keyword's business
			}
			return errors.New("invalid")
		}
	}
	date := func(past bool) func(string) bool {
		return func(s string) bool {
			d, err := time.Parse("2006-01-02", s)
			if err != nil {
				return false
			}
			today := now().Truncate(24 * time.Hour)
			if past {
				return !d.After(today)
			}
			return !d.Before(today)
		}
	}
	return []*jsonschema.Format{
		{Name: "rnokpp", Validate: str(ukid.ValidRNOKPP)},
		{Name: "edrpou", Validate: str(ukid.ValidEDRPOU)},
		{Name: "iban-ua", Validate: str(ukid.ValidIBAN)},
		{Name: "phone-ua", Validate: str(phoneRE.MatchString)},
		{Name: "plate-ua", Validate: str(validPlate)},
		{Name: "katottg", Validate: str(ukid.ValidKATOTTG)},
		{Name: "date-past", Validate: str(date(true))},
		{Name: "date-future", Validate: str(date(false))},
	}
}

// Compile checks and compiles a definition. now is the clock of the date
// formats; nil means time.Now.
func Compile(d Definition, now func() time.Time) (*Form, error) {
	if now == nil {
		now = time.Now
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, f := range formats(now) {
		c.RegisterFormat(f)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(d.Schema))
	if err != nil {
		return nil, ErrInvalidDefinition.Wrap(err)
	}
	if err := c.AddResource("form.json", doc); err != nil {
		return nil, ErrInvalidDefinition.Wrap(err)
	}
	sch, err := c.Compile("form.json")
	if err != nil {
		return nil, ErrInvalidDefinition.Wrap(err)
	}
	for _, r := range d.Rules {
		if (r.Kind == "sum" && (len(r.Fields) == 0 || r.Target == "")) || ((r.Kind == "after" || r.Kind == "range") && len(r.Fields) != 2) ||
			(r.Kind != "sum" && r.Kind != "after" && r.Kind != "range") {
			return nil, ErrInvalidDefinition.Wrap(fmt.Errorf("rule %+v", r))
		}
	}
	props, err := properties(d.Schema)
	if err != nil {
		return nil, ErrInvalidDefinition.Wrap(err)
	}
	layout, err := checkLayout(d.Layout, props)
	if err != nil {
		return nil, ErrInvalidDefinition.Wrap(err)
	}
	if err := checkDocuments(d.Documents); err != nil {
		return nil, ErrInvalidDefinition.Wrap(err)
	}
	return &Form{schema: sch, rules: d.Rules, now: now, props: props, layout: layout, docs: d.Documents}, nil
}

// Check validates data (a JSON object) against the form; the result is
// empty when the data may be formed into an application.
func (f *Form) Check(data []byte) Errors {
	errs := Errors{}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		errs[""] = apperr.New(apperr.Invalid, "error.form_not_json")
		return errs
	}
	var ve *jsonschema.ValidationError
	if err := f.schema.Validate(inst); errors.As(err, &ve) {
		collect(ve, errs)
	}
	obj, _ := inst.(map[string]any)
	f.checkMarkup(obj, errs)
	for _, r := range f.rules {
		if _, taken := errs[r.Target]; taken && r.Kind == "sum" {
			continue
		}
		checkRule(r, obj, errs)
	}
	return errs
}

// collect turns the validator's tree of errors into one message per field:
// the first, deepest problem found for each.
func collect(ve *jsonschema.ValidationError, errs Errors) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collect(c, errs)
		}
		return
	}
	field := strings.Join(ve.InstanceLocation, "/")
	var e *apperr.Error
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			name := strings.TrimPrefix(field+"/"+m, "/")
			if _, ok := errs[name]; !ok {
				errs[name] = apperr.New(apperr.Invalid, "error.form_required")
			}
		}
		return
	case *kind.Format:
		e = apperr.New(apperr.Invalid, "error.form_format_"+strings.ReplaceAll(k.Want, "-", "_"))
	case *kind.MinLength:
		e = apperr.New(apperr.Invalid, "error.form_too_short").With(map[string]any{"Min": k.Want})
	case *kind.MaxLength:
		e = apperr.New(apperr.Invalid, "error.form_too_long").With(map[string]any{"Max": k.Want})
	case *kind.Minimum:
		e = apperr.New(apperr.Invalid, "error.form_minimum").With(map[string]any{"Min": ratString(k.Want)})
	case *kind.Maximum:
		e = apperr.New(apperr.Invalid, "error.form_maximum").With(map[string]any{"Max": ratString(k.Want)})
	case *kind.Type:
		e = apperr.New(apperr.Invalid, "error.form_type")
	case *kind.Enum:
		e = apperr.New(apperr.Invalid, "error.form_enum")
	case *kind.Pattern:
		e = apperr.New(apperr.Invalid, "error.form_pattern")
	default:
		e = apperr.New(apperr.Invalid, "error.form_invalid")
	}
	if _, ok := errs[field]; !ok {
		errs[field] = e
	}
}

func ratString(r *big.Rat) string {
	if r == nil {
		return ""
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(2)
}

func number(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(n.String())
		return r, ok
	case float64:
		return new(big.Rat).SetFloat64(n), true
	}
	return nil, false
}

func checkRule(r Rule, obj map[string]any, errs Errors) {
	switch r.Kind {
	case "sum":
		total := new(big.Rat)
		for _, f := range r.Fields {
			n, ok := number(obj[f])
			if !ok {
				return // a missing part is reported as such
			}
			total.Add(total, n)
		}
		want, ok := number(obj[r.Target])
		if ok && total.Cmp(want) != 0 {
			errs[r.Target] = apperr.New(apperr.Invalid, "error.form_sum").With(map[string]any{"Sum": ratString(total)})
		}
	case "range":
		lo, ok1 := number(obj[r.Fields[0]])
		hi, ok2 := number(obj[r.Fields[1]])
		if ok1 && ok2 && lo.Cmp(hi) > 0 {
			errs[r.Fields[1]] = apperr.New(apperr.Invalid, "error.form_range")
		}
	case "after":
		a, _ := obj[r.Fields[0]].(string)
		b, _ := obj[r.Fields[1]].(string)
		da, err1 := time.Parse("2006-01-02", a)
		db, err2 := time.Parse("2006-01-02", b)
		if err1 == nil && err2 == nil && !db.After(da) {
			errs[r.Fields[1]] = apperr.New(apperr.Invalid, "error.form_after")
		}
	}
}

// checkMarkup refuses HTML markup in free-text fields (strings with no
// format and no list of values): see hasMarkup.
func (f *Form) checkMarkup(obj map[string]any, errs Errors) {
	for name, v := range obj {
		s, ok := v.(string)
		p := f.props[name]
		if !ok || p.Format != "" || len(p.Enum) > 0 || !hasMarkup(s) {
			continue
		}
		if _, taken := errs[name]; !taken {
			errs[name] = apperr.New(apperr.Invalid, "error.form_markup")
		}
	}
}
