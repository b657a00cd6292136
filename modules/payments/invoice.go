package payments

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
)

// Bill is what an application owes, as the caller knows it when it
// submits it.
type Bill struct {
	Application, Account uuid.UUID
	Provider             uuid.UUID
	Number               string // the application's; "" for a draft paid before submission
	Service              string // its name
	Fee                  catalog.Fee
	Payer                string // the applicant's full name
	PayerRNOKPP          string // or the legal entity's ЄДРПОУ when it acts for one
}

// Issue makes the application's invoice in tx, the caller's transaction
// (the submission's): nothing for a free service, and nothing again for an
// application that has one (the unique key). It returns the invoice, nil
// when the service is free.
func Issue(ctx context.Context, tx pgx.Tx, b Bill) (*Invoice, error) {
	if b.Fee.Free || b.Fee.AmountKopecks <= 0 {
		return nil, nil
	}
	inv := newInvoice(b)
	err := tx.QueryRow(ctx, issueSQL, inv.ID, inv.Application, inv.Account, inv.Provider, inv.Number, inv.Service, inv.AmountKopecks, inv.Currency,
		inv.Recipient, inv.EDRPOU, inv.IBAN, inv.Purpose, inv.Payer, inv.PayerTaxID).Scan(&inv.CreatedAt)
	if err == pgx.ErrNoRows {
		return Of(ctx, tx, b.Application)
	}
	if err != nil {
		return nil, fmt.Errorf("payments: the invoice of %s: %w", b.Application, err)
	}
	return inv, nil
}

// issueSQL makes an invoice unless its application has one.
const issueSQL = `INSERT INTO invoices (tenant_id, id, application_id, account_id, provider_id, number, service, amount_kopecks, currency,
		recipient, edrpou, iban, purpose, payer, payer_tax_id) VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	ON CONFLICT (tenant_id, application_id) DO NOTHING RETURNING created_at`

// numberedSQL gives an invoice issued without a number ($1 its
// application) the number $2.
const numberedSQL = `UPDATE invoices SET number = $2 WHERE application_id = $1 AND number = ''`

func newInvoice(b Bill) *Invoice {
	return &Invoice{ID: uuid.New(), Application: b.Application, Account: b.Account, Provider: b.Provider, Number: b.Number, Service: b.Service,
		AmountKopecks: b.Fee.AmountKopecks, Currency: Currency, Recipient: b.Fee.Recipient, EDRPOU: b.Fee.EDRPOU, IBAN: b.Fee.IBAN,
		Purpose: Purpose(b), Payer: b.Payer, PayerTaxID: b.PayerRNOKPP, Status: Open}
}

// QueueIssued queues on b, for the caller's transaction, what Issue and
// then Numbered do at a submission: the invoice of a paid service unless
// the application has one (one paid before submission keeps its own), and
// the number on one issued without it. The submission sends them in one
// round trip with its other writes; an error is the batch's.
func QueueIssued(b *pgx.Batch, bl Bill) {
	if !bl.Fee.Free && bl.Fee.AmountKopecks > 0 {
		// One statement for both (issue 24): the new invoice carries the
		// number; one paid before submission, without it, gets it.
		inv := newInvoice(bl)
		b.Queue(issueNumberedSQL, inv.ID, inv.Application, inv.Account, inv.Provider, inv.Number, inv.Service, inv.AmountKopecks, inv.Currency,
			inv.Recipient, inv.EDRPOU, inv.IBAN, inv.Purpose, inv.Payer, inv.PayerTaxID).Fn = func(br pgx.BatchResults) error {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("payments: the invoice of %s: %w", bl.Application, err)
			}
			return nil
		}
		return
	}
	b.Queue(numberedSQL, bl.Application, bl.Number).Fn = func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("payments: numbering the invoice of %s: %w", bl.Application, err)
		}
		return nil
	}
}

