package appeals

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hromada/modules/identity"
)

// The work on an appeal: the provider's official takes it, asks the
// resident in its thread (the resident answers there), extends its term
// with a reason, forwards it when the provider is not competent, and
// answers with a signed letter (answer.go). The route's guard has already
// checked appeals:process at the appeal's provider; the methods check the
// move and the law's limits.

// Case is an appeal with everything its page shows.
type Case struct {
	Appeal   *Appeal
	Messages []Message
	Files    []File
	Terms    []TermChange
	// Providers are where a forward may send it (never its own, never
	// the one a complaint is about).
	Providers []ProviderName
	// CanForward says the five days of art. 7 have not passed.
	CanForward bool
	// Repeated is the earlier appeal it repeats, by number.
	Repeated string
	// About is, for a complaint about an answer, the appeal answered: the
	// one who considers the complaint reads what it is about.
	About *Appeal
}

// caseOf reads the rest of an appeal's page.
func (s *Service) caseOf(ctx context.Context, tx pgx.Tx, a *Appeal) (*Case, error) {
	c := &Case{Appeal: a, CanForward: a.Status != Answered && s.now().Before(forwardBy(a))}
	var err error
	if c.Messages, err = messages(ctx, tx, a.ID); err != nil {
		return nil, err
	}
	if c.Files, err = files(ctx, tx, a.ID); err != nil {
		return nil, err
	}
	if c.Terms, err = termChanges(ctx, tx, a.ID); err != nil {
		return nil, err
	}
	if a.RepeatedOf != nil {
		if err := tx.QueryRow(ctx, `SELECT number FROM appeals WHERE id = $1`, *a.RepeatedOf).Scan(&c.Repeated); err != nil {
			return nil, fmt.Errorf("appeals: repeated of %s: %w", a.ID, err)
		}
	}
	if a.AboutAppeal != nil {
		if c.About, err = appealByID(ctx, tx, *a.AboutAppeal, false); err != nil {
			return nil, err
		}
	}
	all, err := providers(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if (a.ProviderID == nil || p.ID != *a.ProviderID) && (a.AboutProvider == nil || p.ID != *a.AboutProvider) {
			c.Providers = append(c.Providers, p)
		}
	}
	return c, nil
}

// forwardBy is when the five days to forward end (art. 7).
func forwardBy(a *Appeal) time.Time { return a.ReceivedAt.AddDate(0, 0, forwardDays) }

// Queue is a provider's appeals, open ones first by due date.
func (s *Service) Queue(ctx context.Context, provider uuid.UUID) ([]*Appeal, error) {
	var out []*Appeal
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = appealList(ctx, tx, `a.provider_id = $1`, provider)
		return err
	})
	sortQueue(out)
	return out, err
}

// Unrouted are the appeals no rule sent anywhere: the dispatcher's.
func (s *Service) Unrouted(ctx context.Context) ([]*Appeal, error) {
	var out []*Appeal
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = appealList(ctx, tx, `a.provider_id IS NULL`)
		return err
	})
	return out, err
}

// sortQueue puts open appeals first, due soonest first.
func sortQueue(list []*Appeal) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && queueLess(list[j], list[j-1]); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

func queueLess(a, b *Appeal) bool {
	if (a.Status == Answered) != (b.Status == Answered) {
		return b.Status == Answered
	}
	return a.DueOn.Before(b.DueOn)
}

// Open reads an appeal for staff, with its thread, in one read.
func (s *Service) Open(ctx context.Context, id uuid.UUID) (*Case, error) {
	var out *Case
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := appealByID(ctx, tx, id, false)
		if err != nil {
			return err
		}
		out, err = s.caseOf(ctx, tx, a)
		return err
	})
	return out, err
}

// staffAction runs do on the locked appeal in one transaction, for the
// signed-in official, and records action in the audit log.
func (s *Service) staffAction(ctx context.Context, id uuid.UUID, action string, do func(ctx context.Context, tx pgx.Tx, a *Appeal, who *identity.Signed) (map[string]any, error)) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotStaff
	}
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := appealByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if a.AboutOfficial != nil && *a.AboutOfficial == sg.AccountID {
			return ErrSubject
		}
		more, err := do(ctx, tx, a, sg)
		if err != nil {
			return err
		}
		return s.event(ctx, tx, action, a, more)
	})
	return subjectError(err)
}

