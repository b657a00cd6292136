package centres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/tenant"
)

// What a centre publishes besides its appointments (seed 001, the Diia
// Centers platform's tasks 4–10; migration 0041): vacancies, which leave
// the public list when closed or past their closing date; the events it
// organises, at the centre or online, with a calendar file each; and the
// templates and training materials the city's staff only may read
// (materials.go). Each publication and closure is in the audit log.

// Vacancy is a vacancy at a centre.
type Vacancy struct {
	ID          uuid.UUID
	CentreCode  string
	CentreName  tenant.Text
	Title       string
	Description string
	HowToApply  string
	ClosesOn    time.Time // a date, in the city's calendar
	Status      string    // published | closed
	CreatedAt   time.Time
}

// Open says the vacancy is on the public list on day (a date in Kyiv).
func (v *Vacancy) Open(day time.Time) bool {
	return v.Status == "published" && !v.ClosesOn.Before(day)
}

// Event is an event a centre organises.
type Event struct {
	ID          uuid.UUID
	CentreCode  string
	CentreName  tenant.Text
	CentreAddr  tenant.Text
	Title       string
	Description string
	Online      bool
	Link        string // where an online event is held
	Start, End  time.Time
	Cancelled   bool
}

// FieldErrors are a form's errors, by field name; each names its field on
// the page ("Назва: заповніть це поле.").
type FieldErrors map[string]*apperr.Error

func (e FieldErrors) Error() string { return fmt.Sprintf("centres: %d invalid fields", len(e)) }

// LocalTime is how a date and time is typed in the city's time (an
// <input type="datetime-local">).
const LocalTime = "2006-01-02T15:04"

// VacancyForm is a vacancy as typed. ID is the form's own, made when it
// was shown: sending it twice publishes one vacancy.
type VacancyForm struct {
	ID, Title, Description, HowToApply, ClosesOn string
}

// EventForm is an event as typed; Place is "centre" or "online".
type EventForm struct {
	ID, Title, Description, Place, Link, Starts, Ends string
}

// length checks v's length in runes into errs[field].
func length(errs FieldErrors, field, v string, lo, hi int) {
	if n := len([]rune(v)); n < lo || n > hi {
		key := "centres.error_field_too_long"
		if n < lo {
			key = "centres.error_field_required"
		}
		errs[field] = apperr.New(apperr.Invalid, key).With(map[string]any{"Max": hi})
	}
}

// formID parses the form's id into errs["id"].
func formID(errs FieldErrors, s string) uuid.UUID {
	id, err := uuid.Parse(s)
	if err != nil {
		errs["id"] = apperr.New(apperr.Invalid, "centres.error_form_stale")
	}
	return id
}

// check trims f and returns its errors, none when it may be published on
// today (a date in Kyiv).
func (f *VacancyForm) check(today time.Time) (uuid.UUID, time.Time, FieldErrors) {
	errs := FieldErrors{}
	id := formID(errs, f.ID)
	f.Title, f.Description, f.HowToApply = strings.TrimSpace(f.Title), strings.TrimSpace(f.Description), strings.TrimSpace(f.HowToApply)
	length(errs, "title", f.Title, 1, 200)
	length(errs, "description", f.Description, 1, 5000)
	length(errs, "how_to_apply", f.HowToApply, 1, 2000)
	closes, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.ClosesOn), tenant.Zone)
	switch {
	case err != nil:
		errs["closes_on"] = apperr.New(apperr.Invalid, "centres.error_date")
	case closes.Before(today):
		errs["closes_on"] = apperr.New(apperr.Invalid, "centres.error_closes_past")
	}
	return id, closes, errs
}

// check trims f and returns the event's times and its errors.
func (f *EventForm) check(now time.Time) (uuid.UUID, time.Time, time.Time, FieldErrors) {
	errs := FieldErrors{}
	id := formID(errs, f.ID)
	f.Title, f.Description, f.Link = strings.TrimSpace(f.Title), strings.TrimSpace(f.Description), strings.TrimSpace(f.Link)
	length(errs, "title", f.Title, 1, 200)
	length(errs, "description", f.Description, 1, 5000)
	switch f.Place {
	case "centre":
		f.Link = ""
	case "online":
		// Only a web address: the link is shown to everyone as a link.
		if !strings.HasPrefix(f.Link, "https://") || len(f.Link) > 500 || strings.ContainsAny(f.Link, " \"<>") {
			errs["link"] = apperr.New(apperr.Invalid, "centres.error_link")
		}
	default:
		errs["place"] = apperr.New(apperr.Invalid, "centres.error_place")
	}
	starts, err1 := time.ParseInLocation(LocalTime, strings.TrimSpace(f.Starts), tenant.Zone)
	ends, err2 := time.ParseInLocation(LocalTime, strings.TrimSpace(f.Ends), tenant.Zone)
	switch {
	case err1 != nil:
		errs["starts"] = apperr.New(apperr.Invalid, "centres.error_datetime")
	case starts.Before(now):
		errs["starts"] = apperr.New(apperr.Invalid, "centres.error_starts_past")
	}
	switch {
	case err2 != nil:
		errs["ends"] = apperr.New(apperr.Invalid, "centres.error_datetime")
	case err1 == nil && !ends.After(starts):
		errs["ends"] = apperr.New(apperr.Invalid, "centres.error_ends_order")
	}
	return id, starts, ends, errs
}

