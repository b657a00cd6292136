// Package gost34311 is the hash function of ДСТУ ГОСТ 34.311-95 (the
// Ukrainian adoption of ГОСТ Р 34.11-94): a 256-bit hash built on the
// ГОСТ 28147-89 block cipher, whose eight 4-bit S-boxes are a parameter.
//
// Ukrainian certificates and CMS use the S-box set the DSTU 4145
// parameters carry as "dke" (ДКЕ №1 of the Ukrainian crypto authority,
// DefaultSBox here), with a zero starting hash value. A certificate's
// DSTU 4145 parameters may carry another set; UnpackSBox reads it.
//
// This is a verification aid, not a certified means of cryptographic
// protection (see policies/KSZI.md).
package gost34311

import (
	"encoding/binary"
	"errors"
	"hash"
	"math/bits"
)

// Size is the length of the hash in bytes.
const Size = 32

// BlockSize is the hash's block size in bytes.
const BlockSize = 32

// SBox is the eight S-boxes of ГОСТ 28147-89: SBox[i] substitutes the
// i-th 4-bit group of a 32-bit word, counting from the least significant.
type SBox [8][16]byte

// DefaultDKE is the 64-byte packed S-box set ДКЕ №1, the one Ukrainian
// certificates carry in their DSTU 4145 parameters (the "dke" field) and
// the one ДСТУ 4145 CMS signatures hash with. It is GOST28147_SBOX_1 of
// PrivatBank's Cryptonite (src/cryptonite/c/gost28147.c), the default S-box
// of gost89 (lib/dstu.js, stored in reverse row order), and the "dke" of
// the keys of the Central certification authority's 2020 root and of the
// "Дія" CA (dstu4145's TestRealCertificates checks both).
var DefaultDKE = [64]byte{
	0xa9, 0xd6, 0xeb, 0x45, 0xf1, 0x3c, 0x70, 0x82,
	0x80, 0xc4, 0x96, 0x7b, 0x23, 0x1f, 0x5e, 0xad,
	0xf6, 0x58, 0xeb, 0xa4, 0xc0, 0x37, 0x29, 0x1d,
	0x38, 0xd9, 0x6b, 0xf0, 0x25, 0xca, 0x4e, 0x17,
	0xf8, 0xe9, 0x72, 0x0d, 0xc6, 0x15, 0xb4, 0x3a,
	0x28, 0x97, 0x5f, 0x0b, 0xc1, 0xde, 0xa3, 0x64,
	0x38, 0xb5, 0x64, 0xea, 0x2c, 0x17, 0x9f, 0xd0,
	0x12, 0x3e, 0x6d, 0xb8, 0xfa, 0xc5, 0x79, 0x04,
}

// DefaultSBox is DefaultDKE unpacked.
var DefaultSBox = mustUnpack(DefaultDKE[:])

// ErrDKE is returned by UnpackSBox for a malformed packed S-box set.
var ErrDKE = errors.New("gost34311: malformed S-box set (dke)")

// UnpackSBox reads a packed S-box set as certificates carry it: 64 bytes,
// eight bytes per S-box, two entries per byte, the high nibble first. Each
// S-box must be a permutation of 0..15.
func UnpackSBox(dke []byte) (SBox, error) {
	var s SBox
	if len(dke) != 64 {
		return s, ErrDKE
	}
	for i := range 8 {
		var seen uint16
		for j := range 8 {
			b := dke[8*i+j]
			s[i][2*j], s[i][2*j+1] = b>>4, b&0x0f
			seen |= 1<<(b>>4) | 1<<(b&0x0f)
		}
		if seen != 0xffff {
			return s, ErrDKE
		}
	}
	return s, nil
}

func mustUnpack(dke []byte) SBox {
	s, err := UnpackSBox(dke)
	if err != nil {
		panic(err)
	}
	return s
}

// digest is the running state: the chaining value, the sum of the
// message blocks mod 2^256 and the message length in bytes.
type digest struct {
	table [4][256]uint32 // the S-boxes, two at a time, already rotated
	h     [32]byte
	sum   [32]byte
	n     uint64
	buf   [32]byte
	nbuf  int
}

// New returns a ГОСТ 34.311-95 hash with the S-box set sbox and the zero
// starting value, as Ukrainian CMS and certificates use it.
func New(sbox SBox) hash.Hash {
	d := &digest{}
	// Pairs of S-boxes substitute a byte at once; the rotation by 11 of
	// the round function is folded into the table.
	for k := range 4 {
		for x := range 256 {
			v := uint32(sbox[2*k+1][x>>4])<<4 | uint32(sbox[2*k][x&15])
			d.table[k][x] = bits.RotateLeft32(v<<(8*k), 11)
		}
	}
	return d
}

// Sum returns the ГОСТ 34.311-95 hash of data with DefaultSBox.
func Sum(data []byte) [Size]byte {
	d := New(DefaultSBox)
	d.Write(data)
	var out [Size]byte
	copy(out[:], d.Sum(nil))
	return out
}

func (d *digest) Size() int      { return Size }
func (d *digest) BlockSize() int { return BlockSize }

