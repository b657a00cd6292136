package applications

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/signature"
	"hromada/modules/trustlist"
)

// The public verification page of a result document: the QR code printed
// on it points here. Anyone holding the document may see whether it is
// authentic, its hash, who sealed it and when, and the decision — without
// personal data beyond the applicant's initials.

// Why a document's authenticity is not confirmed, as the public
// verification page says it; Verify logs the detail.
var (
	ErrDocumentUnavailable = apperr.New(apperr.Internal, "verify.problem_document")
	ErrSealUnavailable     = apperr.New(apperr.Internal, "verify.problem_seal_missing")
	ErrSealInvalid         = apperr.New(apperr.Invalid, "verify.problem_seal")
)

// Verification is what the page says about a document.
type Verification struct {
	ID        uuid.UUID
	Title     string
	SHA256    string
	Issuer    string
	IssuedAt  time.Time
	Summary   map[string]any
	Authentic bool   // the stored bytes match their hash and the seal verifies
	Problem   string // why not: a message key (the detail is in the log)
	SealedBy  string // the certificate's subject
	// Compared is set after an upload; Same says whether the copy is this
	// document.
	Compared, Same bool
}

// Verify checks an issued document: the stored PDF against its recorded
// SHA-256, and the seal (detached CAdES) over it against the city's trust
// list.
func (s *Service) Verify(ctx context.Context, id uuid.UUID) (*Verification, error) {
	var (
		d    issuedDocument
		pool trustAnchors
	)
	// The document's row and the trust list in one read; the object store
	// after it, outside any transaction.
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if d, err = issued(ctx, tx, id); err != nil {
			return err
		}
		// The CAs granted when the document was issued: a result stays
		// genuine after its CA's service ends. An official's decision is
		// signed, a result sealed.
		usage := trustlist.ForSeals
		if d.Summary["signed"] == "official" {
			usage = trustlist.ForSignatures
		}
		pool, err = roots(ctx, tx, d.IssuedAt, usage)
		return err
	})
	if err != nil {
		return nil, err
	}
	v := d.Verification
	log := s.log().With("document", id)
	pdf, err := s.Download(ctx, File{Key: d.pdfKey, SHA256: v.SHA256, Size: 64 << 20})
	if err != nil {
		log.ErrorContext(ctx, "applications: verifying a document: the stored PDF", "error", err)
		v.Problem = ErrDocumentUnavailable.Key
		return &v, nil
	}
	cms, err := s.Download(ctx, File{Key: d.sigKey, SHA256: d.sigSHA, Size: 1 << 20})
	if err != nil {
		log.ErrorContext(ctx, "applications: verifying a document: the stored seal", "error", err)
		v.Problem = ErrSealUnavailable.Key
		return &v, nil
	}
	signer, err := signature.VerifyDetached(pdf, cms, pool.options(signature.VerifyOptions{Seal: true}))
	if err != nil {
		log.WarnContext(ctx, "applications: verifying a document: the seal does not verify", "error", err)
		v.Problem = ErrSealInvalid.Key
		return &v, nil
	}
	v.Authentic = true
	if signer.Certificate != nil {
		v.SealedBy = signer.Certificate.Subject.String()
	}
	return &v, nil
}

// issuedDocument is an issued document's row: what the page shows, and
// where its PDF and seal are kept.
type issuedDocument struct {
	Verification
	pdfKey, sigKey, sigSHA string
}

// issued reads an issued document; ErrNotFound when there is none.
func issued(ctx context.Context, tx pgx.Tx, id uuid.UUID) (issuedDocument, error) {
	var d issuedDocument
	err := tx.QueryRow(ctx, `SELECT id, title, sha256, issuer, issued_at, summary, pdf_key, signature_key, signature_sha256
		FROM issued_documents WHERE id = $1`, id).Scan(&d.ID, &d.Title, &d.SHA256, &d.Issuer, &d.IssuedAt, &d.Summary, &d.pdfKey, &d.sigKey, &d.sigSHA)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("applications: issued document %s: %w", id, err)
	}
	return d, nil
}

// DocumentOf returns the issued document of an application, in one read
// transaction: uuid.Nil with no error when it has none (yet, or it was
// issued by an official); the database's error otherwise.
func (s *Service) DocumentOf(ctx context.Context, app uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		id, err = documentOf(ctx, tx, app)
		return err
	})
	return id, err
}

// documentOf is the issued document of an application, uuid.Nil for none.
func documentOf(ctx context.Context, tx pgx.Tx, app uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM issued_documents WHERE application_id = $1`, app).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("applications: the issued document of %s: %w", app, err)
	}
	return id, nil
}
