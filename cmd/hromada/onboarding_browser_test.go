package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/operator"
	"hromada/web/browsertest"
)

// TestOnboardingInBrowser: the operator persona creates a city with its
// first administrator in Chromium (a bad РНОКПП first), the administrator
// signs in on a phone and finds the checklist; every page passes axe.
func TestOnboardingInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	u := func(host, path string) string { return ta.url(host, path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	admin := personaRNOKPP(t, "resident")
	operatorSignIn := []browsertest.Step{
		{Op: "goto", URL: u("localhost", "/signin")},
		{Op: "click", Selector: "a[href='/signin/oidc']"},
		{Op: "click", Selector: "button[value=operator]"},
	}

	create := browsertest.Scenario{Name: "OperatorCreatesCity", Steps: append(operatorSignIn, []browsertest.Step{
		{Op: "fill", Selector: "#f-slug", Value: "lutsk"}, // 3
		{Op: "fill", Selector: "#f-name", Value: "Луцька міська рада"},
		{Op: "fill", Selector: "#f-display_name", Value: "Луцьк"},
		{Op: "fill", Selector: "#f-phone", Value: "+380332000000"},
		{Op: "fill", Selector: "#f-email", Value: "cnap@lutsk.example"},
		{Op: "fill", Selector: "#f-address", Value: "м. Луцьк, вул. Б. Хмельницького, 19"},
		{Op: "fill", Selector: "#f-administrator", Value: "1234567890"},
		{Op: "click", Selector: "form[action='/tenants'] button"}, // 10
		{Op: "text", Selector: ".error-summary"},                  // 11
		{Op: "attr", Selector: "#f-administrator", Name: "aria-invalid"},
		{Op: "screenshot", Name: "hromada-onboarding-bad-rnokpp", FullPage: true},
		{Op: "axe"},
		{Op: "fill", Selector: "#f-administrator", Value: admin},
		{Op: "click", Selector: "form[action='/tenants'] button"},
		{Op: "text", Selector: ".flash"}, // 17
	}...)}
	results := browsertest.Run(t, []browsertest.Scenario{create})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Contains(t, results[0].Steps[11].Text, "РНОКПП першого адміністратора громади некоректний")
	require.Equal(t, "true", results[0].Steps[12].Text)
	require.Contains(t, results[0].Steps[17].Text, "Луцька міська рада")

	lutsk, err := ta.operator.Get(t.Context(), "lutsk")
	require.NoError(t, err)
	eventually(t, func() bool {
		st, err := ta.operator.Administrators(t.Context())
		require.NoError(t, err)
		return st[lutsk.ID] == operator.AdminAppointed
	}, "the first administrator was not appointed")

	results = browsertest.Run(t, []browsertest.Scenario{
		{Name: "ConsoleShowsAppointed", Steps: append(operatorSignIn, []browsertest.Step{
			{Op: "text", Selector: "table tbody"}, // 3
			{Op: "screenshot", Name: "hromada-onboarding-console", FullPage: true},
			{Op: "axe"},
		}...)},
		{Name: "AdministratorChecklist", Viewport: phone, Steps: []browsertest.Step{
			{Op: "goto", URL: u("lutsk.localhost", "/auth/login?return=/admin/getting-started")},
			{Op: "click", Selector: "button[value=resident]"},
			{Op: "text", Selector: "h1"}, // 2
			{Op: "text", Selector: ".checklist"},
			{Op: "screenshot", Name: "hromada-onboarding-checklist", FullPage: true},
			{Op: "axe"},
		}},
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Contains(t, results[0].Steps[3].Text, "Призначено")
	require.NotContains(t, results[0].Steps[3].Text, admin)
	require.Equal(t, "Початок роботи громади", results[1].Steps[2].Text)
	require.Contains(t, results[1].Steps[3].Text, "Зроблено 0 з 7.")
}