// today is the city's date now.
func (s *Service) today() time.Time {
	n := s.now().In(tenant.Zone)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, tenant.Zone)
}

// record writes e, an action of the signed-in staff member, in the audit
// log.
func (s *Service) record(ctx context.Context, tx pgx.Tx, sg *identity.Signed, e audit.Event) error {
	if s.audit == nil {
		return errors.New("centres: publishing needs the audit log")
	}
	e.Actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	_, err := s.audit.Record(ctx, tx, e)
	return err
}

// PublishVacancy publishes the vacancy f describes at the centre with
// code, by the signed-in person. It returns FieldErrors having written
// nothing; the same form sent again publishes nothing more.
func (s *Service) PublishVacancy(ctx context.Context, code string, f *VacancyForm) error {
	sg, err := signed(ctx)
	if err != nil {
		return err
	}
	id, closes, errs := f.check(s.today())
	if len(errs) > 0 {
		return errs
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO centre_vacancies (tenant_id, id, centre_id, title, description, how_to_apply, closes_on, created_at, created_by)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, id) DO NOTHING`,
			id, cid, f.Title, f.Description, f.HowToApply, closes, s.now(), sg.AccountID)
		if err != nil {
			return fmt.Errorf("centres: publish vacancy: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // sent twice
		}
		return s.record(ctx, tx, sg, audit.Event{Action: "centre.vacancy.publish", ObjectType: "centre_vacancy", ObjectID: id.String(),
			Details: map[string]any{"centre": code, "title": f.Title, "closes_on": closes.Format(time.DateOnly)}})
	})
}

// CloseVacancy takes the vacancy id of the centre with code off the list;
// closing it again changes nothing.
func (s *Service) CloseVacancy(ctx context.Context, code string, id uuid.UUID) error {
	sg, err := signed(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var title, status string
		err := tx.QueryRow(ctx, `SELECT v.title, v.status FROM centre_vacancies v JOIN centres c ON c.tenant_id = v.tenant_id AND c.id = v.centre_id
			WHERE c.code = $1 AND v.id = $2 FOR UPDATE OF v`, code, id).Scan(&title, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("centres: close vacancy: %w", err)
		}
		if status == "closed" {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE centre_vacancies SET status = 'closed', closed_at = $2 WHERE id = $1`, id, s.now()); err != nil {
			return fmt.Errorf("centres: close vacancy: %w", err)
		}
		return s.record(ctx, tx, sg, audit.Event{Action: "centre.vacancy.close", ObjectType: "centre_vacancy", ObjectID: id.String(),
			Details: map[string]any{"centre": code, "title": title}})
	})
}

const vacancyColumns = `v.id, c.code, c.name, v.title, v.description, v.how_to_apply, v.closes_on, v.status, v.created_at
	FROM centre_vacancies v JOIN centres c ON c.tenant_id = v.tenant_id AND c.id = v.centre_id `

func vacancies(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Vacancy, error) {
	rows, err := tx.Query(ctx, `SELECT `+vacancyColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("centres: vacancies: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Vacancy, error) {
		var v Vacancy
		err := r.Scan(&v.ID, &v.CentreCode, &v.CentreName, &v.Title, &v.Description, &v.HowToApply, &v.ClosesOn, &v.Status, &v.CreatedAt)
		v.ClosesOn = time.Date(v.ClosesOn.Year(), v.ClosesOn.Month(), v.ClosesOn.Day(), 0, 0, 0, 0, tenant.Zone)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("centres: vacancies: %w", err)
	}
	return out, nil
}

// OpenVacancies are the vacancies on the public list today, of the centre
// with code or ("") of every centre, closing soonest first.
func (s *Service) OpenVacancies(ctx context.Context, code string) ([]Vacancy, error) {
	var out []Vacancy
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if code != "" {
			if _, err := centreID(ctx, tx, code); err != nil {
				return err
			}
		}
		var err error
		out, err = vacancies(ctx, tx, `WHERE v.status = 'published' AND v.closes_on >= $1 AND ($2 = '' OR c.code = $2)
			ORDER BY v.closes_on, v.created_at`, s.today(), code)
		return err
	})
	return out, err
}

// CentreVacancies are every vacancy of the centre with code, for its
// staff's page: the latest first, closed ones too.
func (s *Service) CentreVacancies(ctx context.Context, code string) ([]Vacancy, error) {
	var out []Vacancy
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := centreID(ctx, tx, code); err != nil {
			return err
		}
		var err error
		out, err = vacancies(ctx, tx, `WHERE c.code = $1 ORDER BY v.created_at DESC LIMIT 200`, code)
		return err
	})
	return out, err
}

