package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/demo"
	"hromada/modules/catalog"
	"hromada/modules/operator"
	"hromada/web/browsertest"
)

// TestCityGoesLiveInBrowser is issue 13's done-when, with no SQL and no
// CLI step: the operator creates a third city with its administrator; the
// administrator signs in through the development IdP, imports a register
// file, adds a provider (a wrong ЄДРПОУ first), a centre and a life
// situation in the browser, publishes them, and the city's portal shows
// them. At 1280 and 390 px, every page through axe.
func TestCityGoesLiveInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	admin := personaRNOKPP(t, "resident")

	// The register file: Kyiv's demo register as the portal exports it.
	d, err := demo.Load()
	require.NoError(t, err)
	kyiv, ok := d.City("kyiv")
	require.True(t, ok)
	var b strings.Builder
	require.NoError(t, catalog.WriteRegister(&b, kyiv.Register))
	file := filepath.Join(t.TempDir(), "register.json")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))
	svcA, svcB := kyiv.Register.Services[0].Content, kyiv.Register.Services[1].Content

	results := browsertest.Run(t, []browsertest.Scenario{{Name: "OperatorCreatesRivne", Steps: []browsertest.Step{
		{Op: "goto", URL: ta.url("localhost", "/signin")},
		{Op: "click", Selector: "a[href='/signin/oidc']"},
		{Op: "click", Selector: "button[value=operator]"},
		{Op: "fill", Selector: "#f-slug", Value: "rivne"},
		{Op: "fill", Selector: "#f-name", Value: "Рівненська міська рада"},
		{Op: "fill", Selector: "#f-display_name", Value: "Рівне"},
		{Op: "fill", Selector: "#f-phone", Value: "+380362000000"},
		{Op: "fill", Selector: "#f-email", Value: "cnap@rivne.example"},
		{Op: "fill", Selector: "#f-address", Value: "м. Рівне, вул. Соборна, 12а"},
		{Op: "fill", Selector: "#f-administrator", Value: admin},
		{Op: "click", Selector: "form[action='/tenants'] button"},
		{Op: "text", Selector: ".flash"},
	}}})
	browsertest.RequireOK(t, results)
	require.Contains(t, results[0].Steps[11].Text, "Рівненська міська рада")
	rivne, err := ta.operator.Get(t.Context(), "rivne")
	require.NoError(t, err)
	eventually(t, func() bool {
		st, err := ta.operator.Administrators(t.Context())
		require.NoError(t, err)
		return st[rivne.ID] == operator.AdminAppointed
	}, "the first administrator was not appointed")

	u := func(path string) string { return ta.url("rivne.localhost", path) }
	marks := map[string][2]int{}
	var scenarios []browsertest.Scenario
	scenario := func(name string, vp *browsertest.Viewport) func(mark string, s browsertest.Step) {
		scenarios = append(scenarios, browsertest.Scenario{Name: name, Viewport: vp})
		i := len(scenarios) - 1
		return func(mark string, s browsertest.Step) {
			if mark != "" {
				marks[mark] = [2]int{i, len(scenarios[i].Steps)}
			}
			scenarios[i].Steps = append(scenarios[i].Steps, s)
		}
	}
	shot := func(add func(string, browsertest.Step), name string) {
		add("", browsertest.Step{Op: "screenshot", Name: name, FullPage: true})
		add("", browsertest.Step{Op: "axe"})
	}
	fill := func(add func(string, browsertest.Step), kv ...string) {
		for i := 0; i+1 < len(kv); i += 2 {
			add("", browsertest.Step{Op: "fill", Selector: kv[i], Value: kv[i+1]})
		}
	}

	live := scenario("AdministratorBuildsTheRegister", nil)
	live("", browsertest.Step{Op: "goto", URL: u("/auth/login?return=/admin/import")})
	live("", browsertest.Step{Op: "click", Selector: "button[value=resident]"})
	live("", browsertest.Step{Op: "upload", Selector: "#file", Value: file})
	live("", browsertest.Step{Op: "click", Selector: "form[action='/admin/import/check'] button"})
	live("", browsertest.Step{Op: "click", Selector: "form[action='/admin/import/apply'] button"})
	live("", browsertest.Step{Op: "click", Selector: "form[action='/admin/import/publish'] button"})
	live("imported", browsertest.Step{Op: "text", Selector: ".flash"})

	live("", browsertest.Step{Op: "goto", URL: u("/admin/register")})
	live("", browsertest.Step{Op: "click", Selector: "a[href='/admin/register/providers/new']"})
	fill(live, "#f-code", "OSVITA", "#f-kind", "департамент", "#f-name_uk", "Департамент освіти і науки",
		"#f-edrpou", "12345670", "#f-address_uk", "м. Рівне, вул. Поштова, 2", "#f-phone", "+380362111111",
		"#f-email", "osvita@rivne.example", "#f-website", "https://osvita.rivne.example", "#f-hours_uk", "пн–пт 9:00–18:00",
		"#f-units", "Відділ загальної середньої освіти\nВідділ дошкільної освіти",
		"#r-name-0", "Коваль Ірина Петрівна", "#r-unit-0", "Відділ загальної середньої освіти", "#r-phone-0", "+380362111112",
		"#r-email-0", "koval@rivne.example")
	live("", browsertest.Step{Op: "click", Selector: "form[action='/admin/register/providers/new'] button"})
	live("providerError", browsertest.Step{Op: "text", Selector: ".error-summary"})
	live("kept", browsertest.Step{Op: "attr", Selector: "#r-email-0", Name: "value"})
	shot(live, "hromada-register-provider-error")
	live("", browsertest.Step{Op: "fill", Selector: "#f-edrpou", Value: "03492179"})
	live("", browsertest.Step{Op: "click", Selector: "form[action='/admin/register/providers/new'] button"})
	live("proposed", browsertest.Step{Op: "text", Selector: ".flash"})

	live("", browsertest.Step{Op: "click", Selector: "a[href='/admin/register/centres/new']"})
	fill(live, "#f-code", "RV-CNAP", "#f-body", "Рівненська міська рада", "#f-body_edrpou", "34847334",
		"#f-name_uk", "ЦНАП міста Рівного", "#f-address_uk", "м. Рівне, вул. Соборна, 12а", "#f-phone", "+380362400000",
		"#f-email", "cnap@rivne.example", "#f-website", "https://cnap.rivne.example", "#f-hours_uk", "пн–пт 8:00–20:00, сб 9:00–16:00",
		"#f-lat", "50.61990", "#f-lon", "26.25160")
	live("", browsertest.Step{Op: "check", Selector: "input[name=services][value='" + svcA.Code + "']"})
	shot(live, "hromada-register-centre-form")
	live("", browsertest.Step{Op: "click", Selector: "form[action='/admin/register/centres/new'] button"})

	live("", browsertest.Step{Op: "click", Selector: "a[href='/admin/register/life-situations/new']"})
	fill(live, "#f-code", "SCHOOL", "#f-name_uk", "Дитина йде до школи", "#f-description_uk", "Вступ до першого класу й довідки для школи",
		"#f-position", "1")
	live("", browsertest.Step{Op: "check", Selector: "input[name=services][value='" + svcB.Code + "']"})
	live("", browsertest.Step{Op: "click", Selector: "form[action='/admin/register/life-situations/new'] button"})
	live("pending", browsertest.Step{Op: "text", Selector: "#changes + div tbody"})
	shot(live, "hromada-register-changes")
	for range 3 {
		live("", browsertest.Step{Op: "click", Selector: "form[action$='/publish'] button"})
	}
	live("published", browsertest.Step{Op: "text", Selector: ".flash"})
	live("lists", browsertest.Step{Op: "text", Selector: "main"})
	shot(live, "hromada-register-published")

	live("", browsertest.Step{Op: "goto", URL: u("/providers/OSVITA")})
	live("provider", browsertest.Step{Op: "text", Selector: "main"})
	shot(live, "hromada-register-public-provider")
	live("", browsertest.Step{Op: "goto", URL: u("/centres/RV-CNAP")})
	live("centre", browsertest.Step{Op: "text", Selector: "main"})
	shot(live, "hromada-register-public-centre")
	live("", browsertest.Step{Op: "goto", URL: u("/")})
	live("home", browsertest.Step{Op: "text", Selector: "main"})
	live("", browsertest.Step{Op: "goto", URL: u("/search?situation=SCHOOL")})
	live("situation", browsertest.Step{Op: "text", Selector: "main"})

	phone := scenario("RegisterOnPhone", &browsertest.Viewport{Width: 390, Height: 844})
	phone("", browsertest.Step{Op: "goto", URL: u("/auth/login?return=/admin/register")})
	phone("", browsertest.Step{Op: "click", Selector: "button[value=resident]"})
	shot(phone, "hromada-register-phone")
	phone("", browsertest.Step{Op: "goto", URL: u("/admin/register/providers/new")})
	phone("", browsertest.Step{Op: "click", Selector: "form[action='/admin/register/providers/new'] button"})
	phone("phoneErrors", browsertest.Step{Op: "text", Selector: ".error-summary"})
	shot(phone, "hromada-register-provider-phone")
	phone("", browsertest.Step{Op: "goto", URL: u("/admin/register/centres/new")})
	shot(phone, "hromada-register-centre-phone")

	results = browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	text := func(mark string) string {
		m, ok := marks[mark]
		require.True(t, ok, mark)
		return results[m[0]].Steps[m[1]].Text
	}
	require.Contains(t, text("imported"), "Опубліковано послуг")
	require.Contains(t, text("providerError"), "Код ЄДРПОУ: Код ЄДРПОУ некоректний")
	require.Equal(t, "koval@rivne.example", text("kept"), "nothing typed is lost")
	require.Contains(t, text("proposed"), "Зміни надіслано на погодження")
	pending := text("pending")
	for _, s := range []string{"OSVITA", "RV-CNAP", "SCHOOL", "Очікує"} {
		require.Contains(t, pending, s)
	}
	require.Contains(t, text("published"), "Зміни оприлюднено")
	require.NotContains(t, text("lists"), "Очікує")
	provider := text("provider")
	for _, s := range []string{"Департамент освіти і науки", "03492179", "Коваль Ірина Петрівна", "Відділ дошкільної освіти", "пн–пт 9:00–18:00"} {
		require.Contains(t, provider, s)
	}
	centre := text("centre")
	for _, s := range []string{"ЦНАП міста Рівного", "https://cnap.rivne.example", "50.61990", svcA.Name.UK} {
		require.Contains(t, centre, s)
	}
	require.Contains(t, text("home"), "Дитина йде до школи")
	require.Contains(t, text("home"), "ЦНАП міста Рівного")
	require.Contains(t, text("situation"), svcB.Name.UK)
	require.Contains(t, text("phoneErrors"), "Назва українською")

	serviceEditor(t, ta)
}

