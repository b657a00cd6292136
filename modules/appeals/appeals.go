// Package appeals is citizens' appeals (issue 18; the Law of Ukraine «Про
// звернення громадян»): a signed-in resident files a proposal, a statement
// or a complaint in a category of the city's classifier, with text, photos
// and a place; the city's routing rules send it to the competent provider
// and unit; the provider's officials work it in the workspace, ask
// questions in its thread and answer with a letter they sign; the
// resident follows it in the cabinet and rates the answer.
//
// The law shapes it: no anonymous appeal, and no repeated appeal on a
// matter already answered, is considered (art. 8: both refused with the
// law's reason); a complaint never goes to the provider or official it is
// about (art. 7: in the routing code and a CHECK of the table); a
// provider that is not competent forwards it within five days, telling
// the resident why (art. 7); the term is fifteen days or a month by kind,
// extended to 45 days at most with a reason told to the resident
// (art. 20), on the city's calendar (modules/terms). Terms escalate as
// applications' do: a reminder when one working day is left, the provider
// head when it passes, the dispatcher a working day later.
package appeals

import (
	"context"
	"io/fs"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/docstore"
	"hromada/modules/notify"
	"hromada/modules/signature"
	"hromada/tenant"
)

// Kind is what an appeal is (art. 3).
type Kind string

// The kinds; an electronic petition is the participation module's.
const (
	Proposal  Kind = "proposal"  // пропозиція (зауваження)
	Statement Kind = "statement" // заява (клопотання)
	Complaint Kind = "complaint" // скарга
)

// Kinds lists the kinds in the order the form offers them.
var Kinds = []Kind{Statement, Complaint, Proposal}

// Status is where an appeal is.
type Status string

// The statuses (the table's CHECK lists the same).
const (
	Received      Status = "received"      // filed and routed (or waiting for the dispatcher)
	InWork        Status = "in_work"       // an official took it
	Clarification Status = "clarification" // a question to the resident is open
	Answered      Status = "answered"      // the signed answer is given
)

// Errors shown to people.
var (
	ErrNotFound    = apperr.New(apperr.NotFound, "error.appeal_not_found")
	ErrAnonymous   = apperr.New(apperr.Forbidden, "error.appeal_anonymous")
	ErrRepeated    = apperr.New(apperr.Conflict, "error.appeal_repeated")
	ErrInvalid     = apperr.New(apperr.Invalid, "error.appeal_invalid")
	ErrTransition  = apperr.New(apperr.Conflict, "error.appeal_transition")
	ErrNeedReason  = apperr.New(apperr.Invalid, "error.appeal_reason")
	ErrTermMax     = apperr.New(apperr.Invalid, "error.appeal_term_max")
	ErrTermLater   = apperr.New(apperr.Invalid, "error.appeal_term_later")
	ErrForwardLate = apperr.New(apperr.Conflict, "error.appeal_forward_late")
	ErrSubject     = apperr.New(apperr.Conflict, "error.appeal_subject")
	ErrNotStaff    = apperr.New(apperr.Forbidden, "error.appeal_not_staff")
	ErrRating      = apperr.New(apperr.Invalid, "error.appeal_rating")
	ErrNotYours    = apperr.New(apperr.NotFound, "error.application_not_found")
	// ErrNotAnswered is a complaint about an answer that is not the
	// resident's own answered appeal.
	ErrNotAnswered = apperr.New(apperr.NotFound, "error.appeal_not_answered")
)

// Appeal is an appeal as both sides see it.
type Appeal struct {
	ID            uuid.UUID
	Number        string
	Kind          Kind
	CategoryID    uuid.UUID
	Category      tenant.Text
	CategoryCode  string
	AuthorID      uuid.UUID
	AuthorName    string
	Body          string
	Address       string
	Lat, Lon      *float64
	District      string // its code
	DistrictName  tenant.Text
	ProviderID    *uuid.UUID
	Provider      tenant.Text
	Unit          string
	AboutProvider *uuid.UUID
	AboutOfficial *uuid.UUID
	ApplicationID *uuid.UUID
	RepeatedOf    *uuid.UUID
	Status        Status
	Public        bool
	ReceivedAt    time.Time
	DueOn         time.Time
	AssigneeID    *uuid.UUID
	ForwardedAt   *time.Time
	Answer        string
	AnsweredBy    *uuid.UUID
	AnsweredAt    *time.Time
	Rating        *int
	// AboutAppeal is the appeal whose answer a complaint is about.
	AboutAppeal *uuid.UUID
}

// Overdue says whether the term passed unanswered by today.
func (a *Appeal) Overdue(now time.Time) bool {
	return a.Status != Answered && a.DueOn.Before(day(now))
}

// Message is one entry of an appeal's thread.
type Message struct {
	ID           uuid.UUID
	Kind         string // question | reply | forward | extend | answer | note
	FromResident bool
	AuthorName   string
	Body         string
	At           time.Time
	// File is the signed letter the message is (an official's question),
	// or nil.
	File *uuid.UUID
}

// File is a file of an appeal: an attachment or the signed answer.
type File struct {
	ID          uuid.UUID
	Kind        string // attachment | answer | answer_signature | letter | letter_signature
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Key         string
}

// Service runs appeals. Each exported method is one transaction in the
// tenant in ctx, except Answer, which signs between a read and the write
// (the signer is a slow outside party). The signed-in person comes from
// ctx (identity's session).
type Service struct {
	DB     *tenant.DB
	Docs   docstore.Store
	Notify *notify.Service
	Audit  *audit.Service
	// Signer is the official's signer (applications.Service.OfficialSigner:
	// the remote signer, or the development one in development).
	Signer func(ctx context.Context) (signature.HashSigner, error)
	// Assets is web/static, where the answer's coat of arms is read from.
	Assets fs.FS
	// PortalURL is a city's portal (scheme and host): the answer's link.
	PortalURL func(t *tenant.Tenant) string
	Log       *slog.Logger
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
