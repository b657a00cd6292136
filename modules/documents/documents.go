// Package documents makes the results of electronic services (seed 003
// §5.7–5.13): extracts, certificates and decisions that a resident
// downloads from the cabinet and that anyone holding the paper or the file
// can check.
//
// A result is made in two steps. Render lays out a Result as a PDF: A4,
// fonts embedded, document information and XMP metadata, no external
// resources, the city's coat of arms, and a QR code pointing to the public
// verification page. Seal then signs that PDF with the provider's
// electronic seal twice over: inside the PDF (a PAdES-style signature that
// PDF readers show) and as a detached CAdES CMS (.p7s) over the exact bytes
// of the signed PDF, so `openssl cms -verify` and the Ukrainian verifiers
// accept the downloaded pair. Verify checks such a pair.
//
// The provider's seal key lives in provider_seals, its private key sealed
// (AES-GCM, bound to its tenant and row) by the caller's Sealer. In
// development EnsureSeal issues it from the city's development CA; in
// production the key is in an HSM and the certificate comes from a
// qualified trust service provider (docs/documents.md).
package documents

import (
	"io/fs"
	"time"

	"github.com/google/uuid"
)

// Result is everything a result document shows. The renderer takes nothing
// from anywhere else, not even the clock, so rendering the same Result twice
// gives the same bytes: a retried job makes the same document.
type Result struct {
	// DocumentID names the document everywhere: printed on it, in its
	// verification address (the QR code) and in its metadata. Required.
	DocumentID uuid.UUID
	// Title is the kind of document, e.g. «Рішення про надання
	// адміністративної послуги» or «Витяг з реєстру територіальної
	// громади». Required.
	Title string
	// Number is the document's registration number (usually the
	// application's, "2026-000123").
	Number string
	// IssuedAt is when the document was made: printed as its date and
	// written as the PDF's creation and modification dates. Required.
	IssuedAt time.Time
	// City is the issuing city.
	City City
	// Provider is the provider of the service that issues the result.
	Provider string
	// Applicant is whom the result is for.
	Applicant Applicant
	// Service is the service's name.
	Service string
	// Decision is the outcome: "approved" and "refused" (the applications'
	// decision codes) are written out in Ukrainian; any other text is
	// printed as it is.
	Decision string
	// Grounds are the legal and factual grounds of the decision.
	Grounds string
	// Comment is the official's note to the applicant, printed as it is.
	Comment string
	// Appeal says how the decision may be appealed: a refusal carries it.
	Appeal Appeal
	// Facts are key–value data the result certifies, e.g. the registry's
	// record for an extract, in the order given.
	Facts []Fact
	// Issuer is who made the decision (seed 003 §5.8).
	Issuer Issuer
	// VerifyURL is the address the QR code points to and the document
	// prints. Default VerifyURL(City.Host, DocumentID); set it where the
	// portal is reached otherwise (http and a port in development).
	VerifyURL string
	// QR is the QR code's text when it is more than the address: the
	// address with its signed claims (Service.QRToken), which verifies
	// offline. The document prints the address alone.
	QR string
}

// City is the issuing city as its documents show it.
type City struct {
	// Name is the council's official name, «Київська міська рада».
	Name string
	// Host is the portal's host name; the verification address is
	// https://{Host}/verify/{DocumentID}. Required unless
	// Result.VerifyURL is set.
	Host string
	// CoatOfArms is the branding's emblem path, e.g. /static/demo/kyiv.svg.
	// Only a simple SVG (paths with solid fills and strokes) is drawn;
	// anything else, or nothing, gives a frame with the city's name.
	CoatOfArms string
	// Assets is where CoatOfArms is read from: an fs.FS rooted at the
	// static directory (web/static), so "/static/demo/kyiv.svg" is read as
	// "demo/kyiv.svg". Nothing is ever fetched over the network.
	Assets fs.FS
}

// Applicant is the person (or, through them, the legal entity) a result is
// for. The document carries the full РНОКПП: the document is the
// applicant's own; only the public verification page masks it.
type Applicant struct {
	FullName string
	RNOKPP   string
	// EDRPOU and OrgName are set when the person acted for a legal entity.
	EDRPOU  string
	OrgName string
}

// Appeal is how to appeal a decision (Закон України «Про адміністративні
// послуги», ст. 20): to whom, the terms, and where to file a complaint
// online once the portal takes complaints.
type Appeal struct {
	// To is to whom and how, in the service's own words from the
	// register («Рішення можна оскаржити до виконавчого комітету … або до
	// суду»).
	To string
	// Terms are the terms the law sets for an appeal.
	Terms string
	// ComplaintURL, when set, is printed as where to file a complaint
	// online.
	ComplaintURL string
}

// Fact is one row of the table of certified data.
type Fact struct {
	Label, Value string
}

// Issuer is who decided: an official, with position and full name, or
// Hromada itself in automatic mode. Either way the document records the
// date and time (seed 003 §5.8).
type Issuer struct {
	// Automatic says that no official took part; the document then says
	// «Автоматично, без участі посадової особи».
	Automatic bool
	// Position and FullName are the official's; ignored when Automatic.
	Position string
	FullName string
	// SealHolder is the holder of the electronic seal the document is
	// sealed with, as its certificate names it (usually the provider).
	SealHolder string
	// At is when the decision was made. Default IssuedAt.
	At time.Time
}

// VerifyURL is the public address where anyone can check the document id:
// the QR code on the document points there, and the verification page is
// served at /verify/{id} on the city's host.
func VerifyURL(host string, id uuid.UUID) string {
	return "https://" + host + "/verify/" + id.String()
}
