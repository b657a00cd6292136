package documents

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// Verify is the tests' relying party: it checks what Seal made the way a
// reader of the PDF and its .p7s would, with code that shares only OIDs with
// Seal. Production code does not call it (the verification page checks the
// stored PDF's SHA-256 and the detached seal with signature.VerifyDetached),
// so it lives here, exported to the package's external tests.

// ErrNotValid is Verify's error when a signature does not verify.
var ErrNotValid = errors.New("documents: signature does not verify")

// Verified is what Verify found in a sealed pair.
type Verified struct {
	// Certificate is the seal's certificate (the same in both signatures).
	Certificate *x509.Certificate
	// SigningTime is the detached signature's signingTime attribute: the
	// signer's own clock.
	SigningTime time.Time
	// Timestamp is the time a time-stamping authority vouched for, when
	// the detached signature carries a timestamp; zero otherwise. The
	// TSA's certificate is not checked against a trust list here.
	Timestamp time.Time
	// SHA256 is the hex SHA-256 of the PDF.
	SHA256 string
}

// Verify checks a sealed result as a relying party would: that cms is a
// detached CMS over exactly doc with one signer whose certificate chains
// to roots (and was valid at the signing time, or at the timestamp's
// time when there is one), carrying a matching ESS signing-certificate-v2
// attribute; and that doc's own signature is valid over its byte range,
// covers the whole file, and is made with the same certificate. Errors
// wrap ErrNotValid (or ErrNotPDF).
//
// It checks no revocation (the development CA publishes none) and does
// not decide whether the certificate is qualified: roots is the trust
// list.
func Verify(doc, cms []byte, roots *x509.CertPool) (*Verified, error) {
	if !bytes.HasPrefix(doc, []byte("%PDF-")) {
		return nil, ErrNotPDF
	}
	if roots == nil {
		return nil, fmt.Errorf("%w: no trusted roots", ErrNotValid)
	}
	v, err := verifyDetached(doc, cms, roots)
	if err != nil {
		return nil, err
	}
	if err := verifyEmbedded(doc, v.Certificate, roots); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(doc)
	v.SHA256 = hex.EncodeToString(sum[:])
	return v, nil
}

// verifyDetached checks the .p7s over data.
func verifyDetached(data, cms []byte, roots *x509.CertPool) (*Verified, error) {
	p7, err := pkcs7.Parse(cms)
	if err != nil {
		return nil, fmt.Errorf("%w: detached signature: %v", ErrNotValid, err)
	}
	if len(p7.Signers) != 1 || len(p7.Content) > 0 {
		return nil, fmt.Errorf("%w: detached signature: want one signer and no content", ErrNotValid)
	}
	p7.Content = data
	if err := p7.Verify(); err != nil {
		return nil, fmt.Errorf("%w: detached signature: %v", ErrNotValid, err)
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil, fmt.Errorf("%w: detached signature: signer's certificate missing", ErrNotValid)
	}
	var ess asn1.RawValue
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &ess); err != nil {
		return nil, fmt.Errorf("%w: detached signature: no signing-certificate-v2: %v", ErrNotValid, err)
	}
	if want, _ := signingCertificateV2(cert); !bytes.Equal(ess.FullBytes, want) {
		return nil, fmt.Errorf("%w: detached signature: signing-certificate-v2 names another certificate", ErrNotValid)
	}
	v := &Verified{Certificate: cert}
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &v.SigningTime); err != nil {
		return nil, fmt.Errorf("%w: detached signature: no signing time", ErrNotValid)
	}
	si := p7.Signers[0]
	for _, a := range si.UnauthenticatedAttributes {
		if !a.Type.Equal(oidTimeStampToken) {
			continue
		}
		ts, err := timestamp.Parse(a.Value.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: timestamp: %v", ErrNotValid, err)
		}
		h := ts.HashAlgorithm.New()
		h.Write(si.EncryptedDigest)
		if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
			return nil, fmt.Errorf("%w: timestamp is for another signature", ErrNotValid)
		}
		v.Timestamp = ts.Time
	}
	at := v.SigningTime
	if !v.Timestamp.IsZero() {
		at = v.Timestamp
	}
	if err := verifyChain(cert, p7.Certificates, roots, at); err != nil {
		return nil, err
	}
	return v, nil
}

