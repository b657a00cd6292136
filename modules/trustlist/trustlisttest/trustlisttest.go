// Package trustlisttest builds Trusted Lists in the XML format of ETSI TS
// 119 612 and seals them the way the central certification authority does
// (an enveloped XML-DSig with exclusive c14n, ECDSA values as r‖s), with an
// anchor of the test's own, and makes the CAs to put on them.
package trustlisttest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"math/big"
	"testing"
	"text/template"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Key makes a test key: ECDSA P-256, or RSA 2048 when rsaKey.
func Key(tb testing.TB, rsaKey bool) crypto.Signer {
	tb.Helper()
	var k crypto.Signer
	var err error
	if rsaKey {
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// CA is a self-signed certificate with its key: a list's anchor or a
// qualified CA to put on a list.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a CA named cn with key.
func NewCA(tb testing.TB, cn string, key crypto.Signer) *CA {
	tb.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Country: []string{"UA"}},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(5 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &CA{Cert: cert, Key: key}
}

// Issue makes an end-entity certificate named cn, issued by c.
func Issue(tb testing.TB, c *CA, cn string) *x509.Certificate {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn, Country: []string{"UA"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, Key(tb, false).Public(), c.Key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// PEM is the CA's certificate in PEM: an anchor file.
func (c *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// List is a Trusted List to build.
type List struct {
	Territory  string
	SchemeName string
	Sequence   int64
	IssuedAt   time.Time
	NextUpdate time.Time // zero: a closed list
	Providers  []Provider
}

// Provider is a trust service provider on a list.
type Provider struct {
	Name     string
	Services []Service
}

// Service is a TSPService: its current information and its history,
// newest first as the lists keep it.
type Service struct {
	Type         string // a ServiceTypeIdentifier
	Name         string
	Cert         *x509.Certificate
	Status       string
	Since        time.Time
	ASI          []string // AdditionalServiceInformation URIs
	Qualifiers   []string // Qualifications' qualifier URIs
	SupplyPoints []string
	History      []Status
}

// Status is one ServiceHistoryInstance.
type Status struct {
	Type   string // default: the service's
	Status string
	Since  time.Time
	ASI    []string
}

// Additional service information URIs of ETSI TS 119 612.
const (
	ForESignatures = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"
	ForESeals      = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
	QCForESig      = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCForESig"
)

// XML is the unsealed list.
func (l *List) XML(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := listTemplate.Execute(&b, l); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// Seal signs a list's XML with the anchor as the central certification
// authority does: an enveloped ds:Signature, last child of the root,
// exclusive c14n, SHA-256, the anchor's certificate in KeyInfo, and an
// ECDSA value in XML-DSig's r‖s form.
func (c *CA) Seal(tb testing.TB, unsigned []byte) []byte {
	tb.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(unsigned); err != nil {
		tb.Fatal(err)
	}
	ctx, err := dsig.NewSigningContext(c.Key, [][]byte{c.Cert.Raw})
	if err != nil {
		tb.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	ctx.IdAttribute = "Id"
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		tb.Fatal(err)
	}
	if _, ok := c.Key.(*ecdsa.PrivateKey); ok {
		v := signed.FindElement("./Signature/SignatureValue")
		der, err := base64.StdEncoding.DecodeString(v.Text())
		if err != nil {
			tb.Fatal(err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			tb.Fatal(err)
		}
		size := (c.Key.Public().(*ecdsa.PublicKey).Curve.Params().BitSize + 7) / 8
		raw := make([]byte, 2*size)
		rs.R.FillBytes(raw[:size])
		rs.S.FillBytes(raw[size:])
		v.SetText(base64.StdEncoding.EncodeToString(raw))
	}
	out := etree.NewDocument()
	out.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	out.SetRoot(signed)
	b, err := out.WriteToBytes()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var listTemplate = template.Must(template.New("tsl").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"b64":  func(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) },
	"x": func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	},
}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" xmlns:ecc="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#" xmlns:xml="http://www.w3.org/XML/1998/namespace" Id="TrustServiceStatusList-{{.Sequence}}" TSLTag="http://uri.etsi.org/19612/TSLTag">
  <tsl:SchemeInformation>
    <tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>
    <tsl:TSLSequenceNumber>{{.Sequence}}</tsl:TSLSequenceNumber>
    <tsl:TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</tsl:TSLType>
    <tsl:SchemeOperatorName>
      <tsl:Name xml:lang="uk">Центральний засвідчувальний орган</tsl:Name>
      <tsl:Name xml:lang="en">Central Certification Authority</tsl:Name>
    </tsl:SchemeOperatorName>
    <tsl:SchemeName>
      <tsl:Name xml:lang="uk">{{x .SchemeName}}</tsl:Name>
    </tsl:SchemeName>
    <tsl:StatusDeterminationApproach>http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate</tsl:StatusDeterminationApproach>
    <tsl:SchemeTerritory>{{.Territory}}</tsl:SchemeTerritory>
    <tsl:HistoricalInformationPeriod>65535</tsl:HistoricalInformationPeriod>
    <tsl:ListIssueDateTime>{{time .IssuedAt}}</tsl:ListIssueDateTime>
    <tsl:NextUpdate>{{if not .NextUpdate.IsZero}}<tsl:dateTime>{{time .NextUpdate}}</tsl:dateTime>{{end}}</tsl:NextUpdate>
  </tsl:SchemeInformation>
  <tsl:TrustServiceProviderList>{{range .Providers}}
    <tsl:TrustServiceProvider>
      <tsl:TSPInformation>
        <tsl:TSPName><tsl:Name xml:lang="uk">{{x .Name}}</tsl:Name></tsl:TSPName>
      </tsl:TSPInformation>
      <tsl:TSPServices>{{range .Services}}{{$svc := .}}
        <tsl:TSPService>
          <tsl:ServiceInformation>
            <tsl:ServiceTypeIdentifier>{{.Type}}</tsl:ServiceTypeIdentifier>
            <tsl:ServiceName><tsl:Name xml:lang="uk">{{x .Name}}</tsl:Name></tsl:ServiceName>
            <tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>{{b64 .Cert}}</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>
            <tsl:ServiceStatus>{{.Status}}</tsl:ServiceStatus>
            <tsl:StatusStartingTime>{{time .Since}}</tsl:StatusStartingTime>{{if .SupplyPoints}}
            <tsl:ServiceSupplyPoints>{{range .SupplyPoints}}<tsl:ServiceSupplyPoint>{{x .}}</tsl:ServiceSupplyPoint>{{end}}</tsl:ServiceSupplyPoints>{{end}}
            <tsl:ServiceInformationExtensions>{{range .ASI}}
              <tsl:Extension Critical="true"><tsl:AdditionalServiceInformation><tsl:URI xml:lang="en">{{.}}</tsl:URI></tsl:AdditionalServiceInformation></tsl:Extension>{{end}}{{if .Qualifiers}}
              <tsl:Extension Critical="true"><ecc:Qualifications><ecc:QualificationElement><ecc:Qualifiers>{{range .Qualifiers}}<ecc:Qualifier uri="{{.}}"/>{{end}}</ecc:Qualifiers><ecc:CriteriaList assert="all"><ecc:KeyUsage><ecc:KeyUsageBit name="nonRepudiation">true</ecc:KeyUsageBit></ecc:KeyUsage></ecc:CriteriaList></ecc:QualificationElement></ecc:Qualifications></tsl:Extension>{{end}}
            </tsl:ServiceInformationExtensions>
          </tsl:ServiceInformation>{{if .History}}
          <tsl:ServiceHistory>{{range .History}}
            <tsl:ServiceHistoryInstance>
              <tsl:ServiceTypeIdentifier>{{if .Type}}{{.Type}}{{else}}{{$svc.Type}}{{end}}</tsl:ServiceTypeIdentifier>
              <tsl:ServiceName><tsl:Name xml:lang="uk">{{x $svc.Name}}</tsl:Name></tsl:ServiceName>
              <tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>{{b64 $svc.Cert}}</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>
              <tsl:ServiceStatus>{{.Status}}</tsl:ServiceStatus>
              <tsl:StatusStartingTime>{{time .Since}}</tsl:StatusStartingTime>
              <tsl:ServiceInformationExtensions>{{range .ASI}}
                <tsl:Extension Critical="true"><tsl:AdditionalServiceInformation><tsl:URI xml:lang="en">{{.}}</tsl:URI></tsl:AdditionalServiceInformation></tsl:Extension>{{end}}
              </tsl:ServiceInformationExtensions>
            </tsl:ServiceHistoryInstance>{{end}}
          </tsl:ServiceHistory>{{end}}
        </tsl:TSPService>{{end}}
      </tsl:TSPServices>
    </tsl:TrustServiceProvider>{{end}}
  </tsl:TrustServiceProviderList>
</tsl:TrustServiceStatusList>
`))