// PublishEvent publishes the event f describes, organised by the centre
// with code, by the signed-in person; FieldErrors write nothing, and the
// same form sent again publishes nothing more.
func (s *Service) PublishEvent(ctx context.Context, code string, f *EventForm) error {
	sg, err := signed(ctx)
	if err != nil {
		return err
	}
	id, starts, ends, errs := f.check(s.now())
	if len(errs) > 0 {
		return errs
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO centre_events (tenant_id, id, centre_id, title, description, online, link, starts_at, ends_at, created_at, created_by)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, id) DO NOTHING`,
			id, cid, f.Title, f.Description, f.Place == "online", f.Link, starts, ends, s.now(), sg.AccountID)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.ConstraintName == "centre_events_order" {
			return FieldErrors{"ends": apperr.New(apperr.Invalid, "centres.error_ends_order")}
		}
		if err != nil {
			return fmt.Errorf("centres: publish event: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return s.record(ctx, tx, sg, audit.Event{Action: "centre.event.publish", ObjectType: "centre_event", ObjectID: id.String(),
			Details: map[string]any{"centre": code, "title": f.Title, "starts_at": starts, "online": f.Place == "online"}})
	})
}

// CancelEvent cancels the event id of the centre with code: it stays on
// the calendar, marked cancelled, and its calendar file says so.
func (s *Service) CancelEvent(ctx context.Context, code string, id uuid.UUID) error {
	sg, err := signed(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var title string
		var cancelled *time.Time
		err := tx.QueryRow(ctx, `SELECT e.title, e.cancelled_at FROM centre_events e JOIN centres c ON c.tenant_id = e.tenant_id AND c.id = e.centre_id
			WHERE c.code = $1 AND e.id = $2 FOR UPDATE OF e`, code, id).Scan(&title, &cancelled)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("centres: cancel event: %w", err)
		}
		if cancelled != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE centre_events SET cancelled_at = $2 WHERE id = $1`, id, s.now()); err != nil {
			return fmt.Errorf("centres: cancel event: %w", err)
		}
		return s.record(ctx, tx, sg, audit.Event{Action: "centre.event.cancel", ObjectType: "centre_event", ObjectID: id.String(),
			Details: map[string]any{"centre": code, "title": title}})
	})
}

const eventColumns = `e.id, c.code, c.name, c.address, e.title, e.description, e.online, e.link, e.starts_at, e.ends_at, e.cancelled_at IS NOT NULL
	FROM centre_events e JOIN centres c ON c.tenant_id = e.tenant_id AND c.id = e.centre_id `

func events(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT `+eventColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("centres: events: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Event])
	if err != nil {
		return nil, fmt.Errorf("centres: events: %w", err)
	}
	for i := range out {
		out[i].Start, out[i].End = out[i].Start.In(tenant.Zone), out[i].End.In(tenant.Zone)
	}
	return out, nil
}

// Month are the events of the month that starts on first (in Kyiv),
// cancelled ones too (marked), in order of their start.
func (s *Service) Month(ctx context.Context, first time.Time) ([]Event, error) {
	var out []Event
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = events(ctx, tx, `WHERE e.starts_at < $2 AND e.ends_at > $1 ORDER BY e.starts_at, e.id`, first, first.AddDate(0, 1, 0))
		return err
	})
	return out, err
}

// CentreEvents are the centre's events still to end, for its staff's page.
func (s *Service) CentreEvents(ctx context.Context, code string) ([]Event, error) {
	var out []Event
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := centreID(ctx, tx, code); err != nil {
			return err
		}
		var err error
		out, err = events(ctx, tx, `WHERE c.code = $1 AND e.ends_at > $2 ORDER BY e.starts_at LIMIT 200`, code, s.now())
		return err
	})
	return out, err
}

// EventByID is one event, for its calendar file.
func (s *Service) EventByID(ctx context.Context, id uuid.UUID) (*Event, error) {
	var out *Event
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		es, err := events(ctx, tx, `WHERE e.id = $1`, id)
		if err == nil && len(es) == 0 {
			err = ErrNotFound
		}
		if err == nil {
			out = &es[0]
		}
		return err
	})
	return out, err
}

// Centre is the centre with code, as the register has it.
func (s *Service) Centre(ctx context.Context, code string) (*catalog.Centre, error) {
	var c *catalog.Centre
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		c, _, err = catalog.CentreByCode(ctx, tx, code)
		if errors.Is(err, catalog.ErrNoService) {
			return ErrNotFound
		}
		return err
	})
	return c, err
}

// CentreList are the city's centres, as the register has them.
func (s *Service) CentreList(ctx context.Context) ([]catalog.Centre, error) {
	var out []catalog.Centre
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = catalog.Centres(ctx, tx)
		return err
	})
	return out, err
}
