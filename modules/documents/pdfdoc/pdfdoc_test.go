package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/documents/doctest"
)

// testFonts are the fonts results embed (modules/documents/fonts).
func testFonts(t *testing.T) (regular, bold *Font) {
	t.Helper()
	read := func(name, file string) *Font {
		b, err := os.ReadFile(filepath.Join("..", "fonts", file))
		require.NoError(t, err)
		f, err := ParseTTF(name, b)
		require.NoError(t, err)
		return f
	}
	return read("DejaVuSans", "DejaVuSans.ttf"), read("DejaVuSans-Bold", "DejaVuSans-Bold.ttf")
}

// tool is the path of poppler's or qpdf's command name; a missing one
// fails the test (.ci/deps.sh installs them).
func tool(t *testing.T, name string) string {
	t.Helper()
	pkg := "poppler-utils"
	if name == "qpdf" {
		pkg = "qpdf"
	}
	return doctest.RequireTool(t, name, pkg)
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

// sampleDoc is a two-page document with both fonts, a footer with the page
// count, a table, paths and filled rectangles.
func sampleDoc(t *testing.T, text string) []byte {
	t.Helper()
	regular, bold := testFonts(t)
	d := New()
	d.SetMargins(20, 15, 15)
	d.SetAutoPageBreak(true, 20)
	d.AddFont("DejaVu", "", regular)
	d.AddFont("DejaVu", "B", bold)
	kyiv := time.FixedZone("EET", 2*3600)
	d.SetInfo(Info{Title: "Рішення (тест)", Author: "Hromada", Producer: "pdfdoc \\ test", Created: time.Date(2026, 3, 5, 14, 22, 0, 0, kyiv), Modified: time.Date(2026, 3, 5, 14, 22, 0, 0, kyiv)})
	d.SetLang("uk-UA")
	d.SetXMP([]byte(`<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="r"?>`))
	d.AliasNbPages("{nb}")
	d.SetFooterFunc(func() {
		d.SetY(-14)
		d.SetFont("DejaVu", "", 7.5)
		d.SetTextColor(90, 90, 90)
		d.CellFormat(0, 4, "Сторінка "+strconv.Itoa(d.PageNo())+" з {nb}", 1, "R")
		d.SetTextColor(0, 0, 0)
	})
	d.AddPage()
	d.SetFont("DejaVu", "B", 14)
	d.MultiCell(0, 7, "Заголовок", "C")
	d.SetFont("DejaVu", "", 10)
	d.MultiCell(0, 5, text, "L")
	d.SetDrawColor(120, 120, 120)
	d.SetLineWidth(0.2)
	d.Rect(20, d.GetY(), 50, 10, "D")
	d.SetFillColor(0, 0, 0)
	d.Rect(80, d.GetY(), 5, 5, "F")
	d.MoveTo(100, 100)
	d.LineTo(110, 100)
	d.CurveBezierCubicTo(115, 100, 115, 110, 110, 110)
	d.ClosePath()
	d.SetFillColor(200, 30, 30)
	d.DrawPath("FD*")
	d.Line(20, 120, 190, 120)
	d.AddPage()
	d.CellFormat(0, 5, "Друга сторінка", 1, "L")
	b, err := d.Output()
	require.NoError(t, err)
	return b
}

// zlibStream is the decompressed data of stream object n.
func zlibStream(t *testing.T, b []byte, n int) []byte {
	t.Helper()
	at := bytes.Index(b, []byte("\n"+strconv.Itoa(n)+" 0 obj\n"))
	require.Positive(t, at)
	start := bytes.Index(b[at:], []byte("stream\n")) + at + len("stream\n")
	end := bytes.Index(b[start:], []byte("\nendstream")) + start
	r, err := zlib.NewReader(bytes.NewReader(b[start:end]))
	require.NoError(t, err)
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	return out
}

func TestDocument(t *testing.T) {
	t.Parallel()
	b := sampleDoc(t, "Текст українською: Ґанна, їжак, «лапки» — і № 5.")
	f := writeTemp(t, b)

	t.Run("QpdfCheck", func(t *testing.T) {
		out, err := exec.Command(tool(t, "qpdf"), "--check", f).CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "No syntax or stream encoding errors found")
	})

	t.Run("FontsEmbeddedAsSubsets", func(t *testing.T) {
		out, err := exec.Command(tool(t, "pdffonts"), f).CombinedOutput()
		require.NoError(t, err, string(out))
		lines := regexp.MustCompile(`(?m)^[A-Z]{6}\+DejaVuSans(-Bold)?\s+CID TrueType\s+Identity-H\s+yes yes yes`).FindAllString(string(out), -1)
		require.Len(t, lines, 2, "both fonts embedded, subset, with a ToUnicode map:\n%s", out)
	})

	t.Run("Text", func(t *testing.T) {
		out, err := exec.Command(tool(t, "pdftotext"), "-enc", "UTF-8", f, "-").CombinedOutput()
		require.NoError(t, err, string(out))
		for _, want := range []string{"Заголовок", "Текст українською: Ґанна, їжак, «лапки» — і № 5.", "Сторінка 1 з 2", "Сторінка 2 з 2", "Друга сторінка"} {
			require.Contains(t, string(out), want)
		}
	})

	t.Run("Info", func(t *testing.T) {
		cmd := exec.Command(tool(t, "pdfinfo"), "-isodates", f)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "Рішення (тест)")
		require.Contains(t, string(out), `pdfdoc \ test`)
		require.Contains(t, string(out), "2026-03-05T14:22:00+02")
		require.Contains(t, string(out), "Pages:           2")
		require.Contains(t, string(out), "Metadata Stream: yes")
		require.Contains(t, string(b), "/Lang (uk-UA)")
		require.Regexp(t, `/ID \[<[0-9A-F]{32}> <[0-9A-F]{32}>\]`, string(b))
	})

	t.Run("Deterministic", func(t *testing.T) {
		require.Equal(t, b, sampleDoc(t, "Текст українською: Ґанна, їжак, «лапки» — і № 5."), "same calls, same bytes")
		require.NotEqual(t, b, sampleDoc(t, "Текст українською: Ганна"))
	})
}

