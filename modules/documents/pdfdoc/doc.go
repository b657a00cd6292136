// Package pdfdoc writes the PDFs of modules/documents: A4 pages in
// millimetres with text in embedded TrueType fonts, lines, rectangles and
// paths, page breaks with a footer, and the document's metadata — exactly
// what a result needs, and no more.
//
// It exists because a general PDF library (go-pdf/fpdf, used before)
// parsed both fonts again for every document; here a Font is parsed once
// per process (ParseTTF) and each document embeds only a subset of the
// glyphs it used. The layout calls keep fpdf's meaning (its cell margin,
// baseline, word wrapping and automatic page break), so the documents look
// as they did.
//
// A Doc reads no clock and draws no random numbers: the same calls give the
// same bytes.
package pdfdoc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The page: A4 in points, as fpdf sized it; the user unit is the millimetre.
const (
	pageWPt = 595.28
	pageHPt = 841.89
	k       = 72 / 25.4 // points per millimetre
)

// cMargin is the space kept between a cell's edge and its text: fpdf's
// default of a tenth of its 1 cm page margin.
const cMargin = 28.35 / k / 10

// Info is the document information dictionary (and what a reader shows
// as the document's properties).
type Info struct {
	Title, Subject, Author, Creator, Producer, Keywords string
	// Created and Modified are written with their zone's offset.
	Created, Modified time.Time
}

// Doc is one PDF being laid out. Its zero value is not usable: New.
type Doc struct {
	w, h                         float64
	lMargin, tMargin, rMargin    float64
	breakAt                      float64 // the y a cell may not cross
	autoBreak                    bool
	x, y                         float64
	pages                        []*page
	fonts                        map[string]*docFont
	fontList                     []*docFont
	font                         *docFont
	sizePt, size                 float64 // font size in points and in mm
	lineWidth                    float64
	drawColor, fillColor, txtClr string
	footer                       func()
	inFooter                     bool
	nbAlias                      string

	info Info
	lang string
	xmp  []byte
}

// page is one page's content stream, and where the total page count is
// still to be written into it.
type page struct {
	buf       []byte
	pending   []pendingText
	gridRects int // the rectangles of the grid being drawn (BeginGrid)
}

// pendingText is a cell whose text holds the page count alias: drawn at
// the end, when the count is known, at position at of the content.
type pendingText struct {
	at                int
	font              *docFont
	sizePt, size      float64
	x, y, w, h        float64
	align             string
	text, color, fill string
}

// docFont is a Font as one document uses it: its resource name and the
// glyphs drawn, with the character each stands for (the ToUnicode map).
type docFont struct {
	f    *Font
	name string // resource name: F1, F2, …
	used map[uint16]rune
}

// New starts an empty A4 portrait document: fpdf's defaults of 1 cm
// margins, a 0.2 mm line width and black, until set.
func New() *Doc {
	m := 28.35 / k
	d := &Doc{
		w: pageWPt / k, h: pageHPt / k,
		lMargin: m, tMargin: m, rMargin: m,
		fonts:     map[string]*docFont{},
		lineWidth: 0.567 / k,
		drawColor: "0 G", fillColor: "0 g", txtClr: "0 g",
	}
	d.SetAutoPageBreak(true, 2*m)
	return d
}

// SetMargins sets the left, top and right margins.
func (d *Doc) SetMargins(left, top, right float64) {
	d.lMargin, d.tMargin, d.rMargin = left, top, right
}

// SetAutoPageBreak makes a cell that would cross margin from the page's
// bottom start a new page.
func (d *Doc) SetAutoPageBreak(auto bool, margin float64) {
	d.autoBreak, d.breakAt = auto, d.h-margin
}

// SetInfo sets the document information; SetLang the catalog's language
// (e.g. uk-UA); SetXMP the XMP metadata packet the catalog links.
func (d *Doc) SetInfo(i Info)    { d.info = i }
func (d *Doc) SetLang(l string)  { d.lang = l }
func (d *Doc) SetXMP(xmp []byte) { d.xmp = xmp }

