package devidp

import "strings"

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

// about builds the About field, whose type is an anonymous struct.
func about(uk, en string) struct{ UK, EN string } { return struct{ UK, EN string }{uk, en} }

// Personas are the demo people, one or more per role. Their РНОКПП encode
// real birth dates (adults) and the sex digit (even for women, odd for men);
// the numbers, e-mail addresses (example.com) and phones are made up.
var Personas = []Persona{
	{
		ID: "resident", Role: "resident",
		FamilyName: "Шевченко", GivenName: "Олена", MiddleName: "Петрівна",
		RNOKPP: "3221501449", // 14.03.1988
		Email:  "olena.shevchenko@example.com", Phone: "+380671000001",
		About: about("Мешканка: шукає послуги, подає заяви, платить, записується на прийом.",
			"Resident: finds services, applies, pays, books appointments."),
	},
	{
		ID: "legal_rep", Role: "legal_rep",
		FamilyName: "Коваленко", GivenName: "Андрій", MiddleName: "Миколайович",
		RNOKPP: "2916002336", // 02.11.1979
		EDRPOU: "43215679", OrgName: "ТОВ «Зелений Дніпро»",
		Email: "andrii.kovalenko@example.com", Phone: "+380671000002",
		About: about("Директор ТОВ «Зелений Дніпро»: подає заяви від імені компанії.",
			"Director of a company: applies on the company's behalf."),
	},
	{
		ID: "provider_head", Role: "provider_head", Provider: "dcnap",
		FamilyName: "Бондаренко", GivenName: "Ірина", MiddleName: "Василівна",
		RNOKPP: "2756513668", // 21.06.1975
		Email:  "iryna.bondarenko@example.com", Phone: "+380671000003",
		About: about("Керівниця ЦНАП: просить доступи для своїх посадовців, погоджує інформацію про послуги ЦНАП.",
			"Head of the administrative service centre: requests officials' access, approves its service information."),
	},
	{
		ID: "official-dcnap", Role: "official", Provider: "dcnap",
		FamilyName: "Мельник", GivenName: "Тарас", MiddleName: "Олегович",
		RNOKPP: "3312004777", // 05.09.1990
		Email:  "taras.melnyk@example.com", Phone: "+380671000004",
		About: about("Адміністратор ЦНАП: розглядає заяви до ЦНАП і видає результати.",
			"Official of the service centre: processes its applications and issues results."),
	},
	{
		ID: "official-transport", Role: "official", Provider: "transport",
		FamilyName: "Ткаченко", GivenName: "Наталія", MiddleName: "Іванівна",
		RNOKPP: "3071025884", // 30.01.1984
		Email:  "nataliia.tkachenko@example.com", Phone: "+380671000005",
		About: about("Посадовиця департаменту транспорту: розглядає заяви й звернення цього департаменту.",
			"Official of the transport department: processes its applications and appeals."),
	},
	{
		ID: "administrator", Role: "administrator",
		FamilyName: "Кравченко", GivenName: "Сергій", MiddleName: "Анатолійович",
		RNOKPP: "3005703112", // 17.04.1982
		Email:  "serhii.kravchenko@example.com", Phone: "+380671000006",
		About: about("Адміністратор (комунальне ІТ-підприємство): надає й блокує доступи посадовців, погоджує публікацію послуг.",
			"Administrator: grants and blocks officials' access, approves publishing of service information."),
	},
	{
		ID: "dispatcher", Role: "dispatcher",
		FamilyName: "Олійник", GivenName: "Марія", MiddleName: "Степанівна",
		RNOKPP: "3431006220", // 08.12.1993
		Email:  "mariia.oliinyk@example.com", Phone: "+380671000007",
		About: about("Розпорядниця (ІТ-департамент міста): організовує портал, стежить за якістю, вирішує щодо пропозицій.",
			"Dispatcher (the city's IT department): runs the portal, watches its quality, decides on proposals."),
	},
	{
		ID: "owner", Role: "owner",
		FamilyName: "Савченко", GivenName: "Віктор", MiddleName: "Богданович",
		RNOKPP: "2504311554", // 25.07.1968
		Email:  "viktor.savchenko@example.com", Phone: "+380671000008",
		About: about("Представник власника (міська рада): бачить звіти, моніторинг і підсумки аудиту, без персональних даних.",
			"Owner's representative (the council): reads reports, monitoring and audit summaries, no personal data."),
	},
	{
		ID: "auditor", Role: "auditor",
		FamilyName: "Бойко", GivenName: "Оксана", MiddleName: "Юріївна",
		RNOKPP: "3169507440", // 11.10.1986
		Email:  "oksana.boiko@example.com", Phone: "+380671000009",
		About: about("Аудиторка безпеки: читає журнал аудиту й події безпеки, нічого не змінює.",
			"Security auditor: reads the audit log and security events, changes nothing."),
	},
	{
		ID: "operator", Role: "operator",
		FamilyName: "Лисенко", GivenName: "Дмитро", MiddleName: "Романович",
		RNOKPP: "3328708996", // 19.02.1991
		Email:  "dmytro.lysenko@example.com", Phone: "+380671000010",
		About: about("Оператор платформи: створює й налаштовує громади, не бачить персональних даних громад.",
			"Platform operator: creates and configures cities, sees no city's personal data."),
	},
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
