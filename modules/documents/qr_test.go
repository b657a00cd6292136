package documents

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	qrcode "github.com/yeqown/go-qrcode/v2"

	"hromada/modules/documents/pdfdoc"
)

// libraryMatrix is go-qrcode's own matrix for text at level L in byte
// mode (one block of data for versions 1–5, which qrDecode can read).
func libraryMatrix(t *testing.T, text string) [][]bool {
	t.Helper()
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionLow), qrcode.WithEncodingMode(qrcode.EncModeByte))
	require.NoError(t, err)
	var w matrixWriter
	require.NoError(t, q.Save(&w))
	return w.bits
}

const levelL = 0b01

// qrDecode reads a byte-mode, single-block QR code the way a scanner
// does, independently of how it was made: the format information gives
// the mask, the mask is removed, the data modules are read in the
// standard's zigzag order, and the byte-mode segment is parsed. Error
// correction is not applied, so any mistake in the matrix shows.
func qrDecode(t *testing.T, bits [][]bool, levelBits int) string {
	t.Helper()
	n := len(bits)
	fn, ok := qrFunctionModules(n)
	require.True(t, ok)
	a, _ := qrFormatPositions(n)
	word := 0
	for _, p := range a {
		word <<= 1
		if bits[p[0]][p[1]] {
			word |= 1
		}
	}
	mask := -1
	for k := range 8 {
		if qrFormatWord(levelBits, k) == word {
			mask = k
		}
	}
	require.GreaterOrEqual(t, mask, 0, "format information unreadable")
	var stream []bool
	up := true
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for v := range n {
			for dx := range 2 {
				c := right - dx
				r := v
				if up {
					r = n - 1 - v
				}
				if !fn[r][c] {
					stream = append(stream, bits[r][c] != qrMask(mask, r, c))
				}
			}
		}
		up = !up
	}
	read := func(k int) int {
		v := 0
		for range k {
			require.NotEmpty(t, stream)
			v <<= 1
			if stream[0] {
				v |= 1
			}
			stream = stream[1:]
		}
		return v
	}
	require.Equal(t, 0b0100, read(4), "byte mode")
	count := read(8)
	out := make([]byte, count)
	for i := range out {
		out[i] = byte(read(8))
	}
	return string(out)
}

// formatMask reads the mask a code's format information names, from the
// copy of it at pos, as a scanner reads it.
func formatMask(m [][]bool, pos [15][2]int, levelBits int) (int, bool) {
	word := 0
	for _, p := range pos {
		word <<= 1
		if m[p[0]][p[1]] {
			word |= 1
		}
	}
	for k := range 8 {
		if qrFormatWord(levelBits, k) == word {
			return k, true
		}
	}
	return 0, false
}

// The library's codes decode with this package's reading of the format
// information, masks and function modules — for each mask the library
// chose — so canonicalMask's re-masking rests on the same facts a scanner
// uses.
func TestQRCanonicalMaskDecodes(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for i := 0; len(seen) < 8 && i < 300; i++ {
		text := fmt.Sprintf("https://t%d.hromada.example/verify/%s", i, uuid.NewSHA1(uuid.NameSpaceURL, []byte{byte(i), byte(i >> 8)}))
		if i%3 == 0 {
			text = text[:20+i%40] // shorter codes: versions 1–4
		}
		lib := libraryMatrix(t, text)
		require.Equal(t, text, qrDecode(t, lib, levelL), "library's own code")
		c, ok := canonicalMask(lib, levelL)
		require.True(t, ok, "version %d understood", (len(lib)-17)/4)
		require.Equal(t, text, qrDecode(t, c, levelL), "re-masked code")
		_, copyB := qrFormatPositions(len(lib))
		if k, ok := formatMask(lib, copyB, levelL); ok {
			seen[k] = true
		}
	}
	// Mask 1 (stripes) almost never scores best, so the library seldom
	// picks it; the others all turn up within a few hundred codes.
	require.GreaterOrEqual(t, len(seen), 6, "masks decoded: %v", seen)
}

func TestQRMatrixDeterministic(t *testing.T) {
	t.Parallel()
	url := VerifyURL("kyiv.hromada.example", uuid.MustParse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))
	first, err := qrMatrix(url)
	require.NoError(t, err)
	n := len(first)
	require.Equal(t, 0, (n-17)%4)
	for range 20 {
		again, err := qrMatrix(url)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
	// Level M's format information is read back: the canonical code is
	// the one returned, not the library's fallback.
	_, ok := canonicalMask(first, qrLevelBits)
	require.True(t, ok)
}

