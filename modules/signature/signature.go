// Package signature verifies a resident's qualified electronic signature
// over an application: a detached CMS (PKCS#7) SignedData over the
// application's Canonical bytes, made with a key whose certificate chains to
// a trusted qualified trust service provider and names the signer's РНОКПП.
//
// ECDSA and RSA signatures are verified with Go's crypto. Ukrainian
// qualified signatures are usually ДСТУ 4145-2002 (with the ГОСТ 34.311-95
// or Купина hash): they are verified in Go too (dstu.go, with the packages
// dstu4145, gost34311 and kupyna), and their certificate chain to
// VerifyOptions.DSTUAnchors with them, since Go's x509 knows no ДСТУ
// signature. That Go implementation is not a certified means of
// cryptographic protection: a deployment whose КСЗІ requires certified
// means plugs a certified library (e.g. a UAPKI or IIT EUSignCP build) in
// through VerifyOptions.External, which then verifies every DSTU
// signature instead (policies/KSZI.md).
//
// Getting the signature is a HashSigner's job: the document never leaves
// us, only its SHA-256 does, and a detached CMS comes back. Remote talks
// to a Diia.Sign-shaped service (the protocol is documented on it),
// DevSigner signs in-process for development, and SignDigest builds the
// CMS for both DevSigner and the signtest server.
//
// What is not checked: revocation (CRL/OCSP), RFC 3161 signature
// timestamps, and the qualified status of the issuer (the Roots pool is
// the trust list). The signingTime attribute is the signer's own claim.
package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"hromada/ukid"

	"github.com/digitorus/pkcs7"
)

// Errors returned (wrapped, with context) by VerifyDetached.
var (
	ErrMalformed            = errors.New("signature: malformed CMS")
	ErrNotDetached          = errors.New("signature: CMS is not detached")
	ErrBadSignature         = errors.New("signature: signature does not match the data")
	ErrUntrusted            = errors.New("signature: certificate is not trusted")
	ErrExpired              = errors.New("signature: certificate not valid at signing time")
	ErrNoRNOKPP             = errors.New("signature: certificate has no valid РНОКПП")
	ErrWrongSigner          = errors.New("signature: signed by someone else")
	ErrUnsupportedAlgorithm = errors.New("signature: unsupported signature algorithm")
)

// ExternalVerifier verifies DSTU 4145 signatures in place of this
// package's Go implementation: the seam for a certified library (UAPKI,
// IIT EUSignCP) where the КСЗІ requires certified means. It must do
// everything VerifyDetached does — check the signature over exactly data,
// the chain to its own trust list, validity at signing time — and return
// the signer. The РНОКПП it returns is still validated and compared with
// WantRNOKPP here.
type ExternalVerifier interface {
	Verify(data, cms []byte) (*Signer, error)
}

// VerifyOptions configure VerifyDetached.
type VerifyOptions struct {
	// Roots are the trusted root certificates. Required: with no roots
	// nothing is trusted.
	Roots *x509.CertPool
	// Intermediates are extra intermediate certificates, in addition to
	// those carried in the CMS.
	Intermediates *x509.CertPool
	// At gives the time used when the CMS has no signingTime attribute.
	// Default time.Now.
	At func() time.Time
	// Received, when set, is when a signature was received (a resident's
	// submission, an official's decision): without a trusted timestamp it
	// is judged at that time, never at the signingTime its signer claims
	// (anyone can write any time there). Zero for a signature kept and
	// verified again later (a result's seal): then the signingTime
	// attribute is used, else At().
	Received time.Time
	// TSAs are the trusted time-stamping authorities: a signature
	// timestamp (CAdES-T) by one of them, or by a TSA certificate one of
	// them issued, makes the stamped time the signature's, so a
	// certificate that has expired or been revoked since still stands.
	// Nil: timestamps are ignored.
	TSAs *x509.CertPool
	// WantRNOKPP, if not empty, is the РНОКПП the signer must have.
	WantRNOKPP string
	// Seal accepts a certificate that names no person: an organisation's
	// electronic seal (its results), which carries a ЄДРПОУ, not a РНОКПП.
	Seal bool
	// DSTUAnchors are the trusted certificates for DSTU 4145 chains: the
	// qualified CAs of the Trusted List's DSTU services, each trusted as
	// it is (a self-signed root or an issuing CA). They are certificates,
	// not a pool, because a CertPool cannot be listed and Go's x509
	// cannot check a DSTU signature. Roots are not used for DSTU chains.
	DSTUAnchors []*x509.Certificate
	// External verifies DSTU 4145 signatures instead of this package's
	// Go implementation (a certified library); nil means the Go one.
	External ExternalVerifier
	// Chains, when set with a TrustID, remembers the chains found from
	// signers' certificates to Roots (see ChainCache); not used with
	// Intermediates. TrustID must name what Roots holds — e.g. the
	// SHA-256 of its certificates — and change whenever that changes;
	// zero: no chain is remembered.
	Chains  *ChainCache
	TrustID [32]byte
}

