package content

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/web"
)

// Kinds of feedback: a remark (something is wrong or hard) or a proposal
// (something to add or change).
const (
	FeedbackRemark   = "remark"
	FeedbackProposal = "proposal"
)

// Feedback is a remark or proposal about the portal.
type Feedback struct {
	ID         uuid.UUID
	Number     int64
	Account    uuid.UUID
	Kind       string
	About      string
	Body       string
	Status     string // new, answered
	Answer     string
	AnsweredAt *time.Time
	CreatedAt  time.Time
}

// FeedbackForm is the feedback form as typed.
type FeedbackForm struct {
	ID    string // made by the form's page: a double submit sends one
	Kind  string
	About string
	Body  string
}

// Send records the signed-in person's remark or proposal and returns it.
// The same form sent twice records it once.
func (s *Service) Send(ctx context.Context, f *FeedbackForm) (*Feedback, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	errs := FieldErrors{}
	id, err := uuid.Parse(f.ID)
	if err != nil {
		errs["id"] = apperr.New(apperr.Invalid, "content.error.form_stale")
	}
	fb := &Feedback{ID: id, Account: sg.AccountID, Kind: f.Kind, About: strings.TrimSpace(f.About), Body: strings.TrimSpace(f.Body)}
	if fb.Kind != FeedbackRemark && fb.Kind != FeedbackProposal {
		errs["kind"] = apperr.New(apperr.Invalid, "content.error.feedback_kind")
	}
	if n := len([]rune(fb.About)); n > 300 {
		errs["about"] = apperr.New(apperr.Invalid, "content.error.too_long").With(map[string]any{"Max": 300})
	}
	switch n := len([]rune(fb.Body)); {
	case n == 0:
		errs["body"] = apperr.New(apperr.Invalid, "content.error.feedback_body")
	case n > 4000:
		errs["body"] = apperr.New(apperr.Invalid, "content.error.too_long").With(map[string]any{"Max": 4000})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return insertFeedback(ctx, tx, fb, s.now())
	})
	return fb, err
}

// Mine returns the person's remarks and proposals, newest first.
func (s *Service) Mine(ctx context.Context, account uuid.UUID) ([]Feedback, error) {
	var out []Feedback
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = feedbackList(ctx, tx, `WHERE account_id = $1 ORDER BY created_at DESC LIMIT 100`, account)
		return err
	})
	return out, err
}

// Quality is the dispatcher's view of what people say about the portal,
// over the last Days days.
type Quality struct {
	Days                int
	Remarks, Proposals  int
	Answered, Waiting   int
	MedianAnswerHours   float64 // of those answered; 0 when none
	OldestWaitingDays   int
	Unanswered, Answers []Feedback // the queue, oldest first; the latest answers
}

// MedianText is the median time to an answer as people read it: minutes
// under an hour, else hours with one decimal (a decimal comma in
// Ukrainian).
func (q *Quality) MedianText(l *web.Localizer) string {
	if q.MedianAnswerHours < 1 {
		return l.T("content.minutes", "Value", max(1, int(q.MedianAnswerHours*60+0.5)))
	}
	v := strconv.FormatFloat(q.MedianAnswerHours, 'f', 1, 64)
	if l.Lang == "uk" {
		v = strings.Replace(v, ".", ",", 1)
	}
	return l.T("content.hours", "Value", v)
}

// qualityDays is the period of the quality view.
const qualityDays = 30

