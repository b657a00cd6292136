package branding

import "hromada/tenant"

// Check is one place where a chosen colour meets text, as the theme will
// draw it: the colour chosen, the colour the theme uses (darkened when the
// chosen one did not reach the ratio), and the contrast reached.
type Check struct {
	Where    string  // header, links, focus
	Chosen   string  // #rrggbb
	Used     string  // #rrggbb
	Ratio    float64 // the contrast of Used, 1..21
	Need     float64 // WCAG 2.1 AA: 4.5 for text, 3 for the focus ring
	Adjusted bool    // Used is not Chosen
}

// Checks are the contrasts of b's colours as Render draws them, for the
// person choosing them: Render never lets one fall below WCAG 2.1 AA, and
// this says where it had to darken the colour chosen, and to what.
func Checks(b tenant.Branding) []Check {
	primary := parseOr(b.PrimaryColor, DefaultPrimary)
	accent := parseOr(b.AccentColor, DefaultAccent)
	header := primary
	onHeader := bestText(header)
	if contrast(header, onHeader) < minContrast {
		header = darkenUntil(header, white, minContrast)
		onHeader = white
	}
	link := primary
	if contrast(link, surface) < minContrast {
		link = darkenUntil(link, surface, minContrast)
	}
	focus := focusColor(accent)
	return []Check{
		{Where: "header", Chosen: hex6(primary), Used: hex6(header), Ratio: contrast(header, onHeader), Need: minContrast, Adjusted: hex6(header) != hex6(primary)},
		{Where: "links", Chosen: hex6(primary), Used: hex6(link), Ratio: contrast(link, surface), Need: minContrast, Adjusted: hex6(link) != hex6(primary)},
		{Where: "focus", Chosen: hex6(accent), Used: hex6(focus), Ratio: contrast(focus, white), Need: 3, Adjusted: hex6(focus) != hex6(accent)},
	}
}
