package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

// Issue 17: a refundable fee goes back when the applicant withdraws the
// application, by the refusal's path: the withdrawal's transaction asks,
// the job asks LiqPay (the simulator) to refund, and the reversed
// callback marks the invoice refunded.
func TestPaymentsRefundOnWithdrawal(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, '{fee,refundable}', 'true') WHERE code = 'KY-0001'`)
		return err
	})
	c := e.as(appsKyiv, "resident")
	app := e.applyResidence(c, appsPersona(t, "resident"))
	e.payInvoice(c, app)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'paid'`, app))

	r := appsPost(t, c, e.u("/cabinet/applications/"+app+"/withdraw"), url.Values{"comment": {"Подам пізніше."}})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM applications WHERE id = $1 AND status = 'withdrawn'`, app))
	require.Eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'refunded'`, app) == 1
	}, 3*time.Minute, 100*time.Millisecond, "the fee is refunded")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id
		WHERE i.application_id = $1 AND p.gateway = 'liqpay' AND p.status = 'reversed'`, app))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE application_id = $1 AND key = 'notify.payment_refunded'`, app))
	var reversed int
	for _, p := range e.ta.liqpaysim.Payments() {
		if p.Status == "reversed" {
			reversed++
		}
	}
	require.Equal(t, 1, reversed)
}

// An application withdrawn before its fee is paid: the invoice is
// cancelled, its page offers no payment and says nothing is due; no
// refund is asked (nothing was paid).
func TestPaymentsCancelledOnWithdrawal(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	app := e.applyResidence(c, appsPersona(t, "resident"))
	r := get(t, c, e.u("/cabinet/applications/"+app))
	link := payLinkRE.FindStringSubmatch(r.body)
	require.NotNil(t, link)

	r = appsPost(t, c, e.u("/cabinet/applications/"+app+"/withdraw"), url.Values{"comment": {""}})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'cancelled'`, app))
	r = get(t, c, e.u(link[1]))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "Скасовано: сплачувати не потрібно")
	require.NotContains(t, r.body, `id="pay-button"`)
	r = get(t, c, e.u("/cabinet/applications/"+app))
	require.Contains(t, appsText(r), `id="pay-state">Скасовано: сплачувати не потрібно`)
	require.NotContains(t, r.body, `id="pay-link"`)
}

// The accounting export over HTTP: the administrator and the dispatcher
// (payments:export) see the link and download the period's CSV, every
// export in the audit log; a bad date is named in Ukrainian and nothing is
// exported; the owner and an official are refused (403) and not shown the
// link. The gateway settings are the administrator's only: the secret is
// never shown back, a change is audited without it.
func TestPaymentsAdminPages(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	app := e.applyResidence(c, appsPersona(t, "resident"))
	e.payInvoice(c, app)
	var number string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT number FROM applications WHERE id = $1`, app).Scan(&number)
	})
	today := time.Now().In(tenant.Zone).Format(time.DateOnly)
	csvURL := e.u("/admin/payments/export.csv?" + url.Values{"from": {today}, "to": {today}}.Encode())

	for _, persona := range []string{"administrator", "dispatcher"} {
		s := e.as(appsKyiv, persona)
		r := get(t, s, e.u("/admin"))
		require.Equal(t, http.StatusOK, r.status)
		require.Contains(t, r.body, `href="/admin/payments"`, persona)
		r = get(t, s, e.u("/admin/payments"))
		require.Equal(t, http.StatusOK, r.status, persona)
		require.Contains(t, appsText(r), "Завантажити CSV")
		r = get(t, s, csvURL)
		require.Equal(t, http.StatusOK, r.status, persona)
		require.Equal(t, "text/csv; charset=utf-8", r.header.Get("Content-Type"))
		require.True(t, strings.HasPrefix(r.body, "\uFEFFДата і час (Київ);Статус;"), r.body)
		require.Contains(t, r.body, ";сплачено;"+number+";KY-0001;")
		require.Contains(t, r.body, ";25,74;UAH;LiqPay;")
	}
	require.Equal(t, 2, e.count(`SELECT count(*) FROM audit_events WHERE action = 'payments.export' AND (details->>'rows')::int = 1`))

	// A bad date: the page again, the field named, nothing exported.
	adm := e.as(appsKyiv, "administrator")
	r := get(t, adm, e.u("/admin/payments/export.csv?from=5/12/2026&to="))
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, appsText(r), "Дата «З» — у форматі ДД.ММ.РРРР, наприклад 05.12.2026.")
	require.Contains(t, appsText(r), "Вкажіть дату «По».")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM audit_events WHERE action = 'payments.export'`))

	for _, persona := range []string{"owner", "official-dcnap"} {
		s := e.as(appsKyiv, persona)
		r := get(t, s, e.u("/admin"))
		require.NotContains(t, r.body, `href="/admin/payments"`, persona)
		require.NotContains(t, r.body, `href="/admin/payment-settings"`, persona)
		require.Equal(t, http.StatusForbidden, get(t, s, e.u("/admin/payments")).status, persona)
		require.Equal(t, http.StatusForbidden, get(t, s, csvURL).status, persona)
	}

	// The settings: the administrator's; the dispatcher is refused.
	dis := e.as(appsKyiv, "dispatcher")
	require.NotContains(t, get(t, dis, e.u("/admin")).body, `href="/admin/payment-settings"`)
	require.Equal(t, http.StatusForbidden, get(t, dis, e.u("/admin/payment-settings")).status)
	require.Equal(t, http.StatusForbidden, appsPost(t, dis, e.u("/admin/payment-settings"), url.Values{"gateway": {"monobank"}, "secret": {"x"}}).status)
	require.Contains(t, get(t, adm, e.u("/admin")).body, `href="/admin/payment-settings"`)
	r = get(t, adm, e.u("/admin/payment-settings"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "задано, змінено")
	secret := e.ta.liqpaysim.PrivateKey("sandbox_ikyiv")
	require.NotContains(t, r.body, secret, "the secret is never shown")
	r = appsPost(t, adm, e.u("/admin/payment-settings"), url.Values{"gateway": {"liqpay"}, "public_key": {""}, "secret": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, appsText(r), "Вкажіть публічний ключ LiqPay.")
	token := e.ta.monosim.Token("kyiv")
	r = appsPost(t, adm, e.u("/admin/payment-settings"), url.Values{"gateway": {"monobank"}, "secret": {token}})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	r = get(t, adm, e.u("/admin/payment-settings?saved=1"))
	require.Contains(t, appsText(r), "Налаштування оплати збережено.")
	require.NotContains(t, r.body, token)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM payment_settings WHERE gateway = 'monobank' AND active`))
	r = appsPost(t, adm, e.u("/admin/payment-settings/check"), nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "З'єднання працює: monobank (інтернет-еквайринг) прийняв ключі громади.")
	require.Equal(t, http.StatusForbidden, appsPost(t, dis, e.u("/admin/payment-settings/check"), nil).status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'payments.settings.save' AND details->>'gateway' = 'monobank'`))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%'`, token))
}

