package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/content"
	"hromada/modules/identity"
	"hromada/tenant"
)

// Service is the register: what its public pages read and what its editors
// change. Each exported method is one transaction in the tenant in ctx; the
// functions that take a pgx.Tx (read.go, search.go, revisions.go, store.go)
// compose inside it. A proposal or a decision is audited in its own
// transaction.
type Service struct {
	db     *tenant.DB
	audit  *audit.Service
	log    *slog.Logger
	now    func() time.Time
	online OnlineFunc
	cache  *Cache
	// content is the city's news, shown on the front page; nil shows none.
	content *content.Service
	// views counts the cards' views (Options.Views); nil: not counted.
	views ViewCounter
}

// OnlineFunc returns the services that can be applied for online (those
// with a published electronic form), in the caller's transaction. The
// forms are modules/applications', which imports catalog, so the root wires
// applications.OnlineServices here.
type OnlineFunc func(ctx context.Context, tx pgx.Tx) ([]uuid.UUID, error)

// Options configure a Service; nil means the defaults.
type Options struct {
	// Audit records the revisions' proposals and decisions. Defaults to an
	// audit.Service over the same database.
	Audit *audit.Service
	// Log receives what a page shows without (an editor's choices that
	// could not be read). Defaults to discarding it.
	Log *slog.Logger
	// Now is the clock: a revision's basis date may not be after it.
	// Defaults to time.Now.
	Now func() time.Time
	// Cache, when set, keeps the public pages' reads (Home, Page, Search
	// and SearchPage) per city; it must Listen for changes to be current.
	Cache *Cache
	// Online, when set, marks the services that can be applied for online
	// on their pages and in lists, and lets a search keep only them; with
	// none, no service is offered online.
	Online OnlineFunc
	// Content is the city's news and pages: the front page shows the
	// latest news. Without it the front page has no news.
	Content *content.Service
	// Views counts views of services' cards (modules/monitoring); nil:
	// not counted.
	Views ViewCounter
}

// ViewCounter counts a view of a service's card. It must not block the
// page: it is called on every view, outside any transaction.
type ViewCounter interface {
	CardViewed(ctx context.Context, service uuid.UUID)
}

// New returns the register over the tenant tables reached through db.
func New(db *tenant.DB, o *Options) *Service {
	s := &Service{db: db, log: slog.New(slog.DiscardHandler), now: time.Now}
	if o != nil {
		s.audit, s.online, s.content, s.views, s.cache = o.Audit, o.Online, o.Content, o.Views, o.Cache
		if o.Log != nil {
			s.log = o.Log
		}
		if o.Now != nil {
			s.now = o.Now
		}
	}
	if s.audit == nil {
		s.audit = audit.New(db, s.log)
	}
	return s
}

// Home is what a city's front page shows.
type Home struct {
	LifeSituations []LifeSituation
	Services       []Hit
	Centres        []Centre
	News           []content.Item // the city's latest news
}

// homeNews is how many news items the front page shows.
const homeNews = 3

// Home reads the front page in one transaction (or takes it from the
// cache).
func (s *Service) Home(ctx context.Context) (*Home, error) {
	return cached(ctx, s.cache, "home", func() (*Home, error) { return s.home(ctx) })
}

func (s *Service) home(ctx context.Context) (*Home, error) {
	var h Home
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if h.LifeSituations, err = LifeSituations(ctx, tx); err != nil {
			return err
		}
		online, err := s.onlineServices(ctx, tx)
		if err != nil {
			return err
		}
		if h.Services, _, err = Search(ctx, tx, Query{Limit: 8}); err != nil {
			return err
		}
		markOnline(h.Services, online)
		if h.Centres, err = Centres(ctx, tx); err != nil {
			return err
		}
		if s.content != nil {
			h.News, err = s.content.LatestTx(ctx, tx, homeNews)
		}
		return err
	})
	return &h, err
}

