package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// Object identifiers of the CMS SignDigest builds (RFC 5652, RFC 5754,
// RFC 8017).
var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
)

// RFC 5652 structures, only as much of them as SignDigest writes.
type (
	cmsContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue // [0] EXPLICIT SignedData
	}
	cmsSignedData struct {
		Version          int
		DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
		EncapContentInfo cmsEncapContentInfo
		Certificates     asn1.RawValue   // [0] IMPLICIT CertificateSet
		SignerInfos      []cmsSignerInfo `asn1:"set"`
	}
	// cmsEncapContentInfo has no eContent: the signature is detached.
	cmsEncapContentInfo struct {
		EContentType asn1.ObjectIdentifier
	}
	cmsSignerInfo struct {
		Version            int
		SID                cmsIssuerAndSerial
		DigestAlgorithm    pkix.AlgorithmIdentifier
		SignedAttrs        asn1.RawValue // [0] IMPLICIT SET OF Attribute
		SignatureAlgorithm pkix.AlgorithmIdentifier
		Signature          []byte
	}
	cmsIssuerAndSerial struct {
		Issuer       asn1.RawValue
		SerialNumber *big.Int
	}
	cmsAttribute struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}
)

// SignDigest makes a detached CMS SignedData (DER, CAdES-BES shape) when
// only the SHA-256 digest of the data is at hand — what a remote signer
// such as Diia.Sign receives and returns. The signed attributes are
// contentType (id-data), messageDigest (= digest) and signingTime; cert is
// included. key must be cert's ECDSA key (signed as ecdsa-with-SHA256) or
// RSA key (PKCS #1 v1.5 with SHA-256). For the data whose SHA-256 is
// digest, VerifyDetached and `openssl cms -verify` accept the result.
//
// github.com/digitorus/pkcs7 cannot do this: it always hashes the content
// itself. So the ASN.1 is written here, following RFC 5652 §5.
func SignDigest(digest []byte, cert *x509.Certificate, key crypto.Signer, signingTime time.Time) ([]byte, error) {
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("signature: sign digest: %d bytes, want a %d-byte SHA-256", len(digest), sha256.Size)
	}
	if cert == nil || key == nil {
		return nil, fmt.Errorf("signature: sign digest: no certificate or key")
	}
	var sigAlg pkix.AlgorithmIdentifier
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		// RFC 5758 §3.2: the parameters field is absent.
		sigAlg = pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
	case *rsa.PublicKey:
		// rsaEncryption with NULL parameters, as RFC 3370 §3.2 and openssl
		// write it; the hash is given by digestAlgorithm.
		sigAlg = pkix.AlgorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue}
	default:
		return nil, fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, key.Public())
	}
	// A mismatched pair would yield a CMS nobody can verify; fail here
	// rather than at the verifier.
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return nil, fmt.Errorf("signature: sign digest: key does not match the certificate")
	}

	// DER wants the SET OF sorted by encoding (X.690 §11.6) and times in
	// UTC with whole seconds; signedAttrs sees to both.
	attrs, err := signedAttrs(digest, signingTime)
	if err != nil {
		return nil, fmt.Errorf("signature: sign digest: %w", err)
	}
	// The signature covers the attributes with their universal SET tag
	// (RFC 5652 §5.4), though they are stored under [0] IMPLICIT.
	toSign, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: attrs})
	if err != nil {
		return nil, fmt.Errorf("signature: sign digest: %w", err)
	}
	h := sha256.Sum256(toSign)
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signature: sign digest: %w", err)
	}

	sha := pkix.AlgorithmIdentifier{Algorithm: oidSHA256} // RFC 5754 §2: parameters absent
	sd, err := asn1.Marshal(cmsSignedData{
		Version:          1, // RFC 5652 §5.1: X.509 certificates, id-data, issuerAndSerialNumber
		DigestAlgorithms: []pkix.AlgorithmIdentifier{sha},
		EncapContentInfo: cmsEncapContentInfo{EContentType: oidData},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: cert.Raw},
		SignerInfos: []cmsSignerInfo{{
			Version:            1,
			SID:                cmsIssuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, SerialNumber: cert.SerialNumber},
			DigestAlgorithm:    sha,
			SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attrs},
			SignatureAlgorithm: sigAlg,
			Signature:          sig,
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("signature: sign digest: %w", err)
	}
	out, err := asn1.Marshal(cmsContentInfo{
		ContentType: oidSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd},
	})
	if err != nil {
		return nil, fmt.Errorf("signature: sign digest: %w", err)
	}
	return out, nil
}

// signedAttrs returns the contents (without tag and length) of the DER
// SET OF signed attributes: each single-valued Attribute encoded, then
// sorted by encoding and concatenated.
func signedAttrs(digest []byte, signingTime time.Time) ([]byte, error) {
	values := []struct {
		typ asn1.ObjectIdentifier
		val any
	}{
		{oidContentType, oidData},
		{oidMessageDigest, digest},
		{oidSigningTime, signingTime.UTC().Truncate(time.Second)},
	}
	enc := make([][]byte, 0, len(values))
	for _, a := range values {
		v, err := asn1.Marshal(a.val)
		if err != nil {
			return nil, err
		}
		b, err := asn1.Marshal(cmsAttribute{Type: a.typ, Values: []asn1.RawValue{{FullBytes: v}}})
		if err != nil {
			return nil, err
		}
		enc = append(enc, b)
	}
	sort.Slice(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 })
	return bytes.Join(enc, nil), nil
}
