package signature

import (
	"crypto/x509"
	"hash"

	"hromada/modules/signature/dstu4145"
	"hromada/modules/signature/kupyna"
)

// DSTUHash is a hash a ДСТУ 4145 signature is made over, named for
// signatures outside CMS (an XML-DSig seal names it by URI, not by OID).
type DSTUHash int

// The hashes of ДСТУ 4145 signatures.
const (
	// GOST34311 is ГОСТ 34.311 with the S-boxes of the key's ДКЕ, or ДКЕ
	// №1 when the key carries none: as CMS signatures are hashed.
	GOST34311 DSTUHash = iota + 1
	// Kupyna256 is ДСТУ 7564 (Купина) with a 256-bit output.
	Kupyna256
)

// DSTUKey is a certificate's ДСТУ 4145 public key, read once: reading
// checks the point's order (a scalar multiplication) and the S-boxes, so a
// verifier that hashes and verifies several times reads it once.
type DSTUKey struct {
	pub  *dstu4145.PublicKey
	gost func() hash.Hash
}

// NewDSTUKey reads cert's ДСТУ 4145 key. It returns ErrUnsupportedAlgorithm
// when the key is not one (an ECDSA or RSA certificate), ErrMalformed when
// it is one that cannot be read.
func NewDSTUKey(cert *x509.Certificate) (*DSTUKey, error) {
	pub, err := dstuKey(cert)
	if err != nil {
		return nil, err
	}
	gost, err := gostHash(pub)
	if err != nil {
		return nil, err
	}
	return &DSTUKey{pub: pub, gost: gost}, nil
}

// Sum is data's digest by h, as a signer with this key computes it.
func (k *DSTUKey) Sum(h DSTUHash, data []byte) []byte {
	switch h {
	case GOST34311:
		return sum(k.gost, data)
	case Kupyna256:
		return sum(kupyna.New256, data)
	}
	panic("signature: unknown DSTUHash") // a caller's table names only the ones above
}

// Verify reports whether sig is the key's ДСТУ 4145 signature of digest:
// r‖s as CMS carries it, or r‖s wrapped in a DER OCTET STRING (verifyRS).
func (k *DSTUKey) Verify(digest, sig []byte) bool {
	return verifyRS(k.pub, digest, sig)
}
