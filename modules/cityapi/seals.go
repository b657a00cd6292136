package cityapi

import (
	"context"

	"github.com/jackc/pgx/v5"

	"hromada/modules/documents"
)

// PublishedSeals is the city's seal keys (documents.PublishedSeals).
func (s *Service) PublishedSeals(ctx context.Context) (documents.SealKeys, error) {
	var out documents.SealKeys
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = documents.PublishedSeals(ctx, tx)
		return err
	})
	return out, err
}
