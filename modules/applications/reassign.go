package applications

import (
	"context"
	"slices"
	"sort"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/notify"
)

// A provider head hands an open application to another of the provider's
// officials (seed 003 §3.1.9: an overdue case escalates to the head, who
// reassigns it). The route checks applications:assign at the
// application's provider; Reassign checks the rest.

// ErrNotOfficial: the person chosen does not work on the provider's
// applications.
var ErrNotOfficial = apperr.New(apperr.Invalid, "error.reassign_official")

// Colleague is one of a provider's officials, as a reassignment offers them.
type Colleague struct {
	AccountID uuid.UUID
	FullName  string
}

// Officials lists the officials of an application's provider who may take
// it, by name, in one read transaction.
func (s *Service) Officials(ctx context.Context, id uuid.UUID) ([]Colleague, error) {
	var out []Colleague
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		provider, err := providerOf(ctx, tx, id)
		if err != nil {
			return ErrNotFound
		}
		out, err = s.colleagues(ctx, tx, provider)
		return err
	})
	return out, err
}

// ProviderOfficials lists a provider's officials by name, in one read
// transaction (the queue's assignee filter).
func (s *Service) ProviderOfficials(ctx context.Context, provider uuid.UUID) ([]Colleague, error) {
	var out []Colleague
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = s.colleagues(ctx, tx, provider)
		return err
	})
	return out, err
}

// colleagues are a provider's officials, by name.
func (s *Service) colleagues(ctx context.Context, tx pgx.Tx, provider uuid.UUID) ([]Colleague, error) {
	ids, err := access.ProviderHoldersTx(ctx, tx, access.RoleOfficial, provider, s.now())
	if err != nil {
		return nil, err
	}
	people, err := access.PeopleTx(ctx, tx, ids, s.now())
	if err != nil {
		return nil, err
	}
	var out []Colleague
	for _, acc := range ids {
		out = append(out, Colleague{AccountID: acc, FullName: people[acc].Name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName < out[j].FullName })
	return out, nil
}

// Reassign gives an open application to the official to, who must hold the
// official's role at its provider; audited with who had it before, and
// told to the new official in their inbox. Reassigning to the official
// who has it changes nothing.
func (s *Service) Reassign(ctx context.Context, head Staff, id, to uuid.UUID) error {
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := applicationByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if app.Status == Draft {
			return ErrNotFound
		}
		if app.Status.Final() || app.Status == Approved || app.Status == Refused {
			return ErrTransition
		}
		officials, err := access.ProviderHoldersTx(ctx, tx, access.RoleOfficial, app.ProviderID, s.now())
		if err != nil {
			return err
		}
		if !slices.Contains(officials, to) {
			return ErrNotOfficial
		}
		if app.AssigneeID != nil && *app.AssigneeID == to {
			return nil
		}
		if err := setAssignee(ctx, tx, id, to); err != nil {
			return err
		}
		from := ""
		if app.AssigneeID != nil {
			from = app.AssigneeID.String()
		}
		if err := s.notifyAccount(ctx, tx, to, app.ID, notify.KindNewWork, "notify.assigned", map[string]any{"Number": app.Number, "Service": app.ServiceName.UK,
			"Link": "/work/applications/" + app.ID.String()}); err != nil {
			return err
		}
		return s.eventWith(ctx, tx, "reassign", app, head.AccountID, "", map[string]any{"from": from, "to": to.String()})
	})
}
