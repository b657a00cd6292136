package trustlist

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The XML of ETSI TS 119 612 (namespace http://uri.etsi.org/02231/v2#, the
// Qualifications extension in …/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#).
// Elements are matched by local name: lists differ in their prefixes, and
// the signature has already fixed what the document says.

type xmlList struct {
	XMLName xml.Name  `xml:"TrustServiceStatusList"`
	Scheme  xmlScheme `xml:"SchemeInformation"`
	TSPs    []xmlTSP  `xml:"TrustServiceProviderList>TrustServiceProvider"`
}

type xmlScheme struct {
	Sequence   int64         `xml:"TSLSequenceNumber"`
	Type       string        `xml:"TSLType"`
	Operator   []xmlName     `xml:"SchemeOperatorName>Name"`
	Name       []xmlName     `xml:"SchemeName>Name"`
	Territory  string        `xml:"SchemeTerritory"`
	IssuedAt   time.Time     `xml:"ListIssueDateTime"`
	NextUpdate xmlNextUpdate `xml:"NextUpdate"`
}

// xmlNextUpdate is empty when the list is closed (no further update).
type xmlNextUpdate struct {
	DateTime string `xml:"dateTime"`
}

type xmlName struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Text string `xml:",chardata"`
}

type xmlTSP struct {
	Name     []xmlName    `xml:"TSPInformation>TSPName>Name"`
	Services []xmlService `xml:"TSPServices>TSPService"`
}

type xmlService struct {
	Info    xmlServiceInfo   `xml:"ServiceInformation"`
	History []xmlServiceInfo `xml:"ServiceHistory>ServiceHistoryInstance"`
}

// xmlServiceInfo is both ServiceInformation and ServiceHistoryInstance:
// the history instance has the same elements but the supply points.
type xmlServiceInfo struct {
	Type         string         `xml:"ServiceTypeIdentifier"`
	Name         []xmlName      `xml:"ServiceName>Name"`
	Identity     []xmlDigitalID `xml:"ServiceDigitalIdentity>DigitalId"`
	Status       string         `xml:"ServiceStatus"`
	Since        time.Time      `xml:"StatusStartingTime"`
	SupplyPoints []string       `xml:"ServiceSupplyPoints>ServiceSupplyPoint"`
	Extensions   []xmlExtension `xml:"ServiceInformationExtensions>Extension"`
}

// xmlDigitalID keeps only the certificate: a bare X509SKI or subject name
// is a claim anyone's certificate can copy (migration 0020).
type xmlDigitalID struct {
	Certificate string `xml:"X509Certificate"`
}

type xmlExtension struct {
	AdditionalInfo []string       `xml:"AdditionalServiceInformation>URI"`
	Qualifiers     []xmlQualifier `xml:"Qualifications>QualificationElement>Qualifiers>Qualifier"`
}

type xmlQualifier struct {
	URI string `xml:"uri,attr"`
}

// The extension URIs that say what a CA/QC is for.
const (
	asiPrefix        = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"
	asiForESignature = asiPrefix + "ForeSignatures"
	asiForESeals     = asiPrefix + "ForeSeals"
	asiForWebsites   = asiPrefix + "ForWebSiteAuthentication"
	qForESig         = asiPrefix + "QCForESig"
	qForESeal        = asiPrefix + "QCForESeal"
	qForWSA          = asiPrefix + "QCForWSA"
)

// list is a parsed Trusted List, ready to be stored.
type list struct {
	info     ListInfo
	services []service
}

// service is one TSPService with its keys and its status periods, newest
// first.
type service struct {
	provider, name string
	supplyPoints   []string
	keys           []serviceKey
	periods        []period
}

type serviceKey struct {
	spki        []byte // SHA-256 of the SubjectPublicKeyInfo
	certificate []byte
}

type period struct {
	since      time.Time
	typ        string
	status     string
	usages     []Usage
	qualifiers []string
}

// parse reads the signed bytes of a list.
func parse(signed []byte) (*list, error) {
	var x xmlList
	if err := xml.Unmarshal(signed, &x); err != nil {
		return nil, ErrMalformed.Wrap(err)
	}
	s := x.Scheme
	if s.Territory == "" || s.Sequence <= 0 || s.IssuedAt.IsZero() {
		return nil, ErrMalformed.Wrap(fmt.Errorf("scheme information lacks the territory, the sequence number or the issue time"))
	}
	l := &list{info: ListInfo{
		Scheme:         s.Territory + ": " + pick(s.Name),
		Territory:      s.Territory,
		SequenceNumber: s.Sequence,
		IssuedAt:       s.IssuedAt.UTC(),
		Providers:      len(x.TSPs),
	}}
	if d := strings.TrimSpace(s.NextUpdate.DateTime); d != "" {
		t, err := time.Parse(time.RFC3339, d)
		if err != nil {
			return nil, ErrMalformed.Wrap(fmt.Errorf("NextUpdate %q: %w", d, err))
		}
		l.info.NextUpdate = t.UTC()
	}
	for _, tsp := range x.TSPs {
		for _, xs := range tsp.Services {
			sv, err := parseService(pick(tsp.Name), xs)
			if err != nil {
				return nil, err
			}
			l.services = append(l.services, sv)
			if sv.periods[0].typ == TypeCAQC {
				l.info.QualifiedCAs++
			}
		}
	}
	l.info.Services = len(l.services)
	return l, nil
}

