package dstu4145

import (
	"errors"
	"fmt"
	"math/big"
)

// Curve is an elliptic curve y^2 + xy = x^3 + A·x^2 + B over GF(2^m) in
// polynomial basis (ДСТУ 4145-2002), with a base point G of prime
// order N.
type Curve struct {
	// OID is the named curve's identifier, nil for a curve given
	// explicitly.
	OID []int
	f   field
	a   elem // 0 or 1
	b   elem
	n   *big.Int
	g   point
}

// point is an affine point; inf marks the point at infinity.
type point struct {
	x, y elem
	inf  bool
}

// Point is a curve point as the tests' signer needs it: the affine
// coordinates as polynomials (bit i is the coefficient of t^i). A nil X
// is the point at infinity.
type Point struct{ X, Y *big.Int }

// Errors of curve parameters and points.
var (
	ErrCurve = errors.New("dstu4145: invalid curve parameters")
	ErrPoint = errors.New("dstu4145: invalid point")
)

// M is the degree of the curve's field GF(2^m).
func (c *Curve) M() int { return c.f.m }

// N is the order of the base point.
func (c *Curve) N() *big.Int { return new(big.Int).Set(c.n) }

// newCurve checks and builds a curve: the reduction polynomial
// t^m + t^k… + 1 (exps are its middle exponents), A, B, N, and the base
// point compressed as the standard writes it (little-endian bytes).
func newCurve(m int, exps []int, a int, b []byte, n *big.Int, bp []byte) (*Curve, error) {
	if m < 2 || m > maxM-1 || m%2 == 0 || (len(exps) != 1 && len(exps) != 3) {
		return nil, fmt.Errorf("%w: field degree %d with %d middle terms", ErrCurve, m, len(exps))
	}
	for _, k := range exps {
		if k <= 0 || k >= m {
			return nil, fmt.Errorf("%w: polynomial term t^%d of a degree %d field", ErrCurve, k, m)
		}
	}
	c := &Curve{f: newField(m, exps)}
	if a != 0 && a != 1 {
		return nil, fmt.Errorf("%w: A = %d", ErrCurve, a)
	}
	c.a = elem{uint64(a)}
	c.b = c.f.truncate(fromLE(b))
	if c.b.isZero() || len(b) > (m+7)/8 {
		return nil, fmt.Errorf("%w: B", ErrCurve)
	}
	if n == nil || n.Sign() <= 0 || n.BitLen() > m+1 || !n.ProbablyPrime(20) {
		return nil, fmt.Errorf("%w: N is not a prime of at most m+1 bits", ErrCurve)
	}
	c.n = n
	g, err := c.decompress(bp)
	if err != nil {
		return nil, fmt.Errorf("%w: base point: %w", ErrCurve, err)
	}
	if !c.mul(g, n).inf {
		return nil, fmt.Errorf("%w: the base point's order is not N", ErrCurve)
	}
	c.g = g
	return c, nil
}

// onCurve reports whether y^2 + xy = x^3 + A·x^2 + B.
func (c *Curve) onCurve(p point) bool {
	if p.inf {
		return true
	}
	f := &c.f
	x2 := f.sqr(p.x)
	lhs := add(f.sqr(p.y), f.mul(p.x, p.y))
	rhs := add(f.mul(x2, p.x), c.b)
	if c.a[0] == 1 {
		rhs = add(rhs, x2)
	}
	return lhs == rhs
}

func (c *Curve) add(p, q point) point {
	switch {
	case p.inf:
		return q
	case q.inf:
		return p
	case p.x == q.x:
		if p.y == q.y {
			return c.double(p)
		}
		return point{inf: true} // q = -p = (x, x + y)
	}
	f := &c.f
	dx := add(p.x, q.x)
	l := f.mul(add(p.y, q.y), f.inv(dx))
	x3 := add(add(add(f.sqr(l), l), dx), c.a)
	y3 := add(add(f.mul(l, add(p.x, x3)), x3), p.y)
	return point{x: x3, y: y3}
}

func (c *Curve) double(p point) point {
	if p.inf || p.x.isZero() {
		return point{inf: true}
	}
	f := &c.f
	l := add(p.x, f.mul(p.y, f.inv(p.x)))
	x3 := add(add(f.sqr(l), l), c.a)
	y3 := add(f.sqr(p.x), f.mul(add(l, elem{1}), x3))
	return point{x: x3, y: y3}
}

// ld is a point in López–Dahab projective coordinates: x = X/Z,
// y = Y/Z^2, and Z = 0 is the point at infinity. Scalar multiplication
// runs in them so that it needs one inversion, not one per step
// (Hankerson, Menezes, Vanstone, "Guide to Elliptic Curve Cryptography",
// §3.2.3).
type ld struct{ x, y, z elem }

