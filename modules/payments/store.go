package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

const invoiceColumns = `id, application_id, account_id, provider_id, number, service, amount_kopecks, currency, recipient, edrpou, iban, purpose,
	payer, payer_tax_id, status, paid_by, paid_at, created_at`

func scanInvoice(row pgx.Row) (*Invoice, error) {
	var i Invoice
	err := row.Scan(&i.ID, &i.Application, &i.Account, &i.Provider, &i.Number, &i.Service, &i.AmountKopecks, &i.Currency, &i.Recipient, &i.EDRPOU,
		&i.IBAN, &i.Purpose, &i.Payer, &i.PayerTaxID, &i.Status, &i.PaidBy, &i.PaidAt, &i.CreatedAt)
	return &i, err
}

// invoiceForUpdate reads an invoice and locks it: the callbacks of one
// invoice are decided one at a time.
func invoiceForUpdate(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Invoice, error) {
	return scanInvoice(tx.QueryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1 FOR UPDATE`, id))
}

// ownInvoice reads one of account's invoices.
func ownInvoice(ctx context.Context, tx pgx.Tx, account, id uuid.UUID) (*Invoice, error) {
	inv, err := scanInvoice(tx.QueryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1 AND account_id = $2`, id, account))
	if err != nil {
		return nil, err
	}
	if inv.Payments, err = paymentsOf(ctx, tx, inv.ID); err != nil {
		return nil, err
	}
	if inv.Proofs, err = proofsOf(ctx, tx, inv.ID); err != nil {
		return nil, err
	}
	return inv, nil
}

// accountInvoices are account's invoices, newest first.
func accountInvoices(ctx context.Context, tx pgx.Tx, account uuid.UUID) ([]*Invoice, error) {
	rows, err := tx.Query(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE account_id = $1 ORDER BY created_at DESC, id`, account)
	if err != nil {
		return nil, fmt.Errorf("payments: the invoices of %s: %w", account, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Invoice, error) { return scanInvoice(r) })
	if err != nil {
		return nil, fmt.Errorf("payments: the invoices of %s: %w", account, err)
	}
	return out, nil
}

const paymentColumns = `id, invoice_id, gateway, gateway_id, status, amount_kopecks, currency, evidence, refund_due, created_at, updated_at`

func scanPayment(row pgx.Row) (Payment, error) {
	var p Payment
	err := row.Scan(&p.ID, &p.Invoice, &p.Gateway, &p.GatewayID, &p.Status, &p.AmountKopecks, &p.Currency, &p.Evidence, &p.RefundDue,
		&p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// paymentsOf are an invoice's payments, newest first.
func paymentsOf(ctx context.Context, tx pgx.Tx, invoice uuid.UUID) ([]Payment, error) {
	rows, err := tx.Query(ctx, `SELECT `+paymentColumns+` FROM payments WHERE invoice_id = $1 ORDER BY created_at DESC, id`, invoice)
	if err != nil {
		return nil, fmt.Errorf("payments: the payments of %s: %w", invoice, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) { return scanPayment(r) })
	if err != nil {
		return nil, fmt.Errorf("payments: the payments of %s: %w", invoice, err)
	}
	return out, nil
}

// paymentByGatewayID is the payment a gateway knows by id, locked.
func paymentByGatewayID(ctx context.Context, tx pgx.Tx, g Gateway, id string) (Payment, error) {
	return scanPayment(tx.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE gateway = $1 AND gateway_id = $2 FOR UPDATE`, g, id))
}

func insertPayment(ctx context.Context, tx pgx.Tx, p Payment) error {
	_, err := tx.Exec(ctx, `INSERT INTO payments (tenant_id, id, invoice_id, gateway, gateway_id, status, amount_kopecks, currency, evidence, refund_due,
			created_at, updated_at) VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		p.ID, p.Invoice, p.Gateway, p.GatewayID, p.Status, p.AmountKopecks, p.Currency, p.Evidence, p.RefundDue, p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("payments: recording payment %s/%s: %w", p.Gateway, p.GatewayID, err)
	}
	return nil
}

func updatePayment(ctx context.Context, tx pgx.Tx, p Payment) error {
	_, err := tx.Exec(ctx, `UPDATE payments SET status = $2, evidence = $3, refund_due = $4, updated_at = $5 WHERE id = $1`,
		p.ID, p.Status, p.Evidence, p.RefundDue, p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("payments: updating payment %s: %w", p.ID, err)
	}
	return nil
}

func setInvoiceStatus(ctx context.Context, tx pgx.Tx, inv *Invoice) error {
	_, err := tx.Exec(ctx, `UPDATE invoices SET status = $2, paid_by = $3, paid_at = $4 WHERE id = $1`, inv.ID, inv.Status, inv.PaidBy, inv.PaidAt)
	if err != nil {
		return fmt.Errorf("payments: updating invoice %s: %w", inv.ID, err)
	}
	return nil
}

// logged is one callback as the log keeps it.
type logged struct {
	Gateway   Gateway
	Outcome   Outcome
	Reason    Reason
	Invoice   *uuid.UUID
	GatewayID string
	Status    string
	Body      string
}

func logCallback(ctx context.Context, tx pgx.Tx, l logged) error {
	_, err := tx.Exec(ctx, `INSERT INTO payment_callbacks (tenant_id, id, gateway, outcome, reason, invoice_id, gateway_id, status, body)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)`, uuid.New(), l.Gateway, l.Outcome, l.Reason, l.Invoice, l.GatewayID, l.Status, l.Body)
	if err != nil {
		return fmt.Errorf("payments: logging a callback: %w", err)
	}
	return nil
}

// Callback is one logged callback, as the official's view lists them.
type Callback struct {
	Gateway    Gateway
	Outcome    Outcome
	Reason     Reason
	GatewayID  string
	Status     string
	ReceivedAt time.Time
}

// callbacksOf are the callbacks logged about an invoice, in the order
// received.
func callbacksOf(ctx context.Context, tx pgx.Tx, invoice uuid.UUID) ([]Callback, error) {
	rows, err := tx.Query(ctx, `SELECT gateway, outcome, reason, gateway_id, status, received_at FROM payment_callbacks
		WHERE invoice_id = $1 ORDER BY received_at, id`, invoice)
	if err != nil {
		return nil, fmt.Errorf("payments: the callbacks of %s: %w", invoice, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Callback])
	if err != nil {
		return nil, fmt.Errorf("payments: the callbacks of %s: %w", invoice, err)
	}
	return out, nil
}
