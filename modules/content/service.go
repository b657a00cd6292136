package content

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/tenant"
)

// Errors a page may show.
var (
	ErrNotFound = apperr.New(apperr.NotFound, "error.not_found")
)

// PageSize is how many news items a page of the list shows.
const PageSize = 20

// LatestTx returns the n newest news items showing now, in the caller's
// transaction: the city's home page reads them with its register.
func (s *Service) LatestTx(ctx context.Context, tx pgx.Tx, n int) ([]Item, error) {
	return shown(ctx, tx, KindNews, s.now(), n, 0)
}

// News returns page (from 1) of the news showing now, and whether there
// are more.
func (s *Service) News(ctx context.Context, page int) ([]Item, bool, error) {
	page = max(page, 1)
	var out []Item
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = shown(ctx, tx, KindNews, s.now(), PageSize+1, (page-1)*PageSize)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	more := len(out) > PageSize
	return out[:min(len(out), PageSize)], more, nil
}

// Shown returns the item of kind at slug if it shows now: a draft, a
// retired item or one scheduled for later is ErrNotFound to everyone.
func (s *Service) Shown(ctx context.Context, kind, slug string) (*Item, error) {
	var out *Item
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = shownOne(ctx, tx, kind, slug, s.now())
		return err
	})
	return out, err
}

// All returns every item, for the dispatcher's list.
func (s *Service) All(ctx context.Context) ([]Item, error) {
	var out []Item
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = allItems(ctx, tx)
		return err
	})
	return out, err
}

// Get returns the item id, whatever its status, for its editor.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Item, error) {
	var out *Item
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = itemByID(ctx, tx, id)
		return err
	})
	return out, err
}

// ItemForm is the editor's form as typed.
type ItemForm struct {
	ID                   string // made by the new-item page: a double submit saves one item
	Kind                 string
	Slug                 string
	TitleUK, TitleEN     string
	SummaryUK, SummaryEN string
	BodyUK, BodyEN       string
	InFooter             bool
	PublishAt            string // "2006-01-02T15:04", the city's time; empty: now
	// Action is what the button says: save as a draft, publish (or
	// schedule), or retire.
	Action string
}

// The editor's actions.
const (
	ActionDraft   = "draft"
	ActionPublish = "publish"
	ActionRetire  = "retire"
)

// FieldErrors are a form's errors, by field name.
type FieldErrors map[string]*apperr.Error

func (e FieldErrors) Error() string { return fmt.Sprintf("content: %d invalid fields", len(e)) }

var slugForm = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// LocalTime is the form of a date and time typed in the city's time (an
// <input type="datetime-local">).
const LocalTime = "2006-01-02T15:04"

// item checks f and returns the item it describes, or its fields' errors.
func (f *ItemForm) item() (*Item, FieldErrors) {
	errs := FieldErrors{}
	i := &Item{Kind: f.Kind, InFooter: f.InFooter,
		Title:   tenant.Text{UK: strings.TrimSpace(f.TitleUK), EN: strings.TrimSpace(f.TitleEN)},
		Summary: tenant.Text{UK: strings.TrimSpace(f.SummaryUK), EN: strings.TrimSpace(f.SummaryEN)},
		Body:    tenant.Text{UK: strings.TrimSpace(f.BodyUK), EN: strings.TrimSpace(f.BodyEN)}}
	id, err := uuid.Parse(f.ID)
	if err != nil {
		errs["id"] = apperr.New(apperr.Invalid, "content.error.form_stale")
	}
	i.ID = id
	if i.Kind != KindNews && i.Kind != KindPage {
		errs["kind"] = apperr.New(apperr.Invalid, "content.error.kind")
	}
	f.Slug = strings.TrimSpace(strings.ToLower(f.Slug))
	if f.Slug == "" {
		f.Slug = Slug(i.Title.UK)
	}
	i.Slug = f.Slug
	if (i.Slug != "" || i.Title.UK != "") && (!slugForm.MatchString(i.Slug) || len(i.Slug) > 80) {
		// (an empty address of an empty title: the title's error says it)
		errs["slug"] = apperr.New(apperr.Invalid, "content.error.slug")
	}
	length := func(field, v string, lo, hi int) {
		if n := len([]rune(v)); n < lo || n > hi {
			key := "content.error.too_long"
			if n < lo {
				key = "content.error.required"
			}
			errs[field] = apperr.New(apperr.Invalid, key).With(map[string]any{"Max": hi})
		}
	}
	length("title_uk", i.Title.UK, 1, 200)
	length("title_en", i.Title.EN, 0, 200)
	length("summary_uk", i.Summary.UK, 0, 500)
	length("summary_en", i.Summary.EN, 0, 500)
	length("body_uk", i.Body.UK, 1, 50000)
	length("body_en", i.Body.EN, 0, 50000)
	for field, body := range map[string]string{"body_uk": i.Body.UK, "body_en": i.Body.EN} {
		if _, bad := errs[field]; !bad {
			if e := checkImages(body); e != nil {
				errs[field] = e
			}
		}
	}
	switch f.Action {
	case ActionDraft:
		i.Status = Draft
	case ActionPublish:
		i.Status = Published
		if at := strings.TrimSpace(f.PublishAt); at != "" {
			t, err := time.ParseInLocation(LocalTime, at, tenant.Zone)
			if err != nil {
				errs["publish_at"] = apperr.New(apperr.Invalid, "content.error.publish_at")
			}
			i.PublishAt = &t
		}
	case ActionRetire:
		i.Status = Retired
	default:
		errs["action"] = apperr.New(apperr.Invalid, "content.error.action")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return i, nil
}

// Save writes the item f describes, as its action says, by the signed-in
// person, and records it in the audit log. It returns the fields' errors
// as FieldErrors, having written nothing.
func (s *Service) Save(ctx context.Context, f *ItemForm) (*Item, error) {
	i, errs := f.item()
	if errs != nil {
		return nil, errs
	}
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		old, err := itemByID(ctx, tx, i.ID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		default:
			i.Kind = old.Kind
			if i.Status == Published && i.PublishAt == nil && old.Status == Published {
				i.PublishAt = old.PublishAt // an edit keeps its date
			}
		}
		if i.Status == Published && i.PublishAt == nil {
			now := s.now()
			i.PublishAt = &now
		}
		if i.Status != Published {
			i.PublishAt = nil
		}
		if err := upsertItem(ctx, tx, i, sg.AccountID, s.now()); errors.Is(err, errSlugTaken) {
			return FieldErrors{"slug": apperr.New(apperr.Invalid, "content.error.slug_taken")}
		} else if err != nil {
			return err
		}
		s.forgetFooter(ctx)
		switch i.Status {
		case Published:
			return s.recordItem(ctx, tx, sg, "publish", i)
		case Retired:
			return s.recordItem(ctx, tx, sg, "retire", i)
		}
		return s.recordItem(ctx, tx, sg, "draft", i)
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}

// recordItem records action ("publish", "retire", "draft") on i by sg in
// the audit log, in tx.
func (s *Service) recordItem(ctx context.Context, tx pgx.Tx, sg *identity.Signed, action string, i *Item) error {
	_, err := s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
		Action: "content." + action, ObjectType: i.Kind, ObjectID: i.Slug,
		Details: map[string]any{"id": i.ID.String(), "title": i.Title.UK, "publish_at": i.PublishAt}})
	return err
}
