package appeals

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
	"hromada/tenant"
)

// Terms escalate as applications' do (modules/applications/escalation.go,
// the same fan-out per city through tenant.FanOut): a periodic job looks
// at every unanswered appeal and sends, once each per due date
// (appeal_notices), a reminder when one working day or less is left (to
// the official who took it, else the provider's officials), the provider
// head's notice once it is overdue, and the dispatcher's a working day
// after that (the dispatchers also get the overdue notice of an appeal no
// provider holds).

// Escalated counts the notices one run sent.
type Escalated struct {
	DueSoon, Overdue, Late int
}

// Escalate sends the city's notices due now, in one transaction.
func (s *Service) Escalate(ctx context.Context) (Escalated, error) {
	var out Escalated
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = s.escalate(ctx, tx)
		return err
	})
	return out, err
}

func (s *Service) escalate(ctx context.Context, tx pgx.Tx) (Escalated, error) {
	var out Escalated
	now := s.now()
	today := day(now)
	hs, err := catalog.HolidaySet(ctx, tx)
	if err != nil {
		return out, err
	}
	soon := catalog.NextWorkingDay(today, hs)
	list, err := appealList(ctx, tx, `a.status <> 'answered' AND a.due_on <= $1`, soon)
	if err != nil {
		return out, err
	}
	for _, a := range list {
		kinds := []string{"due_soon"}
		if a.DueOn.Before(today) {
			kinds = []string{"overdue"}
			// Once the first working day after the due date has passed
			// too, it is late: the dispatcher is told as well.
			if catalog.NextWorkingDay(a.DueOn, hs).Before(today) {
				kinds = append(kinds, "late")
			}
		}
		for _, kind := range kinds {
			sent, err := s.deadlineNotice(ctx, tx, a, kind, now)
			if err != nil {
				return out, err
			}
			if !sent {
				continue
			}
			switch kind {
			case "due_soon":
				out.DueSoon++
			case "overdue":
				out.Overdue++
			default:
				out.Late++
			}
		}
	}
	return out, nil
}

// deadlineNotice sends one notice of kind about a unless it was sent for
// this due date already; false when it was.
func (s *Service) deadlineNotice(ctx context.Context, tx pgx.Tx, a *Appeal, kind string, now time.Time) (bool, error) {
	var first bool
	err := tx.QueryRow(ctx, `INSERT INTO appeal_notices (tenant_id, appeal_id, kind, due_on, sent_at) VALUES (app_tenant_id(), $1, $2, $3, $4)
		ON CONFLICT DO NOTHING RETURNING true`, a.ID, kind, a.DueOn, now).Scan(&first)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("appeals: deadline notice %s of %s: %w", kind, a.ID, err)
	}
	to, err := s.recipients(ctx, tx, a, kind, now)
	if err != nil {
		return false, err
	}
	args := map[string]any{"Number": a.Number, "Category": a.Category.UK, "Due": a.DueOn.Format("02.01.2006"), "Link": "/work/appeals/" + a.ID.String()}
	for _, acc := range to {
		if _, err := s.Notify.Post(ctx, tx, notify.Notice{Account: acc, Kind: notify.KindNewWork, Key: "notify.appeal_" + kind, Args: args}); err != nil {
			return false, fmt.Errorf("appeals: deadline notice %s of %s: %w", kind, a.ID, err)
		}
	}
	if len(to) == 0 {
		s.log().WarnContext(ctx, "appeals: a deadline notice has no recipient", "appeal", a.ID, "kind", kind)
	}
	return true, nil
}

// recipients: due soon, the official who took it or the provider's
// officials; overdue, the provider's heads (its officials when it has
// none); late, or overdue with no provider, the dispatchers.
func (s *Service) recipients(ctx context.Context, tx pgx.Tx, a *Appeal, kind string, now time.Time) ([]uuid.UUID, error) {
	if kind == "late" || a.ProviderID == nil {
		return access.HoldersTx(ctx, tx, access.RoleDispatcher, now)
	}
	if kind == "due_soon" && a.AssigneeID != nil {
		return []uuid.UUID{*a.AssigneeID}, nil
	}
	if kind == "overdue" {
		heads, err := access.ProviderHoldersTx(ctx, tx, access.RoleProviderHead, *a.ProviderID, now)
		if err != nil || len(heads) > 0 {
			return heads, err
		}
	}
	return access.ProviderHoldersTx(ctx, tx, access.RoleOfficial, *a.ProviderID, now)
}

// DeadlinesArgs runs a city's appeal escalation (Escalate).
type DeadlinesArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (DeadlinesArgs) Kind() string { return "appeals.deadlines" }

// NewDeadlinesWorker returns the worker of DeadlinesArgs.
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
func (DeadlinesAllArgs) Kind() string { return "appeals.deadlines_all" }

// DeadlinesAllWorker enqueues a city's escalation for each active city.
type DeadlinesAllWorker struct {
	river.WorkerDefaults[DeadlinesAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *DeadlinesAllWorker) Work(ctx context.Context, _ *river.Job[DeadlinesAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) DeadlinesArgs { return DeadlinesArgs{Envelope: e} })
}
