package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"time"

	"hromada/modules/signature/dstu4145"
	"hromada/modules/signature/gost34311"
	"hromada/modules/signature/kupyna"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Algorithms of Ukrainian CMS and certificates (the arc
// 1.2.804.2.1.1.1.1 of the Ukrainian crypto authority; UAPKI lists them in
// library/common/pkix/oids.h).
var (
	oidGOST34311 = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 2, 1}
	oidKupyna256 = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 2, 2, 1}
	oidKupyna512 = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 2, 2, 3}
	// oidDSTU4145WithGOST34311 is the parent arc some CMS name the
	// signature with; the key's own OID (dstu4145.OIDPolynomialLE) is
	// what most write.
	oidDSTU4145WithGOST34311 = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 3, 1}
	// ДСТУ 4145 with Kupyna-256 / -512, polynomial basis.
	oidDSTU4145WithKupyna256 = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 3, 6, 1, 1}
	oidDSTU4145WithKupyna512 = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 3, 6, 3, 1}
)

// DSTU verifies ДСТУ 4145-2002 signatures in Go (the packages dstu4145,
// gost34311 and kupyna): the default for DSTU signatures when
// VerifyOptions.External is nil. It is not a certified means of
// cryptographic protection; a deployment whose КСЗІ requires one plugs a
// certified library in through VerifyOptions.External (policies/KSZI.md).
//
// A DSTU chain cannot be checked by Go's x509 (it knows no ДСТУ 4145
// signature), so it is built here, from the signer's certificate through
// the CMS's certificates to one of VerifyOptions.DSTUAnchors.
func verifyDSTU(data []byte, sd *signedData, opts VerifyOptions) (*Signer, error) {
	if sd.attached {
		return nil, fmt.Errorf("%w: it carries its content", ErrNotDetached)
	}
	si := sd.signers[0]
	sd.readCerts()
	cert := sd.signerCert(si)
	if cert == nil && sd.certErr != nil {
		return nil, fmt.Errorf("%w: a certificate in the CMS: %v", ErrMalformed, sd.certErr)
	}
	if cert == nil {
		return nil, fmt.Errorf("%w: signer's certificate is not in the CMS", ErrMalformed)
	}
	pub, err := dstuKey(cert)
	if err != nil {
		return nil, err
	}
	newHash, err := cmsHash(si.digestAlg, si.sigAlg, pub)
	if err != nil {
		return nil, err
	}
	digest := sum(newHash, data)

	var claimed time.Time
	toSign := digest
	if si.signedAttrs != nil {
		a, err := si.attrs()
		if err != nil {
			return nil, fmt.Errorf("%w: signed attributes: %v", ErrMalformed, err)
		}
		if !a.contentType.Equal(oidData) {
			return nil, fmt.Errorf("%w: content type %s, want id-data", ErrMalformed, a.contentType)
		}
		if !bytes.Equal(a.messageDigest, digest) {
			return nil, fmt.Errorf("%w: the message digest is not the data's", ErrBadSignature)
		}
		claimed = a.signingTime
		toSign = sum(newHash, si.signedAttrsToSign())
	}
	if !verifyRS(pub, toSign, si.signature) {
		return nil, fmt.Errorf("%w: ДСТУ 4145 signature does not verify", ErrBadSignature)
	}
	at, stamp := opts.judgedAt(&si, claimed)
	if err := validAt(cert, at); err != nil {
		return nil, err
	}
	if err := verifyDSTUChain(cert, sd.certs, opts.DSTUAnchors, at); err != nil {
		return nil, err
	}
	s, err := signerOf(cert, at, opts)
	if err != nil {
		return nil, err
	}
	stamp.apply(s, claimed)
	s.Issuer = directIssuer(cert, opts.DSTUAnchors, sd.certs)
	return s, nil
}

// verifyRS checks r‖s as the octet string's content, or (as some writers
// do) wrapped in another octet string.
func verifyRS(pub *dstu4145.PublicKey, digest, sig []byte) bool {
	if dstu4145.Verify(pub, digest, sig) {
		return true
	}
	var inner []byte
	rest, err := asn1.Unmarshal(sig, &inner)
	return err == nil && len(rest) == 0 && dstu4145.Verify(pub, digest, inner)
}

func sum(newHash func() hash.Hash, b []byte) []byte {
	h := newHash()
	h.Write(b)
	return h.Sum(nil)
}

