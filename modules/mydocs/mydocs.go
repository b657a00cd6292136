// Package mydocs is the resident's own documents in the cabinet (seed 003
// §4.6.5, seed 000 §7: the person's documents, photos and scans kept on
// the portal) and who may read them: a provider's officials open one only
// with the person's consent — for that provider, for all documents or the
// ones chosen, until a date, revocable at once — and every opening, and
// every refused attempt, is recorded for the person to see («Хто
// переглядав мої документи», seed 003 §4.5(5), seed 000 §8).
//
// Files go through the uploads module (judged by their bytes) into the
// document store as temporary documents: they are the person's, not a
// case's, so the person may delete them at once.
package mydocs

import (
	"log/slog"
	"time"

	"github.com/google/uuid"

	"hromada/modules/audit"
	"hromada/modules/docstore"
	"hromada/tenant"
)

// Kinds of document the person files theirs under.
var Kinds = []string{"passport", "id_card", "birth_certificate", "certificate", "photo", "video", "other"}

// KindResult is a result the city issued to the person: not uploaded but
// read from the applications' issued documents (see docsSQL), kept as the
// case is kept, so the person can download it and attach it to another
// application but not delete it.
const KindResult = "result"

// Document is one of the person's documents.
type Document struct {
	ID          uuid.UUID
	Account     uuid.UUID
	Kind        string
	Title       string
	ExpiresOn   *time.Time
	FileKey     string
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
}

// Result reports whether the city issued it (see KindResult).
func (d Document) Result() bool { return d.Kind == KindResult }

// Video reports whether it is a short video, played on the page.
func (d Document) Video() bool { return d.ContentType == "video/mp4" || d.ContentType == "video/webm" }

// Expired reports whether the document's own expiry has passed on day.
func (d Document) Expired(day time.Time) bool { return d.ExpiresOn != nil && d.ExpiresOn.Before(day) }

// Consent lets one provider's officials open the person's documents.
type Consent struct {
	ID           uuid.UUID
	Provider     uuid.UUID
	ProviderName tenant.Text
	Documents    []uuid.UUID // nil: all of them
	ValidUntil   time.Time
	CreatedAt    time.Time
	RevokedAt    *time.Time
}

// Active reports whether it lets officials in on day.
func (c Consent) Active(day time.Time) bool { return c.RevokedAt == nil && !c.ValidUntil.Before(day) }

// Covers reports whether it names document id.
func (c Consent) Covers(id uuid.UUID) bool {
	if c.Documents == nil {
		return true
	}
	for _, d := range c.Documents {
		if d == id {
			return true
		}
	}
	return false
}

// View is an opening of one of the person's documents by someone else, or
// a refused attempt.
type View struct {
	At            time.Time
	DocumentTitle string
	ViewerName    string
	ProviderName  tenant.Text
	Application   *uuid.UUID
	Ground        string // consent, refused, attached, copy, law
	LegalGround   string // for law: a LegalGrounds code
	LegalNote     string // for law: the case, as the official wrote it
}

// Law is the law and article of a view's legal ground (ground "law").
func (v View) Law() string {
	g, _ := LegalGroundOf(v.LegalGround)
	return g.Law
}

// Service keeps the cabinet's documents. Each exported method is one
// transaction in the tenant in ctx.
type Service struct {
	db    *tenant.DB
	docs  docstore.Store
	log   *slog.Logger
	now   func() time.Time
	audit *audit.Service // records openings by law; nil: not recorded there (tests)
}

// WithAudit makes s record every opening by law in the audit log too (as
// "mydocs.open_by_law"), where the city's auditor sees it, besides the
// person's own list.
func (s *Service) WithAudit(a *audit.Service) *Service {
	s.audit = a
	return s
}

// New returns the Service over db and the document store.
func New(db *tenant.DB, docs docstore.Store, log *slog.Logger, now func() time.Time) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, docs: docs, log: log, now: now}
}

// today is the city's date now, as a date column holds it.
func (s *Service) today() time.Time {
	t := s.now().In(tenant.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
