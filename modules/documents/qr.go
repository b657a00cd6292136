package documents

import (
	"fmt"

	"hromada/modules/documents/pdfdoc"
)

// A QR code is built here, at level M in byte mode, by the fixed
// procedure of ISO/IEC 18004: the data and its Reed–Solomon codewords,
// the function patterns, the zigzag placement, then each of the eight
// masks scored once (§7.8.3), keeping the lowest score and the lower mask
// number on a tie. The tie rule is one reason it is ours: yeqown/go-qrcode
// scores the masks in eight goroutines and keeps the first lowest score
// that arrives, so the same text could give two different (equally valid)
// codes, and a retried job must render the same bytes. The other is the
// work: the library's matrix used to be re-masked and re-scored here
// (canonicalMask, now the tests' reference), and a result's code — its
// address and a signed token, 400–600 bytes, version 13–17 — went through
// the library's scoring, boxed modules and goroutines: the largest part
// of rendering a result. The library's matrices, with the canonical mask,
// are what the tests compare with. Drawn as vector squares (sharp at any
// zoom, no image inside the PDF).

// qrLevelBits are the error correction level's two bits in the format
// information: M, 15 % of the code may be damaged, ample for a printed or
// on-screen code with nothing over it.
const qrLevelBits = 0b00

// qrMatrix encodes text and returns its modules, [row][column], true for
// dark, with a deterministic mask.
func qrMatrix(text string) ([][]bool, error) {
	bits, ok := qrEncode([]byte(text))
	if !ok {
		return nil, fmt.Errorf("documents: QR code: %d bytes do not fit in a code", len(text))
	}
	return bits, nil
}

// drawQR draws the modules as black squares in a size×size box at (x, y),
// on white, with the four-module quiet zone the standard asks for inside
// the box. The code is drawn in module units (pdfdoc's grid: one
// transform), a run of dark modules in a row as one rectangle of small
// integers — with the same run in the rows below it, as in the finder
// patterns — and all of them filled by one operator: a third of the page's
// operators were the code's rectangles in points, each filled on its own.
func drawQR(pdf *pdfdoc.Doc, bits [][]bool, x, y, size float64) {
	n := len(bits)
	m := size / float64(n+8)
	pdf.SetFillColor(255, 255, 255)
	pdf.Rect(x, y, size, size, "F")
	pdf.SetFillColor(0, 0, 0)
	pdf.BeginGrid(x+4*m, y+4*m, m)
	for r, row := range bits {
		for c := 0; c < n; {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < n && row[c] {
				c++
			}
			// A run of dark modules is one rectangle: fewer operators,
			// and no hairline seams between neighbours. A run the row
			// above repeats is in that row's rectangle already.
			if r > 0 && qrSameRun(bits[r-1], start, c) {
				continue
			}
			h := 1
			for r+h < n && qrSameRun(bits[r+h], start, c) {
				h++
			}
			pdf.GridRect(start, r, c-start, h)
		}
	}
	pdf.FillGrid()
	pdf.SetFillColor(255, 255, 255)
}

// qrSameRun says whether row's modules start to end-1 are a run of dark
// modules, light (or the edge) on either side.
func qrSameRun(row []bool, start, end int) bool {
	if start > 0 && row[start-1] || end < len(row) && row[end] {
		return false
	}
	for _, d := range row[start:end] {
		if !d {
			return false
		}
	}
	return true
}

// alignmentCentres are the row/column centres of the alignment patterns
// of versions 2–40 (ISO/IEC 18004 annex E).
var alignmentCentres = [41][]int{
	2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50}, 11: {6, 30, 54},
	12: {6, 32, 58}, 13: {6, 34, 62}, 14: {6, 26, 46, 66}, 15: {6, 26, 48, 70}, 16: {6, 26, 50, 74},
	17: {6, 30, 54, 78}, 18: {6, 30, 56, 82}, 19: {6, 30, 58, 86}, 20: {6, 34, 62, 90}, 21: {6, 28, 50, 72, 94},
	22: {6, 26, 50, 74, 98}, 23: {6, 30, 54, 78, 102}, 24: {6, 28, 54, 80, 106}, 25: {6, 32, 58, 84, 110}, 26: {6, 30, 58, 86, 114},
	27: {6, 34, 62, 90, 118}, 28: {6, 26, 50, 74, 98, 122}, 29: {6, 30, 54, 78, 102, 126}, 30: {6, 26, 52, 78, 104, 130}, 31: {6, 30, 56, 82, 108, 134},
	32: {6, 34, 60, 86, 112, 138}, 33: {6, 30, 58, 86, 114, 142}, 34: {6, 34, 62, 90, 118, 146}, 35: {6, 30, 54, 78, 102, 126, 150}, 36: {6, 24, 50, 76, 102, 128, 154},
	37: {6, 28, 54, 80, 106, 132, 158}, 38: {6, 32, 58, 84, 110, 136, 162}, 39: {6, 26, 54, 82, 110, 138, 166}, 40: {6, 30, 58, 86, 114, 142, 170},
}

