package documents

import (
	"bytes"
	"fmt"
	"image"
	imgcolor "image/color"
	"image/draw"
	"image/png"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The visual form of a result for a phone screen (seed 003 §5.9): a PNG
// card of the essential facts and the QR code, drawn on the server from
// the same facts and the same QR text as the PDF, so the app shows it
// without a PDF viewer and a checker scans it off the screen. It is not
// the document: the sealed PDF is.

// Card is what the card shows.
type Card struct {
	City      string // «Київська міська рада»
	Title     string // the result's title or the service's name
	Number    string
	Issued    string // as printed, 05.03.2026
	Provider  string
	Applicant string
	Status    string // «Надано»
	QR        string // the QR code's text: the PDF's own (Result.QR)
}

// Card's layout, in pixels: a 1080-wide image (a phone's screen at 3×).
const (
	cardWidth  = 1080
	cardMargin = 64
)

// RenderCard draws c as a PNG.
func RenderCard(c Card) ([]byte, error) {
	if c.QR == "" || c.Title == "" {
		return nil, ErrIncomplete
	}
	regular, err := cardFace(fontRegular, 34)
	if err != nil {
		return nil, err
	}
	small, err := cardFace(fontRegular, 28)
	if err != nil {
		return nil, err
	}
	bold, err := cardFace(fontBold, 44)
	if err != nil {
		return nil, err
	}
	bits, err := qrMatrix(c.QR)
	if err != nil {
		return nil, err
	}
	// Whole pixels a module, the code as wide as the card allows.
	module := (cardWidth - 2*cardMargin) / (len(bits) + 8)
	qrSide := module * (len(bits) + 8)

	type line struct {
		face  font.Face
		text  string
		color imgcolor.Color
		gap   int
	}
	grey := imgcolor.RGBA{0x55, 0x55, 0x55, 0xff}
	var lines []line
	add := func(f font.Face, text string, col imgcolor.Color, gap int) {
		for i, l := range wrap(f, text, cardWidth-2*cardMargin) {
			g := 0
			if i == 0 {
				g = gap
			}
			lines = append(lines, line{f, l, col, g})
		}
	}
	add(small, c.City, grey, 0)
	add(bold, c.Title, imgcolor.Black, 24)
	add(regular, "№ "+c.Number+" від "+c.Issued, imgcolor.Black, 24)
	if c.Status != "" {
		add(regular, c.Status, imgcolor.RGBA{0x00, 0x70, 0x3c, 0xff}, 12)
	}
	if c.Applicant != "" {
		add(small, "Кому: "+c.Applicant, grey, 24)
	}
	if c.Provider != "" {
		add(small, "Видав: "+c.Provider, grey, 8)
	}
	height := cardMargin
	for _, l := range lines {
		height += l.gap + lineHeight(l.face)
	}
	height += 32 + qrSide
	footer := wrap(small, "Наведіть камеру на код, щоб перевірити документ", cardWidth-2*cardMargin)
	height += 16 + len(footer)*lineHeight(small) + cardMargin

	img := image.NewRGBA(image.Rect(0, 0, cardWidth, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	y := cardMargin
	for _, l := range lines {
		y += l.gap
		drawText(img, l.face, l.text, cardMargin, y, l.color)
		y += lineHeight(l.face)
	}
	y += 32
	x0 := (cardWidth - qrSide) / 2
	for r, row := range bits {
		for col, dark := range row {
			if dark {
				draw.Draw(img, image.Rect(x0+(col+4)*module, y+(r+4)*module, x0+(col+5)*module, y+(r+5)*module), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	y += qrSide + 16
	for _, l := range footer {
		drawText(img, small, l, cardMargin, y, grey)
		y += lineHeight(small)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("documents: card: %w", err)
	}
	return buf.Bytes(), nil
}

func cardFace(ttf []byte, size float64) (font.Face, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("documents: card font: %w", err)
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

func lineHeight(f font.Face) int { return f.Metrics().Height.Ceil() + 4 }

// drawText draws s with its top at y.
func drawText(img draw.Image, f font.Face, s string, x, y int, col imgcolor.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: f,
		Dot: fixed.P(x, y+f.Metrics().Ascent.Ceil())}
	d.DrawString(s)
}

// wrap breaks s into lines no wider than width pixels, at spaces.
func wrap(f font.Face, s string, width int) []string {
	var out []string
	cur := ""
	for _, w := range strings.Fields(clean(s)) {
		next := strings.TrimSpace(cur + " " + w)
		if cur != "" && font.MeasureString(f, next).Ceil() > width {
			out = append(out, cur)
			cur = w
			continue
		}
		cur = next
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
