package applications

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/forms"
	"hromada/tenant"
)

// LoadDemoForms publishes the demo cities' electronic forms for the demo
// services a city has; running it again publishes nothing new.
func LoadDemoForms(ctx context.Context, tx pgx.Tx) error {
	for _, code := range demoFormOrder {
		var has bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM service_forms f JOIN services s ON s.id = f.service_id WHERE s.code = $1)`, code).Scan(&has)
		if err != nil {
			return err
		}
		if has {
			continue
		}
		if _, err := PublishForm(ctx, tx, code, DemoForms[code], nil); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
	for code, rs := range DemoRules {
		var has, exists bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM services WHERE code = $1),
			EXISTS (SELECT FROM service_rules r JOIN services s ON s.id = r.service_id WHERE s.code = $1)`, code).Scan(&exists, &has)
		if err != nil {
			return err
		}
		if exists && !has {
			if err := PublishRules(ctx, tx, code, rs); err != nil {
				return err
			}
		}
	}
	return nil
}

// DemoRules are the automatic-mode rule sets of the demo services that may
// run without an official, by service code.
var DemoRules = map[string]RuleSet{
	"KY-0003": {
		Checks: []Check{{Name: "residence", Lookup: "residence"}},
		Refuse: []RefuseRule{{When: []Cond{{Fact: "residence.found", Op: "eq", Value: false}},
			Ground: "Адреса відсутня в реєстрі територіальної громади"}},
		Require: []Cond{
			{Fact: "residence.registered", Op: "eq", Value: true, Reason: "За даними реєстру територіальної громади особа не зареєстрована"},
			{Fact: "residence.katottg", Op: "eq", Field: "katottg", Reason: "Код КАТОТТГ у заяві не збігається з реєстром територіальної громади"},
		},
		Result: ResultSpec{Title: t("Довідка про зареєстрованих у житловому приміщенні осіб", "Certificate of persons registered at a dwelling"),
			Facts: []ResultFact{
				{Label: t("Адреса житла", "Address"), Fact: "residence.address"},
				{Label: t("Зареєстрований(-а) з", "Registered since"), Fact: "residence.since"},
				{Label: t("Також зареєстровані", "Also registered"), Fact: "residence.household"},
			}},
	},
}

var demoFormOrder = []string{"KY-0001", "KY-0003", "KY-0016", "KY-0047", "LV-0001"}

func t(uk, en string) tenant.Text { return tenant.Text{UK: uk, EN: en} }

func schema(s string) json.RawMessage { return json.RawMessage(s) }

// applicantSection is the applicant's details, filled from the profile.
var applicantSection = forms.Section{Title: t("Заявник", "Applicant"), Fields: []forms.Field{
	{Name: "full_name", Label: t("Прізвище, ім’я, по батькові", "Full name"), Autofill: "profile.full_name"},
	{Name: "rnokpp", Label: t("РНОКПП (ідентифікаційний код)", "Taxpayer number (RNOKPP)"), Autofill: "profile.rnokpp",
		Hint: t("10 цифр", "10 digits")},
	{Name: "birth_date", Label: t("Дата народження", "Date of birth"), Autofill: "profile.birth_date"},
	{Name: "phone", Label: t("Телефон", "Phone"), Autofill: "profile.phone", Hint: t("У форматі +380XXXXXXXXX", "As +380XXXXXXXXX")},
}}

const applicantProps = `"full_name": {"type": "string", "minLength": 5, "maxLength": 200},
    "rnokpp": {"type": "string", "format": "rnokpp"},
    "birth_date": {"type": "string", "format": "date-past"},
    "phone": {"type": "string", "format": "phone-ua"}`

const applicantRequired = `"full_name", "rnokpp", "birth_date", "phone"`

