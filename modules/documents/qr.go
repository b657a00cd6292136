package documents

import (
	"fmt"

	qrcode "github.com/yeqown/go-qrcode/v2"

	"hromada/modules/documents/pdfdoc"
)

// The QR code of an address up to 213 bytes (versions 1–10, level M,
// byte mode — every verification address) is built here, by the fixed
// procedure of ISO/IEC 18004: the data and its Reed–Solomon codewords,
// the function patterns, the zigzag placement, then each of the eight
// masks scored once (§7.8.3), keeping the lowest score and the lower mask
// number on a tie. The tie rule is why it is ours: yeqown/go-qrcode
// scores the masks in eight goroutines and keeps the first lowest score
// that arrives, so the same address could give two different (equally
// valid) codes, and a retried job must render the same bytes. Building
// the code ourselves also does the scoring once — the library's matrix
// used to be re-masked and re-scored here, twice the work, about 40 % of
// a result's rendering. Longer texts (a card's, perhaps) still go through
// the library, with its own choice of mask; its matrices for the short
// ones are the reference the tests compare with. Drawn as vector squares
// (sharp at any zoom, no image inside the PDF).

// qrLevel is the error correction level: M, 15 % of the code may be
// damaged, ample for a printed or on-screen code with nothing over it.
const qrLevel = qrcode.ErrorCorrectionMedium

// qrLevelBits are qrLevel's two bits in the format information.
const qrLevelBits = 0b00

// qrMatrix encodes text and returns its modules, [row][column], true for
// dark, with a deterministic mask.
func qrMatrix(text string) ([][]bool, error) {
	if bits, ok := qrEncode([]byte(text)); ok {
		return bits, nil
	}
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrLevel), qrcode.WithEncodingMode(qrcode.EncModeByte))
	if err != nil {
		return nil, fmt.Errorf("documents: QR code: %w", err)
	}
	var w matrixWriter
	if err := q.Save(&w); err != nil {
		return nil, fmt.Errorf("documents: QR code: %w", err)
	}
	if w.bits == nil {
		return nil, fmt.Errorf("documents: QR code: no matrix")
	}
	return w.bits, nil
}

// matrixWriter is a qrcode.Writer that keeps the matrix.
type matrixWriter struct{ bits [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error {
	w.bits = m.Bitmap() // [y][x]: [row][column]
	return nil
}

func (w *matrixWriter) Close() error { return nil }

// drawQR draws the modules as black squares in a size×size box at (x, y),
// on white, with the four-module quiet zone the standard asks for inside
// the box.
func drawQR(pdf *pdfdoc.Doc, bits [][]bool, x, y, size float64) {
	n := len(bits)
	m := size / float64(n+8)
	pdf.SetFillColor(255, 255, 255)
	pdf.Rect(x, y, size, size, "F")
	pdf.SetFillColor(0, 0, 0)
	for r := range bits {
		for c := 0; c < n; {
			if !bits[r][c] {
				c++
				continue
			}
			start := c
			for c < n && bits[r][c] {
				c++
			}
			// A run of dark modules is one rectangle: fewer operators,
			// and no hairline seams between neighbours.
			pdf.Rect(x+float64(start+4)*m, y+float64(r+4)*m, float64(c-start)*m, m, "F")
		}
	}
	pdf.SetFillColor(255, 255, 255)
}

// alignmentCentres are the row/column centres of the alignment patterns
// of versions 2–10 (ISO/IEC 18004 annex E).
var alignmentCentres = [11][]int{
	2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50},
}

// qrFunctionModules marks the modules that are not data: finders with
// their separators, timing, alignment patterns, format and version
// information, and the dark module. The mask applies to all the others.
func qrFunctionModules(n int) ([][]bool, bool) {
	v := (n - 17) / 4
	if n < 21 || n != 17+4*v || v > 10 {
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
