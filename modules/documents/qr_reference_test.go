package documents

import qrcode "github.com/yeqown/go-qrcode/v2"

// qrLevel is qrLevelBits' level in the library's terms.
const qrLevel = qrcode.ErrorCorrectionMedium

// matrixWriter is a qrcode.Writer that keeps the matrix.
type matrixWriter struct{ bits [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error {
	w.bits = m.Bitmap() // [y][x]: [row][column]
	return nil
}

func (w *matrixWriter) Close() error { return nil }

// The reference the encoder is compared with: go-qrcode's matrix,
// re-masked with the canonical choice (all eight masks scored, the
// lowest score, the lower mask on a tie). This was how results' codes
// were made before qrEncode; the tests hold qrEncode to the same
// matrices.

// canonicalMask returns bits re-masked with the best mask by this
// package's scoring, or false when bits is not a matrix it understands.
func canonicalMask(bits [][]bool, levelBits int) ([][]bool, bool) {
	n := len(bits)
	for _, row := range bits {
		if len(row) != n {
			return nil, false
		}
	}
	fn, ok := qrFunctionModules(n)
	if !ok {
		return nil, false
	}
	a, b := qrFormatPositions(n)
	readFormat := func(pos [15][2]int) int {
		w := 0
		for _, p := range pos {
			w <<= 1
			if bits[p[0]][p[1]] {
				w |= 1
			}
		}
		return w
	}
	word := readFormat(a)
	if readFormat(b) != word {
		return nil, false
	}
	used := -1
	for k := 0; k < 8; k++ {
		if qrFormatWord(levelBits, k) == word {
			used = k
		}
	}
	if used < 0 {
		return nil, false
	}
	best, bestScore := [][]bool(nil), 0
	for k := 0; k < 8; k++ {
		m := make([][]bool, n)
		for i := range m {
			m[i] = make([]bool, n)
			for j := range m[i] {
				v := bits[i][j]
				if !fn[i][j] && qrMask(used, i, j) != qrMask(k, i, j) {
					v = !v
				}
				m[i][j] = v
			}
		}
		w := qrFormatWord(levelBits, k)
		for i := 0; i < 15; i++ {
			bit := w&(1<<(14-i)) != 0
			m[a[i][0]][a[i][1]] = bit
			m[b[i][0]][b[i][1]] = bit
		}
		if s := qrPenalty(m); best == nil || s < bestScore {
			best, bestScore = m, s
		}
	}
	return best, true
}

// qrPenalty scores a masked matrix by the four rules of ISO/IEC 18004
// §7.8.3.1; lower is better.
func qrPenalty(m [][]bool) int {
	n := len(m)
	at := func(i, j int, transpose bool) bool {
		if transpose {
			return m[j][i]
		}
		return m[i][j]
	}
	score := 0
	for _, tr := range []bool{false, true} {
		for i := 0; i < n; i++ {
			// Rule 1: runs of five or more of one colour.
			run := 1
			for j := 1; j <= n; j++ {
				if j < n && at(i, j, tr) == at(i, j-1, tr) {
					run++
					continue
				}
				if run >= 5 {
					score += 3 + run - 5
				}
				run = 1
			}
			// Rule 3: 1:1:3:1:1 finder-like patterns with four light
			// modules on either side.
			for j := 0; j+11 <= n; j++ {
				p := [11]bool{}
				for k := range p {
					p[k] = at(i, j+k, tr)
				}
				if p == [11]bool{true, false, true, true, true, false, true, false, false, false, false} ||
					p == [11]bool{false, false, false, false, true, false, true, true, true, false, true} {
					score += 40
				}
			}
		}
	}
	// Rule 2: 2×2 blocks of one colour.
	dark := 0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if m[i][j] {
				dark++
			}
			if i+1 < n && j+1 < n && m[i][j] == m[i+1][j] && m[i][j] == m[i][j+1] && m[i][j] == m[i+1][j+1] {
				score += 3
			}
		}
	}
	// Rule 4: the proportion of dark modules, 10 points per 5 % off 50 %.
	pct := dark * 100 / (n * n)
	off := pct - 50
	if off < 0 {
		off = -off
	}
	score += off / 5 * 10
	return score
}
