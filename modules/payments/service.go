package payments

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
)

// ErrNotFound is an invoice that is not there or not the person's.
var ErrNotFound = apperr.New(apperr.NotFound, "error.not_found")

// ErrNothingToPay is a payment started for an invoice not open.
var ErrNothingToPay = apperr.New(apperr.Conflict, "pay.nothing_to_pay")

// Checkout is an invoice's page: the invoice, and while it is open the
// form that takes the resident to the gateway.
type Checkout struct {
	Invoice *Invoice
	// Action, Data and Signature are LiqPay's checkout form; with
	// monobank Action is the platform's own (MonobankPay), and Data and
	// Signature empty. Action is empty when there is nothing to pay
	// (paid, refunded) or the city takes no payments online.
	Action, Data, Signature string
	// Gateway is the origin the payer is sent to, which the page's
	// form-action policy must allow.
	Gateway string
}

// Checkout reads one of account's invoices and, while it is open, signs
// the gateway's checkout for it, in one read transaction. The order id is
// the invoice's id: the gateway refuses a second order with it.
func (s *Service) Checkout(ctx context.Context, account, id uuid.UUID, lang string) (*Checkout, error) {
	var c Checkout
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		c.Invoice, err = ownInvoice(ctx, tx, account, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || c.Invoice.Status != Open {
			return err
		}
		st, err := s.settings(ctx, tx)
		if errors.Is(err, ErrNotConfigured) {
			return nil
		}
		if err != nil {
			return err
		}
		t, err := tenant.From(ctx)
		if err != nil {
			return err
		}
		if st.Gateway == Monobank {
			if c.Gateway = s.o.MonobankURL(t); c.Gateway != "" {
				c.Action = "/cabinet/payments/" + c.Invoice.ID.String() + "/pay"
			}
			return nil
		}
		gw := strings.TrimRight(s.o.LiqPayURL(t), "/")
		if gw == "" {
			return nil // LiqPay is not configured on this platform
		}
		portal := strings.TrimRight(s.o.PortalURL(t), "/")
		if lang != "en" {
			lang = "uk"
		}
		c.Data, c.Signature, err = LiqPayEncode(st.Secret, LiqPayCheckout{Version: 3, PublicKey: st.PublicKey, Action: "pay",
			Amount: decimalOf(c.Invoice.AmountKopecks), Currency: c.Invoice.Currency, Description: c.Invoice.Purpose, OrderID: c.Invoice.ID.String(),
			ResultURL: portal + "/cabinet/payments/" + c.Invoice.ID.String() + "?returned=1", ServerURL: portal + LiqPayCallbackPath, Language: lang})
		c.Action, c.Gateway = gw+"/api/3/checkout", gw
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// LiqPayCallbackPath is where a city's portal takes LiqPay's callbacks.
const LiqPayCallbackPath = "/payments/liqpay/callback"

// Mine are account's invoices, newest first, with their payments: the
// cabinet's payment history.
func (s *Service) Mine(ctx context.Context, account uuid.UUID) ([]*Invoice, error) {
	var out []*Invoice
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if out, err = accountInvoices(ctx, tx, account); err != nil {
			return err
		}
		for _, inv := range out {
			if inv.Payments, err = paymentsOf(ctx, tx, inv.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