func (o VerifyOptions) now() time.Time {
	if o.At != nil {
		return o.At()
	}
	return time.Now()
}

// Signer is who signed, as their certificate says.
type Signer struct {
	RNOKPP      string
	CommonName  string
	Certificate *x509.Certificate
	// SigningTime is the trusted timestamp's time when there is one, else
	// the signingTime signed attribute (the signer's own claim), else the
	// time it was judged at.
	SigningTime time.Time
	// Timestamp is the time a trusted TSA vouched for (zero without one)
	// and TSA its certificate: the time the signature was checked at,
	// revocation included.
	Timestamp time.Time
	TSA       *x509.Certificate
	// Issuer is the certificate that issued Certificate on the verified
	// chain (the certificate itself when it is an anchor): what its
	// revocation is asked of. Nil from an External verifier.
	Issuer *x509.Certificate
}

var (
	oidSerialNumber    = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidUADRFO          = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 11, 1, 4, 1, 1}
	oidSubjectDirAttrs = asn1.ObjectIdentifier{2, 5, 29, 9}
	// DSTU 4145 signatures are 1.2.804.2.1.1.1.1.3.1.1(.x); the GOST
	// 34.311 hash is 1.2.804.2.1.1.1.1.2.1. Both are under this arc.
	oidDSTUFamily = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1}
)

