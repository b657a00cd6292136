package branding

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

func TestContrast(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 21.0, contrast(black, white), 0.01)
	require.InDelta(t, 1.0, contrast(white, white), 0.01)
	grey, _ := parse("#767676") // the lightest grey that passes AA on white
	require.GreaterOrEqual(t, contrast(grey, white), 4.5)
}

// Whatever colours a city picks, the theme's text pairs pass WCAG AA.
func TestRenderKeepsContrast(t *testing.T) {
	t.Parallel()
	varRE := regexp.MustCompile(`--([a-z-]+): (#[0-9a-f]{6});`)
	for _, c := range []struct{ primary, accent string }{
		{"", ""}, {"#1d5fb4", "#ffd500"}, {"#ffd500", "#1d5fb4"}, {"#ffffff", "#ffffff"},
		{"#000000", "#000000"}, {"#7f7f7f", "#00ff00"}, {"#ff0000", "#ff8800"}, {"#e0e0ff", "#202020"},
	} {
		th := Render(tenant.Branding{PrimaryColor: c.primary, AccentColor: c.accent})
		root := th.CSS[:len(th.CSS)-len(th.CSS[regexp.MustCompile(`html\.hc`).FindStringIndex(th.CSS)[0]:])]
		vars := map[string]rgb{}
		for _, m := range varRE.FindAllStringSubmatch(root, -1) {
			vars[m[1]], _ = parse(m[2])
		}
		require.GreaterOrEqualf(t, contrast(vars["brand"], vars["on-brand"]), 4.5, "header text on %v", c)
		require.GreaterOrEqualf(t, contrast(vars["link"], white), 4.5, "links on white for %v", c)
		require.GreaterOrEqualf(t, contrast(vars["accent"], vars["on-accent"]), 4.5, "accent text for %v", c)
		require.GreaterOrEqualf(t, contrast(vars["focus"], white), 3.0, "focus ring for %v", c)
		require.Equal(t, SourceHash(tenant.Branding{PrimaryColor: c.primary, AccentColor: c.accent}), th.SourceHash)
	}
	require.NotEmpty(t, Render(tenant.Branding{PrimaryColor: "#ffd500"}).Warnings)
	require.Empty(t, Render(tenant.Branding{PrimaryColor: "#1d4f91"}).Warnings)
	require.NotEqual(t, SourceHash(tenant.Branding{PrimaryColor: "#111111"}), SourceHash(tenant.Branding{PrimaryColor: "#111112"}))
}
