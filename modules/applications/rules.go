package applications

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"sort"
	"strings"

	"hromada/apperr"
	"hromada/tenant"
)

// RuleSet decides a service's applications in automatic mode (seed 003
// §5.5–5.6): which registries to ask, what must hold to provide the
// service, what refuses it, and what the result says. It is data, not
// code: the provider's staff edit it (versioned, published like the form)
// and try it on sample data before it is published.
//
//	{"checks":  [{"name": "residence", "lookup": "residence"}],
//	 "refuse":  [{"when": [{"fact": "residence.found", "op": "eq", "value": false}],
//	              "ground": "Особа не зареєстрована на території громади"}],
//	 "require": [{"fact": "residence.registered", "op": "eq", "value": true},
//	             {"fact": "residence.katottg", "op": "eq", "field": "katottg",
//	              "reason": "Код КАТОТТГ у заяві не збігається з реєстром"}],
//	 "result":  {"title": {"uk": "Витяг з реєстру територіальної громади"},
//	             "facts": [{"label": {"uk": "Адреса"}, "fact": "residence.address"}]}}
type RuleSet struct {
	Checks  []Check      `json:"checks"`
	Refuse  []RefuseRule `json:"refuse,omitempty"`
	Require []Cond       `json:"require"`
	Result  ResultSpec   `json:"result"`
}

// Check is a registry lookup whose answer becomes facts "<name>.<field>"
// (and "<name>.found": false when the registry has no record).
type Check struct {
	Name string `json:"name"`
	// Lookup is residence, vehicles, benefits or land.
	Lookup string `json:"lookup"`
	// Subject is whom the lookup is about: "applicant" (the default, by
	// the applicant's РНОКПП) or "field:<name>" (a value of the form, e.g.
	// a cadastral number).
	Subject string `json:"subject,omitempty"`
	// Purpose is the lawful purpose logged with the query (personal data
	// access is accountable); defaults to the service's code.
	Purpose string `json:"purpose,omitempty"`
}

// Lookups are the registry lookups a Check may name.
var Lookups = []string{"residence", "vehicles", "benefits", "land"}

// Cond is one condition over the facts and the form's data.
type Cond struct {
	Fact string `json:"fact"`
	// Op is eq, ne, present, absent, gte, lte or contains.
	Op string `json:"op"`
	// Value is what Fact is compared with; Field, when set, compares with
	// that field of the form instead (a cross-check: the form must not
	// contradict the registries, seed 003 §5.2).
	Value any    `json:"value,omitempty"`
	Field string `json:"field,omitempty"`
	// Reason says, for the officials, what it means when the condition
	// does not hold.
	Reason string `json:"reason,omitempty"`
}

// RefuseRule refuses the service when all its conditions hold; Ground is
// one of the service's grounds for refusal.
type RefuseRule struct {
	When   []Cond `json:"when"`
	Ground string `json:"ground"`
}

// ResultSpec is what the result document says beside the decision.
type ResultSpec struct {
	Title tenant.Text  `json:"title"`
	Facts []ResultFact `json:"facts,omitempty"`
}

// ResultFact is a labelled fact of the result document.
type ResultFact struct {
	Label tenant.Text `json:"label"`
	Fact  string      `json:"fact"`
}

// Outcome is what a rule set decides.
type Outcome struct {
	// Decision is "approve", "refuse" or "manual" (officials decide).
	Decision string   `json:"decision"`
	Ground   string   `json:"ground,omitempty"`
	Reasons  []string `json:"reasons,omitempty"` // why manual
}

// ErrRulesInvalid is a rule set that cannot run.
var ErrRulesInvalid = apperr.New(apperr.Invalid, "error.rules_invalid")

var ops = []string{"eq", "ne", "present", "absent", "gte", "lte", "contains"}

// Validate checks a rule set against the form's fields and the service's
// grounds for refusal.
func (rs RuleSet) Validate(fields []string, grounds []string) error {
	bad := func(f string, args ...any) error { return ErrRulesInvalid.Wrap(fmt.Errorf(f, args...)) }
	names := map[string]bool{"form": true}
	for _, c := range rs.Checks {
		if c.Name == "" || strings.ContainsAny(c.Name, ". ") || names[c.Name] {
			return bad("check %q: a name is needed, unique, without dots", c.Name)
		}
		if !slices.Contains(Lookups, c.Lookup) {
			return bad("check %q: unknown lookup %q (want one of %s)", c.Name, c.Lookup, strings.Join(Lookups, ", "))
		}
		if f, ok := strings.CutPrefix(c.Subject, "field:"); ok && !slices.Contains(fields, f) {
			return bad("check %q: the form has no field %q", c.Name, f)
		} else if !ok && c.Subject != "" && c.Subject != "applicant" {
			return bad("check %q: subject is applicant or field:<name>", c.Name)
		}
		names[c.Name] = true
	}
	cond := func(c Cond) error {
		if !slices.Contains(ops, c.Op) {
			return bad("condition on %q: unknown op %q", c.Fact, c.Op)
		}
		src, _, _ := strings.Cut(c.Fact, ".")
		if !names[src] {
			return bad("condition on %q: no check named %q", c.Fact, src)
		}
		if src == "form" && !slices.Contains(fields, strings.TrimPrefix(c.Fact, "form.")) {
			return bad("condition on %q: the form has no such field", c.Fact)
		}
		if c.Field != "" && !slices.Contains(fields, c.Field) {
			return bad("condition on %q: the form has no field %q", c.Fact, c.Field)
		}
		return nil
	}
	for _, r := range rs.Refuse {
		if !slices.Contains(grounds, r.Ground) {
			return bad("refusal %q is not one of the service's grounds for refusal", r.Ground)
		}
		if len(r.When) == 0 {
			return bad("refusal %q has no conditions", r.Ground)
		}
		for _, c := range r.When {
			if err := cond(c); err != nil {
				return err
			}
		}
	}
	if len(rs.Require) == 0 {
		return bad("no conditions to approve: a service is never provided without checks")
	}
	for _, c := range rs.Require {
		if err := cond(c); err != nil {
			return err
		}
	}
	if rs.Result.Title.UK == "" {
		return bad("the result has no Ukrainian title")
	}
	return nil
}