// VerifyDetached verifies that cms (DER, or PEM with a "PKCS7" or "CMS"
// block) is a detached CMS SignedData with one signer whose signature
// covers exactly data, that the signer's certificate chains to
// opts.Roots (a ДСТУ 4145 one: to opts.DSTUAnchors) and was valid at the
// signing time, and that it names a valid РНОКПП (equal to
// opts.WantRNOKPP if that is set).
//
// The РНОКПП is taken from the certificate subject's serialNumber
// attribute ("TINUA-1234567890" or bare "1234567890"), else from the
// Ukrainian ДРФО attribute 1.2.804.2.1.1.1.11.1.4.1.1 in the subject or
// in the subjectDirectoryAttributes extension.
func VerifyDetached(data, cms []byte, opts VerifyOptions) (*Signer, error) {
	der := cms
	if b, _ := pem.Decode(cms); b != nil {
		if b.Type != "PKCS7" && b.Type != "CMS" {
			return nil, fmt.Errorf("%w: PEM block %q", ErrMalformed, b.Type)
		}
		der = b.Bytes
	}
	// DSTU signers are read here, not by pkcs7, which knows none of their
	// algorithms and re-encodes the signed attributes.
	sd, err := parseSignedData(der)
	if err != nil {
		sd = nil // BER, say: pkcs7 below may still read it
	}
	if sd != nil && len(sd.signers) == 1 && (isDSTU(sd.signers[0].sigAlg) || isDSTU(sd.signers[0].digestAlg)) {
		if opts.External != nil {
			return verifyExternal(data, der, opts)
		}
		return verifyDSTU(data, sd, opts)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("%w: %d signers, want 1", ErrMalformed, len(p7.Signers))
	}
	if si := p7.Signers[0]; isDSTU(si.DigestEncryptionAlgorithm.Algorithm) || isDSTU(si.DigestAlgorithm.Algorithm) {
		// A DSTU CMS the DER reader above refused (BER, say): a certified
		// library may read it; the Go implementation does not.
		if opts.External != nil {
			return verifyExternal(data, der, opts)
		}
		return nil, fmt.Errorf("%w: a ДСТУ 4145 CMS is read only in DER", ErrMalformed)
	}
	if len(p7.Content) > 0 {
		return nil, fmt.Errorf("%w: it carries %d bytes of content", ErrNotDetached, len(p7.Content))
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil, fmt.Errorf("%w: signer's certificate is not in the CMS", ErrMalformed)
	}

	var claimed time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &claimed); err != nil {
		claimed = time.Time{}
	}
	var si *signerInfo
	if sd != nil && len(sd.signers) == 1 {
		si = &sd.signers[0]
	}
	at, stamp := opts.judgedAt(si, claimed)
	if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
		return nil, fmt.Errorf("%w: signed at %s, certificate valid %s to %s", ErrExpired,
			at.UTC().Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}

	// Signature over exactly data. Verify with no roots checks only the
	// signature (and the message digest of data in the signed attributes).
	p7.Content = data
	if err := p7.Verify(); err != nil {
		if errors.Is(err, x509.ErrUnsupportedAlgorithm) || strings.Contains(err.Error(), "unsupported") {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedAlgorithm, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}

	if opts.Roots == nil {
		return nil, fmt.Errorf("%w: no trusted roots configured", ErrUntrusted)
	}
	issuer, err := chainIssuer(cert, p7.Certificates, at, opts)
	if err != nil {
		return nil, err
	}
	s, err := signerOf(cert, at, opts)
	if err != nil {
		return nil, err
	}
	stamp.apply(s, claimed)
	s.Issuer = issuer
	return s, nil
}

