package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents/doctest"
	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
)

var (
	payLinkRE  = regexp.MustCompile(`href="(/cabinet/payments/[0-9a-f-]{36})"`)
	payFormRE  = regexp.MustCompile(`<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="data" value="([^"]+)">\s*<input type="hidden" name="signature" value="([^"]+)">`)
	payTokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)
	// receiptURLRE is a receipt's verification address as printed.
	receiptURLRE = regexp.MustCompile(`http://\S+/payments/receipts/[0-9a-f-]{36}`)
)

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// payInvoice goes from an application's page to the LiqPay simulator and
// clicks «Сплатити», as a browser would; it returns the invoice's path.
func (e *appsEnv) payInvoice(c *http.Client, app string) string {
	t := e.t
	t.Helper()
	r := get(t, c, e.u("/cabinet/applications/"+app))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "До сплати 25,74\u00a0грн")
	link := payLinkRE.FindStringSubmatch(r.body)
	require.NotNil(t, link, "no link to pay")
	r = get(t, c, e.u(link[1]))
	require.Equal(t, http.StatusOK, r.status)
	form := payFormRE.FindStringSubmatch(r.body)
	require.NotNil(t, form, r.body)
	require.Equal(t, e.u(liqpaysim.Prefix+"/api/3/checkout"), form[1], "in dev the checkout is the simulator on the city's own host")
	r = appsPost(t, c, form[1], url.Values{"data": {html.UnescapeString(form[2])}, "signature": {html.UnescapeString(form[3])}})
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, appsText(r), "До сплати 25,74 грн")
	token := payTokenRE.FindStringSubmatch(r.body)
	require.NotNil(t, token)
	r = appsPost(t, c, e.u(liqpaysim.Prefix+"/pay"), url.Values{"token": {token[1]}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, e.u(link[1]+"?returned=1"), r.header.Get("Location"))
	return link[1]
}

