package payments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/tenant"
)

// The receipt (квитанція) of a paid fee: a PDF in the style of the
// platform's results (modules/documents), sealed with the seal of the
// service's provider, which the portal issues on the gateway's
// confirmation. It is made once, on its first download, and kept; its
// QR code leads to the public page of its record (Receipt's ID).

// receiptTitle is the document's title.
const receiptTitle = "Квитанція про сплату адміністративного збору"

// maxReceiptBytes bounds a stored receipt read back.
const maxReceiptBytes = 8 << 20

// ErrNotPaid is a receipt asked for an invoice not paid.
var ErrNotPaid = apperr.New(apperr.Conflict, "pay.not_paid")

// Receipt is a receipt's record.
type Receipt struct {
	ID, Invoice             uuid.UUID
	pdfKey, sigKey          string
	SHA256, SignatureSHA256 string
	Holder                  string
	IssuedAt                time.Time
	Number, Service         string // the application's, from the invoice
	AmountKopecks           int64
	Recipient, EDRPOU, IBAN string
	PaidAt                  *time.Time
}

// ReceiptFiles are a receipt's PDF (sealed inside) and its detached seal
// (CMS) over exactly those bytes.
type ReceiptFiles struct {
	Receipt  *Receipt
	PDF, CMS []byte
}

// ReceiptOf returns the receipt of one of account's invoices, making,
// sealing and storing it on first use. The seal and the object store are
// outside any transaction; two first downloads at once both render, and
// the record written first is the one kept (the unique key).
func (s *Service) ReceiptOf(ctx context.Context, account, invoice uuid.UUID) (*ReceiptFiles, error) {
	if s.o.Documents == nil || s.o.Docs == nil {
		return nil, errors.New("payments: receipts need Documents and Docs")
	}
	var (
		inv      *Invoice
		rc       *Receipt
		provider string
		gwID     string
	)
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		inv, err = ownInvoice(ctx, tx, account, invoice)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if inv.PaidBy == nil {
			return ErrNotPaid
		}
		if rc, err = receiptOf(ctx, tx, invoice); err != nil || rc != nil {
			return err
		}
		for _, p := range inv.Payments {
			if p.ID == *inv.PaidBy {
				gwID = string(p.Gateway) + " № " + p.GatewayID
			}
		}
		return tx.QueryRow(ctx, `SELECT name_uk FROM providers WHERE id = $1`, inv.Provider).Scan(&provider)
	})
	if err != nil {
		return nil, err
	}
	if rc == nil {
		if rc, err = s.makeReceipt(ctx, inv, provider, gwID); err != nil {
			return nil, err
		}
	}
	pdf, err := s.download(ctx, rc.pdfKey, rc.SHA256)
	if err != nil {
		return nil, err
	}
	cms, err := s.download(ctx, rc.sigKey, rc.SignatureSHA256)
	if err != nil {
		return nil, err
	}
	return &ReceiptFiles{Receipt: rc, PDF: pdf, CMS: cms}, nil
}

