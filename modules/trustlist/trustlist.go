// Package trustlist keeps the national Trusted List: Ukraine's list of
// qualified trust service providers and their services, published by the
// central certification authority in the XML format of ETSI TS 119 612 and
// sealed by it (the Law "On electronic identification and electronic trust
// services", CMU resolution 844 of 2023; DOMAIN.md "Qualified
// e-signatures"). Two lists are published, one for services with DSTU
// algorithms and one for ETSI TS 119 312 algorithms (ECDSA, RSA); both have
// the same format and live here side by side, each as its own scheme.
//
// Import takes a list's bytes, verifies its enveloped XML signature against
// the pinned anchor certificates (HROMADA_TRUSTED_LIST_ANCHOR), parses only
// what the signature covers, and replaces that scheme's rows in one
// transaction; a list that fails any check changes nothing, so the last good
// list stays in force. QualifiedAt answers, from each service's status
// history, whether a CA's qualified service for e-signatures or e-seals was
// granted at a given time: a signature made while the service was granted
// stays valid after the service is withdrawn.
//
// # The XML-DSig library
//
// The seal is checked with github.com/russellhaering/goxmldsig: the XML-DSig
// implementation the Go SAML libraries stand on (gosaml2 among them), pure
// Go, maintained, with a security policy and fuzz tests, and it supports what
// a Trusted List's seal uses (enveloped signature, exclusive c14n, RSA and
// ECDSA with SHA-2). Its Validate returns the element rebuilt from the bytes
// the signature covers, and that element, not the document as read, is what
// we parse (so nothing outside the signed content can be slipped in). Two of
// its limits are handled here: it expects an ECDSA SignatureValue in ASN.1
// DER, where XML-DSig 1.1 prescribes r‖s (its issue #163), so the value is
// re-encoded before validation (seal.go); and it checks only the Reference
// to the document, not the XAdES SignedProperties one, which carries the
// signing time and certificate digest we do not rely on (the anchor is
// pinned as a whole certificate).
//
// # Lists sealed with ДСТУ 4145
//
// goxmldsig knows no ДСТУ algorithm and has no place to add one, so a list
// whose SignatureMethod is a ДСТУ one (TL-UA-DSTU.xml) is verified here
// (dstuseal.go), with goxmldsig's canonicalizers and this module's ДСТУ
// primitives (signature.DSTUKey): SignedInfo with the key of a pinned ДСТУ
// anchor, then every Reference — the list's (enveloped-signature, then a
// c14n) and the XAdES SignedProperties' — by its digest; any other
// Reference, transform, two Signatures or an id given twice is refused.
// What is parsed is again only the canonical list the seal covers.
//
// No standard names the ДСТУ algorithms' URIs. The ones accepted are the
// spellings found in Diia's ASiC-E containers (as the "tamga"
// implementation records them), each matched exactly: SignatureMethod
// xmldsig-more#dstu4145-gost34311 and #dstu4145 (with ГОСТ 34.311, the
// S-boxes of the anchor's ДКЕ), #dstu4145-dstu7564-256 and
// #dstu4145-kupyna256 (with Купина-256); DigestMethod xmlenc# and
// xmldsig-more# gost34311, dstu7564-256 and kupyna256. The SignatureValue
// is r‖s as in Ukrainian CMS, bare or in an OCTET STRING. A list naming
// any other URI is refused with ErrSealAlgorithm, which names it, so a new
// spelling can be reported and added; accepting several spellings weakens
// nothing, since the value is still verified against the pinned key with
// the algorithm named. None of this has been tried on the real
// TL-UA-DSTU.xml yet: the tests seal their own lists in its expected shape.
//
// # What is not applied
//
// A service's Qualifications extension may restrict its qualifiers to
// certificates matching a CriteriaList (key usage, policies); the qualifiers
// are applied here to the whole service. The list's own scheme-operator
// certificates (SchemeInformation's pointers to other lists) are not
// followed: the anchor is configured, not discovered.
package trustlist

import (
	"crypto/x509"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/apperr"
)

// Usage is what a qualified CA's certificates are for.
type Usage string

// The usages of ETSI TS 119 612's AdditionalServiceInformation.
const (
	ForSignatures Usage = "esig"  // qualified certificates for e-signatures
	ForSeals      Usage = "eseal" // qualified certificates for e-seals
	ForWebsites   Usage = "qwac"  // website authentication
)

// Service types (ServiceTypeIdentifier) of ETSI TS 119 612.
const (
	TypeCAQC   = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	TypeOCSPQC = "http://uri.etsi.org/TrstSvc/Svctype/Certstatus/OCSP/QC"
	TypeCRLQC  = "http://uri.etsi.org/TrstSvc/Svctype/Certstatus/CRL/QC"
	TypeTSAQC  = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
)