// TestEverySubsetCharacter draws every character the embedded fonts were
// cut to (fonts/SUBSET.md) and reads them back with pdftotext: the
// ToUnicode maps cover them all.
func TestEverySubsetCharacter(t *testing.T) {
	t.Parallel()
	ranges := [][2]rune{{0x21, 0x7E}, {0xA1, 0x17F}, {0x400, 0x45F}, {0x490, 0x491}, {0x2BC, 0x2BC},
		{0x2010, 0x2027}, {0x2030, 0x203A}, {0x2116, 0x2116}, {0x20AC, 0x20AC}, {0x20B4, 0x20B4},
		{0x2122, 0x2122}, {0x2190, 0x2193}, {0x2212, 0x2212}}
	regular, bold := testFonts(t)
	var want []rune
	for _, r := range ranges {
		for c := r[0]; c <= r[1]; c++ {
			// Not drawn as text of their own: the soft hyphen (pdftotext
			// drops it), and the line and paragraph separators and the
			// zero-width and direction marks of 2010–2027 have no glyph.
			if c == 0xAD || (c >= 0x2028 && c <= 0x202E) || (c >= 0x200B && c <= 0x200F) {
				continue
			}
			want = append(want, c)
		}
	}
	for _, f := range []*Font{regular, bold} {
		for _, c := range want {
			require.NotZero(t, f.glyph(c), "%s has a glyph for %U", f.name, c)
		}
	}
	for style, f := range map[string]*Font{"": regular, "B": bold} {
		d := New()
		d.AddFont("DejaVu", style, f)
		d.AddPage()
		d.SetFont("DejaVu", style, 10)
		// One character a line, so that no reader's word or ligature
		// heuristics change what is compared, between bars (pdftotext
		// takes a hyphen that ends a line for a word's division).
		for _, c := range want {
			d.CellFormat(0, 4, "|"+string(c)+"|", 1, "L")
		}
		b, err := d.Output()
		require.NoError(t, err)
		out, err := exec.Command(tool(t, "pdftotext"), "-enc", "UTF-8", writeTemp(t, b), "-").CombinedOutput()
		require.NoError(t, err, string(out))
		var got []rune
		for _, line := range strings.Split(string(out), "\n") {
			if line = strings.TrimSpace(strings.Trim(line, "\f")); line != "" {
				require.True(t, strings.HasPrefix(line, "|") && strings.HasSuffix(line, "|") && len(line) > 2, "%q", line)
				got = append(got, []rune(line[1:len(line)-1])...)
			}
		}
		require.Equal(t, string(want), string(got), "font %q", style)
	}
}

