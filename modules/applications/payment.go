package applications

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/payments"
)

// issueInvoice makes a paid service's invoice when its application is
// signed and received, in the submission's transaction (modules/payments):
// the fee as the register states it then, the payer the applicant (the
// legal entity when one acts).
func issueInvoice(ctx context.Context, tx pgx.Tx, app *Application, number string, p Person) error {
	var fee catalog.Fee
	if err := tx.QueryRow(ctx, `SELECT coalesce(content->'fee', '{"free": true}') FROM services WHERE id = $1`, app.ServiceID).Scan(&fee); err != nil {
		return fmt.Errorf("applications: the service's fee: %w", err)
	}
	payer, tax := p.FullName, p.RNOKPP
	if app.EDRPOU != "" {
		payer, tax = app.OrgName, app.EDRPOU
	}
	_, err := payments.Issue(ctx, tx, payments.Bill{Application: app.ID, Account: app.ApplicantID, Provider: app.ProviderID, Number: number, Service: app.ServiceName.UK,
		Fee: fee, Payer: payer, PayerRNOKPP: tax})
	return err
}
