package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// Refunds. What is refunded is the register's decision per service
// (catalog.Fee.Refundable): a refused application's fee goes back where
// the service says so; by default it is kept, as the fee pays for
// considering the application, not for a positive result. The refusal's
// transaction asks for it (Refund), a job asks the gateway (LiqPay's
// "refund" action, monobank's invoice/cancel) outside any transaction,
// and the gateway's reversed callback, as any other, marks the invoice
// refunded.

// RefundArgs asks the gateway to refund an invoice's payment.
type RefundArgs struct {
	tenant.Envelope
	Invoice uuid.UUID `json:"invoice"`
}

// Kind implements river.JobArgs.
func (RefundArgs) Kind() string { return "payments.refund" }

// Refund asks, in tx (the refusal's), for the application's fee to be
// refunded: a job, when its invoice is paid; nothing otherwise.
func (s *Service) Refund(ctx context.Context, tx pgx.Tx, application uuid.UUID) error {
	inv, err := Of(ctx, tx, application)
	if err != nil || inv == nil || inv.Status != Paid {
		return err
	}
	for _, p := range inv.Payments {
		if inv.PaidBy != nil && p.ID == *inv.PaidBy && p.Gateway == Bank {
			// Paid at a bank to the treasury's account: no gateway can
			// return it; the resident applies to the treasury for it
			// (docs/payments.md).
			return nil
		}
	}
	if s.o.Insert == nil {
		return errors.New("payments: refunds need Insert")
	}
	e, err := tenant.EnvelopeFrom(ctx)
	if err != nil {
		return err
	}
	return s.o.Insert(ctx, tx, RefundArgs{Envelope: e, Invoice: inv.ID})
}

// NewRefundWorker returns the worker of RefundArgs: the gateway is asked
// outside any transaction; the job completes in its own. Asking again is
// safe: an invoice no longer paid is skipped, and the gateways refuse a
// second refund of one payment.
func (s *Service) NewRefundWorker() river.Worker[RefundArgs] {
	return tenant.NewStepWorker(s.o.DB, s.askRefund, func(context.Context, pgx.Tx, *river.Job[RefundArgs], bool) error { return nil })
}

func (s *Service) askRefund(ctx context.Context, job *river.Job[RefundArgs]) (bool, error) {
	var (
		inv *Invoice
		st  Settings
		p   *Payment
	)
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if inv, err = scanInvoice(tx.QueryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1`, job.Args.Invoice)); err != nil {
			return fmt.Errorf("payments: refunding %s: %w", job.Args.Invoice, err)
		}
		if inv.Status != Paid || inv.PaidBy == nil {
			return nil
		}
		ps, err := paymentsOf(ctx, tx, inv.ID)
		if err != nil {
			return err
		}
		for i := range ps {
			if ps[i].ID == *inv.PaidBy {
				p = &ps[i]
			}
		}
		// The payment's own gateway's keys, active or not.
		st, err = s.settingsOf(ctx, tx, p.Gateway)
		return err
	})
	if err != nil || p == nil {
		return false, err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return false, err
	}
	switch p.Gateway {
	case Monobank:
		var out map[string]any
		return true, s.monobankCall(ctx, s.o.MonobankURL(t), st.Secret, http.MethodPost, "/api/merchant/invoice/cancel",
			map[string]any{"invoiceId": p.GatewayID, "extRef": inv.ID.String(), "amount": p.AmountKopecks}, &out)
	case LiqPay:
		return true, s.liqpayRefund(ctx, t, st, inv, p)
	}
	return false, fmt.Errorf("payments: no refund through %s", p.Gateway)
}

// liqpayRefund calls LiqPay's server API: action "refund" of the order,
// for the payment's amount.
func (s *Service) liqpayRefund(ctx context.Context, t *tenant.Tenant, st Settings, inv *Invoice, p *Payment) error {
	data, sig, err := LiqPayEncode(st.Secret, map[string]any{"version": 3, "public_key": st.PublicKey, "action": "refund",
		"order_id": inv.ID.String(), "amount": decimalOf(p.AmountKopecks)})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.o.LiqPayURL(t), "/")+"/api/request",
		strings.NewReader(url.Values{"data": {data}, "signature": {sig}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return fmt.Errorf("payments: liqpay refund: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("payments: liqpay refund: %d", resp.StatusCode)
	}
	return nil
}