// DemoForms are the demo services' electronic forms, by service code.
var DemoForms = map[string]forms.Definition{
	"KY-0001": residence,
	"LV-0001": residence,
	"KY-0003": {
		Schema: schema(`{"type": "object", "required": [` + applicantRequired + `, "katottg", "address", "purpose", "persons"],
  "properties": {` + applicantProps + `,
    "katottg": {"type": "string", "format": "katottg"},
    "address": {"type": "string", "minLength": 5, "maxLength": 300},
    "purpose": {"enum": ["subsidy", "bank", "court", "other"]},
    "persons": {"type": "integer", "minimum": 1, "maximum": 20}}}`),
		Layout: []forms.Section{applicantSection, {Title: t("Житло", "Dwelling"), Fields: []forms.Field{
			{Name: "katottg", Label: t("Код населеного пункту за КАТОТТГ", "Settlement code (KATOTTG)"), Autofill: "registry.residence.katottg",
				Hint: t("UA і 17 цифр; для Києва — UA80000000000093317", "UA and 17 digits; Kyiv is UA80000000000093317")},
			{Name: "address", Label: t("Адреса житла (вулиця, будинок, квартира)", "Address (street, house, flat)"), Autofill: "registry.residence.address"},
			{Name: "persons", Label: t("Скільки осіб зареєстровано в житлі", "How many people are registered there"), Autofill: "registry.residence.household_size"},
			{Name: "purpose", Label: t("Для чого потрібна довідка", "What the certificate is for"), Widget: "radio", Options: map[string]tenant.Text{
				"subsidy": t("Для субсидії", "For a subsidy"), "bank": t("Для банку", "For a bank"), "court": t("Для суду", "For a court"), "other": t("Інше", "Other")}},
		}}},
	},
	"KY-0016": {
		Schema: schema(`{"type": "object", "required": [` + applicantRequired + `, "address", "household", "income_salary", "income_pension", "income_other", "income_total", "area"],
  "properties": {` + applicantProps + `,
    "address": {"type": "string", "minLength": 5, "maxLength": 300},
    "household": {"type": "integer", "minimum": 1, "maximum": 20},
    "area": {"type": "number", "minimum": 5, "maximum": 1000},
    "income_salary": {"type": "number", "minimum": 0},
    "income_pension": {"type": "number", "minimum": 0},
    "income_other": {"type": "number", "minimum": 0},
    "income_total": {"type": "number", "minimum": 0},
    "iban": {"type": "string", "format": "iban-ua"}}}`),
		Rules: []forms.Rule{{Kind: "sum", Fields: []string{"income_salary", "income_pension", "income_other"}, Target: "income_total"}},
		Layout: []forms.Section{applicantSection, {Title: t("Домогосподарство", "Household"), Fields: []forms.Field{
			{Name: "address", Label: t("Адреса житла", "Address"), Autofill: "previous"},
			{Name: "household", Label: t("Кількість членів домогосподарства", "Members of the household")},
			{Name: "area", Label: t("Загальна площа житла, м²", "Total floor area, m²")},
		}}, {Title: t("Доходи за останні 6 місяців, грн", "Income over the last 6 months, UAH"), Fields: []forms.Field{
			{Name: "income_salary", Label: t("Заробітна плата", "Salary")},
			{Name: "income_pension", Label: t("Пенсія", "Pension")},
			{Name: "income_other", Label: t("Інші доходи", "Other income")},
			{Name: "income_total", Label: t("Разом", "Total"), Hint: t("Сума трьох рядків вище", "The sum of the three lines above")},
			{Name: "iban", Label: t("IBAN рахунку для виплат (необов’язково)", "IBAN for payments (optional)"), Autofill: "previous"},
		}}},
	},
	"KY-0047": {
		Schema: schema(`{"type": "object", "required": [` + applicantRequired + `, "plate", "make", "zone", "start", "end"],
  "properties": {` + applicantProps + `,
    "plate": {"type": "string", "pattern": "^[A-ZА-ЯІЇЄ]{2}[0-9]{4}[A-ZА-ЯІЇЄ]{2}$"},
    "make": {"type": "string", "minLength": 2, "maxLength": 60},
    "zone": {"enum": ["A", "B", "C"]},
    "start": {"type": "string", "format": "date-future"},
    "end": {"type": "string", "format": "date-future"}}}`),
		Rules: []forms.Rule{{Kind: "after", Fields: []string{"start", "end"}}},
		Layout: []forms.Section{applicantSection, {Title: t("Автомобіль і період", "Vehicle and period"), Fields: []forms.Field{
			{Name: "plate", Label: t("Номерний знак", "Number plate"), Hint: t("Наприклад, AA1234BB", "For example AA1234BB"), Autofill: "previous"},
			{Name: "make", Label: t("Марка і модель", "Make and model"), Autofill: "previous"},
			{Name: "zone", Label: t("Зона паркування", "Parking zone"), Options: map[string]tenant.Text{
				"A": t("Зона A (центр)", "Zone A (centre)"), "B": t("Зона B", "Zone B"), "C": t("Зона C", "Zone C")}},
			{Name: "start", Label: t("Початок дії абонемента", "Season ticket starts")},
			{Name: "end", Label: t("Кінець дії абонемента", "Season ticket ends")},
		}}},
	},
}

var residence = forms.Definition{
	Schema: schema(`{"type": "object", "required": [` + applicantRequired + `, "katottg", "address", "basis", "moved_on"],
  "properties": {` + applicantProps + `,
    "email": {"type": "string", "format": "email"},
    "katottg": {"type": "string", "format": "katottg"},
    "address": {"type": "string", "minLength": 5, "maxLength": 300},
    "basis": {"enum": ["owner", "tenant", "family"]},
    "moved_on": {"type": "string", "format": "date-past"},
    "previous_address": {"type": "string", "maxLength": 300},
    "deregister": {"type": "boolean"}}}`),
	Layout: []forms.Section{
		{Title: applicantSection.Title, Fields: append(append([]forms.Field{}, applicantSection.Fields...),
			forms.Field{Name: "email", Label: t("Електронна пошта (необов’язково)", "E-mail (optional)"), Autofill: "profile.email"})},
		{Title: t("Нове місце проживання", "New place of residence"), Fields: []forms.Field{
			{Name: "katottg", Label: t("Код населеного пункту за КАТОТТГ", "Settlement code (KATOTTG)"),
				Hint: t("UA і 17 цифр; для Києва — UA80000000000093317", "UA and 17 digits; Kyiv is UA80000000000093317")},
			{Name: "address", Label: t("Адреса (вулиця, будинок, квартира)", "Address (street, house, flat)")},
			{Name: "basis", Label: t("Підстава проживання", "Right to live there"), Widget: "radio", Options: map[string]tenant.Text{
				"owner": t("Власник житла", "Owner"), "tenant": t("Наймач за договором", "Tenant under a lease"), "family": t("Член сім’ї власника", "Owner's family member")}},
			{Name: "moved_on", Label: t("Дата вселення", "Date moved in")},
		}},
		{Title: t("Попереднє місце проживання", "Previous place of residence"), Fields: []forms.Field{
			{Name: "previous_address", Label: t("Попередня адреса (необов’язково)", "Previous address (optional)"), Autofill: "previous"},
			{Name: "deregister", Label: t("Одночасно зняти з реєстрації за попередньою адресою", "Deregister from the previous address at the same time")},
		}},
	},
}
