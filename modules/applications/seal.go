package applications

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/documents"
)

// RotateSeal retires the active e-seal of the provider with code and
// issues a new one from the city's development CA, in one transaction of
// the tenant in ctx. Results sealed before keep verifying: each carries its
// certificate. Development only: it needs the Sealer of the development CA
// (nil in production, where a qualified trust service provider issues
// seals into the HSM; docs/documents.md).
func (s *Service) RotateSeal(ctx context.Context, code string) (*documents.ProviderSeal, error) {
	if s.Sealer == nil {
		return nil, errors.New("applications: rotating a seal needs the development CA, which production has not")
	}
	var seal *documents.ProviderSeal
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, _, err := catalog.ProviderByCode(ctx, tx, code)
		if err != nil {
			return fmt.Errorf("provider %q: %w", code, err)
		}
		name := p.Name.UK
		if name == "" {
			name = p.Code
		}
		ca, err := EnsureDevCA(ctx, tx, s.Sealer)
		if err != nil {
			return err
		}
		seal, err = documents.Rotate(ctx, tx, s.Sealer, ca, p.ID, name)
		return err
	})
	return seal, err
}
