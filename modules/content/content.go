// Package content is the city's own words on its portal: news and pages
// published by the dispatcher (seed 003 §2.2.15: informational and
// educational content), shown on the home page, in a news list with an
// Atom feed and, for pages marked so, in the footer; and the remarks and
// proposals residents and providers make about the portal itself (seed
// 003 §4.4(12), §4.6 rights 7–8: not an appeal), which reach the
// administrator's queue, are answered, and give the dispatcher a simple
// view of the portal's quality.
//
// Bodies are Markdown rendered without raw HTML (markdown.go): what the
// dispatcher types can never put a script on the city's portal.
package content

import (
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"hromada/modules/audit"
	"hromada/modules/docstore"
	"hromada/modules/notify"
	"hromada/tenant"
)

// Kinds of item.
const (
	KindNews = "news"
	KindPage = "page"
)

// Statuses of an item. A published item shows from its PublishAt on, so a
// published item with a later PublishAt is scheduled.
const (
	Draft     = "draft"
	Published = "published"
	Retired   = "retired"
)

// Item is a news item or a page.
type Item struct {
	ID        uuid.UUID
	Kind      string
	Slug      string
	Title     tenant.Text
	Summary   tenant.Text
	Body      tenant.Text // Markdown
	InFooter  bool
	Status    string
	PublishAt *time.Time
	UpdatedAt time.Time
}

// Scheduled reports whether it is published to show later than now.
func (i Item) Scheduled(now time.Time) bool {
	return i.Status == Published && i.PublishAt != nil && i.PublishAt.After(now)
}

// Service keeps the city's news, pages and feedback. Each exported method
// is one transaction in the tenant in ctx.
type Service struct {
	db     *tenant.DB
	docs   docstore.Store
	audit  *audit.Service
	notify *notify.Service
	log    *slog.Logger
	now    func() time.Time
	portal func(*tenant.Tenant) string

	mu     sync.Mutex
	footer map[uuid.UUID]footerCache
}

// Options are a Service's collaborators; nil fields take defaults.
type Options struct {
	Audit  *audit.Service  // records publication, images and answers
	Docs   docstore.Store  // keeps the news' images
	Notify *notify.Service // tells a person their remark was answered
	Log    *slog.Logger
	Now    func() time.Time
	// PortalURL is a city's portal's base URL (scheme and host): the feed's
	// links are absolute.
	PortalURL func(*tenant.Tenant) string
}

// New returns the Service over db.
func New(db *tenant.DB, o Options) *Service {
	s := &Service{db: db, docs: o.Docs, audit: o.Audit, notify: o.Notify, log: o.Log, now: o.Now, portal: o.PortalURL, footer: map[uuid.UUID]footerCache{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
