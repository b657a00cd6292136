package applications

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/documents"
	"hromada/modules/trustlist"
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

// RequestSeal makes a key for the seal of the provider with code in ks
// (the HSM in production) and the PKCS#10 request for its certificate,
// in one transaction of the tenant in ctx (documents.RequestSeal).
func (s *Service) RequestSeal(ctx context.Context, code string, ks documents.KeyStore) (*documents.SealRequest, error) {
	var r *documents.SealRequest
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, _, err := catalog.ProviderByCode(ctx, tx, code)
		if err != nil {
			return fmt.Errorf("provider %q: %w", code, err)
		}
		r, err = documents.RequestSeal(ctx, tx, ks, p.ID)
		return err
	})
	return r, err
}

// InstallSeal makes certs[0], issued for a key RequestSeal made, the
// active seal of the provider with code, checked against the city's trust
// list and the qualified CAs granted now for e-seals
// (documents.InstallSeal), in one transaction of the tenant in ctx.
func (s *Service) InstallSeal(ctx context.Context, code string, certs []*x509.Certificate) (*documents.ProviderSeal, error) {
	var seal *documents.ProviderSeal
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, _, err := catalog.ProviderByCode(ctx, tx, code)
		if err != nil {
			return fmt.Errorf("provider %q: %w", code, err)
		}
		now := s.now()
		trusted, err := roots(ctx, tx, now, trustlist.ForSeals)
		if err != nil {
			return err
		}
		seal, err = documents.InstallSeal(ctx, tx, s.Sealer, p.ID, certs, trusted.pool, now)
		return err
	})
	return seal, err
}
