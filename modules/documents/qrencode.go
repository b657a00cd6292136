package documents

import (
	"math/bits"
	"sync"
)

// qrBlocks is how a version's codewords are split at level M (ISO/IEC
// 18004 table 9): b1 blocks of d1 data codewords, then b2 blocks of d1+1,
// each followed by ec error correction codewords.
type qrBlocks struct{ ec, b1, d1, b2 int }

// qrVersionsM are versions 1–40 at level M.
var qrVersionsM = [41]qrBlocks{
	1: {10, 1, 16, 0}, 2: {16, 1, 28, 0}, 3: {26, 1, 44, 0}, 4: {18, 2, 32, 0}, 5: {24, 2, 43, 0},
	6: {16, 4, 27, 0}, 7: {18, 4, 31, 0}, 8: {22, 2, 38, 2}, 9: {22, 3, 36, 2}, 10: {26, 4, 43, 1},
	11: {30, 1, 50, 4}, 12: {22, 6, 36, 2}, 13: {22, 8, 37, 1}, 14: {24, 4, 40, 5}, 15: {24, 5, 41, 5},
	16: {28, 7, 45, 3}, 17: {28, 10, 46, 1}, 18: {26, 9, 43, 4}, 19: {26, 3, 44, 11}, 20: {26, 3, 41, 13},
	21: {26, 17, 42, 0}, 22: {28, 17, 46, 0}, 23: {28, 4, 47, 14}, 24: {28, 6, 45, 14}, 25: {28, 8, 47, 13},
	26: {28, 19, 46, 4}, 27: {28, 22, 45, 3}, 28: {28, 3, 45, 23}, 29: {28, 21, 45, 7}, 30: {28, 19, 47, 10},
	31: {28, 2, 46, 29}, 32: {28, 10, 46, 23}, 33: {28, 14, 46, 21}, 34: {28, 14, 46, 23}, 35: {28, 12, 47, 26},
	36: {28, 6, 47, 34}, 37: {28, 29, 46, 14}, 38: {28, 13, 46, 32}, 39: {28, 40, 47, 7}, 40: {28, 18, 47, 31},
}

func (b qrBlocks) data() int { return b.b1*b.d1 + b.b2*(b.d1+1) }

// qrCountBits is the byte mode's character count length: 8 bits up to
// version 9, 16 from version 10.
func qrCountBits(v int) int {
	if v < 10 {
		return 8
	}
	return 16
}

// qrEncode builds text's code at level M in byte mode with the smallest
// version that holds it, or false past version 40 (2,331 bytes).
func qrEncode(text []byte) ([][]bool, bool) {
	v := 1
	for ; v <= 40; v++ {
		if 4+qrCountBits(v)+8*len(text) <= 8*qrVersionsM[v].data() {
			break
		}
	}
	if v > 40 {
		return nil, false
	}
	n := 17 + 4*v
	l := qrLayout(v)
	stream := qrCodewords(text, v)

	// Zigzag placement: column pairs from the right, upwards first,
	// skipping the vertical timing column; the remainder bits stay light.
	// The unmasked data modules are kept by rows and by columns, a bit a
	// module, for the masks' scoring.
	rows := make([]qrLine, 4*n)
	dataRows, dataCols, mRows, mCols := rows[:n], rows[n:2*n], rows[2*n:3*n], rows[3*n:]
	bit := 0
	up := true
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for i := range n {
			r := i
			if up {
				r = n - 1 - i
			}
			for c := right; c >= right-1; c-- {
				if l.fn[r][c] {
					continue
				}
				if bit < 8*len(stream) && stream[bit/8]&(0x80>>(bit%8)) != 0 {
					dataRows[r].set(c)
					dataCols[c].set(r)
				}
				bit++
			}
		}
		up = !up
	}

	best, bestScore := 0, 0
	for k := range 8 {
		l.masked(k, dataRows, dataCols, mRows, mCols)
		if s := qrScoreLines(mRows, mCols, n); k == 0 || s < bestScore {
			best, bestScore = k, s
		}
	}
	l.masked(best, dataRows, dataCols, mRows, mCols)
	flat := make([]bool, n*n)
	out := make([][]bool, n)
	for r := range out {
		out[r] = flat[r*n : (r+1)*n : (r+1)*n]
		for c := range n {
			out[r][c] = mRows[r].get(c)
		}
	}
	return out, true
}

