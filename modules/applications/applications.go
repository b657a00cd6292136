// Package applications is the life of an electronic application (seed 003
// §5, seed 000 items 5.4–5.6): a resident fills a service's form step by
// step (a draft saved at each), signs its canonical bytes with a qualified
// e-signature, and submits it once; the application is then locked (the
// database refuses changes), numbered, given a deadline, and either handed
// to automatic mode or queued for the provider's officials, who take it,
// ask for clarification, decide with grounds and issue a signed result.
// Every transition is a history row; the resident follows it in the
// cabinet.
package applications

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/catalog"
	"hromada/tenant"
)

// Status is where an application is in its life.
type Status string

// The statuses (seed 003 §5; the table's CHECK lists the same).
const (
	Draft         Status = "draft"
	Signed        Status = "signed"
	Received      Status = "received"
	InReview      Status = "in_review"
	Clarification Status = "clarification"
	Resubmitted   Status = "resubmitted"
	Approved      Status = "approved"
	Refused       Status = "refused"
	Issued        Status = "issued"
	Withdrawn     Status = "withdrawn"
)

// Statuses lists every status in the order of an application's life.
var Statuses = []Status{Draft, Signed, Received, InReview, Clarification, Resubmitted, Approved, Refused, Issued, Withdrawn}

// ActorKind is who moves an application.
type ActorKind string

// Who acts.
const (
	Applicant ActorKind = "applicant"
	Official  ActorKind = "official"
	System    ActorKind = "system" // Hromada itself: recording, automatic mode
	// ProviderSystem is a provider's own information system that took
	// the application (modules/provsys): it moves it as officials would.
	ProviderSystem ActorKind = "provider_system"
)

// transitions are the legal moves and who may make them. The system may
// decide too: automatic mode (the next module) approves or refuses without
// a human.
var transitions = map[Status]map[Status][]ActorKind{
	Draft:    {Signed: {Applicant}},
	Signed:   {Received: {System}},
	Received: {InReview: {Official, System, ProviderSystem}, Withdrawn: {Applicant}},
	InReview: {Clarification: {Official, ProviderSystem}, Approved: {Official, System, ProviderSystem},
		Refused: {Official, System, ProviderSystem}, Withdrawn: {Applicant}},
	Clarification: {Resubmitted: {Applicant}, Withdrawn: {Applicant}},
	Resubmitted:   {InReview: {Official, ProviderSystem}, Withdrawn: {Applicant}},
	Approved:      {Issued: {Official, System, ProviderSystem}},
	Refused:       {Issued: {Official, System, ProviderSystem}},
}

// CanMove says whether who may move an application from one status to
// another.
func CanMove(from, to Status, who ActorKind) bool {
	return slices.Contains(transitions[from][to], who)
}

// Open says whether the applicant may still withdraw: no decision yet.
func (s Status) Open() bool { return CanMove(s, Withdrawn, Applicant) }

// Final says whether nothing more will happen.
func (s Status) Final() bool { return s == Issued || s == Withdrawn }

// Errors of the applications' operations, shown to people.
var (
	ErrNotFound    = apperr.New(apperr.NotFound, "error.application_not_found")
	ErrTransition  = apperr.New(apperr.Conflict, "error.application_transition")
	ErrNoForm      = apperr.New(apperr.NotFound, "error.application_no_form")
	ErrIncomplete  = apperr.New(apperr.Invalid, "error.application_incomplete")
	ErrSignature   = apperr.New(apperr.Invalid, "error.application_signature")
	ErrChanged     = apperr.New(apperr.Conflict, "error.application_changed")
	ErrNeedComment = apperr.New(apperr.Invalid, "error.application_comment")
	ErrNeedGrounds = apperr.New(apperr.Invalid, "error.application_grounds")
	ErrNoSigner    = apperr.New(apperr.Unavailable, "error.application_no_signer")
)

