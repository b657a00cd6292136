package gost34311

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

// Vectors with ДКЕ №1 and the zero starting value, from two independent
// open-source implementations:
//   - Cryptonite (PrivatBank IT), src/cryptoniteUtest/c/utest_gost34_311.c,
//     gost34_311_test_1 (GOST28147_SBOX_ID_1, zero sync);
//   - gost89 (dstucrypt, JavaScript), test/test-hash.js, whose default
//     S-box is ДКЕ №1 (lib/dstu.js, defaultSbox).
var vectors = []struct {
	source, in, want string
}{
	{"Cryptonite utest_gost34_311.c test_1",
		"\xad\x26\xf4\x36\xf0\xb6\x27\x88\x00\x38\x72\x7d\x22\xe0\x2c\x97\xd0\x81\xef\x85\x26\x0f\xc9\x67\x18\x39\x50\x91\xce\x22\x4d\xd7",
		"02d7e8a3c111788bb1b8a489c5e330288728f1c308c2cec08e09265bfa395599"},
	{"gost89 test-hash.js: padded value", "12345678901234567890123456789011",
		"7686f3f4b113aadc97bca9ea054f41821f0676c5c28ffb987e41797a568e1ed4"},
	{"gost89 test-hash.js: 0..31",
		"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
		"811cb06a8ee423182d9cc9d281f783908f4cfbaf47a68be8415d3499674a3063"},
	{"gost89 test-hash.js: short value", "123123",
		"34d4da2c04e9c1ceb933282069c864617d94ed7cc5c0a9840c0c1a99629df637"},
	{"gost89 test-hash.js: long chunks",
		"IGNORE THIS FILE. This file does nothing, contains no useful data, and might go away in future releases.  Do not depend on this file or its contents.",
		"e9312d13d0e0d39aa4a00c77dcfb661883dd0ed8218af48a146168fc60f014dc"},
}

func TestVectors(t *testing.T) {
	t.Parallel()
	for _, v := range vectors {
		got := Sum([]byte(v.in))
		require.Equal(t, v.want, hex.EncodeToString(got[:]), v.source)
	}
}

// Writing in pieces of every size gives the same hash as one Write, and
// Sum does not disturb the running state.
func TestIncremental(t *testing.T) {
	t.Parallel()
	msg := bytes.Repeat([]byte("ГОСТ 34.311-95 "), 20)
	want := Sum(msg)
	for size := 1; size <= 70; size++ {
		h := New(DefaultSBox)
		for rest := msg; len(rest) > 0; {
			n := min(size, len(rest))
			_, err := h.Write(rest[:n])
			require.NoError(t, err)
			rest = rest[n:]
			_ = h.Sum(nil)
		}
		require.Equal(t, want[:], h.Sum(nil), "pieces of %d bytes", size)
		h.Reset()
		h.Write(msg)
		require.Equal(t, want[:], h.Sum(nil), "after Reset")
	}
}

func TestUnpackSBox(t *testing.T) {
	t.Parallel()
	// The first S-box of ДКЕ №1, as Cryptonite lists it unpacked
	// (GOST28147_SBOX_1, first row).
	require.Equal(t, [16]byte{0xa, 0x9, 0xd, 0x6, 0xe, 0xb, 0x4, 0x5, 0xf, 0x1, 0x3, 0xc, 0x7, 0x0, 0x8, 0x2}, DefaultSBox[0])
	_, err := UnpackSBox(DefaultDKE[:63])
	require.ErrorIs(t, err, ErrDKE)
	bad := DefaultDKE
	bad[0] = 0xaa // a repeated entry: not a permutation
	_, err = UnpackSBox(bad[:])
	require.ErrorIs(t, err, ErrDKE)
	// Another S-box set gives another hash.
	other := DefaultSBox
	other[0], other[1] = other[1], other[0]
	h := New(other)
	h.Write([]byte("123123"))
	want := Sum([]byte("123123"))
	require.NotEqual(t, want[:], h.Sum(nil))
}
