package applications

import (
	"context"
	"errors"

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
