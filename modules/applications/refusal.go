package applications

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/signature"
)

// Why a resident's signature is refused, each in words a resident
// understands (web/locales/signature.*.toml): the help desk must tell a
// tampered file from someone else's key from an untrusted authority. The
// technical detail goes to the log and to the security events, never to
// the page. Each of them also matches ErrSignature (errors.Is).
var (
	ErrSignatureTampered  = apperr.New(apperr.Invalid, "error.signature_tampered")
	ErrSignatureOther     = apperr.New(apperr.Invalid, "error.signature_other_person")
	ErrSignatureUntrusted = apperr.New(apperr.Invalid, "error.signature_untrusted")
	ErrSignatureExpired   = apperr.New(apperr.Invalid, "error.signature_expired")
	ErrSignatureNoRNOKPP  = apperr.New(apperr.Invalid, "error.signature_no_rnokpp")
	ErrSignatureMalformed = apperr.New(apperr.Invalid, "error.signature_malformed")
	ErrSignatureAlgorithm = apperr.New(apperr.Invalid, "error.signature_algorithm")
)

// refusalReasons map signature's causes to the message and to the reason
// the log and the security event name; the first that matches wins.
var refusalReasons = []struct {
	cause  error
	err    *apperr.Error
	reason string
}{
	{signature.ErrBadSignature, ErrSignatureTampered, "tampered"},
	{signature.ErrWrongSigner, ErrSignatureOther, "other_person"},
	{signature.ErrUntrusted, ErrSignatureUntrusted, "untrusted_ca"},
	{signature.ErrExpired, ErrSignatureExpired, "not_valid_at_signing"},
	{signature.ErrNoRNOKPP, ErrSignatureNoRNOKPP, "no_rnokpp"},
	{signature.ErrMalformed, ErrSignatureMalformed, "malformed"},
	{signature.ErrNotDetached, ErrSignatureMalformed, "not_detached"},
	{signature.ErrUnsupportedAlgorithm, ErrSignatureAlgorithm, "unsupported_algorithm"},
}

// refusedSignature is a signature refusal's cause with its reason; it
// matches ErrSignature so callers that only ask "was the signature
// refused" need not list the reasons.
type refusedSignature struct {
	Reason string
	Err    error
}

func (r *refusedSignature) Error() string        { return r.Reason + ": " + r.Err.Error() }
func (r *refusedSignature) Unwrap() error        { return r.Err }
func (r *refusedSignature) Is(target error) bool { return target == ErrSignature }

// signatureRefused is the error a person sees for a signature the
// verifier refused with cause: the reason's own message, or ErrSignature's
// general one for a cause none of the reasons names.
func signatureRefused(cause error) error {
	for _, r := range refusalReasons {
		if errors.Is(cause, r.cause) {
			return r.err.Wrap(&refusedSignature{Reason: r.reason, Err: cause})
		}
	}
	return ErrSignature.Wrap(&refusedSignature{Reason: "other", Err: cause})
}

// recordRefusal logs a refused signature with its technical detail and
// keeps it among the city's security events, in a transaction of its own:
// the submission's was rolled back with the refusal. A failure to record
// is logged, and the person still sees the refusal.
func (s *Service) recordRefusal(ctx context.Context, app, account uuid.UUID, err error) {
	var rf *refusedSignature
	if !errors.As(err, &rf) {
		return
	}
	log := s.log().With("application", app, "account", account, "reason", rf.Reason)
	log.WarnContext(ctx, "applications: signature refused", "detail", rf.Err.Error())
	rerr := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return s.Audit.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindSignatureRefused, Subject: account.String(),
			Details: map[string]any{"application": app.String(), "reason": rf.Reason, "detail": rf.Err.Error()}})
	})
	if rerr != nil {
		log.ErrorContext(ctx, "applications: recording a refused signature", "error", rerr)
	}
}
