package applications

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
)

// certStatus is a signature's certificate as its CA answered for it,
// asked before the write transaction (the CA's responder may be slow, and
// a transaction must not wait on the network): what is stored as evidence
// with the application or decision.
type certStatus struct {
	cert, issuer *x509.Certificate
	at           time.Time // the signing time the status was asked for
	result       *revocation.Result
}

// What was signed, as signature_evidence.signed records it.
const (
	evidenceOfApplication = "application"
	evidenceOfDecision    = "decision"
)

// certificateStatus asks the CA of signer's certificate whether it was
// revoked at at (revocation: OCSP, then the CRL), when the Service checks
// revocation. Revoked or unknown to its CA is a refusal naming the
// certificate. Unavailable (no responder and no CRL answers) is refused
// too: that is Hromada's policy for every city (docs/documents.md) — a
// signature whose certificate cannot be shown valid does not open a case;
// the resident's draft and signature stay, and they submit again later.
func (s *Service) certificateStatus(ctx context.Context, signer *signature.Signer, at time.Time) (*certStatus, error) {
	if s.Revocation == nil {
		return nil, nil
	}
	if signer.Issuer == nil {
		return nil, revocation.ErrUnavailable.Wrap(fmt.Errorf("%s: the verifier named no issuer to ask", signer.Certificate.Subject))
	}
	res, err := s.Revocation.Check(ctx, signer.Certificate, signer.Issuer, at)
	if err != nil {
		return nil, err
	}
	return &certStatus{cert: signer.Certificate, issuer: signer.Issuer, at: at, result: res}, nil
}

// submissionStatus is certificateStatus for a draft about to be
// submitted with cms: the signature is verified over the draft's
// canonical bytes in a read transaction first, to learn whose
// certificate and issuer to ask. A draft that does not verify, or is no
// longer a draft, is left to Submit's transaction, which refuses it in its
// own order and words (nil status, no error).
func (s *Service) submissionStatus(ctx context.Context, o Owner, p Person, id uuid.UUID, cms []byte) (*certStatus, error) {
	if s.Revocation == nil {
		return nil, nil
	}
	var signer *signature.Signer
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, false)
		if err != nil || app.Status != Draft {
			return err
		}
		data, err := canonical(ctx, tx, app)
		if err != nil {
			return err
		}
		// A signature that does not verify leaves signer nil: Submit then
		// refuses it with its own words.
		var refused error
		if signer, refused, err = s.verifyReceived(ctx, tx, data, cms, signature.VerifyOptions{WantRNOKPP: p.RNOKPP, External: s.External}); refused != nil {
			signer = nil
		}
		return err
	})
	if err != nil || signer == nil {
		return nil, err
	}
	st, err := s.certificateStatus(ctx, signer, revocation.SigningTime(signer.Timestamp, s.now()))
	if err != nil {
		return nil, revocationRefused(err)
	}
	return st, nil
}

// checkedFor says whether st is the answer for signer's certificate, when
// revocation is checked: the submission's transaction verified the same
// signature the check before it did. (A draft that came to verify only in
// between is refused rather than recorded unchecked.)
func (s *Service) checkedFor(st *certStatus, signer *signature.Signer) error {
	if s.Revocation == nil {
		return nil
	}
	if st == nil || !st.cert.Equal(signer.Certificate) {
		return revocationRefused(revocation.ErrUnavailable.Wrap(fmt.Errorf("%s: not the certificate whose status was asked", signer.Certificate.Subject)))
	}
	return nil
}

// revocationRefused keeps a revocation refusal's message (it names the
// certificate) and marks it a refused signature for the security events.
func revocationRefused(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	reason := "revocation_unavailable"
	switch {
	case errors.Is(err, revocation.ErrRevoked):
		reason = "revoked"
	case errors.Is(err, revocation.ErrUnknown):
		reason = "unknown_to_ca"
	}
	return ae.Wrap(&refusedSignature{Reason: reason, Err: err})
}

// recordEvidence keeps the CA's answer that decided, byte for byte, with
// the application: with it the signature can be shown valid after the
// responder is gone. Nothing when revocation is not checked.
func recordEvidence(ctx context.Context, tx pgx.Tx, app uuid.UUID, signed string, st *certStatus) error {
	if st == nil {
		return nil
	}
	args, err := evidenceArgs(app, signed, st)
	if err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, recordEvidenceSQL, args...); err != nil {
		return fmt.Errorf("applications: the revocation evidence of %s: %w", app, err)
	}
	return nil
}

// queueEvidence is recordEvidence queued on b (the submission's pipeline).
func queueEvidence(b *pgx.Batch, app uuid.UUID, signed string, st *certStatus) error {
	if st == nil {
		return nil
	}
	args, err := evidenceArgs(app, signed, st)
	if err != nil {
		return err
	}
	b.Queue(recordEvidenceSQL, args...).Fn = func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("applications: the revocation evidence of %s: %w", app, err)
		}
		return nil
	}
	return nil
}

const recordEvidenceSQL = `
		INSERT INTO signature_evidence (tenant_id, id, application_id, signed, certificate, issuer, checked_at,
			source, url, response, this_update, next_update, fetched_at, revoked_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`

// evidenceArgs are recordEvidenceSQL's arguments.
func evidenceArgs(app uuid.UUID, signed string, st *certStatus) ([]any, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	e := st.result.Evidence
	var next, revoked *time.Time
	if !e.NextUpdate.IsZero() {
		next = &e.NextUpdate
	}
	if !st.result.RevokedAt.IsZero() {
		revoked = &st.result.RevokedAt
	}
	return []any{id, app, signed, st.cert.Raw, st.issuer.Raw, st.at, string(e.Source), e.URL, e.Response, e.ThisUpdate, next, e.FetchedAt, revoked}, nil
}
