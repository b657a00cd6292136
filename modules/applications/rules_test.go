package applications

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

var extractRules = RuleSet{
	Checks: []Check{{Name: "residence", Lookup: "residence"}},
	Refuse: []RefuseRule{{When: []Cond{{Fact: "residence.found", Op: "eq", Value: false}}, Ground: "Не зареєстрований у громаді"}},
	Require: []Cond{
		{Fact: "residence.registered", Op: "eq", Value: true},
		{Fact: "residence.katottg", Op: "eq", Field: "katottg", Reason: "КАТОТТГ у заяві не збігається з реєстром"},
		{Fact: "form.persons", Op: "gte", Value: 1.0},
	},
	Result: ResultSpec{Title: tenant.Text{UK: "Витяг"}, Facts: []ResultFact{{Label: tenant.Text{UK: "Адреса"}, Fact: "residence.address"}}},
}

func TestRulesValidate(t *testing.T) {
	t.Parallel()
	fields := []string{"katottg", "persons"}
	grounds := []string{"Не зареєстрований у громаді"}
	require.NoError(t, extractRules.Validate(fields, grounds))
	for name, mutate := range map[string]func(*RuleSet){
		"unknown lookup":      func(r *RuleSet) { r.Checks = []Check{{Name: "x", Lookup: "passports"}} },
		"duplicate check":     func(r *RuleSet) { r.Checks = append(r.Checks, r.Checks[0]) },
		"ground not listed":   func(r *RuleSet) { r.Refuse = []RefuseRule{{When: r.Refuse[0].When, Ground: "Інше"}} },
		"unknown fact source": func(r *RuleSet) { r.Require = []Cond{{Fact: "vehicles.count", Op: "gte", Value: 1}} },
		"unknown field":       func(r *RuleSet) { r.Require = []Cond{{Fact: "residence.katottg", Op: "eq", Field: "kato"}} },
		"unknown op":          func(r *RuleSet) { r.Require = []Cond{{Fact: "residence.found", Op: "like"}} },
		"no requirements":     func(r *RuleSet) { r.Require = nil },
		"no title":            func(r *RuleSet) { r.Result.Title = tenant.Text{} },
		"bad subject":         func(r *RuleSet) { r.Checks = []Check{{Name: "residence", Lookup: "residence", Subject: "field:nope"}} },
	} {
		rs := extractRules
		rs.Checks = append([]Check{}, rs.Checks...)
		rs.Require = append([]Cond{}, rs.Require...)
		mutate(&rs)
		require.ErrorIs(t, rs.Validate(fields, grounds), ErrRulesInvalid, name)
	}
}

func TestRulesEvaluate(t *testing.T) {
	t.Parallel()
	registered := Flatten("residence", map[string]any{"registered": true, "katottg": "UA80000000000093317", "address": "вул. Хрещатик, 10"})
	data := map[string]any{"katottg": "UA80000000000093317", "persons": 2.0}
	require.Equal(t, Outcome{Decision: "approve"}, extractRules.Evaluate(registered, data))

	other := map[string]any{"katottg": "UA46060250010015970", "persons": 2.0}
	out := extractRules.Evaluate(registered, other)
	require.Equal(t, "manual", out.Decision, "the form contradicts the registry")
	require.Equal(t, []string{"КАТОТТГ у заяві не збігається з реєстром"}, out.Reasons)

	notFound := map[string]any{"residence.found": false}
	require.Equal(t, Outcome{Decision: "refuse", Ground: "Не зареєстрований у громаді"}, extractRules.Evaluate(notFound, data))

	out = extractRules.Evaluate(registered, map[string]any{"katottg": "UA80000000000093317", "persons": 0.0})
	require.Equal(t, "manual", out.Decision)
	require.Contains(t, out.Reasons[0], "form.persons gte 1")
}

func TestFlatten(t *testing.T) {
	t.Parallel()
	f := Flatten("vehicles", []map[string]any{{"plate": "AA1234BB"}, {"plate": "KA0001AA"}})
	require.Equal(t, 2.0, f["vehicles.count"])
	require.Equal(t, "KA0001AA", f["vehicles.1.plate"])
	require.Equal(t, true, f["vehicles.found"])
	require.True(t, holds(Cond{Fact: "vehicles.0.plate", Op: "eq", Value: "aa1234bb "}, f, nil))
}

func TestFactText(t *testing.T) {
	t.Parallel()
	require.Equal(t, "09.08.2016", factText("2016-08-09"))
	require.Equal(t, "Шевченко Максим Андрійович, син; Шевченко Дарина Андріївна, дочка",
		factText([]any{map[string]any{"name": "Шевченко Максим Андрійович", "relation": "син", "rnokpp": "4104812317"},
			map[string]any{"name": "Шевченко Дарина Андріївна", "relation": "дочка"}}))
	require.Equal(t, "—", factText([]any{}))
	require.Equal(t, "0.1", factText(0.1))
	require.Equal(t, "так", factText(true))
}