// qrCodewords are the data codewords (mode, count, bytes, terminator,
// the 0xEC 0x11 padding) split into blocks, each block's Reed–Solomon
// codewords computed, and both interleaved as the standard orders them.
func qrCodewords(text []byte, v int) []byte {
	vb := qrVersionsM[v]
	total := vb.data()
	buf := make([]byte, 0, total)
	var acc uint64
	nbits := 0
	put := func(val uint64, k int) {
		acc = acc<<k | val
		nbits += k
		for nbits >= 8 {
			buf = append(buf, byte(acc>>(nbits-8)))
			nbits -= 8
		}
	}
	put(0b0100, 4)
	put(uint64(len(text)), qrCountBits(v))
	for _, c := range text {
		put(uint64(c), 8)
	}
	// The terminator (up to four zero bits), then zeros to a whole byte.
	if room := 8*total - (8*len(buf) + nbits); room > 0 {
		put(0, min(room, 4))
	}
	if nbits > 0 {
		put(0, 8-nbits)
	}
	for pad := byte(0xEC); len(buf) < total; pad ^= 0xEC ^ 0x11 {
		buf = append(buf, pad)
	}

	blocks := make([][]byte, 0, vb.b1+vb.b2)
	ecs := make([][]byte, 0, vb.b1+vb.b2)
	gen := qrGenerator(vb.ec)
	for i, off := 0, 0; i < vb.b1+vb.b2; i++ {
		size := vb.d1
		if i >= vb.b1 {
			size++
		}
		blk := buf[off : off+size]
		off += size
		blocks = append(blocks, blk)
		ecs = append(ecs, qrRemainder(blk, gen))
	}
	out := make([]byte, 0, total+vb.ec*len(blocks))
	for i := range vb.d1 + 1 {
		for _, blk := range blocks {
			if i < len(blk) {
				out = append(out, blk[i])
			}
		}
	}
	for i := range vb.ec {
		for _, ec := range ecs {
			out = append(out, ec[i])
		}
	}
	return out
}

// qrExp and qrLog are GF(256) with the standard's polynomial 0x11D.
var qrExp, qrLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i] = byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return exp, log
}()

func qrMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return qrExp[int(qrLog[a])+int(qrLog[b])]
}

// qrGenerator is the product of (x − α^i) for i < degree, highest
// coefficient (always 1) first.
func qrGenerator(degree int) []byte {
	g := []byte{1}
	for i := range degree {
		next := make([]byte, len(g)+1)
		for j, c := range g {
			next[j] ^= c
			next[j+1] ^= qrMul(c, qrExp[i])
		}
		g = next
	}
	return g
}

// qrRemainder is data·x^ec mod the generator: the block's error
// correction codewords.
func qrRemainder(data, gen []byte) []byte {
	ec := len(gen) - 1
	rem := make([]byte, ec)
	for _, d := range data {
		f := d ^ rem[0]
		copy(rem, rem[1:])
		rem[ec-1] = 0
		if f != 0 {
			for j := range ec {
				rem[j] ^= qrMul(gen[j+1], f)
			}
		}
	}
	return rem
}

// qrLayouts holds each version's function modules (where the patterns
// are), and for each mask the modules it fixes — the patterns' colours
// with that mask's format information — and the data modules it inverts,
// by rows and by columns: all depend on the version alone, and a result's
// code (versions 13–17) was laying them out again for every document.
// Callers only read them.
var qrLayouts [41]struct {
	once sync.Once
	l    qrVersionLayout
}

// qrVersionLayout is one version's layout (qrLayouts).
type qrVersionLayout struct {
	fn    [][]bool
	masks [8]struct{ fixedRows, fixedCols, flipRows, flipCols []qrLine }
}

