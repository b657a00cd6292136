package payments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/uploads"
)

// Bank receipts. A resident who paid at a bank by the invoice's
// requisites (the portal shows them on every invoice) uploads the bank's
// receipt instead of paying online; an official of the service's provider
// checks it against the requisites and the amount. Accepted, it pays the
// invoice by a payment of the gateway Bank whose id is the receipt's and
// whose evidence names the official and the file's SHA-256; rejected, the
// resident is told why and may upload another. At most one waits per
// invoice (a unique key), so a double submit changes nothing twice.

// Bank is the "gateway" of a fee paid at a bank and proven by its receipt.
const Bank Gateway = "bank"

// ProofStatus is where an uploaded bank receipt stands.
type ProofStatus string

// The bank receipts' states.
const (
	ProofPending  ProofStatus = "pending"
	ProofAccepted ProofStatus = "accepted"
	ProofRejected ProofStatus = "rejected"
)

// Proof is an uploaded bank receipt.
type Proof struct {
	ID          uuid.UUID
	Invoice     uuid.UUID
	FileKey     string
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	Status      ProofStatus
	Reason      string // why it was rejected
	UploadedAt  time.Time
	DecidedName string // the official who decided
	DecidedAt   *time.Time
}

// Errors of the bank receipts.
var (
	ErrProofPending  = apperr.New(apperr.Conflict, "pay.proof_pending")
	ErrProofDecided  = apperr.New(apperr.Conflict, "pay.proof_decided")
	ErrReasonMissing = apperr.New(apperr.Invalid, "pay.proof_reason_missing")
	ErrProofNotFound = apperr.New(apperr.NotFound, "error.not_found")
	// ErrProofBeforeSubmission: a fee paid before submission is paid
	// online; no official sees a draft to check a bank receipt.
	ErrProofBeforeSubmission = apperr.New(apperr.Conflict, "pay.proof_before_submission")
)

// ProofLimits are what a bank receipt may be: a PDF, or a photo or scan.
var ProofLimits = uploads.Limits{MaxBytes: 5 << 20, Types: []string{"application/pdf", "image/jpeg", "image/png"}}

const proofColumns = `id, invoice_id, file_key, file_name, content_type, size, sha256, status, reason, uploaded_at, decided_name, decided_at`

func scanProof(row pgx.Row) (Proof, error) {
	var p Proof
	err := row.Scan(&p.ID, &p.Invoice, &p.FileKey, &p.FileName, &p.ContentType, &p.Size, &p.SHA256, &p.Status, &p.Reason, &p.UploadedAt,
		&p.DecidedName, &p.DecidedAt)
	return p, err
}

// proofsOf are an invoice's bank receipts, newest first.
func proofsOf(ctx context.Context, tx pgx.Tx, invoice uuid.UUID) ([]Proof, error) {
	rows, err := tx.Query(ctx, `SELECT `+proofColumns+` FROM payment_proofs WHERE invoice_id = $1 ORDER BY uploaded_at DESC, id`, invoice)
	if err != nil {
		return nil, fmt.Errorf("payments: the bank receipts of %s: %w", invoice, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Proof, error) { return scanProof(r) })
	if err != nil {
		return nil, fmt.Errorf("payments: the bank receipts of %s: %w", invoice, err)
	}
	return out, nil
}

// CanUploadProof says whether account may upload a bank receipt for its
// invoice id now (open, none waiting), before the file is stored.
func (s *Service) CanUploadProof(ctx context.Context, account, id uuid.UUID) error {
	return s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := s.proofTarget(ctx, tx, account, id)
		return err
	})
}

func (s *Service) proofTarget(ctx context.Context, tx pgx.Tx, account, id uuid.UUID) (*Invoice, error) {
	inv, err := ownInvoice(ctx, tx, account, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if inv.Status != Open {
		return nil, ErrNothingToPay
	}
	if inv.Draft() {
		return nil, ErrProofBeforeSubmission
	}
	var waiting bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payment_proofs WHERE invoice_id = $1 AND status = 'pending')`, id).Scan(&waiting); err != nil {
		return nil, fmt.Errorf("payments: the bank receipts of %s: %w", id, err)
	}
	if waiting {
		return nil, ErrProofPending
	}
	return inv, nil
}

// UploadProof records f, a bank receipt account uploaded (uploads.Accept
// stored it), for its open invoice id, to be checked by an official.
func (s *Service) UploadProof(ctx context.Context, account, id uuid.UUID, f *uploads.File) error {
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := s.proofTarget(ctx, tx, account, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO payment_proofs (tenant_id, id, invoice_id, file_key, file_name, content_type, size, sha256)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7)`, uuid.New(), id, f.Key, f.Name, f.ContentType, f.Size, f.SHA256)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.ConstraintName == "payment_proofs_one_pending" {
			return ErrProofPending // the same form sent twice at once
		}
		if err != nil {
			return fmt.Errorf("payments: recording a bank receipt: %w", err)
		}
		return nil
	})
}

