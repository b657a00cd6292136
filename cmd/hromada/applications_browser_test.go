package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestApplicationInBrowser is the applications issue's "done when", in
// Chromium: a resident applies for registration of residence in Kyiv with
// one mistake, fixes it, signs with the development signer and submits; an
// official asks for clarification; the resident answers; the official
// approves and issues the signed result; the resident sees it in the
// cabinet. Every page passes axe-core.
func TestApplicationInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	pdf := filepath.Join(t.TempDir(), "pravo.pdf")
	require.NoError(t, os.WriteFile(pdf, appsPDF, 0o600))

	// marks names the steps whose results are checked below.
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
	signIn := func(add func(string, browsertest.Step), persona, ret string) {
		add("", browsertest.Step{Op: "goto", URL: u("/auth/login?return=" + ret)})
		add("", browsertest.Step{Op: "click", Selector: "button[value=" + persona + "]"})
	}

	apply := scenario("ResidentApplies", phone)
	signIn(apply, "resident", "/services/KY-0001")
	apply("", browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0001/apply'] button"})
	apply("autofilled", browsertest.Step{Op: "attr", Selector: "#f-rnokpp", Name: "value"})
	apply("", browsertest.Step{Op: "screenshot", Name: "hromada-apply-step1", FullPage: true})
	apply("", browsertest.Step{Op: "axe"})
	apply("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	apply("", browsertest.Step{Op: "fill", Selector: "#f-katottg", Value: "Київ-Атлантида"})
	apply("", browsertest.Step{Op: "fill", Selector: "#f-address", Value: "вул. Хрещатик, 10, кв. 5"})
	apply("", browsertest.Step{Op: "check", Selector: "input[name=basis][value=owner]"})
	apply("", browsertest.Step{Op: "fill", Selector: "#f-moved_on", Value: "2026-10-01"})
	apply("mistake", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	apply("summary", browsertest.Step{Op: "text", Selector: ".error-summary"})
	apply("kept", browsertest.Step{Op: "attr", Selector: "#f-address", Name: "value"})
	apply("", browsertest.Step{Op: "screenshot", Name: "hromada-apply-error", FullPage: true})
	apply("", browsertest.Step{Op: "axe"})
	apply("", browsertest.Step{Op: "fill", Selector: "#f-katottg", Value: "Київ"})
	apply("", browsertest.Step{Op: "waitText", Selector: "#f-katottg-list li[role=option]", Value: "Київ"})
	apply("", browsertest.Step{Op: "click", Selector: "#f-katottg-list li[role=option]"})
	apply("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	apply("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	apply("", browsertest.Step{Op: "select", Selector: "#f-document", Value: "4"})
	apply("", browsertest.Step{Op: "upload", Selector: "#f-file", Value: pdf})
	apply("", browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"})
	apply("", browsertest.Step{Op: "screenshot", Name: "hromada-apply-files", FullPage: true})
	apply("", browsertest.Step{Op: "axe"})
	apply("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	apply("", browsertest.Step{Op: "screenshot", Name: "hromada-apply-review", FullPage: true})
	apply("", browsertest.Step{Op: "axe"})
	apply("", browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"})
	apply("submitted", browsertest.Step{Op: "text", Selector: "h1"})
	apply("", browsertest.Step{Op: "screenshot", Name: "hromada-application-received", FullPage: true})
	apply("", browsertest.Step{Op: "axe"})

	ask := scenario("OfficialAsks", nil)
	signIn(ask, "official-dcnap", "/admin")
	ask("newWork", browsertest.Step{Op: "text", Selector: "a[href^='/work/applications?provider=']"})
	ask("", browsertest.Step{Op: "click", Selector: "a[href^='/work/applications?provider=']"})
	ask("queue", browsertest.Step{Op: "text", Selector: "main table"})
	ask("", browsertest.Step{Op: "screenshot", Name: "hromada-work-queue", FullPage: true})
	ask("", browsertest.Step{Op: "axe"})
	ask("", browsertest.Step{Op: "click", Selector: "main table tbody a"})
	ask("", browsertest.Step{Op: "click", Selector: "form[action$='/take'] button"})
	ask("", browsertest.Step{Op: "fill", Selector: "#f-clarify", Value: "Додайте, будь ласка, номер під’їзду."})
	ask("", browsertest.Step{Op: "click", Selector: "form[action$='/clarify'] button"})
	ask("asked", browsertest.Step{Op: "text", Selector: "#app-status"})
	ask("", browsertest.Step{Op: "screenshot", Name: "hromada-work-application", FullPage: true})
	ask("", browsertest.Step{Op: "axe"})

	// The provider head sees the case on the staff home and, on its page,
	// the term and whom to hand it to.
	head := scenario("HeadSeesTheTerm", phone)
	signIn(head, "provider_head", "/admin")
	head("headDesk", browsertest.Step{Op: "text", Selector: "main section"})
	head("", browsertest.Step{Op: "click", Selector: "main li a[href^='/work/applications/']"})
	head("headTerm", browsertest.Step{Op: "text", Selector: "section[aria-labelledby=term-title]"})
	head("", browsertest.Step{Op: "screenshot", Name: "hromada-work-term-head", FullPage: true})
	head("", browsertest.Step{Op: "axe"})

	answer := scenario("ResidentAnswers", phone)
	signIn(answer, "resident", "/cabinet")
	answer("", browsertest.Step{Op: "axe"})
	answer("", browsertest.Step{Op: "click", Selector: "main table tbody a"})
	answer("", browsertest.Step{Op: "fill", Selector: "#f-comment", Value: "Під’їзд № 2."})
	answer("", browsertest.Step{Op: "click", Selector: "form[action$='/answer'] button"})
	answer("answered", browsertest.Step{Op: "text", Selector: "#app-status"})

	decide := scenario("OfficialDecides", nil)
	signIn(decide, "official-dcnap", "/admin")
	decide("", browsertest.Step{Op: "click", Selector: "a[href^='/work/applications?provider=']"})
	decide("", browsertest.Step{Op: "click", Selector: "main table tbody a"})
	decide("", browsertest.Step{Op: "click", Selector: "form[action$='/take'] button"})
	decide("", browsertest.Step{Op: "click", Selector: "form[action$='/decide'] button"})
	decide("", browsertest.Step{Op: "click", Selector: "form[action$='/issue'] button"})
	decide("issued", browsertest.Step{Op: "text", Selector: "#app-status"})
	decide("decision", browsertest.Step{Op: "text", Selector: ".facts"})
	decide("", browsertest.Step{Op: "axe"})
	decide("", browsertest.Step{Op: "goto", URL: u("/admin/services/KY-0001/form")})
	decide("formedit", browsertest.Step{Op: "text", Selector: "#published-title + p"})
	decide("", browsertest.Step{Op: "screenshot", Name: "hromada-form-editor"})
	decide("", browsertest.Step{Op: "axe"})
	decide("", browsertest.Step{Op: "goto", URL: u("/admin/services/KY-0003/rules")})
	decide("", browsertest.Step{Op: "click", Selector: "button[value=dry-run]"})
	decide("dryRun", browsertest.Step{Op: "text", Selector: "#dry-run-outcome"})
	decide("", browsertest.Step{Op: "screenshot", Name: "hromada-rules-editor", FullPage: true})
	decide("", browsertest.Step{Op: "axe"})

	result := scenario("ResidentGetsResult", phone)
	signIn(result, "resident", "/cabinet")
	result("", browsertest.Step{Op: "screenshot", Name: "hromada-cabinet", FullPage: true})
	result("", browsertest.Step{Op: "click", Selector: "main table tbody a"})
	result("files", browsertest.Step{Op: "text", Selector: ".files"})
	result("timeline", browsertest.Step{Op: "text", Selector: "#timeline"})
	result("", browsertest.Step{Op: "screenshot", Name: "hromada-application-issued", FullPage: true})
	result("", browsertest.Step{Op: "axe"})
	result("", browsertest.Step{Op: "goto", URL: u("/cabinet/notifications")})
	result("inbox", browsertest.Step{Op: "text", Selector: ".inbox"})
	result("", browsertest.Step{Op: "axe"})

	// Automatic mode: no human, a sealed result in the cabinet within
	// seconds, updated in place while the page is open; then its public
	// verification page.
	auto := scenario("ResidentGetsAutomaticResult", phone)
	signIn(auto, "resident", "/services/KY-0003")
	auto("", browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0003/apply'] button"})
	auto("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	auto("", browsertest.Step{Op: "fill", Selector: "#f-katottg", Value: "Київ"})
	auto("", browsertest.Step{Op: "waitText", Selector: "#f-katottg-list li[role=option]", Value: "Київ"})
	auto("", browsertest.Step{Op: "click", Selector: "#f-katottg-list li[role=option]"})
	auto("", browsertest.Step{Op: "fill", Selector: "#f-address", Value: "вул. Січових Стрільців, 21, кв. 14"})
	auto("", browsertest.Step{Op: "fill", Selector: "#f-persons", Value: "4"})
	auto("", browsertest.Step{Op: "check", Selector: "input[name=purpose][value=bank]"})
	auto("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	auto("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	auto("", browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"})
	auto("autoIssued", browsertest.Step{Op: "waitText", Selector: "#app-status", Value: "Надано", TimeoutMs: 20000})
	// The result arrives on the open page, first and with its documents,
	// without a reload.
	auto("autoReady", browsertest.Step{Op: "waitText", Selector: "#ready", Value: "Ваш документ готовий", TimeoutMs: 20000})
	auto("autoLiveFiles", browsertest.Step{Op: "waitText", Selector: ".files", Value: ".pdf.p7s", TimeoutMs: 20000})
	auto("", browsertest.Step{Op: "screenshot", Name: "hromada-automatic-live"})
	auto("", browsertest.Step{Op: "goto", URL: u("/cabinet")})
	auto("", browsertest.Step{Op: "click", Selector: "main table tbody tr:first-child a"})
	auto("autoFiles", browsertest.Step{Op: "text", Selector: ".files"})
	auto("", browsertest.Step{Op: "screenshot", Name: "hromada-automatic-result", FullPage: true})
	auto("", browsertest.Step{Op: "axe"})
	auto("", browsertest.Step{Op: "click", Selector: "a[href^='/verify/']"})
	auto("verified", browsertest.Step{Op: "text", Selector: ".verified"})
	auto("", browsertest.Step{Op: "screenshot", Name: "hromada-verify", FullPage: true})
	auto("", browsertest.Step{Op: "axe"})

	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	at := func(mark string) browsertest.StepResult {
		m, ok := marks[mark]
		require.True(t, ok, mark)
		return results[m[0]].Steps[m[1]]
	}
	require.Equal(t, "3221501449", at("autofilled").Text, "РНОКПП filled from the profile")
	require.Equal(t, 422, at("mistake").Status)
	require.Contains(t, at("summary").Text, "«Населений пункт»: населений пункт «Київ-Атлантида» не знайдено")
	require.Equal(t, "вул. Хрещатик, 10, кв. 5", at("kept").Text, "a value typed next to a mistake is kept")
	require.Contains(t, at("submitted").Text, "Заява № 2026-")
	require.Contains(t, at("queue").Text, "Шевченко")
	require.Contains(t, at("newWork").Text, "1 нова", "the workspace tells of new work")
	require.Equal(t, "Потрібне уточнення", at("asked").Text)
	require.Contains(t, at("headDesk").Text, "Найближчі строки", "the head's desk lists the provider's open cases")
	require.Contains(t, at("headTerm").Text, "Передати заяву")
	require.Contains(t, at("headTerm").Text, "Розглядає")
	require.Equal(t, "Уточнення надано", at("answered").Text)
	require.Equal(t, "Надано", at("issued").Text)
	require.Contains(t, at("decision").Text, "Адміністратор ЦНАП")
	require.Equal(t, "Версія 1", at("formedit").Text)
	require.Contains(t, at("dryRun").Text, "передати посадовим особам", "the sample facts lack the КАТОТТГ: a dry run says so")
	require.Contains(t, at("files").Text, ".p7s")
	require.Contains(t, at("timeline").Text, "Під’їзд № 2.")
	require.Contains(t, at("inbox").Text, "послугу надано")
	require.Equal(t, "Надано", at("autoIssued").Text)
	require.Contains(t, at("autoFiles").Text, ".pdf.p7s")
	require.Contains(t, at("autoReady").Text, "Завантажити документ (PDF)")
	require.Contains(t, at("verified").Text, "Документ справжній")
}