// Evaluate decides on facts (from the checks) and the form's data: a
// matching refusal refuses; all requirements holding approves; anything
// else goes to the officials with the reasons.
func (rs RuleSet) Evaluate(facts, data map[string]any) Outcome {
	all := map[string]any{}
	for k, v := range facts {
		all[k] = v
	}
	for k, v := range data {
		all["form."+k] = v
	}
	for _, r := range rs.Refuse {
		if every(r.When, all, data) {
			return Outcome{Decision: "refuse", Ground: r.Ground}
		}
	}
	var reasons []string
	for _, c := range rs.Require {
		if !holds(c, all, data) {
			reasons = append(reasons, c.explain())
		}
	}
	if len(reasons) > 0 {
		return Outcome{Decision: "manual", Reasons: reasons}
	}
	return Outcome{Decision: "approve"}
}

func (c Cond) explain() string {
	if c.Reason != "" {
		return c.Reason
	}
	want := fmt.Sprint(c.Value)
	if c.Field != "" {
		want = "поле заяви «" + c.Field + "»"
	}
	return fmt.Sprintf("Умова не виконана: %s %s %s", c.Fact, c.Op, want)
}

func every(cs []Cond, facts, data map[string]any) bool {
	for _, c := range cs {
		if !holds(c, facts, data) {
			return false
		}
	}
	return true
}

func holds(c Cond, facts, data map[string]any) bool {
	v, ok := facts[c.Fact]
	want := c.Value
	if c.Field != "" {
		want = data[c.Field]
	}
	switch c.Op {
	case "present":
		return ok && v != nil && v != ""
	case "absent":
		return !ok || v == nil || v == ""
	case "eq":
		return ok && same(v, want)
	case "ne":
		return !ok || !same(v, want)
	case "gte", "lte":
		a, ok1 := num(v)
		b, ok2 := num(want)
		if !ok1 || !ok2 {
			return false
		}
		if c.Op == "gte" {
			return a.Cmp(b) >= 0
		}
		return a.Cmp(b) <= 0
	case "contains":
		switch xs := v.(type) {
		case []any:
			return slices.ContainsFunc(xs, func(x any) bool { return same(x, want) })
		case []string:
			return slices.Contains(xs, fmt.Sprint(want))
		case string:
			return strings.Contains(xs, fmt.Sprint(want))
		}
	}
	return false
}

// same compares a fact with a value as people would: numbers by value,
// text without case and surrounding spaces.
func same(a, b any) bool {
	if x, ok := num(a); ok {
		if y, ok := num(b); ok {
			return x.Cmp(y) == 0
		}
	}
	if as, ok := a.(string); ok {
		if bs, ok := b.(string); ok {
			return strings.EqualFold(strings.TrimSpace(as), strings.TrimSpace(bs))
		}
	}
	return reflect.DeepEqual(a, b)
}

func num(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case float64:
		return new(big.Rat).SetFloat64(n), true
	case int:
		return new(big.Rat).SetInt64(int64(n)), true
	case int64:
		return new(big.Rat).SetInt64(n), true
	case json.Number:
		return new(big.Rat).SetString(n.String())
	}
	return nil, false
}

// Flatten turns a registry's answer into facts "<prefix>.<path>": nested
// objects by dots, arrays by index, plus "<prefix>.count" for an array
// answer and "<prefix>.found" true.
func Flatten(prefix string, v any) map[string]any {
	out := map[string]any{prefix + ".found": true}
	var raw any
	b, err := json.Marshal(v)
	if err == nil {
		_ = json.Unmarshal(b, &raw)
	}
	var walk func(p string, x any)
	walk = func(p string, x any) {
		switch t := x.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(p+"."+k, t[k])
			}
		case []any:
			out[p+".count"] = float64(len(t))
			out[p] = t
			for i, e := range t {
				walk(fmt.Sprintf("%s.%d", p, i), e)
			}
		default:
			out[p] = t
		}
	}
	walk(prefix, raw)
	return out
}
