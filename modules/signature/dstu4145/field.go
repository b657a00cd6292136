package dstu4145

import (
	"math/big"
	"math/bits"
)

// words is enough 64-bit words for every field of the standard (m ≤ 431,
// and the reduction polynomial's bit m with it).
const words = 7

// maxM is the largest field degree elem can hold with its reduction
// polynomial.
const maxM = words*64 - 1

// elem is an element of GF(2^m) in polynomial basis: bit i of the words
// (least significant word first) is the coefficient of t^i.
type elem [words]uint64

// field is GF(2^m) modulo the trinomial or pentanomial poly (which has
// bit m set).
type field struct {
	m    int
	poly elem
	// terms are the exponents of poly: m, the middle ones and 0.
	terms []int
}

func newField(m int, exps []int) field {
	f := field{m: m, terms: append([]int{m, 0}, exps...)}
	for _, k := range f.terms {
		f.poly[k/64] |= 1 << (k % 64)
	}
	return f
}

func (a *elem) isZero() bool { return *a == elem{} }

func (a *elem) degree() int {
	for w := words - 1; w >= 0; w-- {
		if a[w] != 0 {
			return 64*w + 63 - bits.LeadingZeros64(a[w])
		}
	}
	return -1
}

func add(a, b elem) elem {
	for i := range a {
		a[i] ^= b[i]
	}
	return a
}

func shr1(a *elem) {
	for i := range words - 1 {
		a[i] = a[i]>>1 | a[i+1]<<63
	}
	a[words-1] >>= 1
}

// mul is a·b mod poly: the left-to-right comb with 4-bit windows
// (Hankerson, Menezes, Vanstone, "Guide to Elliptic Curve Cryptography",
// Algorithm 2.36), then reduce. Constant time is not needed: verification
// handles nothing secret.
func (f *field) mul(a, b elem) elem {
	var tab [16][words + 1]uint64
	for u := 1; u < 16; u++ {
		for bit := range 4 {
			if u>>bit&1 == 0 {
				continue
			}
			var carry uint64
			for i := range words {
				w := a[i]
				if bit > 0 {
					tab[u][i] ^= w<<bit | carry
					carry = w >> (64 - bit)
				} else {
					tab[u][i] ^= w
				}
			}
			tab[u][words] ^= carry
		}
	}
	var c [2*words + 1]uint64
	for k := 15; k >= 0; k-- {
		for j := range words {
			u := b[j] >> (4 * k) & 15
			if u == 0 {
				continue
			}
			for i := range words + 1 {
				c[i+j] ^= tab[u][i]
			}
		}
		if k > 0 {
			for i := len(c) - 1; i > 0; i-- {
				c[i] = c[i]<<4 | c[i-1]>>60
			}
			c[0] <<= 4
		}
	}
	return f.reduce(c[:])
}

// reduce is c mod poly for a product of two reduced elements, a word at
// a time from the top: the bits at and above t^m of a word are cleared
// and added back at each lower term of the polynomial.
func (f *field) reduce(c []uint64) elem {
	for i := len(c) - 1; i >= f.m/64; i-- {
		for {
			w := c[i]
			if lo := f.m - 64*i; lo > 0 {
				w = w >> lo << lo // only the bits at and above t^m
			}
			if w == 0 {
				break
			}
			c[i] ^= w
			for _, e := range f.terms[1:] {
				xorShifted(c, w, 64*i-f.m+e)
			}
		}
	}
	var r elem
	copy(r[:], c)
	return r
}

// xorShifted adds w·t^shift to c. A negative shift moves w down within
// the first word (reduce's boundary word lands there whole).
func xorShifted(c []uint64, w uint64, shift int) {
	if shift < 0 {
		c[0] ^= w >> -shift
		return
	}
	q, r := shift/64, shift%64
	c[q] ^= w << r
	if r != 0 && q+1 < len(c) {
		c[q+1] ^= w >> (64 - r)
	}
}

func (f *field) sqr(a elem) elem { return f.mul(a, a) }

// inv is a^-1 by the binary extended Euclidean algorithm for
// polynomials; inv of zero is zero (callers never ask for it).
func (f *field) inv(a elem) elem {
	if a.isZero() {
		return elem{}
	}
	one := elem{1}
	u, v := a, f.poly
	g1, g2 := one, elem{}
	for u != one && v != one {
		if u.isZero() || v.isZero() {
			// a and the modulus share a factor: a reducible polynomial,
			// which a certificate's explicit curve can name. There is no
			// inverse, and shifting a zero would loop for ever.
			return elem{}
		}
		for u[0]&1 == 0 {
			shr1(&u)
			if g1[0]&1 == 1 {
				g1 = add(g1, f.poly)
			}
			shr1(&g1)
		}
		for v[0]&1 == 0 {
			shr1(&v)
			if g2[0]&1 == 1 {
				g2 = add(g2, f.poly)
			}
			shr1(&g2)
		}
		if u.degree() > v.degree() {
			u, g1 = add(u, v), add(g1, g2)
		} else {
			v, g2 = add(v, u), add(g2, g1)
		}
	}
	if u == one {
		return g1
	}
	return g2
}

// trace is Tr(a) = a + a^2 + a^4 + … + a^(2^(m-1)), which is 0 or 1.
func (f *field) trace(a elem) uint64 {
	t := a
	s := a
	for range f.m - 1 {
		s = f.sqr(s)
		t = add(t, s)
	}
	return t[0] & 1
}

// halfTrace is a + a^(2^2) + a^(2^4) + … + a^(2^(m-1)) for odd m: a
// solution z of z^2 + z = a when Tr(a) = 0.
func (f *field) halfTrace(a elem) elem {
	t := a
	s := a
	for range (f.m - 1) / 2 {
		s = f.sqr(f.sqr(s))
		t = add(t, s)
	}
	return t
}

// sqrt is a^(2^(m-1)), the square root in GF(2^m).
func (f *field) sqrt(a elem) elem {
	for range f.m - 1 {
		a = f.sqr(a)
	}
	return a
}

// truncate keeps the m lowest bits of a (the standard's truncation of a
// bit string to a field element).
func (f *field) truncate(a elem) elem {
	for i := range words {
		lo := 64 * i
		switch {
		case lo >= f.m:
			a[i] = 0
		case lo+64 > f.m:
			a[i] &= 1<<(f.m-lo) - 1
		}
	}
	return a
}

// fromLE reads little-endian bytes into an element, without reduction;
// bytes beyond the element's capacity are ignored.
func fromLE(b []byte) elem {
	var a elem
	for i, x := range b {
		if i/8 < words {
			a[i/8] |= uint64(x) << (8 * (i % 8))
		}
	}
	return a
}

// le writes the element as n little-endian bytes.
func (a *elem) le(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		if i/8 < words {
			b[i] = byte(a[i/8] >> (8 * (i % 8)))
		}
	}
	return b
}

func (a *elem) big() *big.Int {
	b := a.le(8 * words)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return new(big.Int).SetBytes(b)
}

func fromBig(x *big.Int) elem {
	b := x.Bytes()
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return fromLE(b)
}