// onlineServices are the services that can be applied for online; none
// when the root wired no OnlineFunc.
func (s *Service) onlineServices(ctx context.Context, tx pgx.Tx) ([]uuid.UUID, error) {
	if s.online == nil {
		return nil, nil
	}
	ids, err := s.online(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("catalog: the services applied for online: %w", err)
	}
	return ids, nil
}

// markOnline marks the hits among online.
func markOnline(hits []Hit, online []uuid.UUID) {
	for i := range hits {
		hits[i].Online = slices.Contains(online, hits[i].ID)
	}
}

// Results are a search's hits, a page of them, and how many match in all;
// with the search page's filters when asked for (SearchPage).
type Results struct {
	Hits           []Hit
	Total          int
	LifeSituations []LifeSituation
	Categories     []string
	Providers      []Provider
}

// Search runs q in one transaction: the API's search.
func (s *Service) Search(ctx context.Context, q Query) (*Results, error) {
	return s.search(ctx, q, false)
}

// SearchPage runs q and reads what the search page offers beside the hits
// (the filters' choices), in one transaction.
func (s *Service) SearchPage(ctx context.Context, q Query) (*Results, error) {
	return s.search(ctx, q, true)
}

func (s *Service) search(ctx context.Context, q Query, filters bool) (*Results, error) {
	return cached(ctx, s.cache, queryKey(q, filters), func() (*Results, error) { return s.read(ctx, q, filters) })
}

func (s *Service) read(ctx context.Context, q Query, filters bool) (*Results, error) {
	var res Results
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		online, err := s.onlineServices(ctx, tx)
		if err != nil {
			return err
		}
		q.among = online
		if res.Hits, res.Total, err = Search(ctx, tx, q); err != nil {
			return err
		}
		if markOnline(res.Hits, online); !filters {
			return nil
		}
		if res.Categories, err = Categories(ctx, tx); err != nil {
			return err
		}
		if res.Providers, err = Providers(ctx, tx); err != nil {
			return err
		}
		res.LifeSituations, err = LifeSituations(ctx, tx)
		return err
	})
	return &res, err
}

// Page returns the published service with code as its public page shows
// it, with whether it can be applied for online. ErrNotFound when there is
// none.
func (s *Service) Page(ctx context.Context, code string) (*Page, error) {
	return cached(ctx, s.cache, "page\x00"+code, func() (*Page, error) { return s.page(ctx, code) })
}

func (s *Service) page(ctx context.Context, code string) (*Page, error) {
	var p *Page
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if p, err = ServiceByCode(ctx, tx, code); err != nil {
			return err
		}
		online, err := s.onlineServices(ctx, tx)
		p.OnlineForm = slices.Contains(online, p.ID)
		return err
	})
	return p, notFound(err)
}

// Current returns the published service with code, what a revision of it
// starts from. ErrNotFound when there is none.
func (s *Service) Current(ctx context.Context, code string) (*Page, error) {
	var p *Page
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		p, err = ServiceByCode(ctx, tx, code)
		return err
	})
	return p, notFound(err)
}

// LifeSituations returns the tenant's life situations in their order.
func (s *Service) LifeSituations(ctx context.Context) ([]LifeSituation, error) {
	var out []LifeSituation
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = LifeSituations(ctx, tx)
		return err
	})
	return out, err
}

// Centres returns the tenant's administrative service centres.
func (s *Service) Centres(ctx context.Context) ([]Centre, error) {
	var out []Centre
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = Centres(ctx, tx)
		return err
	})
	return out, err
}

// Providers returns the tenant's providers, by name.
func (s *Service) Providers(ctx context.Context) ([]Provider, error) {
	var out []Provider
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = Providers(ctx, tx)
		return err
	})
	return out, err
}

