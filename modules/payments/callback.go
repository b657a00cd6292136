package payments

import (
	"context"
	"errors"
	"net/url"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/notify"
)

// Outcome is what became of a callback.
type Outcome string

// The outcomes: accepted changed what the platform knows; ignored changed
// nothing but was genuine (a replay, a late status); refused was not
// believed or did not match the invoice.
const (
	Accepted Outcome = "accepted"
	Ignored  Outcome = "ignored"
	Refused  Outcome = "refused"
)

// Reason says why a callback was ignored or refused, or (already_paid)
// what an accepted one was flagged with.
type Reason string

// The reasons.
const (
	ReasonNotConfigured  Reason = "not_configured"
	ReasonSignature      Reason = "bad_signature"
	ReasonMalformed      Reason = "malformed"
	ReasonMerchant       Reason = "wrong_merchant"
	ReasonUnknownInvoice Reason = "unknown_invoice"
	ReasonCurrency       Reason = "wrong_currency"
	ReasonAmount         Reason = "wrong_amount"
	ReasonReplay         Reason = "replay"
	ReasonOutOfOrder     Reason = "out_of_order"
	ReasonAlreadyPaid    Reason = "already_paid" // accepted and flagged for refund
	ReasonCancelled      Reason = "cancelled"    // accepted and flagged for refund: the invoice was cancelled
)

// Result is a callback's fate.
type Result struct {
	Outcome Outcome
	Reason  Reason
	Invoice *Invoice // the invoice as it stands after, where one was found
}

// report is what a verified callback says, whatever the gateway.
type report struct {
	Gateway       Gateway
	GatewayID     string
	Invoice       uuid.UUID
	Status        PaymentStatus
	RawStatus     string
	AmountKopecks int64
	Currency      string
	Evidence      map[string]any
}

// LiqPayCallback takes LiqPay's server callback (the form fields data and
// signature) in one transaction: the signature is checked with the city's
// private key before anything but the log is written; then the invoice is
// found by order_id and locked, and the payment recorded (see apply).
// Every callback is logged with its outcome, refused ones included.
func (s *Service) LiqPayCallback(ctx context.Context, data, signature string) (Result, error) {
	var res Result
	body := url.Values{"data": {data}, "signature": {signature}}.Encode()
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		l := logged{Gateway: LiqPay, Body: body}
		refuse := func(r Reason) error {
			res = Result{Outcome: Refused, Reason: r}
			l.Outcome, l.Reason = Refused, r
			return logCallback(ctx, tx, l)
		}
		st, err := s.settings(ctx, tx)
		if errors.Is(err, ErrNotConfigured) || err == nil && st.Gateway != LiqPay {
			return refuse(ReasonNotConfigured)
		}
		if err != nil {
			return err
		}
		if !LiqPayVerify(st.Secret, data, signature) {
			return refuse(ReasonSignature)
		}
		cb, evidence, err := liqpayDecode(data)
		if err != nil || cb.PaymentID.String() == "" {
			return refuse(ReasonMalformed)
		}
		l.GatewayID, l.Status = cb.PaymentID.String(), cb.Status
		if cb.PublicKey != st.PublicKey {
			return refuse(ReasonMerchant)
		}
		id, err := uuid.Parse(cb.OrderID)
		if err != nil {
			return refuse(ReasonUnknownInvoice)
		}
		amount, err := kopecksOf(cb.Amount.String())
		if err != nil {
			return refuse(ReasonAmount)
		}
		rep := report{Gateway: LiqPay, GatewayID: cb.PaymentID.String(), Invoice: id, Status: liqpayStatus(cb.Status), RawStatus: cb.Status,
			AmountKopecks: amount, Currency: cb.Currency, Evidence: evidence}
		res, err = s.apply(ctx, tx, rep, &l)
		return err
	})
	return res, err
}

