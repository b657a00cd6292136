package trustlisttest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"hromada/modules/signature/dstu4145/dstu4145test"
	"hromada/modules/signature/gost34311"
	"hromada/modules/signature/kupyna"
)

// The URIs a ДСТУ seal names its algorithms by. No standard defines them;
// these are the spellings of Diia's containers (modules/trustlist's
// package comment).
const (
	DSTUWithGOST   = "http://www.w3.org/2001/04/xmldsig-more#dstu4145-gost34311"
	DSTUWithKupyna = "http://www.w3.org/2001/04/xmldsig-more#dstu4145-dstu7564-256"
	DigestGOST     = "http://www.w3.org/2001/04/xmlenc#gost34311"
	DigestKupyna   = "http://www.w3.org/2001/04/xmlenc#dstu7564-256"
)

// DSTUCA is an anchor with a ДСТУ 4145 key: the central certification
// authority as it seals TL-UA-DSTU.xml.
type DSTUCA struct {
	*dstu4145test.CA
}

// NewDSTUCA makes a ДСТУ 4145 CA named cn (curve m = 257, ДКЕ №1).
func NewDSTUCA(tb testing.TB, cn string) *DSTUCA {
	tb.Helper()
	ca, err := dstu4145test.NewCA(cn)
	if err != nil {
		tb.Fatal(err)
	}
	return &DSTUCA{ca}
}

// PEM is the CA's certificate in PEM: an anchor file.
func (c *DSTUCA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate.Raw})
}

// DSTUSeal says how DSTUCA.Seal seals; the zero value is the shape a list
// is sealed in: ДСТУ 4145 with ГОСТ 34.311, exclusive c14n, the list's
// Reference URI "".
type DSTUSeal struct {
	SignatureMethod  string // default DSTUWithGOST
	DigestMethod     string // default DigestGOST
	Canonicalization string // of SignedInfo and both References; default exclusive c14n
	// URI is the list's Reference URI: "" (the default) or "#" and the
	// list's Id.
	URI string
	// Wrapped puts r‖s in a DER OCTET STRING, as some writers do.
	Wrapped bool
	// Digest, when set, makes every DigestValue in place of DigestMethod's
	// hash (a seal over digests of another algorithm, or empty ones).
	Digest func([]byte) []byte
	// ExtraURI, when set, adds a signed Reference to it.
	ExtraURI string
}

// Seal seals a list's XML with ДСТУ 4145 in the XAdES shape of a Trusted
// List's seal (see sealXAdES).
func (c *DSTUCA) Seal(tb testing.TB, unsigned []byte, o *DSTUSeal) []byte {
	tb.Helper()
	if o == nil {
		o = &DSTUSeal{}
	}
	s := *o
	if s.SignatureMethod == "" {
		s.SignatureMethod = DSTUWithGOST
	}
	if s.DigestMethod == "" {
		s.DigestMethod = DigestGOST
	}
	digest := s.Digest
	if digest == nil {
		digest = func(b []byte) []byte { return sum(hashByURI(s.DigestMethod), b) }
	}
	return sealXAdES(tb, unsigned, c.Certificate, &s, digest, func(signedInfo []byte) []byte {
		rs, err := c.Key.Sign(sum(hashByURI(s.SignatureMethod), signedInfo))
		if err != nil {
			tb.Fatal(err)
		}
		if s.Wrapped {
			if rs, err = asn1.Marshal(rs); err != nil {
				tb.Fatal(err)
			}
		}
		return rs
	})
}