// serviceEditor: a provider's official edits a service's national
// identifier (a wrong one first), a document's original, a new document
// with its condition and the service's centres, at 1280 and 390 px; the
// administrator publishes it and the service's page shows it all.
func serviceEditor(t *testing.T, ta *testApp) {
	t.Helper()
	d, err := demo.Load()
	require.NoError(t, err)
	kyiv, ok := d.City("kyiv")
	require.True(t, ok)
	var svc catalog.Content
	for _, s := range kyiv.Register.Services {
		if s.Provider == "dcnap" {
			svc = s.Content
			break
		}
	}
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	edit := "form[action='/admin/services/" + svc.Code + "/revisions'] button[type=submit]"
	newDoc := strconv.Itoa(len(svc.Documents))
	signIn := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/admin/services/" + svc.Code + "/edit")},
		{Op: "click", Selector: "button[value=official-dcnap]"},
	}
	desktop := append(append([]browsertest.Step(nil), signIn...),
		browsertest.Step{Op: "check", Selector: "input[name=centres][value=cnap-obolon]"},
		browsertest.Step{Op: "fill", Selector: "#f-national_code", Value: "0001"},
		browsertest.Step{Op: "select", Selector: "#doc-original-0", Value: "1"},
		browsertest.Step{Op: "fill", Selector: "#doc-name-" + newDoc, Value: "Довідка з місця навчання"},
		browsertest.Step{Op: "fill", Selector: "#doc-condition-" + newDoc, Value: "для дітей, що навчаються"},
		browsertest.Step{Op: "click", Selector: edit},
		browsertest.Step{Op: "text", Selector: ".error-summary"}, // 8
		browsertest.Step{Op: "attr", Selector: "#doc-condition-" + newDoc, Name: "value"},
		browsertest.Step{Op: "screenshot", Name: "hromada-service-edit-error", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "fill", Selector: "#f-national_code", Value: "00010"},
		browsertest.Step{Op: "click", Selector: edit},
		browsertest.Step{Op: "text", Selector: ".flash"}, // 14
	)
	phone := append(append([]browsertest.Step(nil), signIn...),
		browsertest.Step{Op: "screenshot", Name: "hromada-service-edit-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
	)
	results := browsertest.Run(t, []browsertest.Scenario{
		{Name: "OfficialEditsService", Steps: desktop},
		{Name: "ServiceEditorOnPhone", Viewport: &browsertest.Viewport{Width: 390, Height: 844}, Steps: phone},
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Contains(t, results[0].Steps[8].Text, "п’ять цифр")
	require.Equal(t, "для дітей, що навчаються", results[0].Steps[9].Text, "nothing typed is lost")
	require.Contains(t, results[0].Steps[14].Text, "Зміни надіслано на погодження")

	results = browsertest.Run(t, []browsertest.Scenario{{Name: "AdministratorPublishesService", Steps: []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/admin/revisions")},
		{Op: "click", Selector: "button[value=administrator]"},
		{Op: "click", Selector: "form[action$='/publish'] button"},
		{Op: "goto", URL: u("/services/" + svc.Code)},
		{Op: "text", Selector: "main"}, // 4
		{Op: "screenshot", Name: "hromada-service-structured-documents", FullPage: true},
		{Op: "axe"},
	}}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for _, s := range []string{"00010", svc.Documents[0].UK + " (оригінал)", "Довідка з місця навчання — для дітей, що навчаються",
		"Центр надання адміністративних послуг Оболонського району"} {
		require.Contains(t, results[0].Steps[4].Text, s)
	}
}
