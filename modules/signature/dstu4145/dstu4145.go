// Package dstu4145 verifies digital signatures of ДСТУ 4145-2002, the
// Ukrainian elliptic-curve signature over binary fields GF(2^m) in
// polynomial basis, as Ukrainian qualified certificates and CMS carry them:
// the curve named by its OID (1.2.804.2.1.1.1.1.3.1.1.2.0–9, the ten
// curves of the standard) or given explicitly, the public key as a
// compressed point, the signature as r and s, little-endian, in one octet
// string, and the hash (ГОСТ 34.311-95 or Купина) read as a little-endian
// number.
//
// Only verification is here: nothing secret is handled, so nothing needs
// to run in constant time. The tests' signer is in dstu4145test. This is a
// verification aid, not a certified means of cryptographic protection
// (КСЗІ): see policies/KSZI.md.
package dstu4145

import (
	"math/big"
)

// PublicKey is a signer's public point Q on its curve, with the ГОСТ
// 28147-89 S-box set (dke) of its parameters if they carry one.
type PublicKey struct {
	Curve *Curve
	q     point
	// DKE is the packed S-box set of the key's parameters (64 bytes), nil
	// when they carry none (the ДКЕ №1 default then applies).
	DKE []byte
}

// NewPublicKey returns the key whose point is compressed in q
// (little-endian), checking that it is a point of order N.
func NewPublicKey(c *Curve, q []byte) (*PublicKey, error) {
	p, err := c.decompress(q)
	if err != nil {
		return nil, err
	}
	if p.x.isZero() || !c.mul(p, c.n).inf {
		return nil, ErrPoint
	}
	return &PublicKey{Curve: c, q: p}, nil
}

// hashElem is the standard's conversion of a hash to a field element:
// the hash read as a little-endian number, as Ukrainian CMS and
// certificates write it, cut to m bits; zero becomes one.
func (c *Curve) hashElem(digest []byte) elem {
	h := c.f.truncate(fromLE(digest))
	if h.isZero() {
		h[0] = 1
	}
	return h
}

// rFrom is the standard's r from R's x coordinate and the hash element:
// the polynomial h·x read as a number, cut to L(N)−1 bits.
func (c *Curve) rFrom(x, h elem) *big.Int {
	y := c.f.mul(h, x)
	mask := new(big.Int).Lsh(big.NewInt(1), uint(c.n.BitLen()-1))
	return y.big().And(y.big(), mask.Sub(mask, big.NewInt(1)))
}

// SignatureR is r for a signer whose R = e·G has x coordinate x, over
// digest: for the tests' signer, which must compute it exactly as Verify
// does.
func (c *Curve) SignatureR(x *big.Int, digest []byte) *big.Int {
	return c.rFrom(fromBig(x), c.hashElem(digest))
}

// Verify reports whether sig is a valid signature by pub over digest.
// sig is the octet string's content: r then s, each little-endian in half
// of it (as Ukrainian CMS and certificates carry it).
func Verify(pub *PublicKey, digest, sig []byte) bool {
	c := pub.Curve
	if len(sig) == 0 || len(sig)%2 != 0 || len(digest) == 0 {
		return false
	}
	half := len(sig) / 2
	r, s := leInt(sig[:half]), leInt(sig[half:])
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(c.n) >= 0 || s.Cmp(c.n) >= 0 {
		return false
	}
	// R = s·G + r·Q; the signature is good when r = rFrom(x(R), h).
	R := c.mul2(c.g, s, pub.q, r)
	if R.inf {
		return false
	}
	return c.rFrom(R.x, c.hashElem(digest)).Cmp(r) == 0
}

func leInt(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i, x := range b {
		be[len(b)-1-i] = x
	}
	return new(big.Int).SetBytes(be)
}
