package applications

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/modules/notify"
	"hromada/modules/terms"
	"hromada/tenant"
)

// Deadlines escalate (seed 003 §3.1.9; the anchors are DIGIT's workflow
// SLA and iGov's escalation): a periodic job looks at every open
// application whose term runs and sends, once each, a notice to the
// official who took it (or, untaken, to the provider's officials) when one
// working day or less is left, and to the provider's heads once it is
// overdue, who may then reassign it. A paused term (a clarification the
// law lets stop it) neither warns nor escalates. The notices go to the
// cabinet inbox (notify), which the notice module delivers further.

// Escalated counts the notices one run sent.
type Escalated struct {
	DueSoon, Overdue int
}

// Escalate sends the city's deadline notices due now, in one transaction:
// each (application, kind, due date) once, however often it runs
// (deadline_notices), so an extension may warn again.
func (s *Service) Escalate(ctx context.Context) (Escalated, error) {
	var out Escalated
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = s.escalate(ctx, tx)
		return err
	})
	return out, err
}

// atRisk is an open application whose term runs and ends soon or ended.
type atRisk struct {
	ID, Provider uuid.UUID
	Assignee     *uuid.UUID
	Number       string
	Service      string
	DueOn        time.Time
}

func (s *Service) escalate(ctx context.Context, tx pgx.Tx) (Escalated, error) {
	var out Escalated
	now := s.now()
	today := terms.Day(now)
	hs, err := catalog.HolidaySet(ctx, tx)
	if err != nil {
		return out, err
	}
	// "Due soon" is one working day or less: due today or on the next
	// working day.
	soon := catalog.NextWorkingDay(today, hs)
	rows, err := tx.Query(ctx, `SELECT a.id, a.provider_id, a.assignee_id, a.number, coalesce(s.content->'name'->>'uk', s.code), a.due_on
		FROM applications a JOIN services s ON s.tenant_id = a.tenant_id AND s.id = a.service_id
		WHERE a.status IN ('received', 'in_review', 'clarification', 'resubmitted') AND a.paused_at IS NULL AND a.due_on <= $1
		ORDER BY a.due_on, a.id`, soon)
	if err != nil {
		return out, fmt.Errorf("applications: applications at risk: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[atRisk])
	if err != nil {
		return out, fmt.Errorf("applications: applications at risk: %w", err)
	}
	for _, a := range list {
		kind := "due_soon"
		if a.DueOn.Before(today) {
			kind = "overdue"
		}
		sent, err := s.deadlineNotice(ctx, tx, a, kind, now)
		if err != nil {
			return out, err
		}
		if sent && kind == "overdue" {
			out.Overdue++
		} else if sent {
			out.DueSoon++
		}
	}
	return out, nil
}

// deadlineNotice sends one notice of kind about a, unless it was sent for
// this due date already; false when it was.
func (s *Service) deadlineNotice(ctx context.Context, tx pgx.Tx, a atRisk, kind string, now time.Time) (bool, error) {
	var first bool
	err := tx.QueryRow(ctx, `INSERT INTO deadline_notices (tenant_id, application_id, kind, due_on, sent_at) VALUES (app_tenant_id(), $1, $2, $3, $4)
		ON CONFLICT DO NOTHING RETURNING true`, a.ID, kind, a.DueOn, now).Scan(&first)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("applications: deadline notice %s of %s: %w", kind, a.ID, err)
	}
	to, err := s.noticeRecipients(ctx, tx, a, kind, now)
	if err != nil {
		return false, err
	}
	args := map[string]any{"Number": a.Number, "Service": a.Service, "Due": a.DueOn.Format("02.01.2006"), "Link": "/work/applications/" + a.ID.String()}
	for _, acc := range to {
		if err := s.notifyAccount(ctx, tx, acc, a.ID, notify.KindNewWork, "notify.deadline_"+kind, args); err != nil {
			return false, fmt.Errorf("applications: deadline notice %s of %s: %w", kind, a.ID, err)
		}
	}
	if len(to) == 0 {
		// Nobody holds the role at the provider: the notice is recorded as
		// sent, and the log says who is missing.
		s.log().WarnContext(ctx, "applications: a deadline notice has no recipient", "application", a.ID, "kind", kind, "provider", a.Provider)
	}
	return true, nil
}

// noticeRecipients: a notice that a term ends soon goes to the official
// who took the application, or to every official of the provider while
// nobody has; an overdue one goes to the provider's heads (their
// officials when it has none).
func (s *Service) noticeRecipients(ctx context.Context, tx pgx.Tx, a atRisk, kind string, now time.Time) ([]uuid.UUID, error) {
	if kind == "due_soon" && a.Assignee != nil {
		return []uuid.UUID{*a.Assignee}, nil
	}
	if kind == "overdue" {
		heads, err := access.ProviderHoldersTx(ctx, tx, access.RoleProviderHead, a.Provider, now)
		if err != nil || len(heads) > 0 {
			return heads, err
		}
	}
	return access.ProviderHoldersTx(ctx, tx, access.RoleOfficial, a.Provider, now)
}

// DeadlinesArgs runs a city's deadline escalation (Escalate).
type DeadlinesArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (DeadlinesArgs) Kind() string { return "applications.deadlines" }

// NewDeadlinesWorker returns the worker of DeadlinesArgs: the city's
// notices in the job's own transaction.
func NewDeadlinesWorker(s *Service) *tenant.Worker[DeadlinesArgs] {
	return tenant.NewWorker(s.DB, func(ctx context.Context, tx pgx.Tx, _ *river.Job[DeadlinesArgs]) error {
		_, err := s.escalate(ctx, tx)
		return err
	})
}

// DeadlinesAllArgs fans out one DeadlinesArgs per active city; it runs
// periodically (cmd/hromada) and carries no tenant itself.
type DeadlinesAllArgs struct{}

// Kind implements river.JobArgs.
func (DeadlinesAllArgs) Kind() string { return "applications.deadlines_all" }

// DeadlinesAllWorker enqueues a city's escalation for each active city.
type DeadlinesAllWorker struct {
	river.WorkerDefaults[DeadlinesAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *DeadlinesAllWorker) Work(ctx context.Context, _ *river.Job[DeadlinesAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) DeadlinesArgs { return DeadlinesArgs{Envelope: e} })
}