func (c *Curve) ldDouble(p ld) ld {
	if p.z.isZero() || p.x.isZero() {
		return ld{}
	}
	f := &c.f
	z2 := f.sqr(p.z)
	x2 := f.sqr(p.x)
	z3 := f.mul(x2, z2)
	bz4 := f.mul(c.b, f.sqr(z2))
	x3 := add(f.sqr(x2), bz4)
	t := add(f.sqr(p.y), bz4)
	if c.a[0] == 1 {
		t = add(t, z3)
	}
	y3 := add(f.mul(bz4, z3), f.mul(x3, t))
	return ld{x: x3, y: y3, z: z3}
}

// ldAdd is p + q for q affine (the "mixed" addition).
func (c *Curve) ldAdd(p ld, q point) ld {
	switch {
	case q.inf:
		return p
	case p.z.isZero():
		return ld{x: q.x, y: q.y, z: elem{1}}
	}
	f := &c.f
	z2 := f.sqr(p.z)
	a := add(p.y, f.mul(q.y, z2))
	b := add(p.x, f.mul(q.x, p.z))
	if b.isZero() {
		if a.isZero() {
			return c.ldDouble(p)
		}
		return ld{}
	}
	cc := f.mul(b, p.z)
	z3 := f.sqr(cc)
	d := f.mul(q.x, z3)
	t := add(a, f.sqr(b))
	if c.a[0] == 1 {
		t = add(t, cc)
	}
	x3 := add(f.sqr(a), f.mul(cc, t))
	y3 := add(f.mul(add(d, x3), add(f.mul(a, cc), z3)), f.mul(add(q.y, q.x), f.sqr(z3)))
	return ld{x: x3, y: y3, z: z3}
}

func (c *Curve) affine(p ld) point {
	if p.z.isZero() {
		return point{inf: true}
	}
	zi := c.f.inv(p.z)
	return point{x: c.f.mul(p.x, zi), y: c.f.mul(p.y, c.f.sqr(zi))}
}

// mul is k·p by double and add, from the most significant bit.
func (c *Curve) mul(p point, k *big.Int) point {
	return c.mul2(p, k, point{inf: true}, new(big.Int))
}

// mul2 is s·p + r·q with one chain of doublings (Shamir's trick).
func (c *Curve) mul2(p point, s *big.Int, q point, r *big.Int) point {
	pq := c.add(p, q)
	var acc ld
	for i := max(s.BitLen(), r.BitLen()) - 1; i >= 0; i-- {
		acc = c.ldDouble(acc)
		switch s.Bit(i)<<1 | r.Bit(i) {
		case 1:
			acc = c.ldAdd(acc, q)
		case 2:
			acc = c.ldAdd(acc, p)
		case 3:
			acc = c.ldAdd(acc, pq)
		}
	}
	return c.affine(acc)
}

// decompress recovers a point from the standard's compressed form: the
// x coordinate whose lowest bit is replaced by Tr(y/x).
// b is little-endian.
func (c *Curve) decompress(b []byte) (point, error) {
	f := &c.f
	if len(b) > (f.m+7)/8 || f.truncate(fromLE(b)) != fromLE(b) {
		return point{}, fmt.Errorf("%w: %d bytes for a degree %d field", ErrPoint, len(b), f.m)
	}
	x := fromLE(b)
	if x.isZero() {
		// (0, √B) is the only point with x = 0.
		return point{y: f.sqrt(c.b)}, nil
	}
	k := x[0] & 1
	x[0] &^= 1
	// For a point of odd order Tr(x) = Tr(A): that fixes x's lowest bit.
	if f.trace(x) != c.a[0] {
		x[0] |= 1
	}
	// z = y/x solves z^2 + z = x + A + B/x^2.
	w := add(add(x, c.a), f.mul(c.b, f.sqr(f.inv(x))))
	if f.trace(w) != 0 {
		return point{}, fmt.Errorf("%w: no point with this x", ErrPoint)
	}
	z := f.halfTrace(w)
	if f.trace(z) != k {
		z = add(z, elem{1})
	}
	p := point{x: x, y: f.mul(z, x)}
	if !c.onCurve(p) {
		return point{}, fmt.Errorf("%w: not on the curve", ErrPoint)
	}
	return p, nil
}

// compress is the inverse of decompress, little-endian in ⌈m/8⌉ bytes.
func (c *Curve) compress(p point) []byte {
	x := p.x
	if !x.isZero() {
		x[0] &^= 1
		x[0] |= c.f.trace(c.f.mul(p.y, c.f.inv(p.x)))
	}
	return x.le((c.f.m + 7) / 8)
}

// BaseMult is k·G, for the tests' signer (verification needs no export
// of it).
func (c *Curve) BaseMult(k *big.Int) Point {
	p := c.mul(c.g, k)
	if p.inf {
		return Point{}
	}
	return Point{X: p.x.big(), Y: p.y.big()}
}

// Compress writes a point as public keys carry it: ⌈m/8⌉ little-endian
// bytes.
func (c *Curve) Compress(p Point) []byte {
	if p.X == nil {
		return make([]byte, (c.f.m+7)/8)
	}
	return c.compress(point{x: fromBig(p.X), y: fromBig(p.Y)})
}
