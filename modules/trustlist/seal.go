package trustlist

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// ParseAnchors reads the pinned anchor certificates from PEM (the file
// HROMADA_TRUSTED_LIST_ANCHOR names): one per list's sealing certificate.
// Go's x509 reads a ДСТУ 4145 certificate too (its key stays in
// RawSubjectPublicKeyInfo, read when a ДСТУ seal is checked).
func ParseAnchors(pemBytes []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := pemBytes; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("trustlist: anchor: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("trustlist: the anchor file holds no PEM certificate")
	}
	return out, nil
}

// verifySeal checks the list's enveloped signature against the anchors and
// returns the canonical bytes it covers: the only bytes parsed afterwards.
func (r *Register) verifySeal(raw []byte) ([]byte, error) {
	if len(r.anchors) == 0 {
		return nil, ErrNoAnchor
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, ErrMalformed.Wrap(err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "TrustServiceStatusList" {
		return nil, ErrMalformed.Wrap(errors.New("the root element is not TrustServiceStatusList"))
	}
	// A ДСТУ 4145 seal is ours to check (dstuseal.go); every other one is
	// goxmldsig's, as it always was.
	sig, err := dstuSeal(root)
	if err != nil {
		return nil, err
	}
	if sig != nil {
		return r.verifyDSTUSeal(root, sig)
	}
	if err := ecdsaValuesToDER(root); err != nil {
		return nil, err
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: r.anchors})
	// A list names itself with Id (XAdES style), not SAML's ID; a
	// Reference may point at it as "#Id" as well as "".
	ctx.IdAttribute = "Id"
	ctx.Clock = dsig.NewFakeClockAt(r.now())
	signed, err := ctx.Validate(root)
	if err != nil {
		if strings.Contains(err.Error(), "Unknown signature method") || strings.Contains(err.Error(), "Unknown digest algorithm") {
			// goxmldsig ends its message with the URI: named for the operator.
			_, uri, _ := strings.Cut(err.Error(), ": ")
			return nil, ErrSealAlgorithm.With(map[string]any{"Algorithm": uri}).Wrap(err)
		}
		return nil, ErrSeal.Wrap(err)
	}
	out := etree.NewDocument()
	out.SetRoot(signed)
	b, err := out.WriteToBytes()
	if err != nil {
		return nil, ErrMalformed.Wrap(err)
	}
	return b, nil
}

// ecdsaValuesToDER re-encodes the ECDSA signature values of the list's
// signatures from XML-DSig's r‖s (two big-endian integers of equal length)
// to the ASN.1 DER goxmldsig hands to crypto/x509. The SignatureValue is
// not itself signed, so rewriting its encoding changes nothing of what is
// verified; a value already in DER is left alone.
func ecdsaValuesToDER(root *etree.Element) error {
	for _, sig := range root.FindElements("./Signature") {
		method := sig.FindElement("./SignedInfo/SignatureMethod")
		value := sig.FindElement("./SignatureValue")
		if method == nil || value == nil || !strings.Contains(method.SelectAttrValue("Algorithm", ""), "ecdsa-") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(compact(value.Text()))
		if err != nil {
			return ErrSeal.Wrap(fmt.Errorf("SignatureValue: %w", err))
		}
		if len(raw) == 0 || len(raw)%2 != 0 || raw[0] == 0x30 && looksDER(raw) {
			continue
		}
		half := len(raw) / 2
		der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:half]), new(big.Int).SetBytes(raw[half:])})
		if err != nil {
			return ErrSeal.Wrap(err)
		}
		value.SetText(base64.StdEncoding.EncodeToString(der))
	}
	return nil
}

// looksDER reports whether b parses as an ECDSA-Sig-Value with nothing
// after it (an r‖s value that happens to start with 0x30 does not).
func looksDER(b []byte) bool {
	var v struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(b, &v)
	return err == nil && len(rest) == 0
}
