package applications

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
)

// Offline is the published service with code as its page shows it (its
// documents, term, fee and centres), for the page that says how to apply
// for a service with no electronic form, read in one transaction.
// catalog.ErrNotFound when there is no such published service.
func (s *Service) Offline(ctx context.Context, code string) (*catalog.Page, error) {
	var p *catalog.Page
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		p, err = catalog.ServiceByCode(ctx, tx, code)
		return err
	})
	if errors.Is(err, catalog.ErrNoService) {
		return nil, catalog.ErrNotFound
	}
	return p, err
}

// Starting is what the apply address of a published service shows before
// anything is created: the person's draft of it to continue (Draft), or
// the service (Page) to start one with a POST. HasForm is false for a
// service with no electronic form. Nothing is written: a GET of the apply
// address (a link on any site) must not make drafts in anyone's name.
type Starting struct {
	Page    *catalog.Page
	Draft   *Application
	HasForm bool
}

// Starting reads, in one read transaction, the person's draft of the
// service with code and whether it has a published form; catalog's
// ErrNotFound when there is no such published service.
func (s *Service) Starting(ctx context.Context, o Owner, code string) (*Starting, error) {
	st := &Starting{}
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := catalog.ServiceByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		st.Page = p
		serviceID, _, err := publishedService(ctx, tx, code)
		if err != nil {
			return err
		}
		draft, err := latestDraft(ctx, tx, o, serviceID)
		if err != nil {
			return err
		}
		if draft != uuid.Nil {
			st.Draft, err = ownedApplication(ctx, tx, o, draft, false)
			return err
		}
		_, _, _, err = publishedForm(ctx, tx, serviceID)
		if errors.Is(err, ErrNoForm) {
			return nil
		}
		st.HasForm = err == nil
		return err
	})
	if errors.Is(err, catalog.ErrNoService) || errors.Is(err, ErrNoForm) {
		return nil, catalog.ErrNotFound
	}
	return st, err
}