// Provider returns the provider with code and its published services.
// ErrNotFound when there is none.
func (s *Service) Provider(ctx context.Context, code string) (*Provider, []Hit, error) {
	var (
		p    *Provider
		hits []Hit
	)
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		online, err := s.onlineServices(ctx, tx)
		if err != nil {
			return err
		}
		p, hits, err = ProviderByCode(ctx, tx, code)
		markOnline(hits, online)
		return err
	})
	return p, hits, notFound(err)
}

// Centre returns the centre with code and the services available there.
// ErrNotFound when there is none.
func (s *Service) Centre(ctx context.Context, code string) (*Centre, []Published, error) {
	var (
		c    *Centre
		svcs []Published
	)
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		online, err := s.onlineServices(ctx, tx)
		if err != nil {
			return err
		}
		c, svcs, err = CentreByCode(ctx, tx, code)
		for i := range svcs {
			svcs[i].Online = slices.Contains(online, svcs[i].ID)
		}
		return err
	})
	return c, svcs, notFound(err)
}

// Export is a page of the published register, by code, with its
// providers' codes: what the API's list and the open data give.
type Export struct {
	Services []Published
	Total    int
	// ProviderCodes are the providers' codes by id.
	ProviderCodes map[uuid.UUID]string
	// Providers, LifeSituations and Centres are the rest of the register,
	// read in the same transaction so that services.json is one snapshot.
	Providers      []Provider
	LifeSituations []LifeSituation
	Centres        []Centre
}

// Export reads limit published services from offset, and the register's
// providers, life situations and centres, in one transaction.
func (s *Service) Export(ctx context.Context, limit, offset int) (*Export, error) {
	ex := Export{ProviderCodes: map[uuid.UUID]string{}}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if ex.Services, ex.Total, err = AllServices(ctx, tx, limit, offset); err != nil {
			return err
		}
		if ex.Providers, err = Providers(ctx, tx); err != nil {
			return err
		}
		for _, p := range ex.Providers {
			ex.ProviderCodes[p.ID] = p.Code
		}
		if ex.LifeSituations, err = LifeSituations(ctx, tx); err != nil {
			return err
		}
		ex.Centres, err = Centres(ctx, tx)
		return err
	})
	return &ex, err
}

// ServicesOf lists up to 100 published services for the editor: of the
// provider with id provider, or all ("").
func (s *Service) ServicesOf(ctx context.Context, provider string) ([]Hit, error) {
	var hits []Hit
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		q := Query{Limit: 100}
		if provider != "" {
			var err error
			if q.Provider, err = providerCode(ctx, tx, provider); err != nil {
				return err
			}
		}
		var err error
		hits, _, err = Search(ctx, tx, q)
		return err
	})
	return hits, err
}

// Edit applies an editor's form to the content a revision starts from and
// returns the problems found before the revision's own checks (a malformed
// FAQ), by field.
type Edit func(base Content) (Content, FieldErrors)

// Propose saves edit of the published service with code as a pending
// revision by author, with the date its legal basis arose, and audits it, in
// one transaction. Invalid input gives ErrRevisionInvalid and the problems
// by field; no such service, ErrNotFound.
func (s *Service) Propose(ctx context.Context, code string, edit Edit, basis time.Time, author uuid.UUID) (*Revision, FieldErrors, error) {
	var (
		rev  *Revision
		errs FieldErrors
	)
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := ServiceByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		rev, errs, err = s.propose(ctx, tx, code, cur.Content, edit, basis, author)
		return err
	})
	return rev, errs, notFound(err)
}

