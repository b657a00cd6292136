package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents/doctest"
	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
	"hromada/web/browsertest"
)

// TestPaymentsInBrowser is issue 17's done-when test, in Chromium on a
// phone (390 px) with axe on every page: the resident, whose residence
// application is submitted, finds «До сплати 25,74 грн» on its page,
// pays through the LiqPay simulator's page, and comes back to it paid —
// by the simulator's callback, which arrived before the redirect; the
// receipt PDF verifies with openssl and pdfsig. Then replayed, forged,
// wrong-amount and out-of-order callbacks each change nothing and are
// logged, and the official reads it all on the application's page.
func TestPaymentsInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	resident := appsPersona(t, "resident")
	res := e.as(e.host, "resident")
	app := e.applyResidence(res, resident)
	phone, desktop := &browsertest.Viewport{Width: 390, Height: 844}, &browsertest.Viewport{Width: 1280, Height: 900}

	steps := []browsertest.Step{
		{Op: "goto", URL: e.u("/auth/login?return=/cabinet/applications/" + app)},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "text", Selector: "#payment"}, // 2
		{Op: "screenshot", Name: "hromada-pay-application-phone", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "#pay-link"},
		{Op: "text", Selector: "main"}, // 6
		{Op: "screenshot", Name: "hromada-pay-invoice-phone", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "#pay-button"},
		{Op: "text", Selector: "main"}, // 10: the simulator's checkout
		{Op: "screenshot", Name: "hromada-pay-liqpaysim-phone", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "#sim-pay"},
		{Op: "text", Selector: "#pay-status"}, // 14: back on the invoice
		{Op: "screenshot", Name: "hromada-pay-paid-phone", FullPage: true},
		{Op: "axe"},
		{Op: "goto", URL: e.u("/cabinet/applications/" + app)},
		{Op: "text", Selector: "#payment"}, // 18
		{Op: "goto", URL: e.u("/cabinet/payments")},
		{Op: "text", Selector: "main"}, // 20
		{Op: "screenshot", Name: "hromada-pay-history-phone", FullPage: true},
		{Op: "axe"},
	}
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "ResidentPays", Viewport: phone, Steps: steps}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	at := results[0].Steps
	require.Contains(t, at[2].Text, "До сплати 25,74\u00a0грн")
	require.Contains(t, at[6].Text, "Призначення платежу")
	require.Contains(t, at[6].Text, "*;101;"+resident.RNOKPP+";")
	require.Contains(t, at[10].Text, "До сплати 25,74 грн")
	require.Contains(t, at[14].Text, "Сплачено")
	require.Contains(t, at[18].Text, "Сплачено")
	require.Contains(t, at[20].Text, "Реєстрація місця проживання")

	// The receipt verifies with the outside tools.
	var invoiceID, paymentID string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT i.id, p.gateway_id FROM invoices i JOIN payments p ON p.id = i.paid_by WHERE i.application_id = $1 AND i.status = 'paid'`,
			app).Scan(&invoiceID, &paymentID)
	})
	pdf, p7s := get(t, res, e.u("/cabinet/payments/"+invoiceID+"/receipt.pdf")), get(t, res, e.u("/cabinet/payments/"+invoiceID+"/receipt.pdf.p7s"))
	require.Equal(t, http.StatusOK, pdf.status)
	doctest.RequireSigned(t, []byte(pdf.body), []byte(p7s.body), e.devCA().Certificate)
	require.Contains(t, doctest.Text(t, []byte(pdf.body)), "Квитанція про сплату адміністративного збору")

	// The bad callbacks: each refused or ignored, each logged, none
	// changing the invoice or its payment.
	key := e.ta.liqpaysim.PrivateKey("sandbox_ikyiv")
	ok := liqpaysim.Payment{PublicKey: "sandbox_ikyiv", OrderID: invoiceID, Status: "success", Amount: "25.74", Currency: "UAH"}
	send := func(key string, p liqpaysim.Payment) int {
		data, sig, err := payments.LiqPayEncode(key, liqpaysim.Callback(p))
		require.NoError(t, err)
		return do(t, e.ta.client(t), http.MethodPost, e.u(payments.LiqPayCallbackPath), url.Values{"data": {data}, "signature": {sig}}, nil).status
	}
	var first liqpaysim.Payment
	for _, p := range e.ta.liqpaysim.Payments() {
		if p.OrderID == invoiceID {
			first = p
		}
	}
	require.NotZero(t, first.PaymentID)
	before := e.count(`SELECT count(*) FROM payment_callbacks`)
	replayed := first
	forged, wrongAmount, late := ok, ok, first
	forged.PaymentID, wrongAmount.PaymentID, wrongAmount.Amount, late.Status = 9101, 9102, "2.57", "failure"
	require.Equal(t, http.StatusOK, send(key, replayed))
	require.Equal(t, http.StatusBadRequest, send("sandbox_guessed", forged))
	require.Equal(t, http.StatusBadRequest, send(key, wrongAmount))
	require.Equal(t, http.StatusOK, send(key, late))
	require.Equal(t, before+4, e.count(`SELECT count(*) FROM payment_callbacks`))
	for _, reason := range []string{"replay", "bad_signature", "wrong_amount", "out_of_order"} {
		require.Equal(t, 1, e.count(`SELECT count(*) FROM payment_callbacks WHERE reason = $1`, reason), reason)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payments`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices i JOIN payments p ON p.id = i.paid_by
		WHERE i.application_id = $1 AND i.status = 'paid' AND p.status = 'succeeded' AND p.gateway_id = $2`, app, paymentID))

	// The official reads the payment and the callbacks; the receipt's QR
	// page confirms it. Both pages on a phone and a desktop, with axe.
	verify := receiptURLRE.FindString(doctest.Text(t, []byte(pdf.body)))
	require.NotEmpty(t, verify)
	var scenarios []browsertest.Scenario
	for _, v := range []struct {
		name string
		vp   *browsertest.Viewport
	}{{"phone", phone}, {"desktop", desktop}} {
		scenarios = append(scenarios, browsertest.Scenario{Name: "OfficialReadsPayment-" + v.name, Viewport: v.vp, Steps: []browsertest.Step{
			{Op: "goto", URL: e.u("/auth/login?return=/work/applications/" + app)},
			{Op: "click", Selector: "button[value=official-dcnap]"},
			{Op: "text", Selector: "#payment"},
			{Op: "screenshot", Name: "hromada-pay-work-" + v.name, FullPage: true},
			{Op: "axe"},
			{Op: "goto", URL: verify},
			{Op: "text", Selector: "main"},
			{Op: "screenshot", Name: "hromada-pay-receipt-verify-" + v.name, FullPage: true},
			{Op: "axe"},
		}})
	}
	results = browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for _, r := range results {
		work := r.Steps[2].Text
		require.Contains(t, work, "Сплачено")
		require.Contains(t, work, "liqpay № "+paymentID+" · Успішно")
		require.Contains(t, work, "liqpay success · прийнято")
		require.Contains(t, work, "без змін (replay)")
		require.Contains(t, work, "відхилено (wrong_amount)")
		require.Contains(t, work, "без змін (out_of_order)")
		require.Contains(t, r.Steps[6].Text, "Квитанцію видано порталом громади")
	}
}
