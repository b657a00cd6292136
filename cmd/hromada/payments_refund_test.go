package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
	"hromada/modules/payments/monosim"
	"hromada/tenant"
)

// Issue 17 with monobank: Kyiv takes fees through the monobank simulator
// and its residence registration's fee is refundable; the resident pays
// (the platform creates the bank's invoice, the bank's page, the signed
// webhook), the official refuses and issues the refusal, and the refund
// job cancels the bank's invoice, whose reversed webhook marks the fee
// refunded.
func TestPaymentsMonobankRefundOnRefusal(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	ctx := tenant.With(t.Context(), e.kyiv)
	require.NoError(t, e.ta.payments.SaveSettings(ctx, payments.Settings{Gateway: payments.Monobank, Secret: e.ta.monosim.Token("kyiv")}))
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, '{fee,refundable}', 'true') WHERE code = 'KY-0001'`)
		return err
	})
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")
	app := e.applyResidence(c, resident)

	r := get(t, c, e.u("/cabinet/applications/"+app))
	link := payLinkRE.FindStringSubmatch(r.body)
	require.NotNil(t, link)
	r = get(t, c, e.u(link[1]))
	require.Contains(t, r.body, `action="`+link[1]+`/pay"`)
	r = appsPost(t, c, e.u(link[1]+"/pay"), url.Values{})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	page := r.header.Get("Location")
	require.Contains(t, page, monosim.Prefix+"/pay/")
	r = get(t, c, page)
	require.Contains(t, appsText(r), "До сплати 25,74 грн")
	r = appsPost(t, c, page, url.Values{})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, e.u(link[1]+"?returned=1"), r.header.Get("Location"))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices i JOIN payments p ON p.id = i.paid_by
		WHERE i.application_id = $1 AND i.status = 'paid' AND p.gateway = 'monobank' AND p.amount_kopecks = 2574`, app))

	// The official refuses and issues the refusal.
	off := e.as(appsKyiv, "official-dcnap")
	work := e.u("/work/applications/" + app)
	act := func(action string, form url.Values) {
		t.Helper()
		r := appsPost(t, off, work+"/"+action, form)
		require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	}
	act("take", nil)
	r = appsPost(t, off, work+"/decide", url.Values{"decision": {"refuse"}, "grounds": {""}})
	sel := appsGroundRE.FindStringSubmatch(r.body)
	require.NotNil(t, sel)
	ground := html.UnescapeString(appsOptionRE.FindAllStringSubmatch(sel[1], -1)[0][1])
	act("decide", url.Values{"decision": {"refuse"}, "grounds": {ground}})
	result := append(append([]byte{}, appsPDF...), []byte("% vidmova\n")...)
	r = appsMultipart(t, off, work+"/issue", url.Values{"comment": {"Рішення підписано."}}, appsFile{"file", "vidmova.pdf", result})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))

	// The refund job asks the bank; the bank's reversed webhook is what
	// marks the fee refunded.
	eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'refunded'`, app) == 1
	}, "the fee is refunded")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payments WHERE gateway = 'monobank' AND status = 'reversed'`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payment_callbacks WHERE gateway = 'monobank' AND status = 'reversed' AND outcome = 'accepted'`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE application_id = $1 AND key = 'notify.payment_refunded'`, app))
	r = get(t, c, e.u("/cabinet/applications/"+app))
	require.Contains(t, appsText(r), `id="pay-state">Повернено`)
	var refunded int
	for _, inv := range e.ta.monosim.Invoices() {
		if inv.Status == "reversed" {
			refunded++
		}
	}
	require.Equal(t, 1, refunded)
}
