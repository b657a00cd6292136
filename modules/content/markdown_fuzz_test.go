package content_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"hromada/modules/content"
)

var (
	// tagRE is every tag in the rendered HTML: goldmark writes text's
	// "<" as "&lt;", so each "<" left is a tag (or a comment) it made.
	tagRE  = regexp.MustCompile(`<(/?)([a-zA-Z0-9]*)((?:\s[^>]*)?)(/?)>`)
	attrRE = regexp.MustCompile(`\s([^\s=]+)="([^"]*)"`)
	// rendered are the elements CommonMark makes, headings from h2 (the
	// page's title is the only h1).
	elements = map[string]bool{"p": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "em": true, "strong": true,
		"a": true, "img": true, "ul": true, "ol": true, "li": true, "code": true, "pre": true, "blockquote": true, "hr": true, "br": true}
	attrs = map[string]bool{"href": true, "title": true, "src": true, "alt": true, "class": true, "start": true}
)

// FuzzRender renders any news or page body a city's editor may write. It
// is shown as HTML, so whatever the text: only CommonMark's own elements
// come out (no raw HTML, no h1), with only their own attributes (no event
// handler), and no link or image to a javascript:, vbscript: or data: URL.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"# Розділ\n\n<script>alert(1)</script>\n\n[клік](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n[сайт](https://kyivcity.gov.ua)",
		"## Графік\n\n1. Перше\n2. Друге\n\n> цитата\n\n```go\nfmt.Println(\"<b>\")\n```\n\n![герб](/static/coat.svg \"Герб\")",
		"[x](JaVaScRiPt:alert(1)) [y](&#106;avascript:alert(1)) [z](data:text/html;base64,PHNjcmlwdD4=) <a href=\"javascript:x\">a</a>",
		"[x]: javascript:alert(1)\n\n[x]", "<!-- c --><iframe src=//x></iframe>", "***__~~x~~__***", strings.Repeat("> ", 200) + "x",
		strings.Repeat("[", 500) + strings.Repeat("](x)", 500), strings.Repeat("*a ", 1000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rendered, err := content.Render(body)
		if err != nil {
			return
		}
		out := string(rendered)
		for _, m := range tagRE.FindAllStringSubmatch(out, -1) {
			if m[2] == "" {
				continue
			}
			if !elements[strings.ToLower(m[2])] {
				t.Fatalf("rendered a <%s> from %q:\n%s", m[2], body, out)
			}
			for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
				if !attrs[a[1]] {
					t.Fatalf("rendered the attribute %s from %q:\n%s", a[1], body, out)
				}
				if a[1] == "href" || a[1] == "src" {
					u := strings.ToLower(strings.TrimSpace(html.UnescapeString(a[2]))) // as a browser reads it
					for _, scheme := range []string{"javascript:", "vbscript:", "data:"} {
						if strings.HasPrefix(u, scheme) {
							t.Fatalf("rendered a %s link from %q:\n%s", scheme, body, out)
						}
					}
				}
			}
		}
		if strings.Count(out, "<") != len(tagRE.FindAllString(out, -1))+strings.Count(out, "<!--") {
			t.Fatalf("a < that is not a tag in the HTML of %q:\n%s", body, out)
		}
	})
}
