package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestPayFirstInBrowser: «Оплата до подання» in Chromium on a phone
// (390 px), axe on every page. The residence registration (KY-0001)
// switched to pay first: the draft's review page offers the fee and
// «Сплатити» instead of signing; the resident pays through the LiqPay
// simulator, comes back to signing, sees the fee paid, signs and submits.
func TestPayFirstInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, '{fee,pay_first}', 'true') WHERE code = 'KY-0001'`)
		return err
	})
	resident := appsPersona(t, "resident")
	c := e.as(e.host, "resident")
	id := e.start(c, "KY-0001")
	e.fillResidence(c, id, resident)
	r := appsMultipart(t, c, e.u("/cabinet/applications/"+id+"/files"), url.Values{"document": {"2"}}, appsFile{"file", "pasport.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	phone := &browsertest.Viewport{Width: 390, Height: 844}

	steps := []browsertest.Step{
		{Op: "goto", URL: e.u("/auth/login?return=/cabinet/applications/" + id + "/review")},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "text", Selector: "#pay-first"}, // 2
		{Op: "screenshot", Name: "hromada-payfirst-review-phone", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "#pay-first-button"},
		{Op: "text", Selector: "main"}, // 6: the invoice
		{Op: "screenshot", Name: "hromada-payfirst-invoice-phone", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "#pay-button"},
		{Op: "click", Selector: "#sim-pay"},
		{Op: "text", Selector: "#pay-status"}, // 11: back on the invoice, paid
		{Op: "click", Selector: "#back-to-draft"},
		{Op: "text", Selector: "#pay-first"}, // 13
		{Op: "screenshot", Name: "hromada-payfirst-paid-review-phone", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "form[action$='/sign'] button"},
		{Op: "text", Selector: "main"}, // 17: the application, submitted
		{Op: "axe"},
	}
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "ResidentPaysFirst", Viewport: phone, Steps: steps}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	at := results[0].Steps
	require.Contains(t, at[2].Text, "До сплати 25,74 грн")
	require.Contains(t, at[2].Text, "оплачують до подання")
	require.Contains(t, at[6].Text, "заява до подання")
	require.Contains(t, at[11].Text, "Сплачено")
	require.Contains(t, at[13].Text, "Збір 25,74 грн сплачено")
	require.Contains(t, at[17].Text, "Сплачено")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM invoices i JOIN applications a ON a.id = i.application_id
		WHERE a.id = $1 AND a.status <> 'draft' AND i.number = a.number AND i.status = 'paid'`, id))
}
