// Package participation is how residents take part in the city's
// decisions (seed 003 §2.2.9–2.2.10, seed 000 §4.10; DOMAIN.md
// Participation): e-petitions to the council with a signature threshold
// and the council's answer, and polls on the city's initiatives, online
// and at a centre on paper.
//
// # One person, one signature, one vote
//
// Every signature and ballot is keyed by the person's РНОКПП, the same
// form accounts keep it in, under the tenant and the petition or poll: a
// primary key, so the database refuses a second one whatever the timing
// (migrations/0024_participation.sql). A poll officer's paper ballot has
// the same key as an online one, so the person who voted at a centre cannot
// vote online, and the reverse.
//
// # Counting under load
//
// A petition's count is kept in its row by the signing transaction
// (UPDATE … signatures + 1 after the signature's INSERT), so a page view
// reads one row, never COUNT(*). The row lock serialises signers of one
// petition only for the update at the end of their transaction; every
// signer takes the same two locks in the same order (their own key, then
// the petition's row), so there is no deadlock, and the signer whose
// update makes the count reach the threshold is exactly one: that
// transaction notifies the council and starts the consideration term.
// TestSignaturesUnderLoad signs 6,000 times concurrently.
//
// # Eligibility
//
// A poll names an area (the КАТОТТГ code of the city or of one of its
// districts) and a minimum age. At each vote the residents' register
// (modules/registries) is asked where the person is registered: the place
// it answers (the district within the city, else the settlement) must be
// the area or lie in it (the codifier's parent). The register answers no
// birth date; the age is the one the РНОКПП encodes (its first five digits
// are the days from 31.12.1899 to the birth date).
//
// # By district
//
// A signature asks the register where the signer lives too, briefly and
// outside the transaction; no answer leaves the place unknown and refuses
// nothing. Signatures and ballots are counted by place (districts.go).
//
// # Qualified signatures
//
// A city may require petitions to be signed with a qualified electronic
// signature (Settings.Qualified): a CMS over SigningText, made and verified
// by applications' signer and verifier (Signatures), kept with the
// signature.
package participation

import (
	"context"
	"log/slog"
	"time"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/notify"
	"hromada/modules/registries"
	"hromada/modules/signature"
	"hromada/tenant"
)

// Residence is what the residents' register says of a person, asked for
// purpose (the register's log records it): the registries' Residence over
// the city's client (RegisterOf wires it).
type Residence func(ctx context.Context, rnokpp, purpose string) (registries.ResidenceRecord, error)

// RegisterOf is Residence through client.
func RegisterOf(client *registries.Client) Residence {
	return func(ctx context.Context, rnokpp, purpose string) (registries.ResidenceRecord, error) {
		return registries.Residence(ctx, client, rnokpp, purpose)
	}
}

// Signatures are residents' qualified signatures as the city takes them
// for applications (applications.Service): its signature service (the
// remote signer, or the development signer) and its trust list. Petitions
// use them where the city requires a qualified signature; there is no
// second verifier.
type Signatures interface {
	// DevSigning reports whether the development signer serves, so a page
	// offers signing with a test key in one click.
	DevSigning() bool
	// SignFor has the person rnokpp sign data (named document) through
	// the city's signature service; a detached CMS comes back.
	SignFor(ctx context.Context, rnokpp, fullName, document string, data []byte) ([]byte, error)
	// VerifyFor verifies cms as the person rnokpp's qualified signature
	// over data; the error is the one a person reads.
	VerifyFor(ctx context.Context, data, cms []byte, rnokpp string) (*signature.Signer, error)
}

// PurposePoll is the purpose of the register queries of a vote.
const PurposePoll = "poll-eligibility"

// Service is participation. Each exported method is one transaction in
// the tenant in ctx; the unexported functions of the store files take it.
type Service struct {
	db       *tenant.DB
	audit    *audit.Service
	notify   *notify.Service
	register Residence
	signs    Signatures
	log      *slog.Logger
	now      func() time.Time
}

// Options are the Service's collaborators.
type Options struct {
	DB     *tenant.DB
	Audit  *audit.Service
	Notify *notify.Service
	// Register answers where a person is registered (RegisterOf); a vote
	// fails without it, a signature's place is unknown.
	Register Residence
	// Signatures sign and verify qualified signatures; without them a
	// city that requires one cannot have its petitions signed.
	Signatures Signatures
	// Log defaults to discarding.
	Log *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// New returns the Service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: o.DB, audit: o.Audit, notify: o.Notify, register: o.Register, signs: o.Signatures, log: o.Log, now: o.Now}
}

// Errors people may see.
var (
	ErrNotFound       = apperr.New(apperr.NotFound, "error.particip_not_found")
	ErrNotSignedIn    = apperr.New(apperr.Forbidden, "error.particip_signin")
	ErrAlreadySigned  = apperr.New(apperr.Conflict, "error.petition_already_signed")
	ErrNotCollecting  = apperr.New(apperr.Conflict, "error.petition_not_collecting")
	ErrNotModeration  = apperr.New(apperr.Conflict, "error.petition_not_moderation")
	ErrNotReached     = apperr.New(apperr.Conflict, "error.petition_not_reached")
	ErrAlreadyVoted   = apperr.New(apperr.Conflict, "error.poll_already_voted")
	ErrPollNotOpen    = apperr.New(apperr.Conflict, "error.poll_not_open")
	ErrPollNotDraft   = apperr.New(apperr.Conflict, "error.poll_not_draft")
	ErrNotEligible    = apperr.New(apperr.Forbidden, "error.poll_not_eligible")
	ErrTooYoung       = apperr.New(apperr.Forbidden, "error.poll_too_young")
	ErrRegister       = apperr.New(apperr.Unavailable, "error.poll_register")
	ErrInvalidRNOKPP  = apperr.New(apperr.Invalid, "error.particip_rnokpp")
	ErrChoiceRequired = apperr.New(apperr.Invalid, "error.poll_choice")
	// ErrQualifiedRequired: the city requires a qualified signature and
	// none came (a one-click signature).
	ErrQualifiedRequired = apperr.New(apperr.Invalid, "error.petition_qualified")
	ErrSignatureMissing  = apperr.New(apperr.Invalid, "error.petition_signature_file")
	ErrNoSigner          = apperr.New(apperr.Unavailable, "error.petition_no_signer")
)

// FieldErrors are a form's errors by field name; a handler shows each
// beside its field and keeps what was typed.
type FieldErrors map[string]*apperr.Error

func (e FieldErrors) Error() string { return "participation: invalid form" }

// today is the date in the city's time zone.
func (s *Service) today() time.Time {
	n := s.now().In(tenant.Zone)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}
