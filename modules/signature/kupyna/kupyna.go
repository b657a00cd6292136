// Package kupyna is the hash function "Купина" of DSTU 7564:2014, in its
// 256- and 512-bit variants (Kupyna-256 uses a 512-bit state and 10
// rounds, Kupyna-512 a 1024-bit state and 14 rounds). Ukrainian CMS names
// them 1.2.804.2.1.1.1.1.2.2.1 and 1.2.804.2.1.1.1.1.2.2.3.
//
// Whole bytes only: a message of a bit length that is not a multiple of 8
// (which the standard allows) is never signed in CMS.
//
// This is a verification aid, not a certified means of cryptographic
// protection (see policies/KSZI.md).
package kupyna

import (
	"encoding/binary"
	"hash"
)

// Sizes of the two variants, in bytes.
const (
	Size256 = 32
	Size512 = 64
)

// tables[b][x] is the column that byte x in row b adds after SubBytes and
// MixColumns: byte r of it is mds[r][b]·π_{b mod 4}(x) in GF(2^8) modulo
// x^8+x^4+x^3+x^2+1. The MDS matrix is the circulant of the vector
// (1, 1, 5, 1, 8, 6, 7, 4) of DSTU 7564:2014.
var tables = func() (t [8][256]uint64) {
	v := [8]byte{0x01, 0x01, 0x05, 0x01, 0x08, 0x06, 0x07, 0x04}
	for b := range 8 {
		for x := range 256 {
			s := sbox[b%4][x]
			var col uint64
			for r := range 8 {
				col |= uint64(gfMul(v[(b-r+8)%8], s)) << (8 * r)
			}
			t[b][x] = col
		}
	}
	return t
}()

func gfMul(a, b byte) byte {
	var r byte
	for b != 0 {
		if b&1 != 0 {
			r ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1d
		}
		b >>= 1
	}
	return r
}

type digest struct {
	size   int // hash length in bytes
	cols   int // state columns of 8 bytes: 8 or 16
	rounds int
	state  [16]uint64
	buf    [128]byte
	nbuf   int
	n      uint64 // message length in bytes
}

// New256 returns a Kupyna-256 hash.
func New256() hash.Hash { return newDigest(Size256) }

// New512 returns a Kupyna-512 hash.
func New512() hash.Hash { return newDigest(Size512) }

// Sum256 returns the Kupyna-256 hash of data.
func Sum256(data []byte) [Size256]byte {
	var out [Size256]byte
	d := New256()
	d.Write(data)
	copy(out[:], d.Sum(nil))
	return out
}

// Sum512 returns the Kupyna-512 hash of data.
func Sum512(data []byte) [Size512]byte {
	var out [Size512]byte
	d := New512()
	d.Write(data)
	copy(out[:], d.Sum(nil))
	return out
}

func newDigest(size int) *digest {
	d := &digest{size: size, cols: 8, rounds: 10}
	if size > 32 {
		d.cols, d.rounds = 16, 14
	}
	d.Reset()
	return d
}

func (d *digest) Size() int      { return d.size }
func (d *digest) BlockSize() int { return 8 * d.cols }

func (d *digest) Reset() {
	d.state = [16]uint64{}
	// The initial value: the state's first byte is its length in bytes.
	d.state[0] = uint64(8 * d.cols)
	d.nbuf, d.n = 0, 0
}

func (d *digest) Write(p []byte) (int, error) {
	n := len(p)
	d.n += uint64(n)
	bs := d.BlockSize()
	if d.nbuf > 0 {
		c := copy(d.buf[d.nbuf:bs], p)
		d.nbuf += c
		p = p[c:]
		if d.nbuf < bs {
			return n, nil
		}
		d.block(d.buf[:bs])
		d.nbuf = 0
	}
	for len(p) >= bs {
		d.block(p[:bs])
		p = p[bs:]
	}
	d.nbuf = copy(d.buf[:], p)
	return n, nil
}

// block is the compression function: state ⊕ T⊕(state ⊕ m) ⊕ T+(m).
func (d *digest) block(m []byte) {
	var x, y [16]uint64
	for j := range d.cols {
		y[j] = binary.LittleEndian.Uint64(m[8*j:])
		x[j] = d.state[j] ^ y[j]
	}
	d.permute(&x, false)
	d.permute(&y, true)
	for j := range d.cols {
		d.state[j] ^= x[j] ^ y[j]
	}
}

// permute is T⊕ (xor round constants) or, with additive, T+ (round
// constants added mod 2^64 to each column).
func (d *digest) permute(s *[16]uint64, additive bool) {
	cols := d.cols
	for r := range d.rounds {
		for j := range cols {
			if additive {
				s[j] += 0x00F0F0F0F0F0F0F3 ^ uint64((cols-j-1)<<4^r)<<56
			} else {
				s[j] ^= uint64(j<<4 ^ r)
			}
		}
		// SubBytes, ShiftBytes (row b moves b columns right, row 7 of the
		// 1024-bit state 11) and MixColumns at once.
		var t [16]uint64
		for c := range cols {
			var col uint64
			for b := range 8 {
				shift := b
				if b == 7 && cols == 16 {
					shift = 11
				}
				src := (c - shift + cols) % cols
				col ^= tables[b][byte(s[src]>>(8*b))]
			}
			t[c] = col
		}
		*s = t
	}
}

func (d *digest) Sum(in []byte) []byte {
	dd := *d
	bs := dd.BlockSize()
	// Padding: a one bit, zeros, and the message length in bits as a
	// 96-bit little-endian number, to a whole number of blocks.
	var pad [256]byte
	k := copy(pad[:], dd.buf[:dd.nbuf])
	pad[k] = 0x80
	total := k + 1 + 12
	total = (total + bs - 1) / bs * bs
	binary.LittleEndian.PutUint64(pad[total-12:], dd.n<<3)
	binary.LittleEndian.PutUint32(pad[total-4:], uint32(dd.n>>61))
	for off := 0; off < total; off += bs {
		dd.block(pad[off : off+bs])
	}
	// The output transformation T⊕(state) ⊕ state, then its last bytes.
	x := dd.state
	dd.permute(&x, false)
	var out [128]byte
	for j := range dd.cols {
		binary.LittleEndian.PutUint64(out[8*j:], x[j]^dd.state[j])
	}
	return append(in, out[bs-dd.size:bs]...)
}