// TestMissingGlyph: a character the font lacks is drawn as .notdef
// (glyph 0), measured with .notdef's width, and the document is whole.
func TestMissingGlyph(t *testing.T) {
	t.Parallel()
	regular, _ := testFonts(t)
	require.Zero(t, regular.glyph('中'))
	require.Zero(t, regular.glyph(0x1F3DB), "outside the BMP")
	d := New()
	d.AddFont("DejaVu", "", regular)
	d.AddPage()
	d.SetFont("DejaVu", "", 10)
	require.InDelta(t, float64(regular.runeWidth('a')+regular.width[0])*d.size/1000, d.GetStringWidth("a中"), 1e-9)
	d.MultiCell(0, 5, "a中b\U0001F3DB", "L")
	b, err := d.Output()
	require.NoError(t, err)
	a, bb := regular.glyph('a'), regular.glyph('b')
	content := zlibStream(t, b, 4) // the first page's content
	require.Contains(t, string(content), "<"+hex4(a)+"0000"+hex4(bb)+"0000> Tj")
	out, err := exec.Command(tool(t, "qpdf"), "--check", writeTemp(t, b)).CombinedOutput()
	require.NoError(t, err, string(out))
}

// TestWrap breaks as fpdf did, against the font's known widths (DejaVu
// Sans: "a" 613, space 318 thousandths of the em).
func TestWrap(t *testing.T) {
	t.Parallel()
	regular, _ := testFonts(t)
	require.Equal(t, 613, regular.runeWidth('a'))
	require.Equal(t, 318, regular.runeWidth(' '))
	d := New()
	d.AddFont("DejaVu", "", regular)
	d.SetFont("DejaVu", "", 10)
	// A line of 4,000 thousandths of the font size, inside the margins:
	// "aaa aaa" is 3,996 and fits; a word of ten a's (6,130) breaks after
	// six (3,678).
	w := 2*cMargin + 4.0*d.size
	for text, want := range map[string][]string{
		"aaa aaa aaa":    {"aaa aaa", "aaa"},
		"aaaaaaaaaa":     {"aaaaaa", "aaaa"},
		"aaa aaaaaaaaaa": {"aaa", "aaaaaa", "aaaa"},
		"a\nb\n\n":       {"a", "b"},
		"a\n\nb":         {"a", "", "b"},
		"":               nil,
	} {
		require.Equal(t, want, d.SplitText(text, w), "%q", text)
	}
	// MultiCell draws the same lines, one cell each, and ends below them.
	d.AddPage()
	y := d.GetY()
	d.MultiCell(w, 5, "aaa aaa aaa", "L")
	require.InDelta(t, y+10, d.GetY(), 1e-9)
	d.MultiCell(w, 5, "", "L")
	require.InDelta(t, y+15, d.GetY(), 1e-9, "an empty text is one empty line, as in fpdf")
}