// subjectError is the table's CHECK of art. 7 as the people's error.
func subjectError(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.ConstraintName == "appeals_not_to_subject" {
		return ErrSubject.Wrap(err)
	}
	return err
}

// Take puts a received appeal in the signed-in official's work.
func (s *Service) Take(ctx context.Context, id uuid.UUID) error {
	return s.staffAction(ctx, id, "take", func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) (map[string]any, error) {
		if a.Status != Received {
			return nil, ErrTransition
		}
		a.Status = InWork
		_, err := tx.Exec(ctx, `UPDATE appeals SET status = 'in_work', assignee_id = $2, updated_at = now() WHERE id = $1`, a.ID, sg.AccountID)
		return nil, err
	})
}

// Extend moves an appeal's term to the date to for a reason told to the
// resident (art. 20): never past 45 days from receipt (ErrTermMax), never
// earlier than the present term (ErrTermLater), never without a reason.
func (s *Service) Extend(ctx context.Context, id uuid.UUID, to time.Time, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ErrNeedReason
	}
	to = time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	return s.staffAction(ctx, id, "extend", func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) (map[string]any, error) {
		if a.Status == Answered {
			return nil, ErrTransition
		}
		if !to.After(a.DueOn) {
			return nil, ErrTermLater.With(map[string]any{"Due": a.DueOn.Format("02.01.2006")})
		}
		if max := day(a.ReceivedAt).AddDate(0, 0, maxTermDays); to.After(max) {
			return nil, ErrTermMax.With(map[string]any{"Max": max.Format("02.01.2006")})
		}
		old := a.DueOn
		if _, err := tx.Exec(ctx, `UPDATE appeals SET due_on = $2, updated_at = now() WHERE id = $1`, a.ID, to); err != nil {
			return nil, err
		}
		a.DueOn = to
		if err := termChange(ctx, tx, a.ID, "extend", &old, to, reason, &sg.AccountID); err != nil {
			return nil, err
		}
		body := to.Format("02.01.2006") + ": " + reason
		if err := addMessage(ctx, tx, a.ID, "extend", false, &sg.AccountID, sg.FullName, body); err != nil {
			return nil, err
		}
		return map[string]any{"old_due_on": old.Format(time.DateOnly), "due_on": to.Format(time.DateOnly), "reason": reason},
			s.toResident(ctx, tx, a, "notify.appeal_extended", map[string]any{"Due": to.Format("02.01.2006"), "Reason": reason})
	})
}

// Forward sends an appeal the provider is not competent for to another
// provider, within five days of its receipt (art. 7), with the reason
// told to the resident: never to the provider a complaint is about.
// The dispatcher sends an unrouted one the same way (no time limit: it
// was never with a provider).
func (s *Service) Forward(ctx context.Context, id, to uuid.UUID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ErrNeedReason
	}
	return s.staffAction(ctx, id, "forward", func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) (map[string]any, error) {
		if a.Status == Answered || (a.ProviderID != nil && *a.ProviderID == to) {
			return nil, ErrTransition
		}
		if a.ProviderID != nil && !s.now().Before(forwardBy(a)) {
			return nil, ErrForwardLate
		}
		if a.AboutProvider != nil && *a.AboutProvider == to {
			return nil, ErrSubject
		}
		from := a.ProviderID
		var name string
		if err := tx.QueryRow(ctx, `SELECT name_uk FROM providers WHERE id = $1`, to).Scan(&name); err != nil {
			return nil, ErrInvalid.Wrap(err)
		}
		_, err := tx.Exec(ctx, `UPDATE appeals SET provider_id = $2, unit = '', status = 'received', assignee_id = NULL,
			forwarded_at = $3, updated_at = now() WHERE id = $1`, a.ID, to, s.now())
		if err != nil {
			return nil, err
		}
		a.ProviderID, a.Status = &to, Received
		a.Provider.UK = name
		if err := addMessage(ctx, tx, a.ID, "forward", false, &sg.AccountID, sg.FullName, name+": "+reason); err != nil {
			return nil, err
		}
		if err := s.toOfficials(ctx, tx, a, "notify.appeal_new"); err != nil {
			return nil, err
		}
		more := map[string]any{"to": to.String(), "reason": reason}
		if from != nil {
			more["from"] = from.String()
		}
		return more, s.toResident(ctx, tx, a, "notify.appeal_forwarded", map[string]any{"Provider": name, "Reason": reason})
	})
}

