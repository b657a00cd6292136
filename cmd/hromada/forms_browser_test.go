package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestFormsInBrowser fills forms on a phone (390 px) as a person does: a
// settlement picked by its name in the combobox, a phone with spaces, two
// required fields left empty (the summary names both, its links lead to
// them, and it has the focus), a missing required document caught before
// signing, a 12 MB file refused on the documents step with the limit
// stated, then a Latin look-alike plate and a Cyrillic one. Every page
// passes axe-core.
func TestFormsInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	dir := t.TempDir()
	pdf, big := filepath.Join(dir, "pravo.pdf"), filepath.Join(dir, "skan.pdf")
	require.NoError(t, os.WriteFile(pdf, appsPDF, 0o600))
	require.NoError(t, os.WriteFile(big, bytes.Repeat(appsPDF, 12<<20/len(appsPDF)), 0o600))

	marks := map[string][2]int{}
	var scenarios []browsertest.Scenario
	scenario := func(name string) func(mark string, s browsertest.Step) {
		scenarios = append(scenarios, browsertest.Scenario{Name: name, Viewport: &browsertest.Viewport{Width: 390, Height: 844}})
		i := len(scenarios) - 1
		return func(mark string, s browsertest.Step) {
			if mark != "" {
				marks[mark] = [2]int{i, len(scenarios[i].Steps)}
			}
			scenarios[i].Steps = append(scenarios[i].Steps, s)
		}
	}

	live := scenario("Residence")
	live("", browsertest.Step{Op: "goto", URL: u("/auth/login?return=/services/KY-0001/apply")})
	live("", browsertest.Step{Op: "click", Selector: "button[value=resident]"})
	live("", browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0001/apply'] button"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-phone", Value: "067 100 00 01"})
	live("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-katottg", Value: "Бровар"})
	live("listed", browsertest.Step{Op: "waitText", Selector: "#f-katottg-list li[role=option]", Value: "Броварська громада"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-settlement-combobox", FullPage: true})
	live("expanded", browsertest.Step{Op: "attr", Selector: "#f-katottg", Name: "aria-expanded"})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "#f-katottg-list li[role=option]"})
	live("picked", browsertest.Step{Op: "attr", Selector: "input[type=hidden][name=katottg]", Name: "value"})
	live("", browsertest.Step{Op: "check", Selector: "input[name=basis][value=owner]"})
	live("twoEmpty", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("summary", browsertest.Step{Op: "text", Selector: "#error-summary"})
	live("summaryFocused", browsertest.Step{Op: "focused"})
	live("inline", browsertest.Step{Op: "text", Selector: "#f-address-error"})
	live("describedBy", browsertest.Step{Op: "attr", Selector: "#f-address", Name: "aria-describedby"})
	live("keptPlace", browsertest.Step{Op: "attr", Selector: "#f-katottg", Name: "value"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-error-summary", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "#error-summary a[href='#f-moved_on']"})
	live("linkFocus", browsertest.Step{Op: "focused"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-address", Value: "вул. Шевченка, 2, кв. 7"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-moved_on", Value: "2026-10-01"})
	live("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	live("missing", browsertest.Step{Op: "text", Selector: "#error-summary"})
	live("reviewValues", browsertest.Step{Op: "text", Selector: "main"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-missing-document", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "#error-summary a"})
	live("", browsertest.Step{Op: "select", Selector: "#f-document", Value: "4"})
	live("", browsertest.Step{Op: "upload", Selector: "#f-file", Value: big})
	live("tooBig", browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"})
	live("tooBigText", browsertest.Step{Op: "text", Selector: "#error-summary"})
	live("tooBigFocused", browsertest.Step{Op: "focused"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-file-too-large", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "select", Selector: "#f-document", Value: "4"})
	live("", browsertest.Step{Op: "upload", Selector: "#f-file", Value: pdf})
	live("", browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"})
	live("documents", browsertest.Step{Op: "text", Selector: "#document-4"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-documents", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	live("", browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"})
	live("submitted", browsertest.Step{Op: "text", Selector: "h1"})

	park := scenario("Parking")
	park("", browsertest.Step{Op: "goto", URL: u("/auth/login?return=/services/KY-0047/apply")})
	park("", browsertest.Step{Op: "click", Selector: "button[value=resident]"})
	park("", browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0047/apply'] button"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-phone", Value: "+38 067 1000001"})
	park("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-plate", Value: "ka 0001 ix"})
	park("", browsertest.Step{Op: "select", Selector: "#f-zone", Value: "A"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-start", Value: "2099-01-01"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-end", Value: "2099-06-01"})
	park("noMake", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	park("latinPlate", browsertest.Step{Op: "attr", Selector: "#f-plate", Name: "value"})
	park("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-plate", FullPage: true})
	park("", browsertest.Step{Op: "axe"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-plate", Value: "АА 1234 ВВ"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-make", Value: "Renault Zoe"})
	park("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	park("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	park("parkReview", browsertest.Step{Op: "text", Selector: "main"})
	park("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-plate-review", FullPage: true})
	park("", browsertest.Step{Op: "axe"})

	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	at := func(mark string) browsertest.StepResult {
		m, ok := marks[mark]
		require.True(t, ok, mark)
		return results[m[0]].Steps[m[1]]
	}
	for _, sc := range results {
		for _, st := range sc.Steps {
			if st.File == "" {
				continue
			}
			f, err := os.Open(st.File)
			require.NoError(t, err)
			cfg, err := png.DecodeConfig(f)
			f.Close()
			require.NoError(t, err)
			require.Equal(t, 390, cfg.Width, "%s scrolls sideways on a phone", filepath.Base(st.File))
		}
	}
	require.Equal(t, "м. Бровари, Броварська громада, Броварський район, Київська область", at("listed").Text)
	require.Equal(t, "true", at("expanded").Text, "typing opens the list of places")
	require.Equal(t, "UA32060050010081797", at("picked").Text, "the code comes from the place picked, never typed")
	require.Equal(t, 422, at("twoEmpty").Status)
	require.Contains(t, at("summary").Text, "Заповніть поле «Вулиця, будинок, квартира».")
	require.Contains(t, at("summary").Text, "Заповніть поле «Дата вселення».")
	require.Contains(t, at("summaryFocused").Text, "div#error-summary", "the focus is on the summary")
	require.Equal(t, "Заповніть поле «Вулиця, будинок, квартира».", at("inline").Text)
	require.Contains(t, at("describedBy").Text, "f-address-error")
	require.Equal(t, "м. Бровари, Броварська громада, Броварський район, Київська область", at("keptPlace").Text)
	require.Contains(t, at("linkFocus").Text, "input#f-moved_on", "a summary link puts the focus in its field")
	require.Contains(t, at("missing").Text, "Додайте файл документа «Документ, що підтверджує право на проживання в житлі")
	require.Contains(t, at("reviewValues").Text, "+380671000001", "the phone with spaces, as kept")
	require.Contains(t, at("reviewValues").Text, "м. Бровари, Броварська громада, Броварський район, Київська область (UA32060050010081797)")
	require.Equal(t, 413, at("tooBig").Status)
	require.Contains(t, at("tooBigText").Text, "найбільший дозволений розмір — 10 МБ")
	require.Contains(t, at("tooBigFocused").Text, "div#error-summary")
	require.Contains(t, at("documents").Text, "pravo.pdf")
	require.Contains(t, at("submitted").Text, "Заява № 2026-")
	require.Equal(t, 422, at("noMake").Status)
	require.Equal(t, "КА0001ІХ", at("latinPlate").Text, "Latin look-alikes, spaces and case: the plate as registered")
	require.Contains(t, at("parkReview").Text, "АА1234ВВ")
	require.Contains(t, at("parkReview").Text, "+380671000001")
}