// codeRE is the shape of a new service's code.
var codeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{1,19}$`)

// Create makes a new, unpublished service with code at provider (an id)
// and proposes edit as its first revision, audited, in one transaction: the
// public sees it once the revision is published. A malformed or taken code
// gives ErrRevisionInvalid with the code field's problem.
func (s *Service) Create(ctx context.Context, code, provider string, edit Edit, basis time.Time, author uuid.UUID) (*Revision, FieldErrors, error) {
	var (
		rev  *Revision
		errs FieldErrors
	)
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := uuid.Parse(provider)
		if !codeRE.MatchString(code) || err != nil {
			errs = FieldErrors{"code": fe("error.catalog_code")}
			return ErrRevisionInvalid
		}
		created, err := createService(ctx, tx, code, p)
		if err != nil {
			return err
		}
		if !created {
			errs = FieldErrors{"code": fe("error.catalog_code_taken")}
			return ErrRevisionInvalid
		}
		rev, errs, err = s.propose(ctx, tx, code, Content{}, edit, basis, author)
		return err
	})
	return rev, errs, notFound(err)
}

// propose applies edit to base, saves it as a revision and audits it, in tx.
func (s *Service) propose(ctx context.Context, tx pgx.Tx, code string, base Content, edit Edit, basis time.Time, author uuid.UUID) (*Revision, FieldErrors, error) {
	c, formErrs := edit(base)
	rev, errs, err := Propose(ctx, tx, code, c, basis, &author, s.now())
	if len(formErrs) > 0 {
		// The form's own problems refuse the revision whatever its checks
		// found, and are shown with theirs.
		if errs == nil {
			errs = FieldErrors{}
		}
		maps.Copy(errs, formErrs)
		return nil, errs, ErrRevisionInvalid
	}
	if err != nil {
		return nil, errs, err
	}
	return rev, nil, s.auditRevision(ctx, tx, "propose", rev)
}

// Revisions lists revisions, pending first: of one provider, or all (nil);
// of the service with code, or all ("").
func (s *Service) Revisions(ctx context.Context, provider *uuid.UUID, code string) ([]*Revision, error) {
	var out []*Revision
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = Revisions(ctx, tx, provider, code)
		return err
	})
	return out, err
}

// Decide publishes revision id or returns it to its author with a comment,
// by the account by, and audits the decision, in one transaction. It
// refuses a decided revision (ErrRevisionDecided) and a return without a
// comment (ErrCommentRequired).
func (s *Service) Decide(ctx context.Context, id uuid.UUID, publishIt bool, comment string, by uuid.UUID) (*Revision, error) {
	var rev *Revision
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if rev, err = Decide(ctx, tx, id, publishIt, comment, &by, s.now()); err != nil {
			return err
		}
		action := "return"
		if publishIt {
			action = "publish"
		}
		return s.auditRevision(ctx, tx, action, rev)
	})
	return rev, err
}

// auditRevision records a proposal or decision on a service's information
// (action "propose", "publish" or "return") by the signed-in person, in its
// transaction.
func (s *Service) auditRevision(ctx context.Context, tx pgx.Tx, action string, r *Revision) error {
	actor := audit.Actor{}
	if sg := identity.SignedFrom(ctx); sg != nil {
		actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	_, err := s.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "catalog.revision." + action, ObjectType: "service",
		ObjectID: r.ServiceCode, Details: map[string]any{"revision": r.Number, "status": r.Status, "basis_date": r.BasisDate.Format("2006-01-02")}})
	return err
}

// Holidays returns the city's days off, in order.
func (s *Service) Holidays(ctx context.Context) ([]Holiday, error) {
	var out []Holiday
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = Holidays(ctx, tx)
		return err
	})
	return out, err
}

// SetHoliday adds (or renames) a day off, in one transaction.
func (s *Service) SetHoliday(ctx context.Context, day time.Time, name string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error { return SetHoliday(ctx, tx, day, name) })
}

// RemoveHoliday takes a day off away, in one transaction.
func (s *Service) RemoveHoliday(ctx context.Context, day time.Time) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error { return RemoveHoliday(ctx, tx, day) })
}

// notFound is ErrNotFound for a code with no published service.
func notFound(err error) error {
	if errors.Is(err, ErrNoService) {
		return ErrNotFound
	}
	return err
}

// ErrNotFound is a service code with no published service.
var ErrNotFound = apperr.New(apperr.NotFound, "error.service_not_found")