// Queue returns the administrator's queue and the quality figures.
func (s *Service) Queue(ctx context.Context) (*Quality, error) {
	q := &Quality{Days: qualityDays}
	now := s.now()
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if q.Unanswered, err = feedbackList(ctx, tx, `WHERE status = 'new' ORDER BY created_at LIMIT 200`); err != nil {
			return err
		}
		if q.Answers, err = feedbackList(ctx, tx, `WHERE status = 'answered' ORDER BY answered_at DESC LIMIT 20`); err != nil {
			return err
		}
		var median *float64
		err = tx.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE kind = 'remark'), count(*) FILTER (WHERE kind = 'proposal'),
			       count(*) FILTER (WHERE status = 'answered'), count(*) FILTER (WHERE status = 'new'),
			       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - created_at) / 3600)
			           FILTER (WHERE status = 'answered')
			FROM portal_feedback WHERE created_at >= $1`, now.AddDate(0, 0, -qualityDays)).
			Scan(&q.Remarks, &q.Proposals, &q.Answered, &q.Waiting, &median)
		if err != nil {
			return fmt.Errorf("content: quality: %w", err)
		}
		if median != nil {
			q.MedianAnswerHours = *median
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(q.Unanswered) > 0 {
		q.OldestWaitingDays = int(now.Sub(q.Unanswered[0].CreatedAt).Hours() / 24)
	}
	return q, nil
}

// Errors of an answer.
var (
	ErrAnswerEmpty    = apperr.New(apperr.Invalid, "content.error.answer")
	ErrAnswerTooLong  = apperr.New(apperr.Invalid, "content.error.too_long").With(map[string]any{"Max": 4000})
	ErrAlreadyAnswers = apperr.New(apperr.Conflict, "content.error.answered")
)

// Answer records the signed-in administrator's answer to feedback id, tells
// its author through their inbox (and the channels they chose), and
// records it in the audit log. The same answer sent again changes nothing;
// a different one to answered feedback is ErrAlreadyAnswers.
func (s *Service) Answer(ctx context.Context, id uuid.UUID, answer string) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	answer = strings.TrimSpace(answer)
	switch n := len([]rune(answer)); {
	case n == 0:
		return ErrAnswerEmpty
	case n > 4000:
		return ErrAnswerTooLong
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		fb, err := feedbackForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if fb.Status == "answered" {
			if fb.Answer == answer {
				return nil
			}
			return ErrAlreadyAnswers
		}
		if _, err := tx.Exec(ctx, `UPDATE portal_feedback SET status = 'answered', answer = $2, answered_by = $3, answered_at = $4 WHERE id = $1`,
			id, answer, sg.AccountID, s.now()); err != nil {
			return fmt.Errorf("content: answer %s: %w", id, err)
		}
		if s.notify != nil {
			if _, err := s.notify.Post(ctx, tx, notify.Notice{Account: fb.Account, Kind: notify.KindStatus,
				Key: "content.feedback_answered", Args: map[string]any{"Feedback": fb.Number, "Link": fmt.Sprintf("/feedback#feedback-%d", fb.Number)}}); err != nil {
				return err
			}
		}
		_, err = s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
			Action: "content.feedback.answer", ObjectType: "feedback", ObjectID: fmt.Sprint(fb.Number)})
		return err
	})
}

const feedbackColumns = `id, number, account_id, kind, about, body, status, answer, answered_at, created_at`

func scanFeedback(row pgx.Row) (Feedback, error) {
	var f Feedback
	err := row.Scan(&f.ID, &f.Number, &f.Account, &f.Kind, &f.About, &f.Body, &f.Status, &f.Answer, &f.AnsweredAt, &f.CreatedAt)
	return f, err
}

func feedbackList(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Feedback, error) {
	rows, err := tx.Query(ctx, `SELECT `+feedbackColumns+` FROM portal_feedback `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("content: feedback: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Feedback, error) { return scanFeedback(row) })
	if err != nil {
		return nil, fmt.Errorf("content: feedback: %w", err)
	}
	return out, nil
}

func feedbackForUpdate(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Feedback, error) {
	f, err := scanFeedback(tx.QueryRow(ctx, `SELECT `+feedbackColumns+` FROM portal_feedback WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("content: feedback %s: %w", id, err)
	}
	return &f, nil
}

// insertFeedback records fb with the city's next number; fb.ID already
// recorded (a double submit) leaves it as it is and reads it back, unless
// another person's form made it, which is refused.
func insertFeedback(ctx context.Context, tx pgx.Tx, fb *Feedback, now time.Time) error {
	// Numbers are handed out in order under a lock: feedback is rare, so
	// a per-city lock costs nothing and keeps the numbers gapless.
	if err := tenant.LockCity(ctx, tx, "hromada.content.feedback:"); err != nil {
		return fmt.Errorf("content: feedback number: %w", err)
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO portal_feedback (tenant_id, id, number, account_id, kind, about, body, created_at)
		SELECT app_tenant_id(), $1, coalesce(max(number), 0) + 1, $2, $3, $4, $5, $6 FROM portal_feedback
		ON CONFLICT (tenant_id, id) DO NOTHING`, fb.ID, fb.Account, fb.Kind, fb.About, fb.Body, now)
	if err != nil {
		return fmt.Errorf("content: send feedback: %w", err)
	}
	stored, err := scanFeedback(tx.QueryRow(ctx, `SELECT `+feedbackColumns+` FROM portal_feedback WHERE id = $1`, fb.ID))
	if err != nil {
		return fmt.Errorf("content: send feedback: %w", err)
	}
	if tag.RowsAffected() == 0 && stored.Account != fb.Account {
		return FieldErrors{"id": apperr.New(apperr.Invalid, "content.error.form_stale")}
	}
	*fb = stored
	return nil
}
