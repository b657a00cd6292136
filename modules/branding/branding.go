// Package branding turns a tenant's branding into its portal's theme: the
// stylesheet of its colours, checked and, where needed, adjusted so that text
// keeps the WCAG 2.1 AA contrast (4.5:1) whatever colours a city picks, with
// the high-contrast variant beside it.
//
// The theme is computed by the branding.refresh job whenever a tenant is
// created or its branding changes, and cached in branding_themes (a tenant
// table), so that no request computes it and every process serves the same.
package branding

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"hromada/tenant"
)

// algorithm is part of the source hash: change it when Render's output
// changes, so every tenant's cached theme is rendered again.
// v2: links contrast with the light grey surfaces (the footer), not only
// with white.
const algorithm = "theme-v2"

// Defaults used when a tenant has not chosen its colours.
const (
	DefaultPrimary = "#1d4f91"
	DefaultAccent  = "#ffd500"
)

// minContrast is WCAG 2.1 AA for normal text.
const minContrast = 4.5

// Theme is a rendered theme.
type Theme struct {
	SourceHash string
	CSS        string
	// Warnings say which chosen colours had to be adjusted, for the operator.
	Warnings []string
}

// Render computes the theme of b.
func Render(b tenant.Branding) Theme {
	primary := parseOr(b.PrimaryColor, DefaultPrimary)
	accent := parseOr(b.AccentColor, DefaultAccent)
	var warnings []string

	// The header is the primary colour with white or black text, whichever
	// reads better; darken the colour until one of them passes.
	header := primary
	onHeader := bestText(header)
	if contrast(header, onHeader) < minContrast {
		header = darkenUntil(header, white, minContrast)
		onHeader = white
		warnings = append(warnings, fmt.Sprintf("primary colour %s darkened to %s for readable header text", hex6(primary), hex6(header)))
	}
	// Links and buttons sit on the white page and on the light grey
	// surfaces (the footer, cards): the darker of the two decides.
	link := primary
	if contrast(link, surface) < minContrast {
		link = darkenUntil(link, surface, minContrast)
		warnings = append(warnings, fmt.Sprintf("primary colour %s darkened to %s for links on white and grey", hex6(primary), hex6(link)))
	}
	// The accent marks things (focus ring, highlights) with its best text.
	onAccent := bestText(accent)

	var css strings.Builder
	fmt.Fprintf(&css, "/* theme of the tenant's branding; %s */\n", algorithm)
	fmt.Fprintf(&css, ":root {\n  --brand: %s;\n  --on-brand: %s;\n  --link: %s;\n  --link-hover: %s;\n  --accent: %s;\n  --on-accent: %s;\n  --focus: %s;\n}\n",
		hex6(header), hex6(onHeader), hex6(link), hex6(darken(link, 0.25)), hex6(accent), hex6(onAccent), hex6(focusColor(accent)))
	// High contrast: black page, white text, yellow links and focus.
	css.WriteString("html.hc {\n  --brand: #000000;\n  --on-brand: #ffffff;\n  --link: #ffff00;\n  --link-hover: #ffffff;\n  --accent: #ffff00;\n  --on-accent: #000000;\n  --focus: #ffff00;\n  --page: #000000;\n  --text: #ffffff;\n  --muted: #ffffff;\n  --surface: #000000;\n  --border: #ffffff;\n}\n")

	return Theme{SourceHash: SourceHash(b), CSS: css.String(), Warnings: warnings}
}

// SourceHash identifies the input of a theme: the colours and the algorithm.
func SourceHash(b tenant.Branding) string {
	raw, _ := json.Marshal([]string{algorithm, strings.ToLower(b.PrimaryColor), strings.ToLower(b.AccentColor)})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// rgb is a colour with channels in 0..1.
type rgb struct{ r, g, b float64 }

var (
	white = rgb{1, 1, 1}
	black = rgb{0, 0, 0}
	// surface is app.css's --surface (#f4f6f9), the lightest grey links
	// are drawn on.
	surface = rgb{0xf4 / 255.0, 0xf6 / 255.0, 0xf9 / 255.0}
)

func parseOr(s, def string) rgb {
	if c, ok := parse(s); ok {
		return c
	}
	c, _ := parse(def)
	return c
}

func parse(s string) (rgb, bool) {
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255}, true
}

func hex6(c rgb) string {
	ch := func(x float64) int { return int(math.Round(math.Max(0, math.Min(1, x)) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", ch(c.r), ch(c.g), ch(c.b))
}

// luminance is WCAG 2.1's relative luminance.
func luminance(c rgb) float64 {
	lin := func(x float64) float64 {
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is WCAG 2.1's contrast ratio, 1..21.
func contrast(a, b rgb) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func bestText(bg rgb) rgb {
	if contrast(bg, white) >= contrast(bg, black) {
		return white
	}
	return black
}

func darken(c rgb, f float64) rgb { return rgb{c.r * (1 - f), c.g * (1 - f), c.b * (1 - f)} }

// darkenUntil darkens c in small steps until it contrasts with other by at
// least ratio (black always does, against white).
func darkenUntil(c, other rgb, ratio float64) rgb {
	for i := 0; i < 100 && contrast(c, other) < ratio; i++ {
		c = darken(c, 0.03)
	}
	return c
}

// focusColor is the focus ring: the accent when it is visible on white
// (3:1, WCAG 1.4.11), else a dark blue that is.
func focusColor(accent rgb) rgb {
	if contrast(accent, white) >= 3 {
		return accent
	}
	c, _ := parse("#0b3d91")
	return c
}
