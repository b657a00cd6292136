package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
)

// The daily reconciliation, as the periodic job starts it (fanned out to
// every city): a payment whose callback LiqPay lost is found in LiqPay's
// reports, recorded, and the dispatcher is told.
func TestPaymentsReconciliationFindsMissedPayment(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")
	app := e.applyResidence(c, resident)
	e.ta.liqpaysim.LoseNext(1)
	invoice := e.payInvoice(c, app)
	r := get(t, c, e.u(invoice+"?returned=1"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `id="pay-waiting"`, "back from the gateway, the page waits for the bank")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'open'`, app))

	_, err := e.ta.river.Insert(t.Context(), payments.ReconcileAllArgs{}, nil)
	require.NoError(t, err)
	eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'paid'`, app) == 1
	}, "the missed payment recorded from the reports")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payment_callbacks WHERE body LIKE 'statement: %' AND outcome = 'accepted'`))
	dispatcher := appsPersona(t, "dispatcher")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications n JOIN accounts a ON a.id = n.account_id
		WHERE a.rnokpp = $1 AND n.key = 'notify.payment_discrepancies'`, dispatcher.RNOKPP))
}