// SetFooterFunc sets what is drawn at the bottom of every page, before
// the next page starts and when the document is closed.
func (d *Doc) SetFooterFunc(f func()) { d.footer = f }

// AliasNbPages makes alias, in a cell's text, stand for the number of
// pages, filled in when the document is written.
func (d *Doc) AliasNbPages(alias string) { d.nbAlias = alias }

// AddFont registers f as family in style ("" or "B").
func (d *Doc) AddFont(family, style string, f *Font) {
	key := strings.ToLower(family) + strings.ToUpper(style)
	if _, ok := d.fonts[key]; ok {
		return
	}
	df := &docFont{f: f, name: "F" + strconv.Itoa(len(d.fontList)+1), used: map[uint16]rune{}}
	d.fonts[key] = df
	d.fontList = append(d.fontList, df)
}

// SetFont selects a registered font and its size in points. An unknown
// font is a programming error: it panics.
func (d *Doc) SetFont(family, style string, sizePt float64) {
	df, ok := d.fonts[strings.ToLower(family)+strings.ToUpper(style)]
	if !ok {
		panic(fmt.Sprintf("pdfdoc: font %s %s is not added", family, style))
	}
	d.font, d.sizePt, d.size = df, sizePt, sizePt/k
}

// PageNo is the current page's number, from 1.
func (d *Doc) PageNo() int { return len(d.pages) }

// GetPageSize is the page's width and height in millimetres.
func (d *Doc) GetPageSize() (float64, float64) { return d.w, d.h }

// GetY, SetX, SetY and SetXY read and move the current position. A
// negative value counts from the right or bottom edge; SetY also returns
// to the left margin.
func (d *Doc) GetY() float64 { return d.y }
func (d *Doc) SetX(x float64) {
	if x < 0 {
		x += d.w
	}
	d.x = x
}
func (d *Doc) SetY(y float64) {
	d.x = d.lMargin
	if y < 0 {
		y += d.h
	}
	d.y = y
}
func (d *Doc) SetXY(x, y float64) { d.SetY(y); d.SetX(x) }

// Ln moves to the left margin, h lower.
func (d *Doc) Ln(h float64) { d.x, d.y = d.lMargin, d.y+h }

// AddPage ends the current page (drawing its footer) and starts another,
// with the position at the top-left margins. The font, colours and line
// width carry over, whatever the footer set.
func (d *Doc) AddPage() {
	font, sizePt, lw := d.font, d.sizePt, d.lineWidth
	dc, fc, tc := d.drawColor, d.fillColor, d.txtClr
	if len(d.pages) > 0 && d.footer != nil {
		d.inFooter = true
		d.footer()
		d.inFooter = false
	}
	d.pages = append(d.pages, &page{})
	d.x, d.y = d.lMargin, d.tMargin
	d.font, d.sizePt, d.size = font, sizePt, sizePt/k
	d.lineWidth, d.drawColor, d.fillColor, d.txtClr = lw, dc, fc, tc
	d.op("w", lw*k)
	if dc != "0 G" {
		d.op(dc)
	}
	if fc != "0 g" {
		d.op(fc)
	}
}

// rgb is an RGB colour operator: grey as one component, as fpdf wrote it.
func rgb(r, g, b int, grey, colour string) string {
	c := func(v int) string { return strconv.FormatFloat(float64(min(max(v, 0), 255))/255, 'f', 3, 64) }
	if r == g && g == b {
		return c(r) + " " + grey
	}
	return c(r) + " " + c(g) + " " + c(b) + " " + colour
}

