package devidp

import (
	"strings"

	"hromada/demo"
)

// Persona is a person one can sign in as.
//
// The identity provider only says who the person is; what they may do in a
// city is Hromada's to decide (roles and access grants), so Role and Provider
// are hints for whoever seeds the demo data and for the picker, never claims.
type Persona struct {
	ID   string // stable subject, e.g. "resident"; no ':' (op's bearer tokens are "<token id>:<subject>")
	Role string // resident | legal_rep | provider_head | official | administrator | dispatcher | owner | auditor | operator
	// The name as in a passport: Шевченко Олена Петрівна.
	FamilyName, GivenName, MiddleName string
	RNOKPP                            string // taxpayer number, 10 digits with a valid check digit
	EDRPOU                            string // company code, 8 digits with a valid check digit; only for legal_rep
	OrgName                           string // for legal_rep: the company's name
	Provider                          string // for provider_head and official: the demo provider's code
	Email, Phone                      string
	About                             struct{ UK, EN string } // one line in the picker: who this is and what they may do
}

// FullName is the name as the "name" claim carries it: given, middle,
// family (Олена Петрівна Шевченко).
func (p Persona) FullName() string {
	return strings.Join(strings.Fields(p.GivenName+" "+p.MiddleName+" "+p.FamilyName), " ")
}

// Personas are the demo people (the demo folder's personas.json), one or
// more per role: the default of Config.Personas. Their РНОКПП encode real
// birth dates (adults) and the sex digit (even for women, odd for men); the
// numbers, e-mail addresses (example.com) and phones are made up.
var Personas = personasOf(demo.MustRoster().Personas)

// personasOf are the demo folder's personas as the provider keeps them.
func personasOf(ps []demo.Persona) []Persona {
	out := make([]Persona, 0, len(ps))
	for _, p := range ps {
		q := Persona{ID: p.ID, Role: p.Role, FamilyName: p.FamilyName, GivenName: p.GivenName, MiddleName: p.MiddleName,
			RNOKPP: p.RNOKPP, EDRPOU: p.EDRPOU, OrgName: p.OrgName, Provider: p.Provider, Email: p.Email, Phone: p.Phone}
		q.About.UK, q.About.EN = p.About.UK, p.About.EN
		out = append(out, q)
	}
	return out
}

// roleNames are the roles as the picker shows them.
var roleNames = map[string]string{
	"resident":      "Мешканець",
	"legal_rep":     "Представник юридичної особи",
	"provider_head": "Керівник надавача",
	"official":      "Посадова особа",
	"administrator": "Адміністратор",
	"dispatcher":    "Розпорядник",
	"owner":         "Власник",
	"auditor":       "Аудитор безпеки",
	"operator":      "Оператор платформи",
}
