package provsys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/modules/applications"
	"hromada/tenant"
)

// SendArgs sends one delivery by its route (a webhook, a Trembita call).
type SendArgs struct {
	tenant.Envelope
	DeliveryID uuid.UUID `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "provsys.send" }

// Queue is the River queue of the deliveries.
const Queue = "provsys"

// MaxAttempts is how many times a delivery is tried before it fails for
// good (with the default back-off, about 2 hours and 20 minutes).
const MaxAttempts = 12

// InsertOpts implements river.JobArgsWithInsertOpts: unique per delivery,
// so a second insert is no second job.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Handover is applications' Handover seam: an application that becomes
// its provider's work goes to the provider's system when its service or
// provider has a route to one. It writes the delivery, and for a webhook
// its job, in tx (the submission's or the answer's), and says whether the
// system took the application. A received application is the message
// "application"; one resubmitted with the applicant's answer to a
// clarification is "answer-N", N counting the answers.
func (s *Service) Handover(ctx context.Context, tx pgx.Tx, app *applications.Application) (bool, error) {
	r, err := routeFor(ctx, tx, app.ProviderID, app.ServiceID)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && r.Kind == Workspace {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("provsys: the route of %s: %w", app.ID, err)
	}
	kind, messageID, payload := "application", app.ID.String()+":application", map[string]any{}
	if app.Status == applications.Resubmitted {
		n, err := countDeliveries(ctx, tx, app.ID, "answer")
		if err != nil {
			return false, err
		}
		kind, messageID = "answer", fmt.Sprintf("%s:answer-%d", app.ID, n+1)
	}
	if err := s.enqueue(ctx, tx, r, &app.ID, kind, messageID, payload); err != nil {
		return false, fmt.Errorf("provsys: handing %s over: %w", app.ID, err)
	}
	return true, nil
}

// enqueue writes a delivery and, for a route the platform sends by (a
// webhook, a Trembita call, a СЕД), its job.
func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, r *Route, app *uuid.UUID, kind, messageID string, payload map[string]any) error {
	id := uuid.New()
	fresh, err := insertDelivery(ctx, tx, id, r.ID, app, kind, messageID, payload)
	if err != nil || !fresh || r.Kind == Pull || r.Kind == Workspace {
		return err
	}
	env, err := tenant.EnvelopeFrom(ctx)
	if err != nil {
		return err
	}
	return s.o.Insert(ctx, tx, SendArgs{Envelope: env, DeliveryID: id})
}

// TestDelivery sends the administrator's test message by a route: a
// message of kind "test" that names no application.
func (s *Service) TestDelivery(ctx context.Context, route uuid.UUID) error {
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		r, err := routeByID(ctx, tx, route)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if r.Kind == Workspace || r.Removed != nil {
			return ErrNotFound
		}
		return s.enqueue(ctx, tx, r, nil, "test", "test:"+uuid.NewString(), map[string]any{"at": s.o.Now().UTC().Format(time.RFC3339)})
	})
}