// Application is an application as both sides see it.
type Application struct {
	ID           uuid.UUID
	Number       string
	ServiceID    uuid.UUID
	ServiceCode  string
	ServiceName  catalog.Text
	ProviderID   uuid.UUID
	ProviderName catalog.Text
	FormID       uuid.UUID
	FormVersion  int
	ApplicantID  uuid.UUID
	Applicant    string // full name
	RNOKPP       string
	EDRPOU       string
	OrgName      string
	Status       Status
	Step         int
	Data         map[string]any
	Canonical    []byte
	Signature    []byte
	SignerRNOKPP string
	SignerName   string
	SignedAt     *time.Time
	SentAt       *time.Time
	ReceivedAt   *time.Time
	DueOn        *time.Time
	// PausedAt is when a clarification request stopped the term (nil
	// while it runs); PausedDays are the days it had left then.
	PausedAt    *time.Time
	PausedDays  *int
	AssigneeID  *uuid.UUID
	Decision    string
	Grounds     string
	DecidedBy   *uuid.UUID
	DecidedPos  string
	DecidedName string
	DecidedAt   *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Automatic   bool
}

// Overdue says whether the deadline has passed without a result.
// A paused term is not overdue: the applicant has the next move.
func (a *Application) Overdue(now time.Time) bool {
	if a.DueOn == nil || a.PausedAt != nil || a.Status.Final() || a.Status == Approved || a.Status == Refused {
		return false
	}
	today := now.In(tenant.Zone).Format("2006-01-02")
	return a.DueOn.Format("2006-01-02") < today
}

// Event is one row of an application's history.
type Event struct {
	From, To  Status
	ActorKind ActorKind
	ActorName string
	Comment   string
	At        time.Time
}

// File is a document of an application.
type File struct {
	ID          uuid.UUID
	Kind        string // attachment | answer | result | result_signature | decision | decision_signature | decision_data | decision_data_signature
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Key         string
	AddedAt     time.Time
	Document    int // an attachment's place in the service's list of documents, from 1; 0 for none
}

// Owner is the person whose applications a resident's request may reach:
// their own, or, acting for a legal entity, the entity's.
type Owner struct {
	AccountID uuid.UUID
	EDRPOU    string
	OrgName   string
}

// Staff is an official acting on applications.
type Staff struct {
	AccountID uuid.UUID
	FullName  string
	RNOKPP    string
	// Position is what the official's decisions record; empty means the
	// one their access holds at the application's provider, read in the
	// action's own transaction (the signed-in official's, SignedStaff).
	Position string
}

// SignedContent is what a resident signs: the application's canonical
// bytes are signature.Canonical of this (docs/applications.md). It names
// the application, the service and form version, the applicant, every
// value of the form and every attachment by its SHA-256, so a signature
// covers the files too.
type SignedContent struct {
	Application string         `json:"application"`
	City        string         `json:"city"`
	Service     string         `json:"service"`
	ServiceName string         `json:"service_name"`
	FormVersion int            `json:"form_version"`
	Applicant   SignedPerson   `json:"applicant"`
	Data        map[string]any `json:"data"`
	Attachments []SignedFile   `json:"attachments"`
}

// SignedPerson is the applicant in SignedContent.
type SignedPerson struct {
	RNOKPP   string `json:"rnokpp"`
	FullName string `json:"full_name"`
	EDRPOU   string `json:"edrpou,omitempty"`
	OrgName  string `json:"org_name,omitempty"`
}

// SignedFile is an attachment in SignedContent.
type SignedFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// DecisionRecord is what an official signs when issuing the result: the
// decision with the date, time, position and full name (seed 003 §5.8).
type DecisionRecord struct {
	Application string       `json:"application"`
	Number      string       `json:"number"`
	City        string       `json:"city"`
	Service     string       `json:"service"`
	ServiceName string       `json:"service_name"`
	Provider    string       `json:"provider"`
	Applicant   SignedPerson `json:"applicant"`
	Decision    string       `json:"decision"`
	Grounds     string       `json:"grounds,omitempty"`
	Comment     string       `json:"comment,omitempty"`
	DecidedAt   string       `json:"decided_at"`
	Position    string       `json:"position"`
	FullName    string       `json:"full_name"`
	// Document is the decision's PDF, which the official signs too.
	Document *SignedFile `json:"document,omitempty"`
	Result   *SignedFile `json:"result,omitempty"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
