package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestPagesInBrowser opens the pages in headless Chromium as a person
// would — on a desktop and on a phone, with the keyboard, in English, in
// high contrast — checks them with axe-core against WCAG 2.1 AA, and saves
// screenshots in testdata/screenshots/.
func TestPagesInBrowser(t *testing.T) {
	t.Parallel()
	// Chromium resolves every *.localhost name to this machine.
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	ta.newTenant(t, tenant.CreateParams{Slug: "irpin", Name: "Ірпінська міська рада"})
	_, err = ta.operator.SetStatus(t.Context(), "irpin", tenant.Suspended)
	require.NoError(t, err)
	u := func(host, path string) string { return ta.url(host, path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}

	scenarios := []browsertest.Scenario{
		{Name: "KyivHome", Steps: []browsertest.Step{
			{Op: "goto", URL: u("kyiv.localhost", "/")},
			{Op: "text", Selector: "h1"},
			{Op: "press", Selector: "body", Key: "Tab"},
			{Op: "focused"},
			{Op: "screenshot", Name: "hromada-kyiv-home", FullPage: true},
			{Op: "axe"},
		}},
		{Name: "KyivHomePhone", Viewport: phone, Steps: []browsertest.Step{
			{Op: "goto", URL: u("kyiv.localhost", "/")},
			{Op: "screenshot", Name: "hromada-kyiv-home-phone", FullPage: true},
			{Op: "axe"},
		}},
		{Name: "LvivHighContrastLargeText", Viewport: phone, Steps: []browsertest.Step{
			{Op: "goto", URL: u("lviv.localhost", "/")},
			{Op: "click", Selector: "summary"},
			{Op: "check", Selector: "input[name=contrast][value=high]"},
			{Op: "check", Selector: "input[name=text][value=large]"},
			{Op: "click", Selector: ".prefs-form button[type=submit]"},
			{Op: "attr", Selector: "html", Name: "class"},
			{Op: "screenshot", Name: "hromada-lviv-high-contrast", FullPage: true},
			{Op: "axe"},
		}},
		{Name: "KyivInEnglish", Steps: []browsertest.Step{
			{Op: "goto", URL: u("kyiv.localhost", "/")},
			{Op: "click", Selector: ".lang-switch button"},
			{Op: "text", Selector: "h1"},
			{Op: "attr", Selector: "html", Name: "lang"},
			{Op: "screenshot", Name: "hromada-kyiv-english"},
			{Op: "axe"},
		}},
		{Name: "UnknownHost", Steps: []browsertest.Step{
			{Op: "goto", URL: u("odesa.localhost", "/")},
			{Op: "text", Selector: "main"},
			{Op: "screenshot", Name: "hromada-unknown-host"},
			{Op: "axe"},
		}},
		{Name: "Suspended", Steps: []browsertest.Step{
			{Op: "goto", URL: u("irpin.localhost", "/")},
			{Op: "screenshot", Name: "hromada-suspended"},
			{Op: "axe"},
		}},
		{Name: "OperatorConsole", Steps: []browsertest.Step{
			{Op: "goto", URL: u("localhost", "/")},
			{Op: "axe"},
			{Op: "fill", Selector: "#key", Value: testKey},
			{Op: "click", Selector: "form[action='/signin'] button"},
			{Op: "fill", Selector: "#f-slug", Value: "Бровари"},
			{Op: "fill", Selector: "#f-name", Value: "Броварська міська рада"},
			{Op: "click", Selector: "form[action='/tenants'] button"},
			{Op: "text", Selector: ".error-summary"},
			{Op: "attr", Selector: "#f-name", Name: "value"},
			{Op: "screenshot", Name: "hromada-operator-error", FullPage: true},
			{Op: "axe"},
			{Op: "fill", Selector: "#f-slug", Value: "brovary"},
			{Op: "fill", Selector: "#f-administrator", Value: "3221501449"},
			{Op: "click", Selector: "form[action='/tenants'] button"},
			{Op: "text", Selector: ".flash"},
			{Op: "screenshot", Name: "hromada-operator-console", FullPage: true},
			{Op: "axe"},
		}},
		{Name: "SignInAndOut", Viewport: phone, Steps: []browsertest.Step{
			{Op: "goto", URL: u("kyiv.localhost", "/")},
			{Op: "click", Selector: "a[href^='/auth/login']"},
			{Op: "screenshot", Name: "hromada-devidp-picker", FullPage: true},
			{Op: "axe"},
			{Op: "click", Selector: "button[value=resident]"},
			{Op: "text", Selector: ".viewer"},
			{Op: "screenshot", Name: "hromada-kyiv-signed-in"},
			{Op: "axe"},
			{Op: "click", Selector: "form[action='/auth/logout'] button"},
			{Op: "text", Selector: "a[href^='/auth/login']"},
			{Op: "attr", Selector: "body", Name: "class", Optional: true},
		}},
		{Name: "SearchAndService", Viewport: phone, Steps: []browsertest.Step{
			{Op: "goto", URL: u("kyiv.localhost", "/")},
			{Op: "fill", Selector: "#q", Value: "довідку"},
			{Op: "press", Selector: "#q", Key: "Enter"},
			{Op: "text", Selector: "[role=status]"},
			{Op: "screenshot", Name: "hromada-kyiv-search", FullPage: true},
			{Op: "axe"},
			{Op: "click", Selector: ".results li:first-child h2 a"},
			{Op: "text", Selector: "h1"},
			{Op: "screenshot", Name: "hromada-kyiv-service", FullPage: true},
			{Op: "axe"},
		}},
		{Name: "AdministratorConsole", Steps: []browsertest.Step{
			{Op: "goto", URL: u("kyiv.localhost", "/auth/login?return=/admin/officials")},
			{Op: "click", Selector: "button[value=administrator]"},
			{Op: "text", Selector: "h1"},
			{Op: "screenshot", Name: "hromada-admin-officials", FullPage: true},
			{Op: "axe"},
			{Op: "goto", URL: u("kyiv.localhost", "/admin/policies")},
			{Op: "screenshot", Name: "hromada-admin-policies"},
			{Op: "axe"},
		}},
		{Name: "AuditorConsole", Steps: []browsertest.Step{
			{Op: "goto", URL: u("kyiv.localhost", "/auth/login?return=/admin/audit")},
			{Op: "click", Selector: "button[value=auditor]"},
			{Op: "text", Selector: "h1"},
			{Op: "screenshot", Name: "hromada-admin-audit", FullPage: true},
			{Op: "axe"},
			{Op: "goto", URL: u("kyiv.localhost", "/admin/security")},
			{Op: "axe"},
		}},
	}
	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)

	step := func(scenario string, i int) browsertest.StepResult {
		for _, r := range results {
			if r.Name == scenario {
				require.Greater(t, len(r.Steps), i, scenario)
				return r.Steps[i]
			}
		}
		t.Fatalf("no scenario %s", scenario)
		return browsertest.StepResult{}
	}
	require.Equal(t, 200, step("KyivHome", 0).Status)
	require.Equal(t, "Електронні послуги", step("KyivHome", 1).Text)
	require.Contains(t, step("KyivHome", 3).Text, "#main", "the first Tab does not reach the skip link")
	require.Equal(t, "hc lg", step("LvivHighContrastLargeText", 5).Text)
	require.Equal(t, "E-services", step("KyivInEnglish", 2).Text)
	require.Equal(t, "en", step("KyivInEnglish", 3).Text)
	require.Equal(t, 404, step("UnknownHost", 0).Status)
	require.NotContains(t, step("UnknownHost", 1).Text, "Київ")
	require.Equal(t, 503, step("Suspended", 0).Status)
	require.Contains(t, step("OperatorConsole", 7).Text, "не підходить")
	require.Equal(t, "Броварська міська рада", step("OperatorConsole", 8).Text)
	require.Contains(t, step("OperatorConsole", 14).Text, "Броварська міська рада")
	require.Contains(t, step("SignInAndOut", 5).Text, "Шевченко")
	require.Equal(t, "Увійти", step("SignInAndOut", 9).Text)
	require.Equal(t, "Доступ посадових осіб", step("AdministratorConsole", 2).Text)
	require.Contains(t, step("SearchAndService", 3).Text, "Знайдено послуг:")
	require.Contains(t, step("SearchAndService", 7).Text, "овідк")
	require.Equal(t, "Журнал аудиту", step("AuditorConsole", 2).Text)
}
