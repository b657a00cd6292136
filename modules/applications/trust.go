package applications

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/signature"
	"hromada/tenant"
)

// devCAName names the development CA in the trust list, so nobody takes
// it for a qualified trust service provider.
const devCAName = "Тестовий ЦСК Hromada (лише для розробки)"

// EnsureDevCA returns the city's development certificate authority,
// creating it and adding it to the city's trust list on first use. Its key
// is kept sealed (bound to its row) in trust_anchors.
func EnsureDevCA(ctx context.Context, tx pgx.Tx, sealer Sealer) (*signature.DevCA, error) {
	if sealer == nil {
		return nil, ErrNoSigner
	}
	// Two first uses at once would make two CAs: one waits for the other.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hromada.dev_ca.' || app_tenant_id()::text))`); err != nil {
		return nil, err
	}
	var (
		id        uuid.UUID
		der, seal []byte
	)
	err := tx.QueryRow(ctx, `SELECT id, certificate, dev_key FROM trust_anchors WHERE dev_key IS NOT NULL ORDER BY added_at LIMIT 1`).Scan(&id, &der, &seal)
	if errors.Is(err, pgx.ErrNoRows) {
		return createDevCA(ctx, tx, sealer)
	}
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	raw, err := sealer.Open(seal, devKeyAD(ctx, id))
	if err != nil {
		return nil, fmt.Errorf("applications: development CA key: %w", err)
	}
	key, err := x509.ParsePKCS8PrivateKey(raw)
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("applications: development CA key is not a signer")
	}
	return &signature.DevCA{Certificate: cert, Key: signer}, nil
}

func createDevCA(ctx context.Context, tx pgx.Tx, sealer Sealer) (*signature.DevCA, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	ca, err := signature.NewDevCA(devCAName + " — " + t.Slug)
	if err != nil {
		return nil, err
	}
	raw, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	seal, err := sealer.Seal(raw, devKeyAD(ctx, id))
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO trust_anchors (tenant_id, id, name, certificate, dev_key) VALUES (app_tenant_id(), $1, $2, $3, $4)`,
		id, devCAName, ca.Certificate.Raw, seal)
	return ca, err
}

// devKeyAD binds a sealed key to its tenant and row.
func devKeyAD(ctx context.Context, id uuid.UUID) []byte {
	t, _ := tenant.From(ctx)
	var tid uuid.UUID
	if t != nil {
		tid = t.ID
	}
	return []byte("trust_anchors/" + tid.String() + "/" + id.String())
}

// devSigner is the city's development signer, cached per city.
func (s *Service) devSigner(ctx context.Context) (*signature.DevSigner, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	if v, ok := s.devCAs.Load(t.ID); ok {
		return v.(*signature.DevSigner), nil
	}
	var ca *signature.DevCA
	err = s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		ca, err = EnsureDevCA(ctx, tx, s.Sealer)
		return err
	})
	if err != nil {
		return nil, err
	}
	v, _ := s.devCAs.LoadOrStore(t.ID, signature.NewDevSigner(ca))
	return v.(*signature.DevSigner), nil
}

// residentSigner is the signature provider residents sign through online.
func (s *Service) residentSigner(ctx context.Context) (signature.HashSigner, error) {
	if s.Signer != nil {
		return s.Signer, nil
	}
	if s.Sealer == nil {
		return nil, ErrNoSigner
	}
	return s.devSigner(ctx)
}

// DevSigning says whether the development signer serves (the embedded
// default): pages then offer signing with a test key in one click.
func (s *Service) DevSigning() bool { return s.Signer == nil && s.Sealer != nil }

// OfficialSigner signs officials' decisions: an official signs as a
// resident does, with their own qualified signature through the remote
// signer (Diia.Sign's shape) where one is configured, and with the
// development signer in development.
func (s *Service) OfficialSigner(ctx context.Context) (signature.HashSigner, error) {
	return s.residentSigner(ctx)
}