// SealXAdES seals with the CA's ECDSA key in the shape DSTUCA.Seal makes
// (ecdsa-sha256 and SHA-256 where the ДСТУ seal names its algorithms), so
// an XML-DSig implementation that is not ours (xmlsec1) can check that
// shape: it knows no ДСТУ algorithm.
func (c *CA) SealXAdES(tb testing.TB, unsigned []byte) []byte {
	tb.Helper()
	key := c.Key.(*ecdsa.PrivateKey)
	s := &DSTUSeal{SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", DigestMethod: "http://www.w3.org/2001/04/xmlenc#sha256"}
	return sealXAdES(tb, unsigned, c.Cert, s, func(b []byte) []byte { h := sha256.Sum256(b); return h[:] }, func(signedInfo []byte) []byte {
		h := sha256.Sum256(signedInfo)
		r, sv, err := ecdsa.Sign(rand.Reader, key, h[:])
		if err != nil {
			tb.Fatal(err)
		}
		size := (key.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		sv.FillBytes(out[size:])
		return out
	})
}

// hashByURI is the hash a test seal's URI names: Купина-256 for the
// spellings with kupyna or dstu7564 in them, else ГОСТ 34.311 with ДКЕ №1
// (the S-boxes dstu4145test's keys carry). The verifier matches URIs
// exactly; this only has to sign what a test asks for.
func hashByURI(uri string) func() hash.Hash {
	if strings.Contains(uri, "kupyna") || strings.Contains(uri, "dstu7564") {
		return kupyna.New256
	}
	return func() hash.Hash { return gost34311.New(gost34311.DefaultSBox) }
}

func sum(h func() hash.Hash, b []byte) []byte {
	d := h()
	d.Write(b)
	return d.Sum(nil)
}

const (
	nsDSig  = "http://www.w3.org/2000/09/xmldsig#"
	nsXAdES = "http://uri.etsi.org/01903/v1.3.2#"
)

// sealXAdES seals as a qualified seal on a Trusted List is made (XAdES-BES,
// enveloped): a ds:Signature, last child of the root, whose SignedInfo
// signs two References — the list (URI "", enveloped-signature then c14n)
// and the XAdES SignedProperties in the signature's Object (SigningTime,
// the certificate's digest and issuer/serial) — with the certificate in
// KeyInfo. digest makes every DigestValue; sign signs the canonical
// SignedInfo.
func sealXAdES(tb testing.TB, unsigned []byte, cert *x509.Certificate, o *DSTUSeal, digest func([]byte) []byte, sign func([]byte) []byte) []byte {
	tb.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(unsigned); err != nil {
		tb.Fatal(err)
	}
	root := doc.Root()
	c14nAlg := o.Canonicalization
	if c14nAlg == "" {
		c14nAlg = string(dsig.CanonicalXML10ExclusiveAlgorithmId)
	}
	canon := canonicalizerOf(tb, c14nAlg)
	// The list's digest: the root as it is now is the root without its
	// enveloped signature.
	listBytes, err := canon.Canonicalize(root.Copy())
	if err != nil {
		tb.Fatal(err)
	}

	id := "S-" + base64.RawURLEncoding.EncodeToString(sum(sha256.New, unsigned)[:6])
	sig := root.CreateElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", nsDSig)
	sig.CreateAttr("Id", id)
	si := sig.CreateElement("ds:SignedInfo")
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", c14nAlg)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", o.SignatureMethod)
	ref := func(uri, typ string, enveloped bool) *etree.Element {
		r := si.CreateElement("ds:Reference")
		r.CreateAttr("URI", uri)
		if typ != "" {
			r.CreateAttr("Type", typ)
		}
		ts := r.CreateElement("ds:Transforms")
		if enveloped {
			ts.CreateElement("ds:Transform").CreateAttr("Algorithm", string(dsig.EnvelopedSignatureAltorithmId))
		}
		ts.CreateElement("ds:Transform").CreateAttr("Algorithm", c14nAlg)
		r.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", o.DigestMethod)
		return r.CreateElement("ds:DigestValue")
	}
	ref(o.URI, "", true).SetText(base64.StdEncoding.EncodeToString(digest(listBytes)))
	propsValue := ref("#"+id+"-SignedProperties", "http://uri.etsi.org/01903#SignedProperties", false)
	if o.ExtraURI != "" {
		ref(o.ExtraURI, "", false).SetText(base64.StdEncoding.EncodeToString(digest(nil)))
	}
	value := sig.CreateElement("ds:SignatureValue")
	sig.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(cert.Raw))

	qp := sig.CreateElement("ds:Object").CreateElement("xades:QualifyingProperties")
	qp.CreateAttr("xmlns:xades", nsXAdES)
	qp.CreateAttr("Target", "#"+id)
	props := qp.CreateElement("xades:SignedProperties")
	props.CreateAttr("Id", id+"-SignedProperties")
	ssp := props.CreateElement("xades:SignedSignatureProperties")
	ssp.CreateElement("xades:SigningTime").SetText(time.Now().UTC().Format(time.RFC3339))
	xc := ssp.CreateElement("xades:SigningCertificate").CreateElement("xades:Cert")
	cd := xc.CreateElement("xades:CertDigest")
	cd.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", o.DigestMethod)
	cd.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(digest(cert.Raw)))
	is := xc.CreateElement("xades:IssuerSerial")
	is.CreateElement("ds:X509IssuerName").SetText(cert.Issuer.String())
	is.CreateElement("ds:X509SerialNumber").SetText(cert.SerialNumber.String())

	propsValue.SetText(base64.StdEncoding.EncodeToString(digest(inPlace(tb, props, canon))))
	value.SetText(base64.StdEncoding.EncodeToString(sign(inPlace(tb, si, canon))))

	out := etree.NewDocument()
	out.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	out.SetRoot(root)
	b, err := out.WriteToBytes()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// inPlace canonicalises el as it stands in its document: with the
// namespaces its ancestors declare.
func inPlace(tb testing.TB, el *etree.Element, canon dsig.Canonicalizer) []byte {
	tb.Helper()
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := canon.Canonicalize(d)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func canonicalizerOf(tb testing.TB, alg string) dsig.Canonicalizer {
	tb.Helper()
	switch dsig.AlgorithmID(alg) {
	case dsig.CanonicalXML10ExclusiveAlgorithmId:
		return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	case dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
		return dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList("")
	case dsig.CanonicalXML10RecAlgorithmId:
		return dsig.MakeC14N10RecCanonicalizer()
	case dsig.CanonicalXML11AlgorithmId:
		return dsig.MakeC14N11Canonicalizer()
	}
	tb.Fatalf("trustlisttest: no canonicalizer %q", alg)
	return nil
}