// dstuKey is cert's ДСТУ 4145 public key.
func dstuKey(cert *x509.Certificate) (*dstu4145.PublicKey, error) {
	pub, err := dstu4145.ParsePublicKey(cert.RawSubjectPublicKeyInfo)
	switch {
	case errors.Is(err, dstu4145.ErrBigEndian) || errors.Is(err, dstu4145.ErrNotDSTU):
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedAlgorithm, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %q's ДСТУ 4145 key: %v", ErrMalformed, cert.Subject.CommonName, err)
	}
	return pub, nil
}

// gostHash is ГОСТ 34.311 with the S-boxes of the key's parameters, or ДКЕ
// №1 when they carry none.
func gostHash(pub *dstu4145.PublicKey) (func() hash.Hash, error) {
	sbox := gost34311.DefaultSBox
	if pub.DKE != nil {
		var err error
		if sbox, err = gost34311.UnpackSBox(pub.DKE); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	}
	return func() hash.Hash { return gost34311.New(sbox) }, nil
}

// cmsHash is the hash a ДСТУ signer used: its digest algorithm, which
// the signature algorithm must agree with.
func cmsHash(digestAlg, sigAlg asn1.ObjectIdentifier, pub *dstu4145.PublicKey) (func() hash.Hash, error) {
	generic := sigAlg.Equal(dstu4145.OIDPolynomialLE) || sigAlg.Equal(oidDSTU4145WithGOST34311)
	switch {
	case digestAlg.Equal(oidGOST34311) && generic:
		return gostHash(pub)
	case digestAlg.Equal(oidKupyna256) && (generic || sigAlg.Equal(oidDSTU4145WithKupyna256)):
		return kupyna.New256, nil
	case digestAlg.Equal(oidKupyna512) && (generic || sigAlg.Equal(oidDSTU4145WithKupyna512)):
		return kupyna.New512, nil
	}
	return nil, fmt.Errorf("%w: ДСТУ 4145 signature %s with digest %s", ErrUnsupportedAlgorithm, sigAlg, digestAlg)
}

// certHash is the hash a ДСТУ certificate's signature algorithm names.
func certHash(sigAlg asn1.ObjectIdentifier, issuer *dstu4145.PublicKey) (func() hash.Hash, error) {
	switch {
	case sigAlg.Equal(dstu4145.OIDPolynomialLE) || sigAlg.Equal(oidDSTU4145WithGOST34311):
		return gostHash(issuer)
	case sigAlg.Equal(oidDSTU4145WithKupyna256):
		return kupyna.New256, nil
	case sigAlg.Equal(oidDSTU4145WithKupyna512):
		return kupyna.New512, nil
	}
	return nil, fmt.Errorf("%w: certificate signature algorithm %s", ErrUnsupportedAlgorithm, sigAlg)
}

// keyCache reads each issuer's ДСТУ key once per chain walk: reading one
// checks its order, a scalar multiplication.
type keyCache map[*x509.Certificate]*dstu4145.PublicKey

func (k keyCache) get(c *x509.Certificate) (*dstu4145.PublicKey, error) {
	if pub, ok := k[c]; ok {
		return pub, nil
	}
	pub, err := dstuKey(c)
	if err != nil {
		return nil, err
	}
	k[c] = pub
	return pub, nil
}

// certSignedBy checks cert's signature with issuer's key: ДСТУ 4145 when
// the issuer's key is one, Go's x509 otherwise.
func certSignedBy(cert, issuer *x509.Certificate, keys keyCache) error {
	if issuer.PublicKeyAlgorithm != x509.UnknownPublicKeyAlgorithm {
		return cert.CheckSignatureFrom(issuer)
	}
	pub, err := keys.get(issuer)
	if err != nil {
		return err
	}
	// Go's x509 keeps no OID of an algorithm it does not know: read it.
	in := cryptobyte.String(cert.Raw)
	var c, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&c, cbasn1.SEQUENCE) || !c.SkipASN1(cbasn1.SEQUENCE) ||
		!c.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return fmt.Errorf("%w: certificate %q", ErrMalformed, cert.Subject.CommonName)
	}
	newHash, err := certHash(oid, pub)
	if err != nil {
		return err
	}
	var rs []byte
	if rest, err := asn1.Unmarshal(cert.Signature, &rs); err != nil || len(rest) > 0 {
		return fmt.Errorf("%w: certificate %q: signature value", ErrMalformed, cert.Subject.CommonName)
	}
	if !dstu4145.Verify(pub, sum(newHash, cert.RawTBSCertificate), rs) {
		return fmt.Errorf("%w: %q is not signed by %q", ErrUntrusted, cert.Subject.CommonName, issuer.Subject.CommonName)
	}
	return nil
}
