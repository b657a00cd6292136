package documents

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
	"hromada/tenant"
)

// Service seals results with their providers' seals in the tenant of the
// context: what the applications' pipeline needs (the root adapts it to
// applications.Results), in one call that finds the seal, opens its key
// and signs.
type Service struct {
	// DB is the tenant gate.
	DB *tenant.DB
	// Sealer opens the seals' keys (identity.Sealer).
	Sealer Sealer
	// DevCA returns the city's development CA (applications.EnsureDevCA
	// with the same Sealer). When set, a provider that has no seal gets a
	// development one on first use: the embedded default and development.
	// Leave nil in production, where seals are provisioned from a
	// qualified provider and a provider without one fails with ErrNoSeal.
	DevCA func(ctx context.Context, tx pgx.Tx) (*signature.DevCA, error)
	// TSA, when its URL is set, timestamps every seal.
	TSA TSA
	// Revocation, when set, embeds the seal's revocation data in every
	// result (PAdES-B-LT; SealOptions.Revocation). Production sets it to
	// the revocation.Checker that residents' signatures use.
	Revocation revocation.Revocation
	// Log receives the results issued without their LT data. Default
	// slog.Default.
	Log *slog.Logger
	// Now gives the signing time. Default time.Now.
	Now func() time.Time
}

// Seal seals pdf with the provider's active seal and returns the PDF to
// store (signed inside), the detached CMS over exactly those bytes, and
// the seal holder's name (the certificate's common name) for the record.
// The database transaction ends before signing, so a slow TSA holds no
// connection.
func (s *Service) Seal(ctx context.Context, provider uuid.UUID, pdf []byte) (stored, cms []byte, holder string, err error) {
	key, chain, err := s.open(ctx, provider)
	if err != nil {
		return nil, nil, "", err
	}
	holder = Holder(chain[0])
	at := time.Now()
	if s.Now != nil {
		at = s.Now()
	}
	out, err := SealContext(ctx, pdf, key, chain, SealOptions{At: at, Name: holder, Reason: "Результат надання адміністративної послуги", TSA: s.TSA, Revocation: s.Revocation})
	if err != nil {
		return nil, nil, "", err
	}
	if out.LTMissing != nil {
		// Issued B-T: the result is valid and timestamped; only the
		// embedded revocation data is missing (docs/documents.md).
		log := s.Log
		if log == nil {
			log = slog.Default()
		}
		log.WarnContext(ctx, "documents: result sealed without its long-term validation data", "holder", holder, "err", out.LTMissing)
	}
	return out.PDF, out.CMS, holder, nil
}

// Holder returns the name a provider's results are sealed under: its
// active seal's holder, issuing a development seal first where DevCA is
// set. The result's text names it before the seal is applied.
func (s *Service) Holder(ctx context.Context, provider uuid.UUID) (string, error) {
	_, chain, err := s.open(ctx, provider)
	if err != nil {
		return "", err
	}
	return Holder(chain[0]), nil
}

func (s *Service) open(ctx context.Context, provider uuid.UUID) (key crypto.Signer, chain []*x509.Certificate, err error) {
	if s.DB == nil || s.Sealer == nil {
		return nil, nil, errNoDevSigner
	}
	err = s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, chain, err = ActiveSeal(ctx, tx, s.Sealer, provider)
		if !errors.Is(err, ErrNoSeal) || s.DevCA == nil {
			return err
		}
		ca, err := s.DevCA(ctx, tx)
		if err != nil {
			return fmt.Errorf("documents: development CA: %w", err)
		}
		if _, err := EnsureSeal(ctx, tx, s.Sealer, ca, provider, ""); err != nil {
			return err
		}
		key, chain, err = ActiveSeal(ctx, tx, s.Sealer, provider)
		return err
	})
	return key, chain, err
}

// Holder is the name of a seal certificate's holder as documents show
// it: its common name, else its organisation.
func Holder(cert *x509.Certificate) string {
	if cert.Subject.CommonName != "" {
		return cert.Subject.CommonName
	}
	if len(cert.Subject.Organization) > 0 {
		return cert.Subject.Organization[0]
	}
	return cert.Subject.String()
}
