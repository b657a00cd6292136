package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestNavigationInBrowser is the navigation issue's "done when" in
// Chromium: each staff persona (and the resident) signs in to Kyiv, opens
// the workspace on a desktop and on a phone (axe-core clean, screenshots),
// then follows every workspace link (/admin, /work) the workspace and the
// pages it links to show — the links an HTTP crawl of the same pages found
// (it follows the public ones too, and checks the forms with the guard's
// decision) — and none answers 403 or any other error.
func TestNavigationInBrowser(t *testing.T) {
	t.Parallel()
	e := newNavEnv(t, startApp(t, testAppOpts{baseDomain: "localhost"}), "kyiv.localhost")
	phone := &browsertest.Viewport{Width: 390, Height: 844}

	var scenarios []browsertest.Scenario
	for _, p := range navStaff {
		_, followed := e.navCrawl(t, p)
		name := strings.ReplaceAll(p, "-", "_")
		desk := browsertest.Scenario{Name: p, Steps: []browsertest.Step{
			{Op: "goto", URL: e.u("/auth/login?return=/admin")},
			{Op: "click", Selector: "button[value='" + p + "']"},
			{Op: "text", Selector: "h1"},
			{Op: "screenshot", Name: "hromada-workspace-" + name, FullPage: true},
			{Op: "axe"},
		}}
		for _, l := range followed {
			// The workspace's own pages (guarded); the public catalog and
			// the downloads the HTTP crawl fetched already, and they would
			// not fit the browser's time limit on a loaded machine.
			if !strings.HasPrefix(l, "/admin") && !strings.HasPrefix(l, "/work/") {
				continue
			}
			if strings.HasSuffix(strings.SplitN(l, "?", 2)[0], ".csv") {
				continue // a download, not a page
			}
			desk.Steps = append(desk.Steps, browsertest.Step{Op: "goto", URL: e.u(l)})
		}
		scenarios = append(scenarios, desk, browsertest.Scenario{Name: p + "-phone", Viewport: phone, Steps: []browsertest.Step{
			{Op: "goto", URL: e.u("/auth/login?return=/admin")},
			{Op: "click", Selector: "button[value='" + p + "']"},
			{Op: "text", Selector: "h1"},
			{Op: "screenshot", Name: "hromada-workspace-" + name + "-phone", FullPage: true},
			{Op: "axe"},
		}})
	}
	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for _, r := range results {
		require.Equal(t, "Робочий кабінет", r.Steps[2].Text, "%s: the workspace's heading", r.Name)
		for _, s := range r.Steps {
			if s.Op == "goto" && s.Status != 0 {
				require.NotEqual(t, http.StatusForbidden, s.Status, "%s: %s", r.Name, s.URL)
				require.Less(t, s.Status, 400, "%s: %s", r.Name, s.URL)
			}
		}
	}
}
