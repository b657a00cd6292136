package applications

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/modules/payments"
)

// issueInvoice makes a paid service's invoice when its application is
// signed and received, in the submission's transaction (modules/payments):
// the fee as the register states it then, the payer the applicant (the
// legal entity when one acts).
// acc is the applicant's account and fee the service's, both read by the
// submission before.
func issueInvoice(ctx context.Context, tx pgx.Tx, app *Application, number string, p Person, acc *identity.Account, fee catalog.Fee) error {
	// The treasury's purpose names a person surname first: the account's
	// parts of the name (the session's Person may carry only the whole).
	payer, tax := strings.Join(strings.Fields(acc.FamilyName+" "+acc.GivenName+" "+acc.MiddleName), " "), p.RNOKPP
	if payer == "" {
		payer = p.FullName
	}
	if app.EDRPOU != "" {
		payer, tax = app.OrgName, app.EDRPOU
	}
	_, err := payments.Issue(ctx, tx, payments.Bill{Application: app.ID, Account: app.ApplicantID, Provider: app.ProviderID, Number: number, Service: app.ServiceName.UK,
		Fee: fee, Payer: payer, PayerRNOKPP: tax})
	return err
}

// refundIfRefused asks, in the issuing transaction, for a refused
// application's fee back when its service's fee is refundable (the
// register's per-service setting; by default the fee is kept).
func (s *Service) refundIfRefused(ctx context.Context, tx pgx.Tx, app *Application) error {
	if app.Decision != string(Refused) {
		return nil
	}
	return s.refundIfRefundable(ctx, tx, app)
}

// refundIfRefundable asks, in tx, for the application's fee back when its
// service's fee is refundable: a refusal's, and a withdrawal's (the
// applicant took it back before any decision: the fee paid for a
// consideration that did not happen, where the register says it is
// returned). An unpaid invoice needs nothing.
func (s *Service) refundIfRefundable(ctx context.Context, tx pgx.Tx, app *Application) error {
	if s.Payments == nil {
		return nil
	}
	var refundable bool
	if err := tx.QueryRow(ctx, `SELECT coalesce((content->'fee'->>'refundable')::boolean, false) FROM services WHERE id = $1`, app.ServiceID).Scan(&refundable); err != nil {
		return fmt.Errorf("applications: whether the fee is refundable: %w", err)
	}
	if !refundable {
		return nil
	}
	return s.Payments.Refund(ctx, tx, app.ID)
}
