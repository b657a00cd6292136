package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// zlibs are the Flate writers of every stream of every document: a
// zlib.Writer holds about 1 MB of tables, too much to make per stream.
var zlibs = sync.Pool{New: func() any { return zlib.NewWriter(io.Discard) }}

// deflate is b Flate-compressed (zlib format, as /FlateDecode reads it).
func deflate(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/2 + 64)
	z := zlibs.Get().(*zlib.Writer)
	z.Reset(&out)
	_, _ = z.Write(b) // writes to a bytes.Buffer do not fail
	_ = z.Close()
	zlibs.Put(z)
	return out.Bytes()
}

// writer numbers and places the objects of the file.
type writer struct {
	buf     bytes.Buffer
	offsets []int // of object i+1
}

func (w *writer) obj(n int, dict string) {
	w.begin(n)
	w.buf.WriteString(dict)
	w.buf.WriteString("\nendobj\n")
}

func (w *writer) begin(n int) {
	for len(w.offsets) < n {
		w.offsets = append(w.offsets, 0)
	}
	w.offsets[n-1] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n", n)
}

// stream writes a stream object: dict's entries (without << >>) and the
// data, compressed unless raw.
func (w *writer) stream(n int, dict string, data []byte, compress bool) {
	w.begin(n)
	if compress {
		data = deflate(data)
		dict += " /Filter /FlateDecode"
	}
	fmt.Fprintf(&w.buf, "<< %s /Length %d >>\nstream\n", strings.TrimSpace(dict), len(data))
	w.buf.Write(data)
	w.buf.WriteString("\nendstream\nendobj\n")
}

// Output ends the document — the last page's footer, the page count in
// the footers — and returns the PDF: one classic cross-reference table,
// the fonts embedded as subsets, the XMP packet linked from the catalog,
// an /ID derived from the content.
func (d *Doc) Output() ([]byte, error) {
	if len(d.pages) == 0 {
		d.AddPage()
	}
	if d.footer != nil {
		d.inFooter = true
		d.footer()
		d.inFooter = false
	}
	total := strconv.Itoa(len(d.pages))
	contents := make([][]byte, len(d.pages))
	for i, p := range d.pages {
		if len(p.pending) == 0 {
			contents[i] = p.buf
			continue
		}
		var c []byte
		at := 0
		for _, t := range p.pending {
			c = append(c, p.buf[at:t.at]...)
			c = d.appendText(c, t.font, t.sizePt, t.size, t.x, t.y, t.w, t.h, t.align,
				strings.ReplaceAll(t.text, d.nbAlias, total), t.color, t.fill)
			at = t.at
		}
		contents[i] = append(c, p.buf[at:]...)
	}

	var fonts []*docFont
	for _, f := range d.fontList {
		if len(f.used) > 0 {
			fonts = append(fonts, f)
		}
	}
	// Object numbers: the page tree, the resources, each page and its
	// content, five objects a font, the metadata, the information, the
	// catalog.
	const pagesObj, resObj = 1, 2
	pageObj := func(i int) int { return 3 + 2*i }
	fontObj := 3 + 2*len(d.pages)
	xmpObj := fontObj + 5*len(fonts)
	infoObj, catalogObj := xmpObj+1, xmpObj+2

	w := &writer{}
	w.buf.Grow(64 << 10)
	w.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	var kids strings.Builder
	for i := range d.pages {
		if i > 0 {
			kids.WriteByte(' ')
		}
		fmt.Fprintf(&kids, "%d 0 R", pageObj(i))
	}
	w.obj(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 %s %s] >>",
		kids.String(), len(d.pages), num(pageWPt), num(pageHPt)))
	var res strings.Builder
	res.WriteString("<< /ProcSet [/PDF /Text] /Font <<")
	for i, f := range fonts {
		fmt.Fprintf(&res, " /%s %d 0 R", f.name, fontObj+5*i)
	}
	res.WriteString(" >> >>")
	w.obj(resObj, res.String())
	for i := range d.pages {
		w.obj(pageObj(i), fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Resources %d 0 R /Contents %d 0 R >>",
			pagesObj, resObj, pageObj(i)+1))
		w.stream(pageObj(i)+1, "", contents[i], true)
	}
	for i, f := range fonts {
		w.font(fontObj+5*i, f)
	}
	w.stream(xmpObj, "/Type /Metadata /Subtype /XML", d.xmp, false)
	var info strings.Builder
	info.WriteString("<<")
	for _, e := range []struct{ key, val string }{
		{"Title", d.info.Title}, {"Subject", d.info.Subject}, {"Author", d.info.Author},
		{"Keywords", d.info.Keywords}, {"Creator", d.info.Creator}, {"Producer", d.info.Producer},
	} {
		if e.val != "" {
			info.WriteString(" /" + e.key + " " + textString(e.val))
		}
	}
	if !d.info.Created.IsZero() {
		info.WriteString(" /CreationDate " + textString(Date(d.info.Created)))
	}
	if !d.info.Modified.IsZero() {
		info.WriteString(" /ModDate " + textString(Date(d.info.Modified)))
	}
	info.WriteString(" >>")
	w.obj(infoObj, info.String())
	catalog := fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R", pagesObj)
	if d.lang != "" {
		catalog += " /Lang " + textString(d.lang)
	}
	if d.xmp != nil {
		catalog += fmt.Sprintf(" /Metadata %d 0 R", xmpObj)
	}
	w.obj(catalogObj, catalog+" >>")

	// The file's identifier is a digest of everything before it: two
	// documents differ in it when they differ at all, and the same
	// document has the same one.
	sum := sha256.Sum256(w.buf.Bytes())
	id := strings.ToUpper(hex.EncodeToString(sum[:16]))
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(w.offsets)+1, catalogObj, infoObj, id, id, xref)
	return w.buf.Bytes(), nil
}