// ProofProvider is the provider of the invoice a bank receipt is for: the
// scope its check needs (an official of that provider).
func ProofProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT i.provider_id FROM payment_proofs r JOIN invoices i ON i.id = r.invoice_id WHERE r.id = $1`, id).Scan(&p)
	return p, err
}

// ProofFile opens a bank receipt's file for the official checking it; the
// caller closes it.
func (s *Service) ProofFile(ctx context.Context, id uuid.UUID) (Proof, io.ReadCloser, error) {
	var p Proof
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		p, err = scanProof(tx.QueryRow(ctx, `SELECT `+proofColumns+` FROM payment_proofs WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrProofNotFound
		}
		return err
	})
	if err != nil {
		return p, nil, err
	}
	if s.o.Docs == nil {
		return p, nil, errors.New("payments: bank receipts need Docs")
	}
	rc, err := s.o.Docs.Get(ctx, p.FileKey)
	return p, rc, err
}

// DecideProof is an official's check of a waiting bank receipt: accepted,
// the invoice is paid by it; rejected (reason required), the resident is
// told why. It returns the application the receipt is for. A receipt
// decided already changes nothing (ErrProofDecided): a double submit.
func (s *Service) DecideProof(ctx context.Context, id uuid.UUID, accept bool, reason string) (uuid.UUID, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return uuid.Nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	reason = strings.TrimSpace(reason)
	if !accept && reason == "" {
		return uuid.Nil, ErrReasonMissing
	}
	var application uuid.UUID
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := scanProof(tx.QueryRow(ctx, `SELECT `+proofColumns+` FROM payment_proofs WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrProofNotFound
		}
		if err != nil {
			return fmt.Errorf("payments: bank receipt %s: %w", id, err)
		}
		inv, err := invoiceForUpdate(ctx, tx, p.Invoice)
		if err != nil {
			return fmt.Errorf("payments: bank receipt %s: %w", id, err)
		}
		application = inv.Application
		if p.Status != ProofPending {
			return ErrProofDecided
		}
		now := s.now()
		status, key := ProofRejected, "notify.payment_proof_rejected"
		if accept {
			if inv.Status != Open {
				return ErrNothingToPay
			}
			status, key, reason = ProofAccepted, "notify.payment_paid", ""
			pay := Payment{ID: uuid.New(), Invoice: inv.ID, Gateway: Bank, GatewayID: p.ID.String(), Status: Succeeded, AmountKopecks: inv.AmountKopecks,
				Currency: inv.Currency, UpdatedAt: now, Evidence: map[string]any{"proof": p.ID.String(), "file_sha256": p.SHA256, "file_name": p.FileName,
					"checked_by": sg.AccountID.String(), "checked_by_name": sg.FullName}}
			if err := insertPayment(ctx, tx, pay); err != nil {
				return err
			}
			inv.Status, inv.PaidBy, inv.PaidAt = Paid, &pay.ID, &now
			if err := setInvoiceStatus(ctx, tx, inv); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_proofs SET status = $2, reason = $3, decided_by = $4, decided_name = $5, decided_at = $6 WHERE id = $1`,
			id, status, reason, sg.AccountID, sg.FullName, now); err != nil {
			return fmt.Errorf("payments: deciding bank receipt %s: %w", id, err)
		}
		if s.o.Notify != nil {
			if _, err := s.o.Notify.Post(ctx, tx, notify.Notice{Account: inv.Account, Application: &inv.Application, Kind: notify.KindStatus, Key: key,
				Args: map[string]any{"Number": inv.Number, "Service": inv.Service, "Amount": inv.Amount(), "Reason": reason}}); err != nil {
				return err
			}
		}
		return s.recordProof(ctx, tx, sg, accept, inv, p, reason)
	})
	return application, err
}

// recordProof records an official's check of bank receipt p in the audit
// log, in tx.
func (s *Service) recordProof(ctx context.Context, tx pgx.Tx, sg *identity.Signed, accepted bool, inv *Invoice, p Proof, reason string) error {
	if s.o.Audit == nil {
		return nil
	}
	actor := audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	details := map[string]any{"invoice": inv.ID.String(), "proof": p.ID.String(), "file_sha256": p.SHA256, "reason": reason}
	e := audit.Event{Actor: actor, Action: "payments.proof.reject", ObjectType: "application", ObjectID: inv.Application.String(), Details: details}
	if accepted {
		e = audit.Event{Actor: actor, Action: "payments.proof.accept", ObjectType: "application", ObjectID: inv.Application.String(), Details: details}
	}
	_, err := s.o.Audit.Record(ctx, tx, e)
	return err
}