func (d *digest) Reset() {
	d.h, d.sum, d.buf = [32]byte{}, [32]byte{}, [32]byte{}
	d.n, d.nbuf = 0, 0
}

func (d *digest) Write(p []byte) (int, error) {
	n := len(p)
	d.n += uint64(n)
	if d.nbuf > 0 {
		c := copy(d.buf[d.nbuf:], p)
		d.nbuf += c
		p = p[c:]
		if d.nbuf < BlockSize {
			return n, nil
		}
		d.block(&d.buf)
		d.nbuf = 0
	}
	for len(p) >= BlockSize {
		var m [32]byte
		copy(m[:], p)
		d.block(&m)
		p = p[BlockSize:]
	}
	d.nbuf = copy(d.buf[:], p)
	return n, nil
}

// block hashes one full 32-byte block and adds it to the sum.
func (d *digest) block(m *[32]byte) {
	d.h = d.step(d.h, *m)
	addLE(&d.sum, m)
}

func (d *digest) Sum(in []byte) []byte {
	h, sum := d.h, d.sum
	if d.nbuf > 0 {
		// The last partial block is padded with zeros.
		var m [32]byte
		copy(m[:], d.buf[:d.nbuf])
		h = d.step(h, m)
		addLE(&sum, &m)
	}
	var length [32]byte
	binary.LittleEndian.PutUint64(length[:], d.n<<3)
	length[8] = byte(d.n >> 61)
	h = d.step(h, length)
	h = d.step(h, sum)
	return append(in, h[:]...)
}

// addLE adds m to s as 256-bit little-endian integers, mod 2^256.
func addLE(s, m *[32]byte) {
	var carry uint
	for i := range 32 {
		v := uint(s[i]) + uint(m[i]) + carry
		s[i], carry = byte(v), v>>8
	}
}

// c3 is the constant C3 of the key generation (C2 = C4 = 0), little-endian.
var c3 = [32]byte{
	0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
	0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00,
	0x00, 0xff, 0xff, 0x00, 0xff, 0x00, 0x00, 0xff,
	0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0xff,
}

// step is the step hash function χ(M, H) of ГОСТ 34.311-95: four keys
// from H and M, each 64-bit quarter of H encrypted with its key, then
// the ψ shuffle.
func (d *digest) step(h, m [32]byte) [32]byte {
	var s [32]byte
	u, v := h, m
	for i := range 4 {
		if i > 0 {
			u = fnA(u)
			if i == 2 {
				for j := range 32 {
					u[j] ^= c3[j]
				}
			}
			v = fnA(fnA(v))
		}
		var w [32]byte
		for j := range 32 {
			w[j] = u[j] ^ v[j]
		}
		key := fnP(w)
		d.encrypt(&key, h[8*i:8*i+8], s[8*i:8*i+8])
	}
	for range 12 {
		s = psi(s)
	}
	for j := range 32 {
		s[j] ^= m[j]
	}
	s = psi(s)
	for j := range 32 {
		s[j] ^= h[j]
	}
	for range 61 {
		s = psi(s)
	}
	return s
}

// fnA is A(y4‖y3‖y2‖y1) = (y1⊕y2)‖y4‖y3‖y2 over 64-bit words, y1 the
// lowest (first) eight bytes.
func fnA(y [32]byte) [32]byte {
	var r [32]byte
	copy(r[:24], y[8:])
	for i := range 8 {
		r[24+i] = y[i] ^ y[8+i]
	}
	return r
}

// fnP is the byte permutation φ(i+1+4(k−1)) = 8i+k of the key
// generation.
func fnP(y [32]byte) [32]byte {
	var r [32]byte
	for i := range 4 {
		for k := range 8 {
			r[i+4*k] = y[8*i+k]
		}
	}
	return r
}

// psi is ψ(y16‖…‖y1) = (y1⊕y2⊕y3⊕y4⊕y13⊕y16)‖y16‖…‖y2 over 16-bit words.
func psi(y [32]byte) [32]byte {
	var r [32]byte
	copy(r[:30], y[2:])
	r[30] = y[0] ^ y[2] ^ y[4] ^ y[6] ^ y[24] ^ y[30]
	r[31] = y[1] ^ y[3] ^ y[5] ^ y[7] ^ y[25] ^ y[31]
	return r
}

// encrypt is ГОСТ 28147-89 simple substitution (32 rounds) of the 8-byte
// block in with the 32-byte key, into out; all little-endian.
func (d *digest) encrypt(key *[32]byte, in, out []byte) {
	var k [8]uint32
	for i := range 8 {
		k[i] = binary.LittleEndian.Uint32(key[4*i:])
	}
	n1, n2 := binary.LittleEndian.Uint32(in), binary.LittleEndian.Uint32(in[4:])
	for r := range 32 {
		ki := r % 8
		if r >= 24 {
			ki = 7 - ki
		}
		n1, n2 = n2^d.f(n1+k[ki]), n1
	}
	binary.LittleEndian.PutUint32(out, n2)
	binary.LittleEndian.PutUint32(out[4:], n1)
}

func (d *digest) f(x uint32) uint32 {
	return d.table[0][x&0xff] ^ d.table[1][x>>8&0xff] ^ d.table[2][x>>16&0xff] ^ d.table[3][x>>24]
}
