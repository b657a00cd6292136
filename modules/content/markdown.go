package content

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders CommonMark without raw HTML (goldmark leaves it out
// unless told it is safe, and drops javascript: and data: links), so a
// body is trusted as the city's words and never as markup.
var markdown = goldmark.New(goldmark.WithParserOptions(
	parser.WithASTTransformers(util.Prioritized(headingsBelowTitle{}, 100), util.Prioritized(ownImagesOnly{}, 200)),
))

// Render returns body as HTML for a page.
func Render(body string) (template.HTML, error) {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(body), &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil //nolint:gosec // goldmark's output without raw HTML (see markdown)
}

// headingsBelowTitle moves a body's headings one level down: the page's
// title is its only h1, so a body's "# Heading" becomes an h2 and the
// outline stays whole for screen readers.
type headingsBelowTitle struct{}

func (headingsBelowTitle) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+1, 6)
		}
		return ast.WalkContinue, nil
	})
}

// ownImagesOnly shows an image that is not one the portal serves (a body
// saved before images were checked, see checkImages) as its alt text: the
// Content-Security-Policy would block it anyway, leaving a broken picture.
type ownImagesOnly struct{}

func (ownImagesOnly) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var foreign []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering && !ownImage.Match(img.Destination) {
			foreign = append(foreign, img)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range foreign {
		parent := img.Parent()
		for c := img.FirstChild(); c != nil; c = img.FirstChild() {
			img.RemoveChild(img, c)
			parent.InsertBefore(parent, img, c)
		}
		parent.RemoveChild(parent, img)
	}
}