var byteRange = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// verifyEmbedded checks the signature inside the PDF.
func verifyEmbedded(doc []byte, want *x509.Certificate, roots *x509.CertPool) error {
	ms := byteRange.FindAllSubmatch(doc, -1)
	if len(ms) == 0 {
		return fmt.Errorf("%w: the PDF has no signature", ErrNotValid)
	}
	// The last signature is the seal's, added by the last revision.
	m := ms[len(ms)-1]
	var br [4]int
	for i := range br {
		n, err := strconv.Atoi(string(m[i+1]))
		if err != nil {
			return fmt.Errorf("%w: bad /ByteRange", ErrNotValid)
		}
		br[i] = n
	}
	if br[0] != 0 || br[1] < 2 || br[2] <= br[1] || br[2]+br[3] > len(doc) {
		return fmt.Errorf("%w: bad /ByteRange", ErrNotValid)
	}
	// What the signature does not cover may only be the PAdES-B-LT
	// revision: a DSS and the catalog that names it.
	if tail := doc[br[2]+br[3]:]; len(tail) > 0 && !dssOnly(tail) {
		return fmt.Errorf("%w: the PDF's signature does not cover the whole file", ErrNotValid)
	}
	gap := doc[br[1]:br[2]]
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		return fmt.Errorf("%w: the PDF's signature /Contents is not where /ByteRange says", ErrNotValid)
	}
	der, err := hex.DecodeString(string(gap[1 : len(gap)-1]))
	if err != nil {
		return fmt.Errorf("%w: the PDF's signature /Contents: %v", ErrNotValid, err)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return fmt.Errorf("%w: the PDF's signature: %v", ErrNotValid, err)
	}
	if len(p7.Signers) != 1 {
		return fmt.Errorf("%w: the PDF's signature has %d signers", ErrNotValid, len(p7.Signers))
	}
	signed := make([]byte, 0, br[1]+br[3])
	signed = append(signed, doc[:br[1]]...)
	signed = append(signed, doc[br[2]:br[2]+br[3]]...)
	p7.Content = signed
	if err := p7.Verify(); err != nil {
		return fmt.Errorf("%w: the PDF's signature: %v", ErrNotValid, err)
	}
	cert := p7.GetOnlySigner()
	if cert == nil || !cert.Equal(want) {
		return fmt.Errorf("%w: the PDF is signed with another certificate than the .p7s", ErrNotValid)
	}
	var at time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &at); err != nil {
		return fmt.Errorf("%w: the PDF's signature has no signing time", ErrNotValid)
	}
	return verifyChain(cert, p7.Certificates, roots, at)
}

// verifyChain checks that cert chains to roots at time at.
func verifyChain(cert *x509.Certificate, carried []*x509.Certificate, roots *x509.CertPool, at time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range carried {
		inter.AddCert(c)
	}
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return fmt.Errorf("%w: certificate: %v", ErrNotValid, err)
	}
	return nil
}

// dssOnly reports whether an incremental update only adds a Document
// Security Store: one /DSS, no new signature, page or annotation.
func dssOnly(update []byte) bool {
	return bytes.Count(update, []byte("/Type /DSS")) == 1 && bytes.Count(update, []byte("%%EOF")) == 1 &&
		!bytes.Contains(update, []byte("/ByteRange")) && !bytes.Contains(update, []byte("/Annots")) &&
		!bytes.Contains(update, []byte("/Type /Page")) && !bytes.Contains(update, []byte("/Subtype"))
}
