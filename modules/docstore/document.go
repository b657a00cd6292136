package docstore

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Class is what a document is to the council's records, which decides how
// long it is kept (RetainUntil).
type Class string

// The classes of document the platform keeps.
const (
	// ClassApplication is a resident's signed application [K 5.4].
	ClassApplication Class = "application"
	// ClassAttachment is a file a resident attached to an application:
	// a scan, a photo, a detached signature. It belongs to the
	// application's case, so it is kept as long.
	ClassAttachment Class = "attachment"
	// ClassResult is a signed or sealed result: an extract, a
	// certificate, a decision [K 5.7–5.8].
	ClassResult Class = "result"
	// ClassTemporary is an upload for a draft that was never sent. It has
	// no paper equivalent and no retention: it may be deleted at once.
	ClassTemporary Class = "temporary"
)

// retentionYears is the retention table: how many years a document of each
// class is kept, counted as paper archives count (see RetainUntil).
//
// The law asks that an electronic document be kept no shorter than the
// paper one it replaces [K 5.11]. For paper, the periods are set by the
// Ministry of Justice's list of typical documents with their retention
// periods (order No. 578/5 of 12.04.2012) and each provider's file
// nomenclature. In that list, residents' applications and appeals and the
// case files of administrative services are kept, by our reading, for
// 5 years, and some decisions permanently. The seeds give no periods, and we
// could not check the list's articles here, so the table is deliberately
// conservative: 10 years for every signed class. It must be confirmed
// by the council's archive service (expert commission) before production.
//
// Keeping longer is the safe mistake only up to a point. In MinIO,
// COMPLIANCE retention can be extended later (PutObjectRetention) but never
// shortened, and personal data must not be kept longer than needed. So the
// table is a floor a provider can raise per document, not a ceiling.
// The portal is not the council's archive. A document whose paper
// equivalent is kept permanently must also go to the provider's records
// system and, in time, the state archive. This table covers the portal's
// own copy.
var retentionYears = map[Class]int{
	ClassApplication: 10,
	ClassAttachment:  10,
	ClassResult:      10,
	ClassTemporary:   0,
}

// Valid reports whether c is a class of the retention table.
func (c Class) Valid() bool {
	_, ok := retentionYears[c]
	return ok
}

// longestYears is what an unknown class gets, so that a mistake keeps a
// document longer rather than shorter. PutDocument refuses unknown classes
// anyway.
func longestYears() int {
	longest := 0
	for _, y := range retentionYears {
		longest = max(longest, y)
	}
	return longest
}

func years(c Class) int {
	if y, ok := retentionYears[c]; ok {
		return y
	}
	return longestYears()
}

// kyivNewYear is Kyiv's offset from UTC on 1 January (EET, UTC+2). A fixed
// zone spares the package a time zone database. Only New Year matters here,
// and Kyiv keeps winter time then.
var kyivNewYear = time.FixedZone("EET", 2*60*60)

// RetainUntil is the moment from which a document of class c stored at t
// may be deleted. Paper archives count a retention period from 1 January of
// the year after the one in which the file was closed. That is the rule of
// the Ministry of Justice's records-keeping regulations, as we read them.
// So a document stored at t is kept until 1 January, Kyiv time, of the year
// after t's, plus the class's years. That is always at least the class's
// years of 365 days after t, and at most a year more. It is zero (no
// retention) for ClassTemporary.
func RetainUntil(c Class, t time.Time) time.Time {
	y := years(c)
	if y == 0 {
		return time.Time{}
	}
	year := t.In(kyivNewYear).Year()
	return time.Date(year+1+y, time.January, 1, 0, 0, 0, 0, kyivNewYear).UTC()
}

// Meta describes a document given to PutDocument.
type Meta struct {
	// ContentType is the document's MIME type, as the caller determined it.
	// It defaults to application/octet-stream.
	ContentType string
	// Class decides the retention. It is required.
	Class Class
	// SHA256 is the caller's SHA-256 of the bytes, in hex. It is optional.
	// When set, PutDocument verifies the bytes against it and stores nothing
	// if they differ. In a Stored, it is the SHA-256 of the stored bytes.
	SHA256 string
	// Provenance says where the document comes from and where it goes.
	Provenance Provenance
}

// Provenance is what must be kept with an electronic document, where
// known: its origin and destination, and when it was sent and received
// [K 5.12]. "Sent" is the moment the sending could no longer be cancelled,
// and "received" is when the platform recorded it [K 5.10]. Every field is
// optional. Times round-trip to the nanosecond, in UTC.
type Provenance struct {
	// Origin is who or what sent the document, for example
	// "resident:<РНОКПП>", "provider:<ЄДРПОУ>" or "system:<name>".
	Origin string
	// Destination is who or what the document was sent to, in the same
	// form.
	Destination string
	SentAt      time.Time
	ReceivedAt  time.Time
}

// Stored describes an object in the store: what PutDocument wrote, or what
// Stat reads back. For an object stored by Put, only Key, Size, StoredAt and
// the content type are known. Its Class and SHA256 are empty.
type Stored struct {
	Meta
	Key  string
	Size int64
	// VersionID is the object's version in a versioned bucket, and empty
	// in a directory.
	VersionID string
	// StoredAt is when the store wrote the object.
	StoredAt time.Time
	// RetainUntil is when the document may first be deleted. It is zero for
	// no retention.
	RetainUntil time.Time
}

// maxProvenanceField bounds Origin and Destination. S3 limits user metadata
// to 2 KB per object, escaping included.
const maxProvenanceField = 256

// normalize checks m and fills its defaults.
func (m Meta) normalize() (Meta, error) {
	if !m.Class.Valid() {
		return m, fmt.Errorf("docstore: unknown document class %q", m.Class)
	}
	if m.ContentType == "" {
		m.ContentType = "application/octet-stream"
	}
	if m.SHA256 != "" {
		sum, err := normalizeSHA256(m.SHA256)
		if err != nil {
			return m, err
		}
		m.SHA256 = sum
	}
	for name, v := range map[string]string{"origin": m.Provenance.Origin, "destination": m.Provenance.Destination} {
		if len(v) > maxProvenanceField || !utf8.ValidString(v) {
			return m, fmt.Errorf("docstore: provenance %s: want valid UTF-8 of at most %d bytes", name, maxProvenanceField)
		}
	}
	m.Provenance.SentAt = utcOrZero(m.Provenance.SentAt)
	m.Provenance.ReceivedAt = utcOrZero(m.Provenance.ReceivedAt)
	return m, nil
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Round(0) // Round(0) drops the monotonic reading
}

// normalizeSHA256 returns s, a hex SHA-256, in lower case.
func normalizeSHA256(s string) (string, error) {
	s = strings.ToLower(s)
	if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
		return "", fmt.Errorf("docstore: %q is not a hex SHA-256", s)
	}
	return s, nil
}
