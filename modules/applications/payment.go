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

// bill is what the application owes: the fee, the payer the applicant
// (the legal entity when one acts). number is "" for a draft.
func bill(app *Application, number string, p Person, acc *identity.Account, fee catalog.Fee) payments.Bill {
	// The treasury's purpose names a person surname first: the account's
	// parts of the name (the session's Person may carry only the whole).
	payer, tax := strings.Join(strings.Fields(acc.FamilyName+" "+acc.GivenName+" "+acc.MiddleName), " "), p.RNOKPP
	if payer == "" {
		payer = p.FullName
	}
	if app.EDRPOU != "" {
		payer, tax = app.OrgName, app.EDRPOU
	}
	return payments.Bill{Application: app.ID, Account: app.ApplicantID, Provider: app.ProviderID, Number: number, Service: app.ServiceName.UK,
		Fee: fee, Payer: payer, PayerRNOKPP: tax}
}

// refundIfRefused settles a refused application's fee in the issuing
// transaction (settleFee).
func (s *Service) refundIfRefused(ctx context.Context, tx pgx.Tx, app *Application) error {
	if app.Decision != string(Refused) {
		return nil
	}
	return s.settleFee(ctx, tx, app)
}

// settleFee settles the fee of an application that ends without a result
// (refused, or withdrawn by the applicant before a decision), in tx: an
// invoice not yet paid is cancelled, as nothing is due any more; a paid
// one is refunded when its service's fee is refundable (the register's
// per-service setting; by default the fee is kept). A withdrawal follows
// the refusal's rule: the consideration the fee pays for did not happen.
func (s *Service) settleFee(ctx context.Context, tx pgx.Tx, app *Application) error {
	if err := payments.Cancel(ctx, tx, app.ID); err != nil {
		return err
	}
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