// qrLayout is version v's layout.
func qrLayout(v int) *qrVersionLayout {
	l := &qrLayouts[v]
	l.once.Do(func() {
		n := 17 + 4*v
		l.l.fn, _ = qrFunctionModules(n)
		base := qrFunctionPatterns(n, v)
		a, b := qrFormatPositions(n)
		for k := range l.l.masks {
			lines := make([]qrLine, 4*n)
			mk := &l.l.masks[k]
			mk.fixedRows, mk.fixedCols, mk.flipRows, mk.flipCols = lines[:n], lines[n:2*n], lines[2*n:3*n], lines[3*n:]
			fixed := append([]bool(nil), base...)
			w := qrFormatWord(qrLevelBits, k)
			for i := range 15 {
				on := w&(1<<(14-i)) != 0
				fixed[a[i][0]*n+a[i][1]] = on
				fixed[b[i][0]*n+b[i][1]] = on
			}
			for r := range n {
				for c := range n {
					if l.l.fn[r][c] && fixed[r*n+c] {
						mk.fixedRows[r].set(c)
						mk.fixedCols[c].set(r)
					}
					if !l.l.fn[r][c] && qrMask(k, r, c) {
						mk.flipRows[r].set(c)
						mk.flipCols[c].set(r)
					}
				}
			}
		}
	})
	return &l.l
}

// masked writes the code of the data modules (by rows and by columns,
// light where the function modules are) under mask k into rows and cols.
func (l *qrVersionLayout) masked(k int, dataRows, dataCols, rows, cols []qrLine) {
	mk := &l.masks[k]
	for i := range rows {
		rows[i] = mk.fixedRows[i].or(dataRows[i].xor(mk.flipRows[i]))
		cols[i] = mk.fixedCols[i].or(dataCols[i].xor(mk.flipCols[i]))
	}
}

// qrFunctionPatterns draws the modules that do not depend on the data or
// the mask: finders (their separators light), timing, alignment patterns,
// the dark module and, from version 7, the version information. The
// format information is written per mask.
func qrFunctionPatterns(n, v int) []bool {
	m := make([]bool, n*n)
	finder := func(r0, c0 int) {
		for r := range 7 {
			for c := range 7 {
				ring := r == 0 || r == 6 || c == 0 || c == 6
				core := r >= 2 && r <= 4 && c >= 2 && c <= 4
				m[(r0+r)*n+c0+c] = ring || core
			}
		}
	}
	finder(0, 0)
	finder(0, n-7)
	finder(n-7, 0)
	for i := 8; i < n-8; i++ {
		m[6*n+i] = i%2 == 0
		m[i*n+6] = i%2 == 0
	}
	cs := alignmentCentres[v]
	for _, r := range cs {
		for _, c := range cs {
			if (r == 6 && c == 6) || (r == 6 && c == cs[len(cs)-1]) || (r == cs[len(cs)-1] && c == 6) {
				continue
			}
			for dr := -2; dr <= 2; dr++ {
				for dc := -2; dc <= 2; dc++ {
					m[(r+dr)*n+c+dc] = max(abs(dr), abs(dc)) != 1
				}
			}
		}
	}
	m[(n-8)*n+8] = true
	if v >= 7 {
		w := qrVersionWord(v)
		for i := range 18 {
			on := w&(1<<i) != 0
			m[(i/3)*n+n-11+i%3] = on
			m[(n-11+i%3)*n+i/3] = on
		}
	}
	return m
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// qrVersionWord is the 18-bit version information: BCH(18,6) with
// generator 0x1F25.
func qrVersionWord(v int) int {
	rem := v << 12
	for i := 17; i >= 12; i-- {
		if rem&(1<<i) != 0 {
			rem ^= 0x1F25 << (i - 12)
		}
	}
	return v<<12 | rem
}

// qrScore is the penalty of a masked matrix (n×n, row by row) by the
// four rules of ISO/IEC 18004 §7.8.3.1; lower is better (qrScoreLines,
// with the matrix packed into lines).
func qrScore(m []bool, n int) int {
	rows, cols := make([]qrLine, n), make([]qrLine, n)
	for r := range n {
		for c := range n {
			if m[r*n+c] {
				rows[r].set(c)
				cols[c].set(r)
			}
		}
	}
	return qrScoreLines(rows, cols, n)
}

// qrLine is one row or column of a code, a bit a module: module j is bit
// j%64 of word j/64 (a code is at most 177 modules wide). Bits past the
// code's width are zero.
type qrLine [3]uint64

func (a *qrLine) set(j int)          { a[j>>6] |= 1 << (j & 63) }
func (a qrLine) get(j int) bool      { return a[j>>6]&(1<<(j&63)) != 0 }
func (a qrLine) and(b qrLine) qrLine { return qrLine{a[0] & b[0], a[1] & b[1], a[2] & b[2]} }
func (a qrLine) or(b qrLine) qrLine  { return qrLine{a[0] | b[0], a[1] | b[1], a[2] | b[2]} }
func (a qrLine) xor(b qrLine) qrLine { return qrLine{a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2]} }
func (a qrLine) andNot(b qrLine) qrLine {
	return qrLine{a[0] &^ b[0], a[1] &^ b[1], a[2] &^ b[2]}
}
func (a qrLine) count() int {
	return bits.OnesCount64(a[0]) + bits.OnesCount64(a[1]) + bits.OnesCount64(a[2])
}

