package documents

import "sync"

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
	fn, base := qrLayout(v)
	stream := qrCodewords(text, v)

	// Zigzag placement: column pairs from the right, upwards first,
	// skipping the vertical timing column; the remainder bits stay light.
	data := make([]bool, n*n) // unmasked data modules
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
				if fn[r][c] {
					continue
				}
				if bit < 8*len(stream) && stream[bit/8]&(0x80>>(bit%8)) != 0 {
					data[r*n+c] = true
				}
				bit++
			}
		}
		up = !up
	}

	a, b := qrFormatPositions(n)
	var best []bool
	bestScore := 0
	m := make([]bool, n*n)
	for k := range 8 {
		for r := range n {
			for c := range n {
				i := r*n + c
				if fn[r][c] {
					m[i] = base[i]
				} else {
					m[i] = data[i] != qrMask(k, r, c)
				}
			}
		}
		w := qrFormatWord(qrLevelBits, k)
		for i := range 15 {
			on := w&(1<<(14-i)) != 0
			m[a[i][0]*n+a[i][1]] = on
			m[b[i][0]*n+b[i][1]] = on
		}
		if s := qrScore(m, n); best == nil || s < bestScore {
			best, bestScore = append(best[:0], m...), s
		}
	}
	out := make([][]bool, n)
	for r := range out {
		out[r] = best[r*n : (r+1)*n : (r+1)*n]
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
// are) and the patterns' colours, made once per version: both depend on
// the version alone, and a result's code (versions 13–17) was laying them
// out again for every document. Callers only read them.
var qrLayouts [41]struct {
	once sync.Once
	fn   [][]bool
	base []bool
}

// qrLayout is version v's function modules and their colours.
func qrLayout(v int) (fn [][]bool, base []bool) {
	l := &qrLayouts[v]
	l.once.Do(func() {
		n := 17 + 4*v
		l.fn, _ = qrFunctionModules(n)
		l.base = qrFunctionPatterns(n, v)
	})
	return l.fn, l.base
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
// four rules of ISO/IEC 18004 §7.8.3.1; lower is better. Rows, then the
// columns as rows of a transposed copy, are read in one pass each, the
// finder-like patterns of rule 3 as an 11-bit window.
func qrScore(m []bool, n int) int {
	score := 0
	col := make([]bool, n)
	for i := range n {
		score += qrLineScore(m[i*n : (i+1)*n])
		for j := range n {
			col[j] = m[j*n+i]
		}
		score += qrLineScore(col)
	}
	dark := 0
	for i := range n {
		row := m[i*n : (i+1)*n]
		for _, d := range row {
			if d {
				dark++
			}
		}
		if i+1 == n {
			break
		}
		next := m[(i+1)*n : (i+2)*n]
		for j := 0; j+1 < n; j++ {
			d := row[j]
			if d == row[j+1] && d == next[j] && d == next[j+1] {
				score += 3
			}
		}
	}
	off := dark*100/(n*n) - 50
	if off < 0 {
		off = -off
	}
	return score + off/5*10
}

// qrLineScore is rules 1 and 3 for one row or column: runs of five or
// more of one colour, and 1:1:3:1:1 finder-like patterns with four light
// modules on either side.
func qrLineScore(line []bool) int {
	const finderA, finderB = 0b10111010000, 0b00001011101
	score, run, win := 0, 0, 0
	var prev bool
	for j, d := range line {
		if j > 0 && d == prev {
			run++
		} else {
			if run >= 5 {
				score += run - 2
			}
			run = 1
		}
		prev = d
		win = (win << 1) & 0x7FF
		if d {
			win |= 1
		}
		if j >= 10 && (win == finderA || win == finderB) {
			score += 40
		}
	}
	if run >= 5 {
		score += run - 2
	}
	return score
}
