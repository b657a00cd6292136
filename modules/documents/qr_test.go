package documents

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	qrcode "github.com/yeqown/go-qrcode/v2"
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
		_, b := qrFormatPositions(len(lib))
		word := 0
		for _, p := range b {
			word <<= 1
			if lib[p[0]][p[1]] {
				word |= 1
			}
		}
		for k := range 8 {
			if qrFormatWord(levelL, k) == word {
				seen[k] = true
			}
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