// chainIssuer chains cert to opts.Roots at the time at, with the CMS's
// certificates certs as intermediates, and returns the certificate that
// issued cert on the chain (cert itself when it is a root). A chain
// remembered in opts.Chains for the same certificates and trust set is
// used when all its certificates are valid at at.
func chainIssuer(cert *x509.Certificate, certs []*x509.Certificate, at time.Time, opts VerifyOptions) (*x509.Certificate, error) {
	var key chainKey
	cache := opts.Chains != nil && opts.TrustID != [32]byte{} && opts.Intermediates == nil
	if cache {
		key = chainKeyOf(opts.TrustID, cert, certs)
		if c := opts.Chains.get(key); c != nil && c.validAt(at) {
			return c.issuer, nil
		}
	}
	inter := x509.NewCertPool()
	if opts.Intermediates != nil {
		inter = opts.Intermediates.Clone()
	}
	for _, c := range certs {
		inter.AddCert(c)
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots:         opts.Roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			return nil, fmt.Errorf("%w: %v", ErrExpired, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	if cache {
		opts.Chains.put(key, chains[0])
	}
	if len(chains[0]) > 1 {
		return chains[0][1], nil
	}
	return cert, nil
}

// verifyExternal hands a DSTU CMS to the plugged-in verifier and checks
// the РНОКПП it returns.
func verifyExternal(data, der []byte, opts VerifyOptions) (*Signer, error) {
	s, err := opts.External.Verify(data, der)
	if err != nil {
		return nil, err
	}
	if !ukid.ValidRNOKPP(s.RNOKPP) {
		return nil, fmt.Errorf("%w: external verifier returned %q", ErrNoRNOKPP, s.RNOKPP)
	}
	if opts.WantRNOKPP != "" && s.RNOKPP != opts.WantRNOKPP {
		return nil, fmt.Errorf("%w: signer's РНОКПП %s", ErrWrongSigner, s.RNOKPP)
	}
	return s, nil
}

// signerOf is who signed, once the signature and chain are good: the
// РНОКПП the certificate names (none for a seal), which must be
// opts.WantRNOKPP if that is set.
func signerOf(cert *x509.Certificate, at time.Time, opts VerifyOptions) (*Signer, error) {
	rnokpp, err := RNOKPP(cert)
	if err != nil && !(opts.Seal && opts.WantRNOKPP == "") {
		return nil, err
	}
	if opts.WantRNOKPP != "" && rnokpp != opts.WantRNOKPP {
		return nil, fmt.Errorf("%w: signer's РНОКПП %s", ErrWrongSigner, rnokpp)
	}
	return &Signer{RNOKPP: rnokpp, CommonName: cert.Subject.CommonName, Certificate: cert, SigningTime: at}, nil
}

// stamp is a signature's trusted timestamp, zero without one.
type stamp struct {
	at  time.Time
	tsa *x509.Certificate
}

// judgedAt is the time a signature is judged at: a trusted timestamp's
// (the signer's signature-time-stamp token, see signatureTimestamp); else
// the receipt time, when o.Received is set; else the signingTime the
// signer claims; else o.At().
func (o VerifyOptions) judgedAt(si *signerInfo, claimed time.Time) (time.Time, stamp) {
	if si != nil {
		if at, tsa, err := signatureTimestamp(*si, o.TSAs); err == nil {
			return at, stamp{at: at, tsa: tsa}
		}
	}
	switch {
	case !o.Received.IsZero():
		return o.Received, stamp{}
	case !claimed.IsZero():
		return claimed, stamp{}
	}
	return o.now(), stamp{}
}

// apply records the timestamp on s, and the signing time: the stamped
// one, else what the signer claimed (kept for the record even when the
// signature was judged at its receipt).
func (st stamp) apply(s *Signer, claimed time.Time) {
	s.Timestamp, s.TSA = st.at, st.tsa
	switch {
	case !st.at.IsZero():
		s.SigningTime = st.at
	case !claimed.IsZero():
		s.SigningTime = claimed
	}
}

func isDSTU(oid asn1.ObjectIdentifier) bool {
	if len(oid) < len(oidDSTUFamily) {
		return false
	}
	return oid[:len(oidDSTUFamily)].Equal(oidDSTUFamily)
}

// RNOKPP returns the РНОКПП a certificate names (see VerifyDetached for
// where it looks), or an error wrapping ErrNoRNOKPP if it names none that
// passes ukid.ValidRNOKPP.
func RNOKPP(cert *x509.Certificate) (string, error) {
	var found []string
	for _, n := range cert.Subject.Names {
		s, ok := n.Value.(string)
		if !ok {
			continue
		}
		switch {
		case n.Type.Equal(oidSerialNumber):
			if v, ok := strings.CutPrefix(s, "TINUA-"); ok {
				found = append(found, v)
			} else if len(s) == 10 {
				found = append(found, s)
			}
		case n.Type.Equal(oidUADRFO):
			found = append(found, s)
		}
	}
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidSubjectDirAttrs) {
			continue
		}
		var attrs []struct {
			Type   asn1.ObjectIdentifier
			Values []asn1.RawValue `asn1:"set"`
		}
		if rest, err := asn1.Unmarshal(ext.Value, &attrs); err != nil || len(rest) > 0 {
			continue
		}
		for _, a := range attrs {
			if !a.Type.Equal(oidUADRFO) {
				continue
			}
			for _, v := range a.Values {
				var s string
				if _, err := asn1.Unmarshal(v.FullBytes, &s); err == nil {
					found = append(found, s)
				} else {
					found = append(found, string(bytes.TrimSpace(v.Bytes)))
				}
			}
		}
	}
	for _, s := range found {
		if ukid.ValidRNOKPP(s) {
			return s, nil
		}
	}
	if len(found) > 0 {
		return "", fmt.Errorf("%w: %q fails the check digit", ErrNoRNOKPP, found)
	}
	return "", fmt.Errorf("%w: subject %q", ErrNoRNOKPP, cert.Subject.String())
}
