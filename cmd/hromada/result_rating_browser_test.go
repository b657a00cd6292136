package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestResultRatingInBrowser (issue 19: ratings after a result): once an
// official has decided a resident's application, its page in her cabinet
// asks «Оцініть результат»; on a phone she rates it «добре» for its
// speed, once, and the page shows her rating in place of the form. axe,
// no sideways scrolling at 390 px.
func TestResultRatingInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	resident := appsPersona(t, "resident")
	id := e.applyResidence(e.as(e.host, "resident"), resident)
	phone := &browsertest.Viewport{Width: 390, Height: 844}

	decide := []browsertest.Step{
		{Op: "goto", URL: e.u("/auth/login?return=/work/applications/" + id)},
		{Op: "click", Selector: "button[value=official-dcnap]"},
		{Op: "click", Selector: "form[action$='/take'] button"},
		{Op: "click", Selector: "form[action$='/decide'] button"},
	}
	rate := []browsertest.Step{
		{Op: "goto", URL: e.u("/auth/login?return=/cabinet/applications/" + id)},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "check", Selector: "#result-score-3"},
		{Op: "check", Selector: "#result-reason-speed"},
		{Op: "fill", Selector: "#result-comment", Value: "Швидко і зрозуміло."},
		{Op: "screenshot", Name: "hromada-result-rate", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "form[action$='/rating'] button"},
		{Op: "text", Selector: "#rating"},
		{Op: "overflow"},
		{Op: "axe"},
	}
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "OfficialDecides", Steps: decide}})
	browsertest.RequireOK(t, results)
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "ResidentRates", Viewport: phone, Steps: rate}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	steps := results[0].Steps
	require.Contains(t, steps[8].Text, "Дякуємо за оцінку")
	require.Contains(t, steps[8].Text, "Добре — швидкість розгляду")
	require.Equal(t, "0", steps[9].Text, "the page fits the phone")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM result_ratings WHERE score = 3 AND application_id = $1`, id))
}
