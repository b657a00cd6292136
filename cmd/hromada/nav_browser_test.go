package main

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestNavigationInBrowser is the navigation issue's "done when" in
// Chromium: each staff persona signs in to Kyiv and the HTTP crawl
// (navCrawl) follows every link and GET form of the workspace's pages and
// checks every other form with the guard's decision — no 403, no error, no
// lockout. Chromium then opens the workspace on a desktop and on a phone
// (axe-core clean, screenshots), and on the phone every kind of page the
// crawl reached (one per route, across the personas) for sideways
// scrolling: the crawl's closure is hundreds of pages, too many for a
// browser on CI's critical path, and a route's pages share a template.
func TestNavigationInBrowser(t *testing.T) {
	t.Parallel()
	e := newNavEnv(t, startApp(t, testAppOpts{baseDomain: "localhost"}), "kyiv.localhost")
	phone := &browsertest.Viewport{Width: 390, Height: 844}

	var scenarios []browsertest.Scenario
	seen := map[string]bool{}
	for _, p := range navStaff {
		_, followed := e.navCrawl(t, p)
		name := strings.ReplaceAll(p, "-", "_")
		login := []browsertest.Step{
			{Op: "goto", URL: e.u("/auth/login?return=/admin")},
			{Op: "click", Selector: "button[value='" + p + "']"},
			{Op: "text", Selector: "h1"},
		}
		desk := browsertest.Scenario{Name: p, Steps: append(slices.Clone(login),
			browsertest.Step{Op: "screenshot", Name: "hromada-workspace-" + name, FullPage: true},
			browsertest.Step{Op: "axe"},
		)}
		mobile := browsertest.Scenario{Name: p + "-phone", Viewport: phone, Steps: append(slices.Clone(login),
			browsertest.Step{Op: "screenshot", Name: "hromada-workspace-" + name + "-phone", FullPage: true},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "overflow"},
		)}
		for _, l := range followed {
			path := strings.SplitN(l, "?", 2)[0]
			if !navWorkspace(l) || strings.HasSuffix(path, ".csv") || seen[navRoute(path)] {
				continue // a public page, a download, or a route seen already
			}
			seen[navRoute(path)] = true
			mobile.Steps = append(mobile.Steps, browsertest.Step{Op: "goto", URL: e.u(l)}, browsertest.Step{Op: "overflow"})
		}
		scenarios = append(scenarios, desk, mobile)
	}
	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for _, r := range results {
		require.Equal(t, "Робочий кабінет", r.Steps[2].Text, "%s: the workspace's heading", r.Name)
		url := r.Steps[0].URL
		for _, s := range r.Steps {
			switch s.Op {
			case "goto":
				url = s.URL
				if s.Status != 0 {
					require.NotEqual(t, http.StatusForbidden, s.Status, "%s: %s", r.Name, s.URL)
					require.Less(t, s.Status, 400, "%s: %s", r.Name, s.URL)
				}
			case "overflow":
				require.Equal(t, "0", s.Text, "%s: %s scrolls sideways at 390 px", r.Name, url)
			}
		}
	}
}

var navIDRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[A-Z]{2,}-[0-9]+\b|/[0-9]+(/|$)`)

// navRoute is a path with its ids replaced: one route's pages.
func navRoute(path string) string { return navIDRE.ReplaceAllString(path, "{id}") }