func TestQRFormatWord(t *testing.T) {
	t.Parallel()
	// ISO/IEC 18004 annex C's example: level M, mask 5 → 100000011001110.
	require.Equal(t, 0b100000011001110, qrFormatWord(0b00, 0b101))
	// Level L, mask 4: 110011000101111 (the standard's table).
	require.Equal(t, 0b110011000101111, qrFormatWord(0b01, 0b100))
}

// libraryCanonical is the code results had before qrEncode: go-qrcode's
// matrix at level M, re-masked by canonicalMask.
func libraryCanonical(t *testing.T, text string) [][]bool {
	t.Helper()
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrLevel), qrcode.WithEncodingMode(qrcode.EncModeByte))
	require.NoError(t, err)
	var w matrixWriter
	require.NoError(t, q.Save(&w))
	c, ok := canonicalMask(w.bits, qrLevelBits)
	require.True(t, ok)
	return c
}

// qrEncode gives the same matrices as the library with the canonical
// mask: for every length up to 213 bytes (versions 1–10), every 23rd
// length beyond, each version's largest text and the smallest of the next
// (the version chosen alike), texts of any bytes, and results' codes
// (an address and a signed token, versions 13–17); the single-block ones
// (versions 1–3 at level M) decode.
func TestQREncodeMatchesLibrary(t *testing.T) {
	t.Parallel()
	sizes := map[int]bool{}
	for size := 1; size <= 2331; size++ {
		if size <= 213 || size%23 == 0 {
			sizes[size] = true
		}
	}
	for v := 1; v <= 40; v++ {
		capacity := (8*qrVersionsM[v].data() - 4 - qrCountBits(v)) / 8
		sizes[capacity] = true
		if v < 40 {
			sizes[capacity+1] = true
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	versions := map[int]bool{}
	masks := map[int]bool{}
	check := func(text string) {
		got, ok := qrEncode([]byte(text))
		require.True(t, ok, "%d bytes", len(text))
		require.Equal(t, libraryCanonical(t, text), got, "%d bytes: %q", len(text), text)
		n := len(got)
		versions[(n-17)/4] = true
		if n <= 29 {
			require.Equal(t, text, qrDecode(t, got, qrLevelBits))
		}
		copyA, _ := qrFormatPositions(n)
		if k, ok := formatMask(got, copyA, qrLevelBits); ok {
			masks[k] = true
		}
	}
	for size := range sizes {
		text := fmt.Sprintf("https://t%d.hromada.example/verify/%s%s", size*7,
			uuid.NewSHA1(uuid.NameSpaceURL, []byte{byte(size), byte(size >> 8)}),
			uuid.NewSHA1(uuid.NameSpaceDNS, []byte{byte(size >> 8), byte(size)}))
		for len(text) < size {
			text += text
		}
		check(text[:size])
		if size <= 213 || size%5 == 0 {
			raw := make([]byte, size)
			for i := range raw {
				raw[i] = byte(rng.IntN(256))
			}
			check(string(raw))
		}
	}
	require.Len(t, versions, 40)
	require.GreaterOrEqual(t, len(masks), 6, "masks chosen: %v", masks)
	token := make([]byte, 600)
	for _, host := range []string{"kyiv.hromada.example", "lviv.hromada.example", "a-very-long-city-name.hromada.gov.ua"} {
		for i := range 20 {
			url := VerifyURL(host, uuid.NewSHA1(uuid.NameSpaceOID, []byte{byte(i)}))
			for j := range token {
				token[j] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."[rng.IntN(65)]
			}
			check(url)
			check(url + "#" + string(token[:380+rng.IntN(220)]))
		}
	}
	_, ok := qrEncode(make([]byte, 2332))
	require.False(t, ok)
	_, err := qrMatrix(string(make([]byte, 2332)))
	require.ErrorContains(t, err, "2332 bytes")
}

// qrScore scores as qrPenalty, the standard's rules written plainly, on
// random matrices of every size qrEncode makes.
func TestQRScoreMatchesPenalty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for v := 1; v <= 40; v++ {
		n := 17 + 4*v
		for range 6 {
			flat := make([]bool, n*n)
			rows := make([][]bool, n)
			bias := rng.IntN(8) + 1
			for i := range flat {
				flat[i] = rng.IntN(10) < bias
			}
			for r := range rows {
				rows[r] = flat[r*n : (r+1)*n]
			}
			require.Equal(t, qrPenalty(rows), qrScore(flat, n))
		}
	}
}

// benchQRText is a result's code: its address and a signed token, about
// as long as QRToken makes them (version 15 at level M).
var benchQRText = VerifyURL("kyiv.hromada.example", uuid.MustParse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")) + "#" +
	strings.Repeat("eyJhbGciOiJFUzI1NiIsImtpZCI6IjEyMzQ1Njc4OTAifQ.", 9)

func BenchmarkQRMatrix(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := qrMatrix(benchQRText); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQRLibrary is the way before qrEncode, for comparison: the
// library's code (canonicalMask left codes past version 10, as results'
// are, to the library's own choice of mask).
func BenchmarkQRLibrary(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		q, err := qrcode.NewWith(benchQRText, qrcode.WithErrorCorrectionLevel(qrLevel), qrcode.WithEncodingMode(qrcode.EncModeByte))
		if err != nil {
			b.Fatal(err)
		}
		var w matrixWriter
		if err := q.Save(&w); err != nil {
			b.Fatal(err)
		}
	}
}

// The code of each mask as qrEncode scores it — the layout's fixed and
// inverted modules over random data, packed by rows and by columns — is
// the matrix the standard's procedure writes module by module, and its
// packed score is the plain penalty, for every version and mask.
func TestQRMaskedLinesMatchPenalty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for v := 1; v <= 40; v++ {
		n := 17 + 4*v
		l := qrLayout(v)
		fn, _ := qrFunctionModules(n)
		base := qrFunctionPatterns(n, v)
		a, b := qrFormatPositions(n)
		data := make([]qrLine, 2*n)
		dataRows, dataCols := data[:n], data[n:]
		dataBits := make([]bool, n*n)
		bias := rng.IntN(8) + 1
		for r := range n {
			for c := range n {
				if !fn[r][c] && rng.IntN(10) < bias {
					dataBits[r*n+c] = true
					dataRows[r].set(c)
					dataCols[c].set(r)
				}
			}
		}
		for k := range 8 {
			want := make([][]bool, n)
			for r := range want {
				want[r] = make([]bool, n)
				for c := range n {
					if fn[r][c] {
						want[r][c] = base[r*n+c]
					} else {
						want[r][c] = dataBits[r*n+c] != qrMask(k, r, c)
					}
				}
			}
			w := qrFormatWord(qrLevelBits, k)
			for i := range 15 {
				on := w&(1<<(14-i)) != 0
				want[a[i][0]][a[i][1]] = on
				want[b[i][0]][b[i][1]] = on
			}
			rows, cols := make([]qrLine, n), make([]qrLine, n)
			l.masked(k, dataRows, dataCols, rows, cols)
			for r := range n {
				for c := range n {
					require.Equal(t, want[r][c], rows[r].get(c), "version %d mask %d (%d, %d)", v, k, r, c)
					require.Equal(t, want[r][c], cols[c].get(r), "version %d mask %d (%d, %d) by column", v, k, r, c)
				}
			}
			require.Equal(t, qrPenalty(want), qrScoreLines(rows, cols, n), "version %d mask %d", v, k)
		}
	}
}

// drawQR's rectangles, read back from the page in module units, cover
// every dark module of a result's code once and no light one.
func TestDrawQRCoversDarkModules(t *testing.T) {
	t.Parallel()
	bits, err := qrMatrix(benchQRText)
	require.NoError(t, err)
	n := len(bits)
	d := pdfdoc.New()
	d.AddPage()
	drawQR(d, bits, 150, 120, 34)
	out, err := d.Output()
	require.NoError(t, err)
	i := bytes.Index(out, []byte("stream\n"))
	require.Positive(t, i)
	z, err := zlib.NewReader(bytes.NewReader(out[i+len("stream\n"):]))
	require.NoError(t, err)
	content, err := io.ReadAll(z)
	require.NoError(t, err)
	require.Contains(t, string(content), " cm\n")

	covered := make([][]int, n)
	for r := range covered {
		covered[r] = make([]int, n)
	}
	rects := regexp.MustCompile(`(?m)^(\d+) (\d+) (\d+) (\d+) re$`).FindAllStringSubmatch(string(content), -1)
	require.NotEmpty(t, rects)
	for _, m := range rects {
		c0, _ := strconv.Atoi(m[1])
		r0, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		h, _ := strconv.Atoi(m[4])
		for r := r0; r < r0+h; r++ {
			for c := c0; c < c0+w; c++ {
				covered[r][c]++
			}
		}
	}
	for r := range n {
		for c := range n {
			want := 0
			if bits[r][c] {
				want = 1
			}
			require.Equal(t, want, covered[r][c], "module (%d, %d)", r, c)
		}
	}
	require.Equal(t, 1, strings.Count(string(content), "\nf\n"), "one fill for the code")
}
