package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/documents/doctest"
	"hromada/web/browsertest"
)

// TestDecisionsInBrowser is issue 14's part on officials' decisions, in
// Chromium: an official approves one application and refuses another
// with one of the service's grounds, and signs both; the resident, on a
// phone and on a desktop, finds «Надано» and «Відмовлено» in the cabinet,
// each application's result first on its page (the refusal with its
// grounds and how to appeal), and both PDFs verify with openssl and
// pdfsig; a tampered copy uploaded to the verification page gets the
// failure banner, not the green one. Every page passes axe-core.
func TestDecisionsInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	resident := appsPersona(t, "resident")
	res := e.as(e.host, "resident")
	granted, refused := e.applyResidence(res, resident), e.applyResidence(res, resident)
	phone, desktop := &browsertest.Viewport{Width: 390, Height: 844}, &browsertest.Viewport{Width: 1280, Height: 900}

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
		add("", browsertest.Step{Op: "goto", URL: e.u("/auth/login?return=" + ret)})
		add("", browsertest.Step{Op: "click", Selector: "button[value=" + persona + "]"})
	}
	run := func() func(mark string) browsertest.StepResult {
		results := browsertest.Run(t, scenarios)
		browsertest.RequireOK(t, results)
		browsertest.RequireNoViolations(t, results)
		return func(mark string) browsertest.StepResult {
			m, ok := marks[mark]
			require.True(t, ok, mark)
			return results[m[0]].Steps[m[1]]
		}
	}

	// The official decides and signs, on a desktop.
	off := scenario("OfficialApprovesAndRefuses", desktop)
	signIn(off, "official-dcnap", "/admin")
	off("", browsertest.Step{Op: "goto", URL: e.u("/work/applications/" + granted)})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/take'] button"})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/decide'] button"})
	off("", browsertest.Step{Op: "fill", Selector: "#f-issue-comment", Value: "Зареєстровано."})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/issue'] button"})
	off("offGranted", browsertest.Step{Op: "text", Selector: "#app-status"})
	off("", browsertest.Step{Op: "goto", URL: e.u("/work/applications/" + refused)})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/take'] button"})
	off("", browsertest.Step{Op: "check", Selector: "input[name=decision][value=refuse]"})
	off("", browsertest.Step{Op: "press", Selector: "#f-grounds", Key: "ArrowDown"})
	off("", browsertest.Step{Op: "fill", Selector: "#f-comment", Value: "Не додано документа про право на житло."})
	off("", browsertest.Step{Op: "screenshot", Name: "hromada-decision-refuse", FullPage: true})
	off("", browsertest.Step{Op: "axe"})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/decide'] button"})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/issue'] button"})
	off("offRefused", browsertest.Step{Op: "text", Selector: "#app-status"})
	off("", browsertest.Step{Op: "screenshot", Name: "hromada-decision-refused-work", FullPage: true})
	off("", browsertest.Step{Op: "axe"})
	off("", browsertest.Step{Op: "goto", URL: e.u("/work/applications?provider=" + e.providerID("dcnap"))})
	off("offQueue", browsertest.Step{Op: "text", Selector: "main table"})
	off("", browsertest.Step{Op: "axe"})
	at := run()
	require.Equal(t, "Надано", at("offGranted").Text)
	require.Equal(t, "Відмовлено", at("offRefused").Text)
	require.Contains(t, at("offQueue").Text, "Надано")
	require.Contains(t, at("offQueue").Text, "Відмовлено")

	// Both decisions are PDFs signed by the official, inside and detached,
	// that the outside tools accept.
	ca := e.devCA()
	official := appsPersona(t, "official-dcnap")
	pdfs := map[string][]byte{}
	for _, id := range []string{granted, refused} {
		number := e.row(id).Number
		links := appsFiles(get(t, res, e.u("/cabinet/applications/"+id)).body)
		name := "rishennia-" + number + ".pdf"
		pdf, p7s := get(t, res, e.u(links[name])), get(t, res, e.u(links[name+".p7s"]))
		require.Contains(t, doctest.RequireSigned(t, []byte(pdf.body), []byte(p7s.body), ca.Certificate), official.FullName())
		pdfs[id] = []byte(pdf.body)
	}
	text := doctest.Text(t, pdfs[granted])
	for _, want := range []string{"Рішення про надання адміністративної послуги", "Надати послугу", "Зареєстровано.", "Адміністратор ЦНАП",
		official.FullName(), "(за київським часом)", "/verify/"} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "Порядок оскарження")
	text = doctest.Text(t, pdfs[refused])
	for _, want := range []string{"Рішення про відмову в наданні адміністративної послуги", "Відмовити в наданні послуги",
		"Порядок оскарження", "протягом 30 днів", "шести місяців", official.FullName()} {
		require.Contains(t, text, want)
	}
	tampered := append([]byte{}, pdfs[refused]...)
	tampered[len(tampered)/3] ^= 1
	copyFile := filepath.Join(t.TempDir(), "rishennia-kopiia.pdf")
	require.NoError(t, os.WriteFile(copyFile, tampered, 0o600))

	// The resident, on a phone and on a desktop.
	scenarios, marks = nil, map[string][2]int{}
	for _, v := range []struct {
		name string
		vp   *browsertest.Viewport
	}{{"phone", phone}, {"desktop", desktop}} {
		r := scenario("ResidentReadsDecisions-"+v.name, v.vp)
		signIn(r, "resident", "/cabinet")
		r(v.name+"Cabinet", browsertest.Step{Op: "text", Selector: "main table"})
		r(v.name+"CabinetReady", browsertest.Step{Op: "text", Selector: "main"})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-cabinet-decisions-" + v.name, FullPage: true})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/applications/" + granted)})
		r(v.name+"Granted", browsertest.Step{Op: "text", Selector: "#ready"})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-ready-granted-" + v.name})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/applications/" + refused)})
		r(v.name+"Refused", browsertest.Step{Op: "text", Selector: "#ready"})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-ready-refused-" + v.name})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-ready-refused-" + v.name + "-full", FullPage: true})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/notifications")})
		r(v.name+"Inbox", browsertest.Step{Op: "text", Selector: ".inbox"})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/applications/" + refused)})
		r("", browsertest.Step{Op: "click", Selector: "#ready a[href^='/verify/']"})
		r(v.name+"Verified", browsertest.Step{Op: "text", Selector: "#verdict"})
		r("", browsertest.Step{Op: "upload", Selector: "#f-document", Value: copyFile})
		r("", browsertest.Step{Op: "click", Selector: "form[action^='/verify/'] button"})
		r(v.name+"Tampered", browsertest.Step{Op: "text", Selector: "#verdict"})
		r(v.name+"Green", browsertest.Step{Op: "text", Selector: ".verified", Optional: true, TimeoutMs: 500})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-verify-tampered-" + v.name, FullPage: true})
		r("", browsertest.Step{Op: "axe"})
	}
	at = run()
	for _, v := range []string{"phone", "desktop"} {
		require.Contains(t, at(v+"Cabinet").Text, "Надано")
		require.Contains(t, at(v+"Cabinet").Text, "Відмовлено")
		require.NotContains(t, at(v+"Cabinet").Text, "Результат видано")
		ready := at(v + "CabinetReady").Text
		require.Contains(t, ready, "У наданні послуги відмовлено")
		require.Contains(t, ready, "Ваш документ готовий")
		require.Less(t, strings.Index(ready, "У наданні послуги відмовлено"), strings.Index(ready, "Мої заяви"), "the results first")
		require.Less(t, strings.Index(ready, "Ваш документ готовий"), strings.Index(ready, "Мої заяви"))
		require.Contains(t, ready, "Завантажити рішення (PDF)")
		require.Contains(t, ready, "Завантажити документ (PDF)")
		g := at(v + "Granted").Text
		require.Contains(t, g, "Ваш документ готовий")
		require.Contains(t, g, "Рішення про надання адміністративної послуги")
		require.Contains(t, g, "Завантажити документ (PDF)")
		f := at(v + "Refused").Text
		require.Contains(t, f, "У наданні послуги відмовлено")
		require.Contains(t, f, "Підстава відмови")
		require.Contains(t, f, "Як оскаржити")
		require.Contains(t, f, "шести місяців")
		require.Contains(t, f, "Завантажити рішення (PDF)")
		require.Contains(t, at(v+"Inbox").Text, "послугу надано")
		require.Contains(t, at(v+"Inbox").Text, "у наданні послуги відмовлено")
		require.Contains(t, at(v+"Verified").Text, "підписано кваліфікованим електронним підписом посадової особи")
		require.Contains(t, at(v+"Tampered").Text, "Ваш файл не збігається з виданим документом")
		require.False(t, at(v+"Green").OK, "no green banner over a tampered copy")
	}

	// The resident rates the granted result «добре» for its speed (issue
	// 19): once; the page then shows the rating instead of the form.
	scenarios, marks = nil, map[string][2]int{}
	rate := scenario("ResidentRatesResult", phone)
	signIn(rate, "resident", "/cabinet/applications/"+granted)
	rate("", browsertest.Step{Op: "check", Selector: "#result-score-3"})
	rate("", browsertest.Step{Op: "check", Selector: "#result-reason-speed"})
	rate("", browsertest.Step{Op: "fill", Selector: "#result-comment", Value: "Швидко і зрозуміло."})
	rate("", browsertest.Step{Op: "screenshot", Name: "hromada-result-rate", FullPage: true})
	rate("", browsertest.Step{Op: "click", Selector: "form[action$='/rating'] button"})
	rate("rated", browsertest.Step{Op: "text", Selector: "#rating"})
	rate("rateFits", browsertest.Step{Op: "overflow"})
	rate("", browsertest.Step{Op: "axe"})
	at = run()
	require.Contains(t, at("rated").Text, "Дякуємо за оцінку")
	require.Contains(t, at("rated").Text, "Добре — швидкість розгляду")
	require.Equal(t, "0", at("rateFits").Text)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM result_ratings WHERE score = 3`))
}
