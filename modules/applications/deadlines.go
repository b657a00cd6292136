package applications

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/catalog"
	"hromada/modules/notify"
	"hromada/modules/terms"
)

// An application's term (seed 003 §3.1.9, §5): the service's legal term
// on the city's calendar from the day it was received (terms.Due), locked
// like the signed content (migrations/0018_deadlines.sql). It moves only
// through the database's application_term_change, each move audited here:
// an official's extension, with its reason; a pause while the applicant
// is asked for clarification, where the service's law says so
// (catalog.Term.PausesOnClarification), resumed with the days that were
// left when the applicant answers.

// PausedLeft is how many days a paused term has left, 0 while it runs.
func (a *Application) PausedLeft() int {
	if a.PausedDays == nil {
		return 0
	}
	return *a.PausedDays
}

// Errors of an extension, shown to the official.
var (
	ErrNeedReason = apperr.New(apperr.Invalid, "error.term_reason")
	ErrTermLater  = apperr.New(apperr.Invalid, "error.term_later")
	ErrTermDate   = apperr.New(apperr.Invalid, "error.term_date")
)

// termChange moves an application's term through the database's one door,
// which records the change in application_term_changes. due and days are
// NULL when nil.
func termChange(ctx context.Context, tx pgx.Tx, id uuid.UUID, kind string, due *time.Time, days *int, reason string, actor *uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT application_term_change($1, $2, $3, $4, $5, $6)`, id, kind, due, days, reason, actor); err != nil {
		return fmt.Errorf("applications: term %s of %s: %w", kind, id, err)
	}
	return nil
}

// pauseTerm stops the term of an application whose applicant is asked for
// clarification, when the service's law says so; a term already passed is
// not paused (the case stays overdue), nor one already paused.
func (s *Service) pauseTerm(ctx context.Context, tx pgx.Tx, app *Application, actor uuid.UUID, position string) error {
	if app.DueOn == nil || app.PausedAt != nil {
		return nil
	}
	term, err := serviceTerm(ctx, tx, app.ServiceID)
	if err != nil || !term.PausesOnClarification {
		return err
	}
	hs, err := catalog.HolidaySet(ctx, tx)
	if err != nil {
		return err
	}
	left := terms.DaysLeft(terms.Day(s.now()), *app.DueOn, term.Working, hs)
	if left < 0 {
		return nil
	}
	var by *uuid.UUID // nil: a provider's own system paused it
	if actor != uuid.Nil {
		by = &actor
	}
	if err := termChange(ctx, tx, app.ID, "pause", nil, &left, "", by); err != nil {
		return err
	}
	now := s.now()
	app.PausedAt, app.PausedDays = &now, &left
	return s.eventWith(ctx, tx, "term.pause", app, actor, position, map[string]any{"days_left": left})
}

// resumeTerm starts a paused term again from the applicant's answer, with
// the days it had left; the new due date is recorded and audited.
func (s *Service) resumeTerm(ctx context.Context, tx pgx.Tx, app *Application, actor uuid.UUID) error {
	if app.PausedAt == nil || app.PausedDays == nil {
		return nil
	}
	term, err := serviceTerm(ctx, tx, app.ServiceID)
	if err != nil {
		return err
	}
	hs, err := catalog.HolidaySet(ctx, tx)
	if err != nil {
		return err
	}
	due := terms.Due(s.now(), catalog.Term{Days: *app.PausedDays, Working: term.Working}, hs)
	if err := termChange(ctx, tx, app.ID, "resume", &due, nil, "", &actor); err != nil {
		return err
	}
	app.DueOn, app.PausedAt, app.PausedDays = &due, nil, nil
	return s.eventWith(ctx, tx, "term.resume", app, actor, "", map[string]any{"due_on": due.Format(time.DateOnly)})
}

// Extend moves an open application's term later, to the date to, for a
// reason the official states (the law's ground for it): recorded by the
// database with the old and new dates, audited, and told to the
// applicant. ErrTermLater when to is not after the present term,
// ErrNeedReason without a reason, ErrTransition once decided.
func (s *Service) Extend(ctx context.Context, st Staff, id uuid.UUID, to time.Time, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ErrNeedReason
	}
	to = time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := applicationByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if app.Status == Draft {
			return ErrNotFound
		}
		if app.DueOn == nil || app.Status.Final() || app.Status == Approved || app.Status == Refused {
			return ErrTransition
		}
		if !to.After(*app.DueOn) {
			return ErrTermLater.With(map[string]any{"Due": app.DueOn.Format("02.01.2006")})
		}
		if err := withPosition(ctx, tx, &st, app); err != nil {
			return err
		}
		if err := termChange(ctx, tx, id, "extend", &to, nil, reason, &st.AccountID); err != nil {
			return err
		}
		old := *app.DueOn
		app.DueOn = &to
		if err := s.notify(ctx, tx, app, notify.KindStatus, "notify.term_extended", map[string]any{"Number": app.Number,
			"Service": app.ServiceName.UK, "Due": to.Format("02.01.2006"), "Reason": reason}); err != nil {
			return err
		}
		return s.eventWith(ctx, tx, "term.extend", app, st.AccountID, st.Position, map[string]any{
			"old_due_on": old.Format(time.DateOnly), "due_on": to.Format(time.DateOnly), "reason": reason})
	})
}

// TermChange is one change of an application's term, as recorded.
type TermChange struct {
	Kind           string // pause | resume | extend
	OldDue, NewDue *time.Time
	PausedDays     *int
	Reason         string
	At             time.Time
}

// TermChanges lists an application's term changes, oldest first, in one
// read transaction (the tests'; the official's page has them from Open).
func (s *Service) TermChanges(ctx context.Context, id uuid.UUID) ([]TermChange, error) {
	var out []TermChange
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = termChanges(ctx, tx, id)
		return err
	})
	return out, err
}

// termChanges are an application's term changes, oldest first.
func termChanges(ctx context.Context, tx pgx.Tx, id uuid.UUID) ([]TermChange, error) {
	rows, err := tx.Query(ctx, `SELECT kind, old_due, new_due, paused_days, reason, at FROM application_term_changes
		WHERE application_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("applications: term changes of %s: %w", id, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TermChange])
}