// makeReceipt renders, seals and stores inv's receipt, then records it;
// the record that was there first when two raced.
func (s *Service) makeReceipt(ctx context.Context, inv *Invoice, provider, gatewayPayment string) (*Receipt, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	holder, err := s.o.Documents.Holder(ctx, inv.Provider)
	if err != nil {
		return nil, err
	}
	id := uuid.New()
	paidAt := inv.PaidAt.In(tenant.Zone)
	res := documents.Result{DocumentID: id, Title: receiptTitle, Number: inv.Number, IssuedAt: paidAt,
		City:      documents.City{Name: t.Name, CoatOfArms: t.Branding.CoatOfArms, Assets: s.o.Assets},
		Provider:  provider,
		Applicant: documents.Applicant{FullName: inv.Payer, RNOKPP: inv.PayerTaxID},
		Service:   inv.Service,
		Facts: []documents.Fact{{Label: "Сума", Value: FormatKopecks(inv.AmountKopecks) + " грн"}, {Label: "Отримувач", Value: inv.Recipient},
			{Label: "Код ЄДРПОУ отримувача", Value: inv.EDRPOU}, {Label: "IBAN", Value: inv.IBAN}, {Label: "Призначення платежу", Value: inv.Purpose},
			{Label: "Платіж", Value: gatewayPayment}, {Label: "Сплачено", Value: paidAt.Format("02.01.2006 15:04") + " (за київським часом)"}},
		Issuer:    documents.Issuer{Automatic: true, SealHolder: holder, At: paidAt},
		VerifyURL: s.o.PortalURL(t) + ReceiptPath(id)}
	unsealed, err := documents.Render(res)
	if err != nil {
		return nil, fmt.Errorf("payments: rendering receipt of %s: %w", inv.ID, err)
	}
	pdf, cms, holder, err := s.o.Documents.Seal(ctx, inv.Provider, unsealed)
	if err != nil {
		return nil, fmt.Errorf("payments: sealing receipt of %s: %w", inv.ID, err)
	}
	rc := &Receipt{ID: id, Invoice: inv.ID, Holder: holder, IssuedAt: s.now(),
		pdfKey: docstore.TenantKey(t.ID, "payments/receipts/"+id.String()+".pdf"), sigKey: docstore.TenantKey(t.ID, "payments/receipts/"+id.String()+".pdf.p7s")}
	if rc.SHA256, err = s.o.Docs.Put(ctx, rc.pdfKey, bytes.NewReader(pdf), int64(len(pdf)), "application/pdf"); err != nil {
		return nil, err
	}
	if rc.SignatureSHA256, err = s.o.Docs.Put(ctx, rc.sigKey, bytes.NewReader(cms), int64(len(cms)), "application/pkcs7-signature"); err != nil {
		return nil, err
	}
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO payment_receipts (tenant_id, id, invoice_id, pdf_key, sha256, signature_key, signature_sha256, holder, issued_at)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, invoice_id) DO NOTHING`,
			rc.ID, rc.Invoice, rc.pdfKey, rc.SHA256, rc.sigKey, rc.SignatureSHA256, rc.Holder, rc.IssuedAt)
		if err != nil {
			return fmt.Errorf("payments: recording receipt of %s: %w", inv.ID, err)
		}
		if tag.RowsAffected() == 0 {
			rc, err = receiptOf(ctx, tx, inv.ID)
		}
		return err
	})
	return rc, err
}

func (s *Service) download(ctx context.Context, key, sha string) ([]byte, error) {
	rc, err := s.o.Docs.GetVerified(ctx, key, sha)
	if err != nil {
		return nil, fmt.Errorf("payments: receipt %s: %w", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxReceiptBytes))
	if err != nil {
		return nil, fmt.Errorf("payments: receipt %s: %w", key, err)
	}
	return b, nil
}

// ReceiptPath is a receipt's public verification page, the QR code's
// target.
func ReceiptPath(id uuid.UUID) string { return "/payments/receipts/" + id.String() }

// receiptOf is an invoice's receipt, nil when none was made yet.
func receiptOf(ctx context.Context, tx pgx.Tx, invoice uuid.UUID) (*Receipt, error) {
	rc, err := scanReceipt(tx.QueryRow(ctx, receiptSelect+` WHERE r.invoice_id = $1`, invoice))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return rc, err
}

const receiptSelect = `SELECT r.id, r.invoice_id, r.pdf_key, r.sha256, r.signature_key, r.signature_sha256, r.holder, r.issued_at,
	i.number, i.service, i.amount_kopecks, i.recipient, i.edrpou, i.iban, i.paid_at
	FROM payment_receipts r JOIN invoices i ON i.tenant_id = r.tenant_id AND i.id = r.invoice_id`

func scanReceipt(row pgx.Row) (*Receipt, error) {
	var r Receipt
	err := row.Scan(&r.ID, &r.Invoice, &r.pdfKey, &r.SHA256, &r.sigKey, &r.SignatureSHA256, &r.Holder, &r.IssuedAt,
		&r.Number, &r.Service, &r.AmountKopecks, &r.Recipient, &r.EDRPOU, &r.IBAN, &r.PaidAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("payments: a receipt: %w", err)
	}
	return &r, err
}

// ReceiptCheck is what the public page says of a receipt.
type ReceiptCheck struct {
	*Receipt
	// Intact says the stored PDF and seal are the bytes recorded.
	Intact bool
}

// CheckReceipt reads a receipt's record, for anyone holding its QR code,
// and checks the stored PDF and seal against their recorded hashes.
// ErrNotFound when there is no such receipt.
func (s *Service) CheckReceipt(ctx context.Context, id uuid.UUID) (*ReceiptCheck, error) {
	var rc *Receipt
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		rc, err = scanReceipt(tx.QueryRow(ctx, receiptSelect+` WHERE r.id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	c := &ReceiptCheck{Receipt: rc, Intact: true}
	for _, f := range [][2]string{{rc.pdfKey, rc.SHA256}, {rc.sigKey, rc.SignatureSHA256}} {
		if _, err := s.download(ctx, f[0], f[1]); err != nil {
			s.o.Log.ErrorContext(ctx, "payments: checking a receipt", "receipt", id, "error", err)
			c.Intact = false
		}
	}
	return c, nil
}
