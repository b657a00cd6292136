package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestServicesInBrowser: the «Онлайн» marks and the «лише онлайн» filter,
// a service's page with a form and without one, the apply link of a
// service without a form, and a step of a new form (green-space removal),
// on a desktop and on a phone: axe-core clean, screenshots in /tmp.
func TestServicesInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }

	var scenarios []browsertest.Scenario
	for _, vp := range []struct {
		name string
		size *browsertest.Viewport
		form string
	}{
		{"desktop", nil, "KY-0043"},
		{"phone", &browsertest.Viewport{Width: 390, Height: 844}, "KY-0036"},
	} {
		look := func(name string) []browsertest.Step {
			return []browsertest.Step{
				{Op: "screenshot", Name: "hromada-services-" + name + "-" + vp.name, FullPage: true},
				{Op: "axe"},
			}
		}
		var steps []browsertest.Step
		steps = append(steps, browsertest.Step{Op: "goto", URL: u("/search")})
		steps = append(steps, browsertest.Step{Op: "check", Selector: "input[name=online]"})
		steps = append(steps, browsertest.Step{Op: "click", Selector: "form[role=search] .filters button[type=submit]"})
		steps = append(steps, browsertest.Step{Op: "text", Selector: "p[role=status]"})
		steps = append(steps, look("search-online")...)
		steps = append(steps, browsertest.Step{Op: "goto", URL: u("/providers/urban")})
		steps = append(steps, look("provider")...)
		steps = append(steps, browsertest.Step{Op: "goto", URL: u("/services/KY-0043")})
		steps = append(steps, look("with-form")...)
		steps = append(steps, browsertest.Step{Op: "screenshot", Name: "hromada-services-with-form-top-" + vp.name})
		steps = append(steps, browsertest.Step{Op: "goto", URL: u("/services/KY-0005")})
		steps = append(steps, look("without-form")...)
		steps = append(steps, browsertest.Step{Op: "goto", URL: u("/auth/login?return=/services/KY-0005/apply")})
		steps = append(steps, browsertest.Step{Op: "click", Selector: "button[value=resident]"})
		steps = append(steps, browsertest.Step{Op: "text", Selector: "h1"})
		steps = append(steps, look("apply-without-form")...)
		// A new form's second step, past the applicant's (filled from the
		// profile); a service per scenario, as they run at the same time
		// and a person has one draft of a service.
		steps = append(steps, browsertest.Step{Op: "goto", URL: u("/services/" + vp.form + "/apply")})
		steps = append(steps, look("start")...)
		steps = append(steps, browsertest.Step{Op: "click", Selector: "form[action='/services/" + vp.form + "/apply'] button"})
		steps = append(steps, browsertest.Step{Op: "click", Selector: "button[value=next]"})
		steps = append(steps, browsertest.Step{Op: "text", Selector: "h1"})
		steps = append(steps, look("new-form")...)
		scenarios = append(scenarios, browsertest.Scenario{Name: vp.name, Viewport: vp.size, Steps: steps})
	}
	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for i, r := range results {
		require.Contains(t, r.Steps[3].Text, "Знайдено послуг: 22", r.Name)
		require.Equal(t, http.StatusNotFound, r.Steps[17].Status, r.Name)
		require.Equal(t, "Цю послугу поки не можна замовити онлайн", r.Steps[18].Text, r.Name)
		require.Equal(t, []string{"Насадження", "Земельна ділянка"}[i], r.Steps[26].Text, r.Name)
	}
}
