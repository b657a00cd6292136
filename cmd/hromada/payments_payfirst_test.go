package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/payments/liqpaysim"
)

// payFirstInvoiceRE is where «Сплатити» on a draft's review page leads.
var payFirstInvoiceRE = regexp.MustCompile(`^/cabinet/payments/[0-9a-f-]{36}$`)

// Issue 17, «Оплата до подання»: the demo register's residence
// registration (KY-0001) switched to pay before submitting. The review
// page shows the fee and «Сплатити» instead of signing; a direct POST to
// sign is refused with the reason and nothing changes; «Сплатити» (twice)
// makes one invoice; paid through the LiqPay simulator, its callback
// opens the signing, and the submission makes no second invoice.
func TestPaymentsPayFirst(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, '{fee,pay_first}', 'true') WHERE code = 'KY-0001'`)
		return err
	})
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")
	id := e.start(c, "KY-0001")
	e.fillResidence(c, id, resident)
	r := appsMultipart(t, c, e.u("/cabinet/applications/"+id+"/files"), url.Values{"document": {"2"}}, appsFile{"file", "pasport.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))

	review := e.u("/cabinet/applications/" + id + "/review")
	r = get(t, c, review)
	require.Equal(t, http.StatusOK, r.status)
	text := appsText(r)
	require.Contains(t, text, "Оплата до подання")
	require.Contains(t, text, "До сплати 25,74 грн")
	require.Contains(t, text, `action="/cabinet/applications/`+id+`/pay"`)
	require.NotContains(t, text, `action="/cabinet/applications/`+id+`/sign"`, "no signing before the fee is paid")

	// Signing anyway: refused, with the reason and the payment offered.
	r = e.signOnline(c, id, "payfirst-key")
	require.Equal(t, http.StatusConflict, r.status)
	text = appsText(r)
	require.Contains(t, text, "цю послугу оплачують до подання, а збір ще не сплачено")
	require.Contains(t, text, `action="/cabinet/applications/`+id+`/pay"`)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM applications WHERE id = $1 AND status = 'draft' AND number IS NULL`, id))
	require.Zero(t, e.count(`SELECT count(*) FROM invoices WHERE application_id = $1`, id))

	// «Сплатити», twice: one invoice, its page.
	r = appsPost(t, c, e.u("/cabinet/applications/"+id+"/pay"), url.Values{})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	invoice := r.header.Get("Location")
	require.Regexp(t, payFirstInvoiceRE, invoice)
	r = appsPost(t, c, e.u("/cabinet/applications/"+id+"/pay"), url.Values{})
	require.Equal(t, invoice, r.header.Get("Location"))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND number = '' AND status = 'open'`, id))
	// Another resident cannot bill this draft.
	r = appsPost(t, e.as(appsKyiv, "legal_rep"), e.u("/cabinet/applications/"+id+"/pay"), url.Values{})
	require.Equal(t, http.StatusNotFound, r.status)

	// A billed draft is kept: no «Видалити чернетку», and a direct POST
	// is refused with the reason.
	require.NotContains(t, get(t, c, review).body, `/discard"`)
	r = appsPost(t, c, e.u("/cabinet/applications/"+id+"/discard"), url.Values{})
	require.Equal(t, http.StatusConflict, r.status)
	require.Contains(t, appsText(r), "Чернетку не видалено: за неї вже виставлено рахунок")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM applications WHERE id = $1 AND status = 'draft'`, id))

	// The invoice's page: back to signing, the gateway's form, no bank
	// receipt for a draft.
	r = get(t, c, e.u(invoice))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `href="/cabinet/applications/`+id+`/review"`)
	require.NotContains(t, r.body, `id="proof"`)
	form := payFormRE.FindStringSubmatch(r.body)
	require.NotNil(t, form, r.body)
	r = appsPost(t, c, form[1], url.Values{"data": {html.UnescapeString(form[2])}, "signature": {html.UnescapeString(form[3])}})
	require.Equal(t, http.StatusOK, r.status, r.body)
	token := payTokenRE.FindStringSubmatch(r.body)
	require.NotNil(t, token)
	r = appsPost(t, c, e.u(liqpaysim.Prefix+"/pay"), url.Values{"token": {token[1]}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, e.u(invoice+"?returned=1"), r.header.Get("Location"))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices i JOIN payments p ON p.id = i.paid_by
		WHERE i.application_id = $1 AND i.status = 'paid' AND p.gateway = 'liqpay' AND p.amount_kopecks = 2574`, id))

	// Paid: the review page says so and offers signing, which submits.
	r = get(t, c, review)
	text = appsText(r)
	require.Contains(t, text, "Збір 25,74 грн сплачено")
	require.NotContains(t, text, `id="pay-first-button"`)
	r = e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, "/cabinet/applications/"+id+"?submitted=1", r.header.Get("Location"))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices WHERE application_id = $1`, id), "no second invoice")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices i JOIN applications a ON a.id = i.application_id
		WHERE a.id = $1 AND a.status <> 'draft' AND i.number = a.number AND i.status = 'paid'`, id))
	r = get(t, c, e.u("/cabinet/applications/"+id))
	require.Contains(t, appsText(r), `id="pay-state">Сплачено`)
}