// next is a shifted by one module: bit j of the result is module j+1.
func (a qrLine) next() qrLine {
	return qrLine{a[0]>>1 | a[1]<<63, a[1]>>1 | a[2]<<63, a[2] >> 1}
}

// qrFirst is a line of the first n modules set.
func qrFirst(n int) qrLine {
	var l qrLine
	for j := range n {
		l.set(j)
	}
	return l
}

// qrScoreLines is the penalty (qrScore) of the code whose rows and columns
// are rows and cols. Every rule is counted for up to 64 lines at once, a
// bit a line: rules 1 and 3 of the columns read down the rows (and of the
// rows down the columns) — for each position, where the five modules from
// it are one colour, where a finder-like pattern starts — and rule 2 from
// pairs of rows; where the plain reading (qrPenalty) went module by
// module, eight times a code.
func qrScoreLines(rows, cols []qrLine, n int) int {
	full := qrFirst(n)
	score := qrRunsAndFinders(rows, full) + qrRunsAndFinders(cols, full)
	dark := 0
	pairs := qrFirst(n - 1) // a block's left column
	for r := range n {
		dark += rows[r].count()
		if r+1 == n {
			break
		}
		a, b := rows[r], rows[r+1]
		same := full.andNot(a.xor(b)) // the two modules of a column alike
		level := full.andNot(a.xor(a.next()))
		score += 3 * same.and(same.next()).and(level).and(pairs).count()
	}
	off := dark*100/(n*n) - 50
	if off < 0 {
		off = -off
	}
	return score + off/5*10
}

// qrRunsAndFinders is rules 1 and 3 for the lines across lines: lines[i]
// holds module i of each of them. A run of L ≥ 5 modules of one colour
// scores L−2: one point for each of its L−4 five-module windows, and two
// for the window that starts it (at the line's start or after the other
// colour). A finder-like pattern is 1011101 then four light modules, or
// four light then 1011101, scoring 40 each.
func qrRunsAndFinders(lines []qrLine, full qrLine) int {
	n := len(lines)
	var light4s, finders [177]qrLine
	score := 0
	for i := 0; i+4 <= n; i++ {
		a0, a1, a2, a3 := lines[i], lines[i+1], lines[i+2], lines[i+3]
		light4s[i] = full.andNot(a0.or(a1).or(a2).or(a3))
		if i+5 > n {
			break
		}
		a4 := lines[i+4]
		five := a0.and(a1).and(a2).and(a3).and(a4).or(light4s[i].andNot(a4))
		starts := five
		if i > 0 {
			starts = five.and(lines[i-1].xor(a0))
		}
		score += five.count() + 2*starts.count()
	}
	for i := 0; i+7 <= n; i++ {
		finders[i] = lines[i].andNot(lines[i+1]).and(lines[i+2]).and(lines[i+3]).and(lines[i+4]).andNot(lines[i+5]).and(lines[i+6])
	}
	for i := 0; i+11 <= n; i++ {
		score += 40 * (finders[i].and(light4s[i+7]).count() + light4s[i].and(finders[i+4]).count())
	}
	return score
}
