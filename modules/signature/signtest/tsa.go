package signtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"hromada/modules/signature"
)

// TSA is a time-stamping authority for tests: a certificate for
// timestamping (extended key usage timeStamping) issued by a DevCA, and
// its key. Stamp adds what a resident's signing tool adds when it makes a
// CAdES-T signature.
type TSA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewTSA issues a TSA certificate from ca, valid from an hour before
// notBefore for validity.
func NewTSA(ca *signature.DevCA, notBefore time.Time, validity time.Duration) (*TSA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Тестова служба позначок часу", Country: []string{"UA"}},
		NotBefore:    notBefore.Add(-time.Hour), NotAfter: notBefore.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Certificate, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("signtest: TSA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &TSA{Cert: cert, Key: key}, nil
}

// OIDSignatureTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161
// appendix A).
var OIDSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// Token is an RFC 3161 timestamp token (with the TSA's certificate) over
// value's SHA-256, stamped at.
func (t *TSA) Token(value []byte, at time.Time) ([]byte, error) {
	h := crypto.SHA256.New()
	h.Write(value)
	ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: h.Sum(nil), Time: at.UTC().Truncate(time.Second),
		Accuracy: time.Second, Policy: asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 2, 3, 1}, AddTSACertificate: true}
	resp, err := ts.CreateResponseWithOpts(t.Cert, t.Key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	parsed, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return parsed.RawToken, nil
}

// Stamp returns cms (a DER SignedData with one signer) with a signature
// timestamp at at over the signer's signature value, as the signer's
// unsigned attribute id-aa-signatureTimeStampToken. The rest of the CMS
// is kept byte for byte, so its signature still verifies.
func (t *TSA) Stamp(cms []byte, at time.Time) ([]byte, error) {
	p7, err := pkcs7.Parse(cms)
	if err != nil {
		return nil, err
	}
	if len(p7.Signers) != 1 {
		return nil, errors.New("signtest: Stamp wants one signer")
	}
	token, err := t.Token(p7.Signers[0].EncryptedDigest, at)
	if err != nil {
		return nil, err
	}
	return WithUnsignedAttr(cms, OIDSignatureTimeStampToken, token)
}

// WithUnsignedAttr rebuilds ContentInfo{SignedData{…, signerInfos{si}}}
// with an unsigned attribute (type, value) appended to the only signer.
func WithUnsignedAttr(cms []byte, typ asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	bad := errors.New("signtest: not a DER SignedData with one signer")
	in := cryptobyte.String(cms)
	var ci, wrapped, sd cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ctype) ||
		!ci.ReadASN1(&wrapped, cbasn1.Tag(0).Constructed().ContextSpecific()) || !wrapped.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, bad
	}
	// Everything of SignedData before signerInfos, element by element.
	var head [][]byte
	var sis cryptobyte.String
	for !sd.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !sd.ReadAnyASN1Element(&el, &tag) {
			return nil, bad
		}
		if sd.Empty() { // the last element: signerInfos
			var body cryptobyte.String
			if tag != cbasn1.SET || !el.ReadASN1(&body, cbasn1.SET) {
				return nil, bad
			}
			sis = body
			break
		}
		head = append(head, el)
	}
	var si cryptobyte.String
	if !sis.ReadASN1(&si, cbasn1.SEQUENCE) || !sis.Empty() {
		return nil, bad
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(ctype)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, el := range head {
					b.AddBytes(el)
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddBytes(si)
						b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1ObjectIdentifier(typ)
								b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
							})
						})
					})
				})
			})
		})
	})
	return b.Bytes()
}
