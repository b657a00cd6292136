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
	"hromada/web/browsertest"
)

// TestPaymentsAdminInBrowser (issue 17): a resident's fee paid through the
// LiqPay simulator; the administrator opens the accounting export at
// 390 px, leaves a date out (the field named), then downloads the day's
// CSV and finds the payment in it; at 1280 px the administrator switches
// the city to monobank (a token typed, never shown back); the dispatcher
// sees the export but not the settings among its sections. axe on every
// page, no sideways scrolling.
func TestPaymentsAdminInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	c := e.as(e.host, "resident")
	app := e.applyResidence(c, appsPersona(t, "resident"))
	e.payInvoice(c, app)
	var number string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT number FROM applications WHERE id = $1`, app).Scan(&number)
	})
	// A second application, whose fee the resident paid at a bank: its
	// receipt waits for the official.
	app2 := e.applyResidence(c, appsPersona(t, "resident"))
	link := payLinkRE.FindStringSubmatch(get(t, c, e.u("/cabinet/applications/"+app2)).body)
	require.NotNil(t, link)
	invoice2 := link[1]
	r := appsMultipart(t, c, e.u(invoice2+"/proof"), nil, appsFile{"file", "kvytantsiia.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	app3 := e.applyResidence(c, appsPersona(t, "resident"))
	link = payLinkRE.FindStringSubmatch(get(t, c, e.u("/cabinet/applications/"+app3)).body)
	require.NotNil(t, link)
	invoice3 := link[1]
	today := time.Now().In(tenant.Zone).Format("02.01.2006")
	token := e.ta.monosim.Token("kyiv")

	phone := &browsertest.Viewport{Width: 390, Height: 844}
	signIn := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{
			{Op: "goto", URL: e.u("/auth/login?return=" + url.QueryEscape(ret))},
			{Op: "click", Selector: "button[value=" + persona + "]"},
		}
	}
	step := func(op, sel, val string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel, Value: val} }
	shot := func(name string) browsertest.Step {
		return browsertest.Step{Op: "screenshot", Name: name, FullPage: true}
	}
	axe := browsertest.Step{Op: "axe"}
	overflow := browsertest.Step{Op: "overflow"}

	export := browsertest.Scenario{Name: "AdministratorExports", Viewport: phone, Steps: append(signIn("administrator", "/admin/payments"),
		step("text", "main", ""), // 2
		overflow, shot("hromada-payments-export-phone"), axe,
		step("fill", "#f-to", ""),
		step("click", "form[action='/admin/payments/export.csv'] button[type=submit]", ""),
		step("text", ".error-summary", ""), // 8
		overflow, shot("hromada-payments-export-errors-phone"), axe,
		step("fill", "#f-from", today),
		step("fill", "#f-to", today),
		step("download", "form[action='/admin/payments/export.csv'] button[type=submit]", ""), // 14
	)}
	settings := browsertest.Scenario{Name: "AdministratorSwitchesGateway", Steps: append(signIn("administrator", "/admin/payment-settings"),
		step("text", "main", ""), // 2
		shot("hromada-payments-settings"), axe,
		step("check", "input[name=gateway][value=monobank]", ""),
		step("fill", "#f-secret", token),
		step("click", "form[action='/admin/payment-settings'] button[type=submit]", ""),
		step("text", "main", ""), // 8
		shot("hromada-payments-settings-saved"), axe,
		step("click", "form[action='/admin/payment-settings/check'] button[type=submit]", ""),
		step("text", "#pay-check", ""), // 12
		axe,
	)}
	settingsPhone := browsertest.Scenario{Name: "SettingsOnPhone", Viewport: phone, Steps: append(signIn("administrator", "/admin/payment-settings"),
		step("text", "main", ""), overflow, shot("hromada-payments-settings-phone"), axe,
	)}
	dispatcher := browsertest.Scenario{Name: "DispatcherSections", Steps: append(signIn("dispatcher", "/admin"),
		step("text", "main", ""), // 2
		step("click", "a[href='/admin/payments']", ""),
		step("text", "h1", ""), axe,
	)}

	proofPhone := browsertest.Scenario{Name: "ResidentSendsReceipt", Viewport: phone, Steps: append(signIn("resident", invoice3),
		step("click", "form[action$='/proof'] button[type=submit]", ""), // no file
		step("text", "#proof", ""),                                      // 3
		overflow, shot("hromada-payments-proof-error-phone"), axe,
		browsertest.Step{Op: "goto", URL: e.u(invoice2)},
		step("text", "#proof", ""), // 8
		overflow, shot("hromada-payments-proof-waiting-phone"), axe,
	)}
	official := browsertest.Scenario{Name: "OfficialRejectsReceipt", Steps: append(signIn("official-dcnap", "/work/applications/"+app2),
		step("text", "#payment", ""), // 2
		shot("hromada-payments-proof-official"), axe,
		step("fill", "#payment textarea[name=reason]", "Не видно суми платежу."),
		step("click", "#proof-reject", ""),
		step("text", "#payment", ""), // 7
		axe,
	)}

	results := browsertest.Run(t, []browsertest.Scenario{export, settings, settingsPhone, dispatcher, proofPhone, official})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for _, r := range results {
		for i, st := range r.Steps {
			if st.Op == "overflow" {
				require.Equal(t, "0", st.Text, "%s: step %d scrolls sideways", r.Name, i)
			}
		}
	}

	x := results[0].Steps
	require.Contains(t, x[2].Text, "Завантажити CSV")
	require.Contains(t, x[8].Text, "Вкажіть дату «По».")
	csv := x[14].Text
	require.True(t, strings.HasPrefix(csv, "\uFEFFДата і час (Київ);Статус;Номер заяви;"), csv)
	require.Contains(t, csv, ";сплачено;"+number+";KY-0001;")
	require.Contains(t, csv, ";25,74;UAH;LiqPay;")

	s := results[1].Steps
	require.Contains(t, s[2].Text, "LiqPay (ПриватБанк)")
	require.Contains(t, s[2].Text, "задано, змінено")
	require.Contains(t, s[8].Text, "Налаштування оплати збережено.")
	require.Contains(t, s[8].Text, "monobank (інтернет-еквайринг)")
	require.NotContains(t, s[8].Text, token)
	require.Contains(t, s[12].Text, "З'єднання працює: monobank (інтернет-еквайринг) прийняв ключі громади.")

	p := results[4].Steps
	require.Contains(t, p[3].Text, "Квитанція банку: оберіть файл.")
	require.Contains(t, p[8].Text, "її перевіряє посадова особа")
	o := results[5].Steps
	require.Contains(t, o[2].Text, "kvytantsiia.pdf")
	require.Contains(t, o[2].Text, "на перевірці")
	require.Contains(t, o[7].Text, "не прийнято")
	require.Contains(t, o[7].Text, "Не видно суми платежу.")

	d := results[3].Steps
	require.Contains(t, d[2].Text, "Платежі: вивантаження для бухгалтерії")
	require.NotContains(t, d[2].Text, "Онлайн-оплата: платіжний сервіс")
	require.Contains(t, d[4].Text, "Платежі: вивантаження для бухгалтерії")
}
