package applications

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/catalog"
	"hromada/modules/payments"
)

// A service whose register entry says «Оплата до подання»
// (catalog.Fee.PayFirst) is paid before its application is signed: the
// draft's invoice is made when the resident asks to pay (PayFirst), the
// same invoice (one per application, the unique key) the submission would
// otherwise make, and the submission is refused until the gateway's
// callback has marked it paid. The submission then numbers that invoice
// and makes no other.

// ErrUnpaid is a submission of a pay-first service's draft whose fee is
// not paid yet.
var ErrUnpaid = apperr.New(apperr.Conflict, "app.pay_first_unpaid")

// ErrNotPayFirst is a payment asked for a draft whose service is paid
// after submission (or is free).
var ErrNotPayFirst = apperr.New(apperr.Conflict, "app.pay_first_not")

// ErrBilledDraft is a draft whose fee was billed before submission: it is
// not deleted.
var ErrBilledDraft = apperr.New(apperr.Conflict, "app.pay_first_no_discard")

// DraftFee is what the review page shows of a pay-first service's fee.
type DraftFee struct {
	AmountKopecks int64
	// Invoice is the draft's, once the resident has asked to pay; nil
	// before.
	Invoice *payments.Invoice
}

// Amount is the fee as people read it: "25,74".
func (f *DraftFee) Amount() string { return payments.FormatKopecks(f.AmountKopecks) }

// Paid says the fee is paid: the draft may be signed.
func (f *DraftFee) Paid() bool { return f.Invoice != nil && f.Invoice.Status == payments.Paid }

// payFirst says the fee must be paid before submission.
func payFirst(fee catalog.Fee) bool {
	return fee.PayFirst && !fee.Free && fee.AmountKopecks > 0
}

// paidFirst refuses, in tx, the submission of a pay-first service's draft
// whose invoice is not paid (none yet, or open).
func paidFirst(ctx context.Context, tx pgx.Tx, app uuid.UUID, fee catalog.Fee) error {
	if !payFirst(fee) {
		return nil
	}
	st, ok, err := payments.StatusOf(ctx, tx, app)
	if err != nil {
		return err
	}
	if !ok || st != payments.Paid {
		return ErrUnpaid
	}
	return nil
}

// FeeFirst is the owner's draft's fee when its service is paid before
// submission, nil when it is not (free, or paid after).
func (s *Service) FeeFirst(ctx context.Context, o Owner, id uuid.UUID) (*DraftFee, error) {
	var out *DraftFee
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, false)
		if err != nil {
			return err
		}
		_, fee, err := serviceTermFee(ctx, tx, app.ServiceID)
		if err != nil || !payFirst(fee) {
			return err
		}
		out = &DraftFee{AmountKopecks: fee.AmountKopecks}
		out.Invoice, err = payments.Of(ctx, tx, id)
		return err
	})
	return out, err
}

// PayFirst makes the invoice of the owner's draft of a pay-first service,
// or finds the one made before (a double click makes one), and returns
// it: the resident pays it on its page (modules/payments), before
// signing. The invoice has no number yet (the draft has none); the
// submission gives it one.
func (s *Service) PayFirst(ctx context.Context, o Owner, p Person, id uuid.UUID) (*payments.Invoice, error) {
	var inv *payments.Invoice
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, true)
		if err != nil {
			return err
		}
		if app.Status != Draft {
			return ErrTransition
		}
		_, fee, err := serviceTermFee(ctx, tx, app.ServiceID)
		if err != nil {
			return err
		}
		if !payFirst(fee) {
			return ErrNotPayFirst
		}
		acc, _, err := applicantProfile(ctx, tx, app)
		if err != nil {
			return err
		}
		inv, err = payments.Issue(ctx, tx, bill(app, "", p, acc, fee))
		return err
	})
	return inv, err
}

// unpaidFirst is paidFirst in a read of its own: the online signing asks
// it before it asks the signature provider to sign.
func (s *Service) unpaidFirst(ctx context.Context, o Owner, id uuid.UUID) error {
	return s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, false)
		if err != nil || app.Status != Draft {
			return err
		}
		_, fee, err := serviceTermFee(ctx, tx, app.ServiceID)
		if err != nil {
			return err
		}
		return paidFirst(ctx, tx, id, fee)
	})
}