// SetDrawColor, SetFillColor and SetTextColor set the stroke, fill and
// text colours (0–255 each); SetLineWidth the stroke width in mm.
func (d *Doc) SetDrawColor(r, g, b int) {
	d.drawColor = rgb(r, g, b, "G", "RG")
	d.op(d.drawColor)
}
func (d *Doc) SetFillColor(r, g, b int) {
	d.fillColor = rgb(r, g, b, "g", "rg")
	d.op(d.fillColor)
}
func (d *Doc) SetTextColor(r, g, b int) { d.txtClr = rgb(r, g, b, "g", "rg") }
func (d *Doc) SetLineWidth(w float64) {
	d.lineWidth = w
	d.op("w", w*k)
}

// appendNum writes a length in points with at most two decimals (a
// hundredth of a point is well below what a printer resolves).
func appendNum(b []byte, v float64) []byte { return appendDec(b, v, 2) }

// appendDec writes v with at most prec decimals, no trailing zeros.
func appendDec(b []byte, v float64, prec int) []byte {
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[n:]) == "-0" {
		b = append(b[:n], '0')
	}
	return b
}

func num(v float64) string { return string(appendNum(nil, v)) }

// op writes an operator with its operands, in points, to the current
// page (drawing before the first page draws nothing).
func (d *Doc) op(op string, v ...float64) {
	if len(d.pages) == 0 {
		return
	}
	p := d.pages[len(d.pages)-1]
	for _, x := range v {
		p.buf = appendNum(p.buf, x)
		p.buf = append(p.buf, ' ')
	}
	p.buf = append(p.buf, op...)
	p.buf = append(p.buf, '\n')
}

// Line strokes a line from (x1, y1) to (x2, y2).
func (d *Doc) Line(x1, y1, x2, y2 float64) {
	d.op("m", x1*k, (d.h-y1)*k)
	d.op("l S", x2*k, (d.h-y2)*k)
}

// Rect draws a rectangle with its top-left corner at (x, y): style "D"
// strokes it, "F" fills it, "FD" both.
func (d *Doc) Rect(x, y, w, h float64, style string) {
	d.op("re "+paintOp(style), x*k, (d.h-y)*k, w*k, -h*k)
}

// BeginGrid starts drawing on a grid of square cells unit mm wide: cell
// (0, 0)'s top-left corner at (x, y), columns to the right, rows down.
// One transform (q … cm) maps the grid to the page, so each GridRect is
// four small integers where Rect writes four lengths in points — fewer
// bytes to format and to compress for drawings made of many cells (a QR
// code). FillGrid ends it; nothing else may be drawn in between.
func (d *Doc) BeginGrid(x, y, unit float64) {
	p := d.page()
	if p == nil {
		return
	}
	// The scale gets four decimals: its rounding is multiplied by the
	// number of cells, the corner's (two, as every length) is not.
	p.buf = append(p.buf, "q "...)
	p.buf = appendDec(p.buf, unit*k, 4)
	p.buf = append(p.buf, " 0 0 "...)
	p.buf = appendDec(p.buf, -unit*k, 4)
	p.buf = append(p.buf, ' ')
	p.buf = appendNum(p.buf, x*k)
	p.buf = append(p.buf, ' ')
	p.buf = appendNum(p.buf, (d.h-y)*k)
	p.buf = append(p.buf, " cm\n"...)
	p.gridRects = 0
}

// GridRect adds to the grid's path a rectangle w cells wide and h high
// whose top-left cell is (col, row).
func (d *Doc) GridRect(col, row, w, h int) {
	p := d.page()
	if p == nil {
		return
	}
	// Appended to a local slice, stored once: a code is thousands of
	// rectangles, and each store to the page is a write barrier while the
	// collector runs.
	b := appendCell(p.buf, col)
	b = append(b, ' ')
	b = appendCell(b, row)
	b = append(b, ' ')
	b = appendCell(b, w)
	b = append(b, ' ')
	b = appendCell(b, h)
	p.buf = append(b, " re\n"...)
	p.gridRects++
}