func parseService(provider string, xs xmlService) (service, error) {
	sv := service{provider: provider, name: pick(xs.Info.Name), supplyPoints: trimAll(xs.Info.SupplyPoints)}
	seen := map[string]bool{}
	for _, info := range append([]xmlServiceInfo{xs.Info}, xs.History...) {
		if info.Type == "" || info.Status == "" || info.Since.IsZero() {
			return sv, ErrMalformed.Wrap(fmt.Errorf("service %q of %q lacks its type, status or starting time", sv.name, provider))
		}
		for _, id := range info.Identity {
			k, err := digitalID(id)
			if err != nil {
				return sv, ErrMalformed.Wrap(fmt.Errorf("service %q of %q: %w", sv.name, provider, err))
			}
			if k != nil && !seen[string(k.spki)] {
				seen[string(k.spki)] = true
				sv.keys = append(sv.keys, *k)
			}
		}
		sv.periods = append(sv.periods, period{since: info.Since.UTC(), typ: strings.TrimSpace(info.Type),
			status: strings.TrimSpace(info.Status), usages: usages(info.Extensions), qualifiers: qualifiers(info.Extensions)})
	}
	// Newest first, whatever order the list keeps its history in; two
	// instances starting at the same moment cannot both be true.
	slices.SortFunc(sv.periods, func(a, b period) int { return b.since.Compare(a.since) })
	for i := 1; i < len(sv.periods); i++ {
		if sv.periods[i].since.Equal(sv.periods[i-1].since) {
			return sv, ErrMalformed.Wrap(fmt.Errorf("service %q of %q has two statuses starting at %s", sv.name, provider, sv.periods[i].since))
		}
	}
	if len(sv.keys) == 0 {
		return sv, ErrMalformed.Wrap(fmt.Errorf("service %q of %q has no certificate in its digital identity", sv.name, provider))
	}
	return sv, nil
}

// digitalID is the key of a DigitalId's certificate, nil when it has none.
func digitalID(id xmlDigitalID) (*serviceKey, error) {
	c := compact(id.Certificate)
	if c == "" {
		return nil, nil
	}
	der, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return nil, fmt.Errorf("X509Certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("X509Certificate: %w", err)
	}
	return &serviceKey{spki: spkiHash(cert), certificate: der}, nil
}

// spkiHash is what a CA is looked up by: the SHA-256 of its public key.
func spkiHash(c *x509.Certificate) []byte {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return h[:]
}

// usages says what a CA/QC is for: its AdditionalServiceInformation, else
// the qualifiers of its Qualifications extension, else e-signatures (what
// a qualified CA meant before e-seals existed, and what lists that predate
// them still mean).
func usages(exts []xmlExtension) []Usage {
	var out []Usage
	add := func(u Usage) {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	for _, e := range exts {
		for _, uri := range e.AdditionalInfo {
			switch strings.TrimSpace(uri) {
			case asiForESignature:
				add(ForSignatures)
			case asiForESeals:
				add(ForSeals)
			case asiForWebsites:
				add(ForWebsites)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, q := range qualifiers(exts) {
		switch q {
		case qForESig:
			add(ForSignatures)
		case qForESeal:
			add(ForSeals)
		case qForWSA:
			add(ForWebsites)
		}
	}
	if len(out) > 0 {
		return out
	}
	return []Usage{ForSignatures}
}

func qualifiers(exts []xmlExtension) []string {
	out := []string{}
	for _, e := range exts {
		for _, q := range e.Qualifiers {
			if u := strings.TrimSpace(q.URI); u != "" && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

// pick is a multilingual name in Ukrainian if the list has it, else in
// English, else the first.
func pick(names []xmlName) string {
	for _, lang := range []string{"uk", "en"} {
		for _, n := range names {
			if strings.EqualFold(n.Lang, lang) {
				return strings.TrimSpace(n.Text)
			}
		}
	}
	if len(names) > 0 {
		return strings.TrimSpace(names[0].Text)
	}
	return ""
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// compact drops the whitespace base64 text is wrapped with.
func compact(s string) string {
	return strings.Join(strings.Fields(s), "")
}