// issueNumberedSQL is issueSQL, then numberedSQL on the invoice the
// application had: the number ($5) on one issued without it.
const issueNumberedSQL = `INSERT INTO invoices (tenant_id, id, application_id, account_id, provider_id, number, service, amount_kopecks, currency,
		recipient, edrpou, iban, purpose, payer, payer_tax_id) VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	ON CONFLICT (tenant_id, application_id) DO UPDATE SET number = excluded.number WHERE invoices.number = ''`

// purposeInfoRunes bounds the free part of the purpose: the whole line
// must fit the payment order's field.
const purposeInfoRunes = 120

// Purpose is the «Призначення платежу» of a fee in the structured format
// the Ministry of Finance's procedure for budget payments prescribes
// (order No 148 of 22.03.2023): "*;<payment type>;<payer's tax
// number>;<information>;;;" — 101 is the payment of a fee or duty, the
// payer is named by РНОКПП (ЄДРПОУ for an organisation), and the
// information is the register's purpose with the application's number
// and the payer's name. No spaces around the separators.
func Purpose(b Bill) string {
	info := strings.TrimSpace(b.Fee.Purpose)
	if info == "" {
		info = "Адміністративний збір"
	}
	// The register's text may end with a hint for people paying by hand
	// (after ";" — «ПІБ і РНОКПП платника»): the platform fills those in.
	info, _, _ = strings.Cut(info, ";")
	ref := b.Number
	if ref == "" {
		// Paid before submission (catalog.Fee.PayFirst): the draft has no
		// number yet, so the purpose names it by its id's first part.
		ref = "до подання " + strings.ToUpper(b.Application.String()[:8])
	}
	info = strings.TrimSpace(info) + ", заява " + ref
	if p := strings.TrimSpace(b.Payer); p != "" {
		info += ", " + p
	}
	info = strings.NewReplacer(";", ",", "\n", " ").Replace(info)
	if utf8.RuneCountInString(info) > purposeInfoRunes {
		info = string([]rune(info)[:purposeInfoRunes])
	}
	return "*;101;" + b.PayerRNOKPP + ";" + info + ";;;"
}

// StatusOf is the status of the application's invoice, read in tx (the
// submission's, which waits for a fee paid first); ok is false when it
// has none.
func StatusOf(ctx context.Context, tx pgx.Tx, application uuid.UUID) (st InvoiceStatus, ok bool, err error) {
	err = tx.QueryRow(ctx, `SELECT status FROM invoices WHERE application_id = $1`, application).Scan(&st)
	if err == pgx.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("payments: the invoice's status of %s: %w", application, err)
	}
	return st, true, nil
}

// Numbered gives the invoice of an application paid before it was
// submitted (so issued without a number) the number its submission took,
// in that transaction. The purpose stays as it was paid.
func Numbered(ctx context.Context, tx pgx.Tx, application uuid.UUID, number string) error {
	if _, err := tx.Exec(ctx, numberedSQL, application, number); err != nil {
		return fmt.Errorf("payments: numbering the invoice of %s: %w", application, err)
	}
	return nil
}

// Cancel cancels the application's invoice in tx (the refusal's or the
// withdrawal's) when it is still open: nothing is due any more. A paid
// invoice stays paid (Refund decides whether its fee goes back).
func Cancel(ctx context.Context, tx pgx.Tx, application uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE invoices SET status = 'cancelled' WHERE application_id = $1 AND status = 'open'`, application); err != nil {
		return fmt.Errorf("payments: cancelling the invoice of %s: %w", application, err)
	}
	return nil
}

// Of is the application's invoice, read in tx (the caller's: the
// application's page); nil when it has none.
func Of(ctx context.Context, tx pgx.Tx, application uuid.UUID) (*Invoice, error) {
	inv, err := scanInvoice(tx.QueryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE application_id = $1`, application))
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("payments: the invoice of %s: %w", application, err)
	}
	if inv.Payments, err = paymentsOf(ctx, tx, inv.ID); err != nil {
		return nil, err
	}
	if inv.Callbacks, err = callbacksOf(ctx, tx, inv.ID); err != nil {
		return nil, err
	}
	if inv.Proofs, err = proofsOf(ctx, tx, inv.ID); err != nil {
		return nil, err
	}
	return inv, nil
}