// Mine are the signed-in resident's appeals, newest first.
func (s *Service) Mine(ctx context.Context) ([]*Appeal, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, ErrAnonymous
	}
	var out []*Appeal
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = appealList(ctx, tx, `a.author_id = $1`, sg.AccountID)
		return err
	})
	return out, err
}

// Own reads one of the signed-in resident's appeals with its thread;
// another's is ErrNotFound.
func (s *Service) Own(ctx context.Context, id uuid.UUID) (*Case, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, ErrAnonymous
	}
	var out *Case
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := appealByID(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if a.AuthorID != sg.AccountID {
			return ErrNotFound
		}
		out, err = s.caseOf(ctx, tx, a)
		return err
	})
	return out, err
}

// ownAction runs do on the signed-in resident's own locked appeal.
func (s *Service) ownAction(ctx context.Context, id uuid.UUID, action string, do func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) error) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrAnonymous
	}
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := appealByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if a.AuthorID != sg.AccountID {
			return ErrNotFound
		}
		if err := do(ctx, tx, a, sg); err != nil {
			return err
		}
		return s.event(ctx, tx, action, a, nil)
	})
}

// Reply is the resident's answer to the official's question: the appeal
// is back in work and its official told.
func (s *Service) Reply(ctx context.Context, id uuid.UUID, text string) error {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n == 0 || n > maxBody {
		return ErrInvalid
	}
	return s.ownAction(ctx, id, "reply", func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) error {
		if a.Status != Clarification {
			return ErrTransition
		}
		a.Status = InWork
		if _, err := tx.Exec(ctx, `UPDATE appeals SET status = 'in_work', updated_at = now() WHERE id = $1`, a.ID); err != nil {
			return err
		}
		if err := addMessage(ctx, tx, a.ID, "reply", true, &sg.AccountID, sg.FullName, text); err != nil {
			return err
		}
		return s.toOfficials(ctx, tx, a, "notify.appeal_reply")
	})
}

// Rate records the resident's rating of the answer, 1 to 5, once.
func (s *Service) Rate(ctx context.Context, id uuid.UUID, rating int) error {
	if rating < 1 || rating > 5 {
		return ErrRating
	}
	return s.ownAction(ctx, id, "rate", func(ctx context.Context, tx pgx.Tx, a *Appeal, _ *identity.Signed) error {
		if a.Status != Answered || a.Rating != nil {
			return ErrTransition
		}
		a.Rating = &rating
		_, err := tx.Exec(ctx, `UPDATE appeals SET rating = $2, rated_at = $3, updated_at = now() WHERE id = $1`, a.ID, rating, s.now())
		return err
	})
}

// FileOf reads a file of an appeal the caller may see (the route's guard
// or own checked it), with its bytes.
func (s *Service) FileOf(ctx context.Context, appeal, file uuid.UUID, own bool) (File, []byte, error) {
	var f File
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if own {
			sg := identity.SignedFrom(ctx)
			var author uuid.UUID
			if err := tx.QueryRow(ctx, `SELECT author_id FROM appeals WHERE id = $1`, appeal).Scan(&author); err != nil || sg == nil || author != sg.AccountID {
				return ErrNotFound
			}
		}
		err := tx.QueryRow(ctx, `SELECT id, kind, name, content_type, size, sha256, key FROM appeal_files WHERE appeal_id = $1 AND id = $2`, appeal, file).
			Scan(&f.ID, &f.Kind, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Key)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return f, nil, err
	}
	rc, err := s.Docs.GetVerified(ctx, f.Key, f.SHA256)
	if err != nil {
		return f, nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return f, b, err
}
