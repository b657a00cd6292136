// Package catalog is the city's register of administrative services (seed
// 003 annex 1, seed 000 annex 1): its providers, services, life situations
// and administrative service centres (ЦНАП), the public pages and JSON API
// that show them without sign-in, and the Ukrainian search over them.
//
// A service's information changes only through revisions: provider staff
// propose, the administrator publishes or returns (seed 003 §7.3–7.6); the
// public sees the published revision only.
package catalog

import (
	"time"

	"github.com/google/uuid"

	"hromada/tenant"
)

// Text is a translatable text: Ukrainian required, English optional.
type Text = tenant.Text

// User categories of a service.
const (
	Individual  = "individual"
	LegalEntity = "legal_entity"
)

// Ways to submit an application.
const (
	SubmitOnline = "online" // through the portal, with a qualified e-signature
	SubmitCentre = "centre" // in person at an administrative service centre
	SubmitMail   = "mail"   // by post
)

// Content is everything seed 003 annex 1 asks a service's card to say. It
// is what a revision proposes and what publication makes public.
type Content struct {
	Code string `json:"code"` // the city's own code in its register, e.g. "KY-0001"
	// NationalCode is the service's identifier in the national register of
	// administrative services (seed 000 §12), five digits, e.g. "00010";
	// empty for a service the national register does not list.
	NationalCode   string     `json:"national_code,omitempty"`
	Name           Text       `json:"name"`
	Summary        Text       `json:"summary"` // one or two sentences: what it is, for whom
	UserCategories []string   `json:"user_categories"`
	LegalBasis     []Text     `json:"legal_basis"` // acts, each a line: «Закон України … ст. …»
	Conditions     Text       `json:"conditions"`  // conditions and cases in which it is provided
	FAQ            []QA       `json:"faq"`
	Documents      []Document `json:"documents"` // the exhaustive list of required documents
	WaysToSubmit   []string   `json:"ways_to_submit"`
	Term           Term       `json:"term"`
	RefusalGrounds []Text     `json:"refusal_grounds"`
	Appeal         Text       `json:"appeal"` // how to appeal the decision
	Fee            Fee        `json:"fee"`
	Result         Text       `json:"result"`
	ResultDelivery []Text     `json:"result_delivery"` // how the result is received
	Automatic      bool       `json:"automatic"`       // may run in automatic mode
	FormURL        string     `json:"form_url,omitempty"`
	LifeSituations []string   `json:"life_situations"` // codes
	Categories     []string   `json:"categories"`
	Tags           []string   `json:"tags"`
	Centres        []string   `json:"centres"` // codes of the centres where it is available
}

// Document is one of the documents a service requires (seed 003 annex 1,
// their exhaustive list), as a structured item: its name — the Text, inline
// in JSON ({"uk", "en"}) as the list of texts always had it, so that a
// reader of texts (the applications' documents step) reads it unchanged —
// whether its original must be shown, and when it is needed if not always.
type Document struct {
	Text
	Original  bool   `json:"original,omitempty"`  // the original is shown; else a copy will do
	Condition string `json:"condition,omitempty"` // needed only then, e.g. «для дітей до 14 років»; empty: always
}

// Doc is a document needed always, a copy of which will do.
func Doc(name string) Document { return Document{Text: Text{UK: name}} }

// names are the documents' names.
func names(ds []Document) []Text {
	out := make([]Text, len(ds))
	for i, d := range ds {
		out[i] = d.Text
	}
	return out
}

// QA is a frequently asked question with its answer.
type QA struct {
	Question Text `json:"question"`
	Answer   Text `json:"answer"`
}

// Term is how long the provider has to give the result.
type Term struct {
	Days    int  `json:"days"`
	Working bool `json:"working"` // working days (else calendar days)
	// PausesOnClarification says the law stops the term while the
	// applicant is asked for clarification: it runs again, with the days
	// that were left, from the applicant's answer (modules/applications).
	PausesOnClarification bool `json:"pauses_on_clarification,omitempty"`
}

// Fee is what the service costs.
type Fee struct {
	Free          bool   `json:"free"`
	AmountKopecks int64  `json:"amount_kopecks,omitempty"`
	Basis         Text   `json:"basis,omitempty"` // what fixes the amount
	IBAN          string `json:"iban,omitempty"`
	Recipient     string `json:"recipient,omitempty"`
	EDRPOU        string `json:"edrpou,omitempty"` // the recipient's
	Purpose       string `json:"purpose,omitempty"`
	// Refundable says the fee is returned when the application is refused
	// (modules/payments); by default it is kept.
	Refundable bool `json:"refundable,omitempty"`
	// PayFirst says the fee is paid before the application is signed and
	// submitted («Оплата до подання»): the draft's invoice is made when
	// the resident pays, and the submission waits for it to be paid
	// (modules/applications). By default the fee is paid after.
	PayFirst bool `json:"pay_first,omitempty"`
}

// Published is a published service: its content as the public sees it.
type Published struct {
	ID          uuid.UUID
	ProviderID  uuid.UUID
	Content     Content
	PublishedAt time.Time
	// Online says it can be applied for online (Options.Online), where a
	// list shows it: a centre's services.
	Online bool
}

// Provider describes a provider of services (seed 003 annex 2).
type Provider struct {
	ID          uuid.UUID
	Code        string
	Kind        string // e.g. "департамент", "районна в місті державна адміністрація", "комунальне підприємство"
	Name        Text
	EDRPOU      string
	Address     Text
	Phone       string
	Website     string
	Email       string
	Hours       Text
	Units       []Text
	Responsible []Responsible
}

// Responsible is the official responsible for the provider's information
// on the portal (seed 003 annex 2).
type Responsible struct {
	Name string `json:"name"`
	// Unit is the structural unit the official belongs to, if any (seed
	// 000 annex 3, item 2).
	Unit  string `json:"unit,omitempty"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// LifeSituation groups services around an event in a person's life.
type LifeSituation struct {
	Code        string
	Name        Text
	Description Text
	Position    int
}

// Centre is an administrative service centre (ЦНАП), a branch of one, or a
// remote workplace (seed 000 annex 2).
type Centre struct {
	Code       string
	Kind       string // centre | branch | remote
	ParentCode string
	Body       string // the body that formed it
	BodyEDRPOU string
	Name       Text
	Address    Text
	Lat, Lon   float64
	Hours      Text
	Phone      string
	Email      string
	Website    string
}

// Register is a whole register at once: the demo cities' content, and the
// shape of an import.
type Register struct {
	Providers      []Provider
	LifeSituations []LifeSituation
	Centres        []Centre
	Services       []RegisteredService
	// fromCSV says the services carry only services.csv's columns
	// (DecodeRegisterCSV): an import keeps the rest of a service's content.
	fromCSV bool
}

// RegisteredService is a service of a Register with its provider's code.
type RegisteredService struct {
	Provider string // Provider.Code
	Content  Content
}
