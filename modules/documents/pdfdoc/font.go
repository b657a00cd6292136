package pdfdoc

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Font is a TrueType font read once: what layout needs (the characters'
// glyphs and advance widths) and what embedding needs (the descriptor's
// metrics and the tables a subset copies). A Font is read-only after
// ParseTTF, so one value serves every document of the process.
type Font struct {
	name       string // PostScript name, for BaseFont
	unitsPerEm int
	numGlyphs  int
	longLoca   bool

	// gid is the glyph of each BMP character (0, .notdef, when the font
	// has none); width is each glyph's advance in thousandths of the em,
	// rounded as PDF's /W array carries it.
	gid   []uint16
	width []int

	tables map[string][]byte
	loca   []uint32 // numGlyphs+1 offsets into glyf

	ascent, descent, capHeight, stemV, flags int
	italicAngle                              float64
	bbox                                     [4]int
}

var errFont = errors.New("pdfdoc: not a usable TrueType font")

// ParseTTF reads a TrueType font (glyf outlines, a Unicode cmap of format
// 4). name is the PostScript name written in the PDF (e.g. DejaVuSans).
func ParseTTF(name string, b []byte) (*Font, error) {
	f := &Font{name: name, tables: map[string][]byte{}}
	if len(b) < 12 {
		return nil, errFont
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errFont
	}
	for i := range n {
		rec := b[12+16*i:]
		tag := string(rec[:4])
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: table %s outside the file", errFont, tag)
		}
		f.tables[tag] = b[off : off+length]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("%w: no %s table", errFont, t)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("%w: short head, hhea or maxp", errFont)
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	if f.unitsPerEm == 0 {
		return nil, fmt.Errorf("%w: unitsPerEm 0", errFont)
	}
	scale := func(v int16) int { return int(math.Round(float64(v) * 1000 / float64(f.unitsPerEm))) }
	i16 := func(t []byte, at int) int16 { return int16(binary.BigEndian.Uint16(t[at:])) }
	f.bbox = [4]int{scale(i16(head, 36)), scale(i16(head, 38)), scale(i16(head, 40)), scale(i16(head, 42))}
	f.longLoca = i16(head, 50) == 1
	f.ascent, f.descent = scale(i16(hhea, 4)), scale(i16(hhea, 6))
	f.capHeight = f.ascent
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	weight := 500
	if os2 := f.tables["OS/2"]; len(os2) >= 90 {
		weight = int(binary.BigEndian.Uint16(os2[4:]))
		if binary.BigEndian.Uint16(os2) >= 2 {
			f.capHeight = scale(i16(os2, 88))
		}
	}
	// As fpdf wrote them: the descriptor's stem width guessed from the
	// weight, and the flags symbolic (the font's own encoding), italic,
	// force-bold, fixed-pitch.
	f.stemV = 50 + int(math.Pow(float64(weight)/65, 2))
	f.flags = 4
	if weight >= 600 {
		f.flags |= 1 << 18
	}
	if post := f.tables["post"]; len(post) >= 16 {
		f.italicAngle = float64(i16(post, 4)) + float64(binary.BigEndian.Uint16(post[6:]))/65536
		if f.italicAngle != 0 {
			f.flags |= 1 << 6
		}
		if binary.BigEndian.Uint32(post[12:]) != 0 {
			f.flags |= 1
		}
	}

	// Advance widths: numberOfHMetrics pairs, the last advance repeated.
	hmtx := f.tables["hmtx"]
	nh := int(binary.BigEndian.Uint16(hhea[34:]))
	if nh == 0 || len(hmtx) < 4*nh || f.numGlyphs < nh {
		return nil, fmt.Errorf("%w: hmtx", errFont)
	}
	f.width = make([]int, f.numGlyphs)
	for g := range f.numGlyphs {
		adv := binary.BigEndian.Uint16(hmtx[4*min(g, nh-1):])
		f.width[g] = int(math.Round(float64(adv) * 1000 / float64(f.unitsPerEm)))
	}

	loca := f.tables["loca"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for g := range f.loca {
		switch {
		case f.longLoca && len(loca) >= 4*(g+1):
			f.loca[g] = binary.BigEndian.Uint32(loca[4*g:])
		case !f.longLoca && len(loca) >= 2*(g+1):
			f.loca[g] = 2 * uint32(binary.BigEndian.Uint16(loca[2*g:]))
		default:
			return nil, fmt.Errorf("%w: loca", errFont)
		}
		if f.loca[g] > uint32(len(f.tables["glyf"])) || (g > 0 && f.loca[g] < f.loca[g-1]) {
			return nil, fmt.Errorf("%w: loca entry %d", errFont, g)
		}
	}
	if err := f.readCmap(); err != nil {
		return nil, err
	}
	return f, nil
}

// readCmap fills gid from the cmap's Unicode BMP subtable (format 4).
func (f *Font) readCmap() error {
	cmap := f.tables["cmap"]
	if len(cmap) < 4 {
		return fmt.Errorf("%w: cmap", errFont)
	}
	var sub []byte
	for i := range int(binary.BigEndian.Uint16(cmap[2:])) {
		rec := 4 + 8*i
		if rec+8 > len(cmap) {
			break
		}
		platform, encoding := binary.BigEndian.Uint16(cmap[rec:]), binary.BigEndian.Uint16(cmap[rec+2:])
		off := binary.BigEndian.Uint32(cmap[rec+4:])
		if (platform == 3 && encoding == 1) || platform == 0 {
			if int(off)+14 <= len(cmap) && binary.BigEndian.Uint16(cmap[off:]) == 4 {
				sub = cmap[off:]
				break
			}
		}
	}
	if sub == nil {
		return fmt.Errorf("%w: no Unicode cmap of format 4", errFont)
	}
	segs := int(binary.BigEndian.Uint16(sub[6:])) / 2
	ends, starts := 14, 16+2*segs
	deltas, ranges := starts+2*segs, starts+4*segs
	if len(sub) < ranges+2*segs {
		return fmt.Errorf("%w: cmap format 4 cut short", errFont)
	}
	u16 := func(at int) int { return int(binary.BigEndian.Uint16(sub[at:])) }
	f.gid = make([]uint16, 0x10000)
	for s := range segs {
		end, start, delta, ro := u16(ends+2*s), u16(starts+2*s), u16(deltas+2*s), u16(ranges+2*s)
		for c := start; c <= end && c < 0xFFFF; c++ {
			g := 0
			if ro == 0 {
				g = (c + delta) & 0xFFFF
			} else {
				at := ranges + 2*s + ro + 2*(c-start)
				if at+2 > len(sub) {
					continue
				}
				if g = u16(at); g != 0 {
					g = (g + delta) & 0xFFFF
				}
			}
			if g < f.numGlyphs {
				f.gid[c] = uint16(g)
			}
		}
	}
	return nil
}

// glyph is r's glyph, 0 (.notdef) when the font has none.
func (f *Font) glyph(r rune) uint16 {
	if r < 0 || int(r) >= len(f.gid) {
		return 0
	}
	return f.gid[r]
}

// runeWidth is r's advance in thousandths of the em; a character the
// font lacks is drawn as .notdef, and measured so.
func (f *Font) runeWidth(r rune) int { return f.width[f.glyph(r)] }

// Composite glyph flags (the glyf table's component records).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// components adds to keep the glyphs composite glyph g is built from,
// recursively.
func (f *Font) components(g uint16, keep map[uint16]bool) {
	glyf := f.tables["glyf"]
	data := glyf[f.loca[g]:f.loca[g+1]]
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return // empty or simple
	}
	for at := 10; at+4 <= len(data); {
		flags := binary.BigEndian.Uint16(data[at:])
		c := binary.BigEndian.Uint16(data[at+2:])
		if int(c) < f.numGlyphs && !keep[c] {
			keep[c] = true
			f.components(c, keep)
		}
		at += 4
		if flags&argsAreWords != 0 {
			at += 4
		} else {
			at += 2
		}
		switch {
		case flags&haveScale != 0:
			at += 2
		case flags&haveXYScale != 0:
			at += 4
		case flags&haveTwoByTwo != 0:
			at += 8
		}
		if flags&moreComponents == 0 {
			return
		}
	}
}

// subsetTables are the tables a subset keeps besides glyf and loca: what
// a TrueType rasteriser needs to draw the glyphs by their ids (no cmap:
// the PDF maps its codes to glyph ids itself, CIDToGIDMap /Identity).
var subsetTables = []string{"head", "hhea", "maxp", "hmtx", "cvt ", "fpgm", "prep"}

// subset is the font file with only the used glyphs' outlines (and their
// components'; .notdef always): every glyph keeps its id, the others are
// empty, so the PDF's codes stay the font's glyph ids.
func (f *Font) subset(used []uint16) []byte {
	keep := make(map[uint16]bool, 2*len(used)+1)
	keep[0] = true
	for _, g := range used {
		keep[g] = true
	}
	for _, g := range used {
		f.components(g, keep)
	}
	glyfSrc := f.tables["glyf"]
	size := 0
	for g := range keep {
		size += int(f.loca[g+1]-f.loca[g]) + 3
	}
	glyf := make([]byte, 0, size)
	locaFmt := 4
	if !f.longLoca {
		locaFmt = 2
	}
	loca := make([]byte, 0, locaFmt*(f.numGlyphs+1))
	putLoca := func(off int) {
		if f.longLoca {
			loca = binary.BigEndian.AppendUint32(loca, uint32(off))
		} else {
			loca = binary.BigEndian.AppendUint16(loca, uint16(off/2))
		}
	}
	for g := range f.numGlyphs {
		putLoca(len(glyf))
		if keep[uint16(g)] {
			glyf = append(glyf, glyfSrc[f.loca[g]:f.loca[g+1]]...)
			for len(glyf)%4 != 0 {
				glyf = append(glyf, 0)
			}
		}
	}
	putLoca(len(glyf))

	tables := map[string][]byte{"glyf": glyf, "loca": loca}
	for _, t := range subsetTables {
		if b := f.tables[t]; b != nil {
			tables[t] = b
		}
	}
	// head's checkSumAdjustment is set once the file is whole.
	head := slices.Clone(tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)
	tables["head"] = head
	return sfnt(tables)
}

// sfnt writes a TrueType file of tables: the directory sorted by tag,
// each table 4-byte aligned, the checksums and head's adjustment as the
// specification asks.
func sfnt(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 0
	for t, b := range tables {
		tags = append(tags, t)
		size += (len(b) + 3) &^ 3
	}
	slices.Sort(tags)
	n := len(tags)
	entrySel := 0
	for 1<<(entrySel+1) <= n {
		entrySel++
	}
	searchRange := 16 << entrySel
	out := make([]byte, 12+16*n, 12+16*n+size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySel))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-searchRange))
	headAt := -1
	for i, t := range tags {
		b := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], checksum(b))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(b)))
		if t == "head" {
			headAt = len(out)
		}
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	if headAt >= 0 {
		binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	}
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// subsetTag is the six capital letters PDF puts before a subset font's
// name (ISO 32000-1 §9.6.4), derived from the glyphs kept so that the same
// subset has the same name and the same document the same bytes.
func subsetTag(used []uint16) string {
	h := sha256.New()
	for _, g := range used {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}
