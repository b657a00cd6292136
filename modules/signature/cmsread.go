package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signedData is a CMS SignedData (RFC 5652 §5) read with the exact bytes
// of each signer's signed attributes, which a signature covers: a ДСТУ
// signer does not always write them in DER order (jkurwa's CMS does not),
// so they cannot be re-encoded. Only DER is read.
type signedData struct {
	attached bool // the CMS carries its content
	// certs are the certificates Go's x509 reads; rawCerts all of them.
	// One it cannot read (certErr says why) matters only if the signer's
	// is among them. They are read when first asked for (readCerts): an
	// ECDSA or RSA signature has pkcs7 read them, and reading them here
	// too cost a submission a third of the CMS's parsing.
	certs    []*x509.Certificate
	rawCerts [][]byte
	certErr  error
	read     bool
	signers  []signerInfo
}

// readCerts reads the certificates, once.
func (sd *signedData) readCerts() {
	if sd.read {
		return
	}
	sd.read = true
	for _, c := range sd.rawCerts {
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			sd.certErr = err
			continue
		}
		sd.certs = append(sd.certs, cert)
	}
}

type signerInfo struct {
	// sidIssuer and sidSerial, or sidKeyID, name the signer's certificate.
	sidIssuer []byte
	sidSerial *big.Int
	sidKeyID  []byte
	digestAlg asn1.ObjectIdentifier
	// signedAttrs is the content of [0] IMPLICIT SignedAttributes, nil if
	// absent.
	signedAttrs []byte
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
	// unsignedAttrs is the content of [1] IMPLICIT UnsignedAttributes
	// (where a signature timestamp is), nil if absent.
	unsignedAttrs []byte
}

var errCMS = errors.New("not a DER CMS SignedData")

var (
	tagCtx0 = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagCtx1 = cbasn1.Tag(1).Constructed().ContextSpecific()
)

func parseSignedData(der []byte) (*signedData, error) {
	in := cryptobyte.String(der)
	var ci, wrapped, sd cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oidSignedData) ||
		!ci.ReadASN1(&wrapped, tagCtx0) || !wrapped.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, errCMS
	}
	var version int
	var eci cryptobyte.String
	var etype asn1.ObjectIdentifier
	if !sd.ReadASN1Integer(&version) || !sd.SkipASN1(cbasn1.SET) ||
		!sd.ReadASN1(&eci, cbasn1.SEQUENCE) || !eci.ReadASN1ObjectIdentifier(&etype) {
		return nil, errCMS
	}
	out := &signedData{attached: !eci.Empty()}
	var certs cryptobyte.String
	var hasCerts bool
	if !sd.ReadOptionalASN1(&certs, &hasCerts, tagCtx0) || !sd.SkipOptionalASN1(tagCtx1) {
		return nil, errCMS
	}
	for !certs.Empty() {
		var c cryptobyte.String
		if !certs.ReadASN1Element(&c, cbasn1.SEQUENCE) {
			return nil, errCMS
		}
		out.rawCerts = append(out.rawCerts, c)
	}
	var sis cryptobyte.String
	if !sd.ReadASN1(&sis, cbasn1.SET) {
		return nil, errCMS
	}
	for !sis.Empty() {
		var si cryptobyte.String
		if !sis.ReadASN1(&si, cbasn1.SEQUENCE) {
			return nil, errCMS
		}
		s, err := parseSignerInfo(si)
		if err != nil {
			return nil, err
		}
		out.signers = append(out.signers, s)
	}
	return out, nil
}

func parseSignerInfo(si cryptobyte.String) (signerInfo, error) {
	var s signerInfo
	var version int
	var sid cryptobyte.String
	var sidTag cbasn1.Tag
	if !si.ReadASN1Integer(&version) || !si.ReadAnyASN1(&sid, &sidTag) {
		return s, errCMS
	}
	switch sidTag {
	case cbasn1.SEQUENCE: // issuerAndSerialNumber
		var issuer cryptobyte.String
		s.sidSerial = new(big.Int)
		if !sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !sid.ReadASN1Integer(s.sidSerial) {
			return s, errCMS
		}
		s.sidIssuer = issuer
	case cbasn1.Tag(0).ContextSpecific(): // [0] SubjectKeyIdentifier
		s.sidKeyID = sid
	default:
		return s, errCMS
	}
	var alg cryptobyte.String
	if !si.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&s.digestAlg) {
		return s, errCMS
	}
	var attrs cryptobyte.String
	var hasAttrs bool
	if !si.ReadOptionalASN1(&attrs, &hasAttrs, tagCtx0) {
		return s, errCMS
	}
	if hasAttrs {
		s.signedAttrs = attrs
	}
	var sigOctets cryptobyte.String
	if !si.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&s.sigAlg) ||
		!si.ReadASN1(&sigOctets, cbasn1.OCTET_STRING) {
		return s, errCMS
	}
	s.signature = sigOctets
	var unsigned cryptobyte.String
	var hasUnsigned bool
	if !si.ReadOptionalASN1(&unsigned, &hasUnsigned, tagCtx1) {
		return s, errCMS
	}
	if hasUnsigned {
		s.unsignedAttrs = unsigned
	}
	return s, nil
}

// signerCert is the certificate the signer names, nil if the CMS does
// not carry it.
func (sd *signedData) signerCert(s signerInfo) *x509.Certificate {
	sd.readCerts()
	for _, c := range sd.certs {
		if s.sidKeyID != nil && bytes.Equal(c.SubjectKeyId, s.sidKeyID) ||
			s.sidSerial != nil && bytes.Equal(c.RawIssuer, s.sidIssuer) && c.SerialNumber.Cmp(s.sidSerial) == 0 {
			return c
		}
	}
	return nil
}

// signedAttrsToSign is what a signature with signed attributes covers:
// their SET OF with the universal SET tag (RFC 5652 §5.4).
func (s signerInfo) signedAttrsToSign() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(s.signedAttrs) })
	return b.BytesOrPanic()
}

// attrs are the signed attributes VerifyDetached checks.
type attrs struct {
	contentType   asn1.ObjectIdentifier
	messageDigest []byte
	signingTime   time.Time
}

func (s signerInfo) attrs() (attrs, error) {
	var a attrs
	in := cryptobyte.String(s.signedAttrs)
	for !in.Empty() {
		var attr, values cryptobyte.String
		var typ asn1.ObjectIdentifier
		if !in.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&typ) || !attr.ReadASN1(&values, cbasn1.SET) {
			return a, errCMS
		}
		var err error
		switch {
		case typ.Equal(oidContentType):
			_, err = asn1.Unmarshal(values, &a.contentType)
		case typ.Equal(oidMessageDigest):
			_, err = asn1.Unmarshal(values, &a.messageDigest)
		case typ.Equal(oidSigningTime):
			_, err = asn1.Unmarshal(values, &a.signingTime)
		}
		if err != nil {
			return a, err
		}
	}
	return a, nil
}