// qrFunctionModules marks the modules that are not data: finders with
// their separators, timing, alignment patterns, format and version
// information, and the dark module. The mask applies to all the others.
func qrFunctionModules(n int) ([][]bool, bool) {
	v := (n - 17) / 4
	if n < 21 || n != 17+4*v || v > 40 {
		return nil, false
	}
	f := make([][]bool, n)
	for i := range f {
		f[i] = make([]bool, n)
	}
	box := func(r0, c0, size int) {
		for r := max(r0, 0); r < min(r0+size, n); r++ {
			for c := max(c0, 0); c < min(c0+size, n); c++ {
				f[r][c] = true
			}
		}
	}
	// Finders and separators, with the format areas beside them.
	box(0, 0, 9)
	box(0, n-8, 8)
	box(n-8, 0, 8)
	for i := 0; i < 9; i++ {
		f[8][i], f[i][8] = true, true
	}
	for i := n - 8; i < n; i++ {
		f[8][i], f[i][8] = true, true // format copies; (n-8, 8) is the dark module
	}
	// Timing patterns.
	for i := 0; i < n; i++ {
		f[6][i], f[i][6] = true, true
	}
	// Alignment patterns, except where a finder is.
	cs := alignmentCentres[v]
	for _, r := range cs {
		for _, c := range cs {
			if (r == 6 && c == 6) || (r == 6 && c == cs[len(cs)-1]) || (r == cs[len(cs)-1] && c == 6) {
				continue
			}
			box(r-2, c-2, 5)
		}
	}
	// Version information (7 and up).
	if v >= 7 {
		for r := 0; r < 6; r++ {
			for c := n - 11; c < n-8; c++ {
				f[r][c], f[c][r] = true, true
			}
		}
	}
	return f, true
}

// qrMask says whether mask k inverts the module at (row i, column j)
// (ISO/IEC 18004 table 10).
func qrMask(k, i, j int) bool {
	switch k {
	case 0:
		return (i+j)%2 == 0
	case 1:
		return i%2 == 0
	case 2:
		return j%3 == 0
	case 3:
		return (i+j)%3 == 0
	case 4:
		return (i/2+j/3)%2 == 0
	case 5:
		return (i*j)%2+(i*j)%3 == 0
	case 6:
		return ((i*j)%2+(i*j)%3)%2 == 0
	case 7:
		return ((i+j)%2+(i*j)%3)%2 == 0
	}
	return false
}

// qrFormatWord is the 15-bit format information for an error correction
// level's bits and a mask: BCH(15,5) with generator 0x537, masked with
// 0x5412.
func qrFormatWord(levelBits, mask int) int {
	data := levelBits<<3 | mask
	rem := data << 10
	for i := 14; i >= 10; i-- {
		if rem&(1<<i) != 0 {
			rem ^= 0x537 << (i - 10)
		}
	}
	return (data<<10 | rem) ^ 0x5412
}

// qrFormatPositions are the two copies of the format information, as
// [row, column] for bit 14 (the first, most significant) down to bit 0 —
// where go-qrcode writes them, which is where the standard puts them.
func qrFormatPositions(n int) (a, b [15][2]int) {
	cols := []int{0, 1, 2, 3, 4, 5, 7, n - 8, n - 7, n - 6, n - 5, n - 4, n - 3, n - 2, n - 1}
	rows := []int{n - 1, n - 2, n - 3, n - 4, n - 5, n - 6, n - 7, 8, 7, 5, 4, 3, 2, 1, 0}
	for i := 0; i < 15; i++ {
		a[i] = [2]int{8, cols[i]}
		b[i] = [2]int{rows[i], 8}
	}
	return a, b
}