// apply records a verified report against its invoice, in tx, and logs it
// through l:
//
//   - the invoice must exist and the amount and currency be its own;
//   - the payment is found by the gateway's id: the same status again is
//     a replay, a status that does not move forward (advances) is late;
//     both change nothing;
//   - a success settles an open invoice; a success for an invoice that
//     another payment settled, or that was cancelled, is kept and flagged
//     for refund;
//   - a reversal of the payment that settled the invoice makes it
//     refunded.
func (s *Service) apply(ctx context.Context, tx pgx.Tx, rep report, l *logged) (Result, error) {
	res := Result{Outcome: Refused}
	finish := func(o Outcome, r Reason) (Result, error) {
		res.Outcome, res.Reason = o, r
		l.Outcome, l.Reason = o, r
		return res, logCallback(ctx, tx, *l)
	}
	inv, err := invoiceForUpdate(ctx, tx, rep.Invoice)
	if errors.Is(err, pgx.ErrNoRows) {
		return finish(Refused, ReasonUnknownInvoice)
	}
	if err != nil {
		return res, err
	}
	l.Invoice, res.Invoice = &inv.ID, inv
	if rep.Currency != inv.Currency {
		return finish(Refused, ReasonCurrency)
	}
	if rep.AmountKopecks != inv.AmountKopecks {
		return finish(Refused, ReasonAmount)
	}
	now := s.now()
	p, err := paymentByGatewayID(ctx, tx, rep.Gateway, rep.GatewayID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		p = Payment{ID: uuid.New(), Invoice: inv.ID, Gateway: rep.Gateway, GatewayID: rep.GatewayID, Status: rep.Status,
			AmountKopecks: rep.AmountKopecks, Currency: rep.Currency, Evidence: rep.Evidence, UpdatedAt: now}
		if err := insertPayment(ctx, tx, p); err != nil {
			return res, err
		}
	case err != nil:
		return res, err
	case p.Invoice != inv.ID:
		// The gateway's id names a payment of another invoice.
		return finish(Refused, ReasonUnknownInvoice)
	case p.Status == rep.Status:
		return finish(Ignored, ReasonReplay)
	case !advances(p.Status, rep.Status):
		return finish(Ignored, ReasonOutOfOrder)
	default:
		p.Status, p.Evidence, p.UpdatedAt = rep.Status, rep.Evidence, now
	}
	reason := Reason("")
	switch {
	case p.Status == Succeeded && inv.Status == Open:
		inv.Status, inv.PaidBy, inv.PaidAt = Paid, &p.ID, &now
		if err := setInvoiceStatus(ctx, tx, inv); err != nil {
			return res, err
		}
		if err := s.tell(ctx, tx, inv, "notify.payment_paid"); err != nil {
			return res, err
		}
	case p.Status == Succeeded && inv.Status == Cancelled:
		p.RefundDue, reason = true, ReasonCancelled
	case p.Status == Succeeded:
		p.RefundDue, reason = true, ReasonAlreadyPaid
	case p.Status == Reversed && inv.PaidBy != nil && *inv.PaidBy == p.ID:
		inv.Status = Refunded
		if err := setInvoiceStatus(ctx, tx, inv); err != nil {
			return res, err
		}
		if err := s.tell(ctx, tx, inv, "notify.payment_refunded"); err != nil {
			return res, err
		}
	case p.Status == Reversed:
		p.RefundDue = false // the extra payment went back
	}
	if err := updatePayment(ctx, tx, p); err != nil {
		return res, err
	}
	return finish(Accepted, reason)
}

// advances says whether a payment may move from one status to another:
// a pending one to anything, a success only to its reversal. A failure is
// final (a new attempt is a new payment with its own id).
func advances(from, to PaymentStatus) bool {
	switch from {
	case Pending:
		return to != Pending
	case Succeeded:
		return to == Reversed
	}
	return false
}

// tell posts the applicant a notice about their invoice, in tx.
func (s *Service) tell(ctx context.Context, tx pgx.Tx, inv *Invoice, key string) error {
	if s.o.Notify == nil {
		return nil
	}
	_, err := s.o.Notify.Post(ctx, tx, notify.Notice{Account: inv.Account, Application: &inv.Application, Kind: notify.KindStatus, Key: key,
		Args: map[string]any{"Number": inv.Number, "Service": inv.Service, "Amount": inv.Amount()}})
	return err
}
