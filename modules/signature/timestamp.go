package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// oidSignatureTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161
// appendix A; CAdES-T): an unsigned attribute of the signer holding a
// TSA's timestamp over the signature value.
var oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// errNoTimestamp: the signer carries no signature timestamp.
var errNoTimestamp = errors.New("no signature timestamp")

// signatureTimestamp returns the time a trusted TSA vouches the signature
// value existed at, with the TSA's certificate: the signer's
// signature-time-stamp token must parse, its own signature must verify,
// its message imprint must be the hash of exactly this signature value,
// and its signer must be a time-stamping certificate (extended key usage
// timeStamping) chaining to tsas at the stamped time.
//
// Any failure is an error, and the caller then ignores the token: a
// timestamp is trusted or it is nothing — the signature is checked at its
// receipt time instead, as without one. ДСТУ-signed tokens do not parse
// here (Go's CMS reader knows no ДСТУ algorithm) and are ignored the same
// way.
func signatureTimestamp(si signerInfo, tsas *x509.CertPool) (time.Time, *x509.Certificate, error) {
	token := si.timestampToken()
	if token == nil {
		return time.Time{}, nil, errNoTimestamp
	}
	if tsas == nil {
		return time.Time{}, nil, errors.New("no time-stamping authority is trusted")
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("the timestamp token: %w", err)
	}
	if !ts.HashAlgorithm.Available() {
		return time.Time{}, nil, fmt.Errorf("the timestamp's hash %v is not supported", ts.HashAlgorithm)
	}
	h := ts.HashAlgorithm.New()
	h.Write(si.signature)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		return time.Time{}, nil, errors.New("the timestamp is for another signature")
	}
	// timestamp.Parse verified the token's signature only if the token
	// carries certificates; one without them names a TSA we cannot check.
	if len(ts.Certificates) == 0 {
		return time.Time{}, nil, errors.New("the timestamp carries no certificate of its TSA")
	}
	tsa := ts.Certificates[0]
	// Go's chain check lets a certificate with no extended key usage
	// serve any; RFC 3161 §2.3 wants a TSA's to say timeStamping.
	if !slices.Contains(tsa.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return time.Time{}, nil, fmt.Errorf("%q is not a time-stamping certificate", tsa.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, c := range ts.Certificates[1:] {
		inter.AddCert(c)
	}
	if _, err := tsa.Verify(x509.VerifyOptions{Roots: tsas, Intermediates: inter, CurrentTime: ts.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		return time.Time{}, nil, fmt.Errorf("the TSA %q: %w", tsa.Subject.CommonName, err)
	}
	return ts.Time, tsa, nil
}

// timestampToken is the first signature-time-stamp token among the
// signer's unsigned attributes, nil if there is none.
func (s signerInfo) timestampToken() []byte {
	in := cryptobyte.String(s.unsignedAttrs)
	for !in.Empty() {
		var attr, values cryptobyte.String
		var typ asn1.ObjectIdentifier
		if !in.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&typ) || !attr.ReadASN1(&values, cbasn1.SET) {
			return nil
		}
		var token cryptobyte.String
		if typ.Equal(oidSignatureTimeStampToken) && values.ReadASN1Element(&token, cbasn1.SEQUENCE) {
			return token
		}
	}
	return nil
}

// StampedAt is the time a trusted TSA (one of tsas) stamped the only
// signer of cms (DER or PEM) with, and whether it did: for finding the
// trust that held then, before the signature itself is verified.
func StampedAt(cms []byte, tsas *x509.CertPool) (time.Time, bool) {
	der := cms
	if b, _ := pem.Decode(cms); b != nil {
		der = b.Bytes
	}
	sd, err := parseSignedData(der)
	if err != nil || len(sd.signers) != 1 {
		return time.Time{}, false
	}
	at, _, err := signatureTimestamp(sd.signers[0], tsas)
	return at, err == nil
}