// appendCell writes a cell count: a grid's are small, under a thousand,
// written digit by digit.
func appendCell(b []byte, v int) []byte {
	if v < 0 || v >= 1000 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	if v >= 100 {
		b = append(b, byte('0'+v/100))
	}
	if v >= 10 {
		b = append(b, byte('0'+v/10%10))
	}
	return append(b, byte('0'+v%10))
}

// FillGrid fills the grid's rectangles with the fill colour, with one
// operator (nonzero winding: rectangles that do not overlap fill exactly
// their own area, as one f each would), and ends the grid.
func (d *Doc) FillGrid() {
	p := d.page()
	if p == nil {
		return
	}
	if p.gridRects > 0 {
		p.buf = append(p.buf, "f\n"...)
	}
	p.buf = append(p.buf, "Q\n"...)
	p.gridRects = 0
}

// page is the current page, nil before the first.
func (d *Doc) page() *page {
	if len(d.pages) == 0 {
		return nil
	}
	return d.pages[len(d.pages)-1]
}

// MoveTo, LineTo, CurveBezierCubicTo and ClosePath build a path (and move
// the current position, as fpdf did); DrawPath paints it.
func (d *Doc) MoveTo(x, y float64) {
	d.op("m", x*k, (d.h-y)*k)
	d.x, d.y = x, y
}
func (d *Doc) LineTo(x, y float64) {
	d.op("l", x*k, (d.h-y)*k)
	d.x, d.y = x, y
}
func (d *Doc) CurveBezierCubicTo(cx0, cy0, cx1, cy1, x, y float64) {
	d.op("c", cx0*k, (d.h-cy0)*k, cx1*k, (d.h-cy1)*k, x*k, (d.h-y)*k)
	d.x, d.y = x, y
}
func (d *Doc) ClosePath() { d.op("h") }

// DrawPath paints the path built: "D" strokes, "F" fills (nonzero
// winding), "F*" fills even-odd, "FD" and "FD*" both.
func (d *Doc) DrawPath(style string) { d.op(paintOp(style)) }

func paintOp(style string) string {
	switch strings.ToUpper(style) {
	case "", "D":
		return "S"
	case "F":
		return "f"
	case "F*":
		return "f*"
	case "FD", "DF":
		return "B"
	case "FD*", "DF*":
		return "B*"
	}
	return "S"
}

// GetStringWidth is s's width in mm in the current font.
func (d *Doc) GetStringWidth(s string) float64 {
	w := 0
	for _, r := range s {
		w += d.font.f.runeWidth(r)
	}
	return float64(w) * d.size / 1000
}

// CellFormat writes text on one line in a cell w wide (0: to the right
// margin) and h high at the current position, aligned "L", "C" or "R".
// ln says where the position goes after: 0 to the cell's right, 1 to the
// start of the next line, 2 below the cell. A cell that would cross the
// bottom margin starts a new page first (not in the footer).
func (d *Doc) CellFormat(w, h float64, text string, ln int, align string) {
	if d.font == nil {
		panic("pdfdoc: no font set")
	}
	if len(d.pages) == 0 {
		d.AddPage()
	}
	if d.autoBreak && !d.inFooter && d.y+h > d.breakAt {
		x := d.x
		d.AddPage()
		d.x = x
	}
	if w == 0 {
		w = d.w - d.rMargin - d.x
	}
	if text != "" {
		if d.nbAlias != "" && strings.Contains(text, d.nbAlias) {
			p := d.pages[len(d.pages)-1]
			p.pending = append(p.pending, pendingText{at: len(p.buf), font: d.font, sizePt: d.sizePt, size: d.size,
				x: d.x, y: d.y, w: w, h: h, align: align, text: text, color: d.txtClr, fill: d.fillColor})
		} else {
			p := d.pages[len(d.pages)-1]
			p.buf = d.appendText(p.buf, d.font, d.sizePt, d.size, d.x, d.y, w, h, align, text, d.txtClr, d.fillColor)
		}
	}
	switch ln {
	case 0:
		d.x += w
	case 1:
		d.x, d.y = d.lMargin, d.y+h
	default:
		d.y += h
	}
}