// A bank receipt over HTTP: the resident uploads one on the invoice's page
// (a web page named .pdf is refused at the field, nothing stored); the
// official of the provider sees it on the application and, without a
// reason, cannot reject it; rejected with one, the resident reads why and
// sends another; an official of another provider may not decide it;
// accepted, the fee is paid.
func TestPaymentsBankReceipt(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	app := e.applyResidence(c, appsPersona(t, "resident"))
	r := get(t, c, e.u("/cabinet/applications/"+app))
	link := payLinkRE.FindStringSubmatch(r.body)
	require.NotNil(t, link)
	invoice := link[1]
	r = get(t, c, e.u(invoice))
	require.Contains(t, appsText(r), "Сплатили в банку?")

	r = appsMultipart(t, c, e.u(invoice+"/proof"), nil, appsFile{"file", "kvytantsiia.pdf", appsHTML})
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), `id="f-file-error"`)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM payment_proofs`))
	r = appsMultipart(t, c, e.u(invoice+"/proof"), nil, appsFile{"file", "kvytantsiia.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	r = get(t, c, e.u(invoice+"?sent=1"))
	require.Contains(t, appsText(r), "Квитанцію надіслано.")
	require.Contains(t, appsText(r), `id="proof-waiting"`)
	r = appsMultipart(t, c, e.u(invoice+"/proof"), nil, appsFile{"file", "znovu.pdf", appsPDF})
	require.Equal(t, http.StatusConflict, r.status, "one waits at a time")

	var proof string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM payment_proofs WHERE status = 'pending'`).Scan(&proof)
	})
	other := e.as(appsKyiv, "official-transport")
	require.Equal(t, http.StatusForbidden, appsPost(t, other, e.u("/work/payments/proofs/"+proof+"/accept"), nil).status)
	require.Equal(t, http.StatusForbidden, get(t, other, e.u("/work/payments/proofs/"+proof+"/file")).status)

	off := e.as(appsKyiv, "official-dcnap")
	r = get(t, off, e.u("/work/applications/"+app))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `action="/work/payments/proofs/`+proof+`/accept"`)
	f := get(t, off, e.u("/work/payments/proofs/"+proof+"/file"))
	require.Equal(t, http.StatusOK, f.status)
	require.Equal(t, string(appsPDF), f.body)
	r = appsPost(t, off, e.u("/work/payments/proofs/"+proof+"/reject"), url.Values{"reason": {""}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Причина: напишіть, чому квитанцію не прийнято")
	r = appsPost(t, off, e.u("/work/payments/proofs/"+proof+"/reject"), url.Values{"reason": {"Не видно суми платежу."}})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE application_id = $1 AND key = 'notify.payment_proof_rejected'`, app))
	r = get(t, c, e.u(invoice))
	require.Contains(t, appsText(r), "не прийнято</strong>: Не видно суми платежу.")

	r = appsMultipart(t, c, e.u(invoice+"/proof"), nil, appsFile{"file", "kvytantsiia-2.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM payment_proofs WHERE status = 'pending'`).Scan(&proof)
	})
	r = appsPost(t, off, e.u("/work/payments/proofs/"+proof+"/accept"), nil)
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices i JOIN payments p ON p.id = i.paid_by
		WHERE i.application_id = $1 AND i.status = 'paid' AND p.gateway = 'bank' AND p.gateway_id = $2`, app, proof))
	r = appsPost(t, off, e.u("/work/payments/proofs/"+proof+"/accept"), nil)
	require.Equal(t, http.StatusConflict, r.status, "decided once")
	r = get(t, c, e.u("/cabinet/applications/"+app))
	require.Contains(t, appsText(r), `id="pay-state">Сплачено`)
}