// Service statuses (ServiceStatus) of ETSI TS 119 612.
const (
	StatusGranted   = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
	StatusWithdrawn = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
)

// grantedStatuses are the statuses under which a qualified service's output
// is qualified: granted, and the statuses lists used before 2016 for the
// same state (ETSI TS 119 612 v1: under supervision, accredited, and
// supervision in cessation, which still covers what was issued).
var grantedStatuses = []string{
	StatusGranted,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision",
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited",
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionincessation",
}

// Errors. The refusals are what a signature's verification tells a person
// (web/locales/trustlist.*.toml); the others are for the operator.
var (
	// ErrNoList: no Trusted List has been imported yet.
	ErrNoList = apperr.New(apperr.Unavailable, "trustlist.no_list")
	// ErrNotListed: the issuer is not a qualified CA on any list.
	ErrNotListed = apperr.New(apperr.Invalid, "trustlist.not_listed")
	// ErrNotGranted: the issuer's qualified service was not granted at the
	// time (not yet, or withdrawn before it).
	ErrNotGranted = apperr.New(apperr.Invalid, "trustlist.not_granted")
	// ErrWrongUsage: the service was granted, but not for this usage (a CA
	// for e-seals used for an e-signature, or the other way).
	ErrWrongUsage = apperr.New(apperr.Invalid, "trustlist.wrong_usage")

	// ErrNoAnchor: no anchor is configured, so no list can be verified.
	ErrNoAnchor = apperr.New(apperr.Invalid, "trustlist.no_anchor")
	// ErrSeal: the list's seal does not verify against the anchor.
	ErrSeal = apperr.New(apperr.Invalid, "trustlist.bad_seal")
	// ErrSealAlgorithm: the seal's algorithm cannot be verified here.
	ErrSealAlgorithm = apperr.New(apperr.Invalid, "trustlist.seal_algorithm")
	// ErrMalformed: the list is not a readable ETSI TS 119 612 list.
	ErrMalformed = apperr.New(apperr.Invalid, "trustlist.malformed")
	// ErrStale: the list is older than the one in force (its sequence
	// number is lower, or equal with other content).
	ErrStale = apperr.New(apperr.Conflict, "trustlist.stale")
)

// Service is one trust service of a provider on the list, as it stood at a
// given time.
type Service struct {
	Scheme   string // the list it is on
	Provider string // the trust service provider (TSPName)
	Name     string // the service's name
	Type     string // ServiceTypeIdentifier, e.g. TypeCAQC
	Status   string // ServiceStatus at that time ("" before its first status)
	// Since is when that status started; Until when the next one did
	// (zero while it is the current status).
	Since, Until time.Time
	Usages       []Usage
	Qualifiers   []string
	SupplyPoints []string // where its CRLs, OCSP or timestamps are served
}

// Granted reports whether the service's status is a granted one.
func (s *Service) Granted() bool {
	for _, g := range grantedStatuses {
		if s.Status == g {
			return true
		}
	}
	return false
}

// ListInfo is what is known of a list in force.
type ListInfo struct {
	Scheme         string
	Territory      string
	SequenceNumber int64
	IssuedAt       time.Time
	NextUpdate     time.Time // zero: the list says no further update (closed)
	SHA256         string
	Source         string
	ImportedAt     time.Time
	// Counts, filled by Import.
	Providers, Services, QualifiedCAs int
}

// Register is the Trusted List as kept in the database: the platform
// tables of migration 0020, read and written through the application role's
// pool (they hold no tenant's data, so no tenant transaction is opened).
type Register struct {
	pool    *pgxpool.Pool
	anchors []*x509.Certificate
	log     *slog.Logger
	now     func() time.Time
}

// Options configure New.
type Options struct {
	// Anchors are the certificates a list's seal must be made with, pinned
	// (HROMADA_TRUSTED_LIST_ANCHOR). Without them Import refuses every
	// list (ErrNoAnchor); QualifiedAt still answers from what is kept.
	Anchors []*x509.Certificate
	// Log receives what a refresh did. Default: discarded.
	Log *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// New returns the register over pool, which connects as hromada_app.
func New(pool *pgxpool.Pool, opts *Options) *Register {
	r := &Register{pool: pool, log: slog.New(slog.DiscardHandler), now: time.Now}
	if opts != nil {
		r.anchors = opts.Anchors
		if opts.Log != nil {
			r.log = opts.Log
		}
		if opts.Now != nil {
			r.now = opts.Now
		}
	}
	return r
}