// appendText draws text in a cell as fpdf placed it: the baseline at
// half the cell's height plus 0.3 of the font size, the cell margin
// inside the left and right edges. The glyphs are written as their ids
// (Identity-H) and noted for the subset and the ToUnicode map.
func (d *Doc) appendText(b []byte, f *docFont, sizePt, size, x, y, w, h float64, align, text, color, fill string) []byte {
	width := 0
	for _, r := range text {
		width += f.f.runeWidth(r)
	}
	tw := float64(width) * size / 1000
	dx := cMargin
	switch {
	case strings.Contains(align, "R"):
		dx = w - cMargin - tw
	case strings.Contains(align, "C"):
		dx = (w - tw) / 2
	}
	recolor := color != fill
	if recolor {
		b = append(b, "q "...)
		b = append(b, color...)
		b = append(b, ' ')
	}
	b = append(b, "BT /"...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = appendNum(b, sizePt)
	b = append(b, " Tf "...)
	b = appendNum(b, (x+dx)*k)
	b = append(b, ' ')
	b = appendNum(b, (d.h-(y+.5*h+.3*size))*k)
	b = append(b, " Td <"...)
	const hex = "0123456789ABCDEF"
	for _, r := range text {
		g := f.f.glyph(r)
		if _, ok := f.used[g]; !ok {
			f.used[g] = r
		}
		b = append(b, hex[g>>12], hex[g>>8&15], hex[g>>4&15], hex[g&15])
	}
	b = append(b, "> Tj ET"...)
	if recolor {
		b = append(b, " Q"...)
	}
	return append(b, '\n')
}

// MultiCell writes text wrapped to lines of width w (0: to the right
// margin), each h high, aligned "L", "C" or "R"; then the position is at
// the left margin below it. It breaks as fpdf did: at the last space that
// fits, a word longer than the line by characters, and at "\n"; trailing
// line feeds are dropped.
func (d *Doc) MultiCell(w, h float64, text, align string) {
	if w == 0 {
		w = d.w - d.rMargin - d.x
	}
	for _, l := range d.wrap(text, w, false) {
		d.CellFormat(w, h, l, 2, align)
	}
	d.x = d.lMargin
}

// SplitText is text broken into lines of width w as MultiCell breaks it.
func (d *Doc) SplitText(text string, w float64) []string {
	return d.wrap(text, w, true)
}

// wrap breaks s into lines fitting w less the cell margins. A line broken
// at a space loses that space. (fpdf's SplitText, unlike its MultiCell,
// also broke at other white space: split says which.)
func (d *Doc) wrap(s string, w float64, split bool) []string {
	wmax := int(math.Ceil((w - 2*cMargin) * 1000 / d.size))
	rs := []rune(strings.ReplaceAll(s, "\r", ""))
	for len(rs) > 0 && rs[len(rs)-1] == '\n' {
		rs = rs[:len(rs)-1]
	}
	var lines []string
	sep, i, j, l := -1, 0, 0, 0
	for i < len(rs) {
		c := rs[i]
		if c == '\n' {
			lines = append(lines, string(rs[j:i]))
			i++
			sep, j, l = -1, i, 0
			continue
		}
		if c == ' ' || (split && unicode.IsSpace(c)) {
			sep = i
		}
		l += d.font.f.runeWidth(c)
		if l <= wmax {
			i++
			continue
		}
		if sep == -1 {
			if i == j {
				i++
			}
			lines = append(lines, string(rs[j:i]))
		} else {
			lines = append(lines, string(rs[j:sep]))
			i = sep + 1
		}
		sep, j, l = -1, i, 0
	}
	// MultiCell ends with the rest, even empty (an empty text is one
	// empty line); SplitText only with a rest.
	if !split || i != j {
		lines = append(lines, string(rs[j:i]))
	}
	return lines
}