// TestSubset keeps the outlines of the glyphs used and of the
// components of composite ones, at their ids, and empties the others.
func TestSubset(t *testing.T) {
	t.Parallel()
	regular, _ := testFonts(t)
	// й is composite in DejaVu Sans (и and a breve): find its parts.
	short := regular.glyph('й')
	keep := map[uint16]bool{}
	regular.components(short, keep)
	require.NotEmpty(t, keep, "й is built of components")
	a := regular.glyph('a')
	sub := regular.subset([]uint16{a, short})

	tables := map[string][]byte{}
	n := int(binary.BigEndian.Uint16(sub[4:]))
	for i := range n {
		rec := sub[12+16*i:]
		off, l := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		tables[string(rec[:4])] = sub[off : off+l]
		if string(rec[:4]) != "head" {
			require.Equal(t, checksum(sub[off:off+l]), binary.BigEndian.Uint32(rec[4:]), "checksum of %s", rec[:4])
		}
	}
	require.Equal(t, uint32(0xB1B0AFBA), checksum(sub), "head's checkSumAdjustment makes the file sum to the magic number")
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cvt ", "fpgm", "prep"} {
		require.Contains(t, tables, tag)
	}
	require.NotContains(t, tables, "cmap")
	require.Less(t, len(sub), len(regular.tables["glyf"])/4, "a few glyphs of hundreds")
	loca := func(g int) (uint32, uint32) {
		if regular.longLoca {
			return binary.BigEndian.Uint32(tables["loca"][4*g:]), binary.BigEndian.Uint32(tables["loca"][4*g+4:])
		}
		return 2 * uint32(binary.BigEndian.Uint16(tables["loca"][2*g:])), 2 * uint32(binary.BigEndian.Uint16(tables["loca"][2*g+2:]))
	}
	for g := range regular.numGlyphs {
		s, e := loca(g)
		orig := regular.tables["glyf"][regular.loca[g]:regular.loca[g+1]]
		if g == 0 || uint16(g) == a || uint16(g) == short || keep[uint16(g)] {
			require.GreaterOrEqual(t, int(e-s), len(orig))
			require.Equal(t, orig, tables["glyf"][s:s+uint32(len(orig))], "glyph %d kept", g)
		} else {
			require.Equal(t, s, e, "glyph %d emptied", g)
		}
	}
}

func hex4(g uint16) string {
	const h = "0123456789ABCDEF"
	return string([]byte{h[g>>12], h[g>>8&15], h[g>>4&15], h[g&15]})
}

// TestGrid: a grid's rectangles are written in cells under one transform
// that puts them where Rect puts the same rectangles in millimetres, and
// filled by one operator; an empty grid paints nothing.
func TestGrid(t *testing.T) {
	t.Parallel()
	const x, y, unit = 150.5, 120.25, 0.4137
	d := New()
	d.AddPage()
	start := len(d.page().buf)
	d.BeginGrid(x, y, unit)
	d.GridRect(0, 0, 7, 1)
	d.GridRect(3, 2, 2, 1)
	d.FillGrid()
	d.BeginGrid(x, y, unit)
	d.FillGrid()
	got := string(d.page().buf[start:])
	cm := "q 1.1727 0 0 -1.1727 426.61 501.02 cm\n"
	require.Equal(t, cm+"0 0 7 1 re\n3 2 2 1 re\nf\nQ\n"+cm+"Q\n", got)

	// Cell (3, 2)'s corner and the far one of its 2×1 rectangle, through
	// the transform, against Rect's operands for the same rectangle.
	var a, e, f float64
	_, err := fmt.Sscanf(cm, "q %g 0 0 %g %g %g cm", &a, new(float64), &e, &f)
	require.NoError(t, err)
	r := New()
	r.AddPage()
	r.Rect(x+3*unit, y+2*unit, 2*unit, unit, "F")
	var rx, ry, rw, rh float64
	_, err = fmt.Sscanf(string(r.page().buf[len("0.57 w\n"):]), "%g %g %g %g re f", &rx, &ry, &rw, &rh)
	require.NoError(t, err)
	require.InDelta(t, rx, e+3*a, 0.01)
	require.InDelta(t, ry, f-2*a, 0.01)
	require.InDelta(t, rx+rw, e+5*a, 0.01)
	require.InDelta(t, ry+rh, f-3*a, 0.01)
}

// appendCell writes a cell count as strconv does.
func TestAppendCell(t *testing.T) {
	t.Parallel()
	for _, v := range []int{-1000, -7, 0, 1, 9, 10, 99, 100, 101, 176, 999, 1000, 12345} {
		require.Equal(t, strconv.Itoa(v), string(appendCell(nil, v)), "%d", v)
	}
}