// Issue 17 over HTTP: the residence registration's fee is due once the
// application is submitted; paid through the LiqPay simulator, the
// callback (not the redirect) marks it paid, the resident's history and
// the official's page show it with the gateway's evidence, and a forged
// callback to the city's endpoint is refused and changes nothing.
func TestPaymentsResidenceFee(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")
	app := e.applyResidence(c, resident)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND amount_kopecks = 2574 AND status = 'open'
		AND purpose LIKE '*;101;' || $2 || ';Адміністративний збір за реєстрацію місця проживання, заява %, ' || $3 || ';;;'`,
		app, resident.RNOKPP, resident.FamilyName+" "+resident.GivenName+" "+resident.MiddleName))

	invoice := e.payInvoice(c, app)
	r := get(t, c, e.u(invoice+"?returned=1"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "Сплачено")
	require.NotContains(t, r.body, `id="pay-button"`)
	r = get(t, c, e.u("/cabinet/applications/"+app))
	require.Contains(t, appsText(r), `id="pay-state">Сплачено`)
	require.Contains(t, get(t, c, e.u("/cabinet")).body, `<a href="/cabinet/payments">Мої платежі</a>`)
	r = get(t, c, e.u("/cabinet/payments"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "25,74\u00a0грн</strong> · Сплачено")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE application_id = $1 AND key = 'notify.payment_paid'`, app))

	// The receipt: sealed with the provider's seal, inside and detached,
	// which openssl and pdfsig accept; its QR code's page confirms it.
	pdf, p7s := get(t, c, e.u(invoice+"/receipt.pdf")), get(t, c, e.u(invoice+"/receipt.pdf.p7s"))
	require.Equal(t, http.StatusOK, pdf.status, pdf.body)
	require.Equal(t, "application/pdf", pdf.header.Get("Content-Type"))
	doctest.RequireSigned(t, []byte(pdf.body), []byte(p7s.body), e.devCA().Certificate)
	text := doctest.Text(t, []byte(pdf.body))
	for _, want := range []string{"Квитанція про сплату адміністративного збору", "25,74 грн", resident.RNOKPP, "UA858999980333199331000026001",
		"*;101;" + resident.RNOKPP + ";", "liqpay №", "/payments/receipts/"} {
		require.Contains(t, text, want)
	}
	again := get(t, c, e.u(invoice+"/receipt.pdf"))
	require.Equal(t, pdf.body, again.body, "a receipt is made once")
	verify := receiptURLRE.FindString(text)
	require.NotEmpty(t, verify)
	r = get(t, e.ta.client(t), verify)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), `id="receipt-intact"`)
	require.Contains(t, appsText(r), sha256Hex(pdf.body))

	// The official sees it paid, with the gateway's payment and the
	// callback that reported it.
	off := e.as(appsKyiv, "official-dcnap")
	r = get(t, off, e.u("/work/applications/"+app))
	require.Equal(t, http.StatusOK, r.status)
	text = appsText(r)
	require.Contains(t, text, `id="work-pay-state">Сплачено`)
	require.Regexp(t, `liqpay № \d+ · Успішно · 25,74\x{a0}грн UAH`, text)
	require.Contains(t, text, "424242*42")
	require.Contains(t, text, "liqpay success · прийнято")

	// A forged callback (another key) and a second payment reported for
	// the paid invoice: the first refused, the second flagged; the
	// invoice stays paid by the first.
	var invoiceID string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM invoices WHERE application_id = $1`, app).Scan(&invoiceID)
	})
	forged := liqpaysim.Callback(liqpaysim.Payment{PaymentID: 9001, PublicKey: "sandbox_ikyiv", OrderID: invoiceID, Status: "success", Amount: "25.74", Currency: "UAH"})
	data, sig, err := payments.LiqPayEncode("sandbox_guessed", forged)
	require.NoError(t, err)
	r = do(t, e.ta.client(t), http.MethodPost, e.u(payments.LiqPayCallbackPath), url.Values{"data": {data}, "signature": {sig}}, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payments`))
	data, sig, err = payments.LiqPayEncode(e.ta.liqpaysim.PrivateKey("sandbox_ikyiv"), forged)
	require.NoError(t, err)
	r = do(t, e.ta.client(t), http.MethodPost, e.u(payments.LiqPayCallbackPath), url.Values{"data": {data}, "signature": {sig}}, nil)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payments WHERE gateway_id = '9001' AND refund_due`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices i JOIN payments p ON p.id = i.paid_by WHERE i.application_id = $1 AND NOT p.refund_due`, app))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payment_callbacks WHERE reason = 'bad_signature'`))

	// The service's fee made refundable, the application refused: the
	// refund goes through LiqPay's server API (action "refund") and the
	// reversed callback marks the fee refunded; the flagged second payment
	// stays flagged.
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, '{fee,refundable}', 'true') WHERE code = 'KY-0001'`)
		return err
	})
	work := e.u("/work/applications/" + app)
	require.Equal(t, http.StatusSeeOther, appsPost(t, off, work+"/take", nil).status)
	r = appsPost(t, off, work+"/decide", url.Values{"decision": {"refuse"}, "grounds": {""}})
	sel := appsGroundRE.FindStringSubmatch(r.body)
	require.NotNil(t, sel)
	ground := html.UnescapeString(appsOptionRE.FindAllStringSubmatch(sel[1], -1)[0][1])
	require.Equal(t, http.StatusSeeOther, appsPost(t, off, work+"/decide", url.Values{"decision": {"refuse"}, "grounds": {ground}}).status)
	result := append(append([]byte{}, appsPDF...), []byte("% vidmova\n")...)
	r = appsMultipart(t, off, work+"/issue", url.Values{"comment": {"Рішення підписано."}}, appsFile{"file", "vidmova.pdf", result})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'refunded'`, app) == 1
	}, "the fee is refunded")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payments WHERE gateway = 'liqpay' AND status = 'reversed' AND NOT refund_due`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payments WHERE gateway_id = '9001' AND status = 'succeeded' AND refund_due`))
}