// font writes f as a Type 0 font (objects n to n+4): Identity-H codes
// that are the glyph ids of the subset TrueType font, the widths of the
// glyphs used, and a ToUnicode map so the text can be searched and copied.
func (w *writer) font(n int, f *docFont) {
	gids := make([]uint16, 0, len(f.used))
	for g := range f.used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	name := subsetTag(gids) + "+" + f.f.name
	ff := f.f

	w.obj(n, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		name, n+1, n+4))
	var widths strings.Builder
	for i := 0; i < len(gids); {
		j := i + 1
		for j < len(gids) && gids[j] == gids[j-1]+1 {
			j++
		}
		fmt.Fprintf(&widths, "%d [", gids[i])
		for x, g := range gids[i:j] {
			if x > 0 {
				widths.WriteByte(' ')
			}
			widths.WriteString(strconv.Itoa(ff.width[g]))
		}
		widths.WriteString("] ")
		i = j
	}
	w.obj(n+1, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW %d /W [%s] /CIDToGIDMap /Identity >>",
		name, n+2, ff.width[0], strings.TrimSpace(widths.String())))
	w.obj(n+2, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %s /Ascent %d /Descent %d /CapHeight %d /StemV %d /MissingWidth %d /FontFile2 %d 0 R >>",
		name, ff.flags, ff.bbox[0], ff.bbox[1], ff.bbox[2], ff.bbox[3], num(ff.italicAngle), ff.ascent, ff.descent, ff.capHeight, ff.stemV, ff.width[0], n+3))
	sub := ff.subset(gids)
	w.stream(n+3, "/Length1 "+strconv.Itoa(len(sub)), sub, true)
	w.stream(n+4, "", toUnicode(gids, f.used), true)
}

// toUnicode is the CMap from the glyph ids used to the characters they
// were drawn for (.notdef, drawn for a character the font lacks, maps to
// nothing).
func toUnicode(gids []uint16, used map[uint16]rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	var pairs []uint16
	for _, g := range gids {
		if g != 0 {
			pairs = append(pairs, g)
		}
	}
	for len(pairs) > 0 {
		chunk := pairs[:min(100, len(pairs))] // at most 100 a section
		pairs = pairs[len(chunk):]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{used[g]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// literalEscaper escapes a PDF literal string's delimiters; made once,
// not for every string a document writes.
var literalEscaper = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)

// textString is s as a PDF text string: literal when printable ASCII,
// else UTF-16BE with a byte order mark.
func textString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7E {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + literalEscaper.Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// Date is t as a PDF date (ISO 32000-1 §7.9.4) in t's zone, with its
// offset: D:20260305142200+02'00'.
func Date(t time.Time) string {
	_, secs := t.Zone()
	off := "Z"
	if secs != 0 {
		sign := "+"
		if secs < 0 {
			sign, secs = "-", -secs
		}
		off = fmt.Sprintf("%s%02d'%02d'", sign, secs/3600, secs/60%60)
	}
	return "D:" + t.Format("20060102150405") + off
}
