package documents

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/signature"
	"hromada/tenant"
	"hromada/ukid"
)

// Sealer keeps secrets at rest: it encrypts a seal's private key bound to
// additional data naming its tenant and row, so a key copied into another
// row or tenant does not open. identity.Sealer (AES-256-GCM under
// HROMADA_SECRET_KEY) is one.
type Sealer interface {
	Seal(plain, ad []byte) ([]byte, error)
	Open(sealed, ad []byte) ([]byte, error)
}

// SealStatus is where a provider's seal is in its life.
type SealStatus string

// The statuses of a seal (the table's CHECK lists the same).
const (
	SealActive  SealStatus = "active"  // signs new results; at most one per provider
	SealRetired SealStatus = "retired" // signs nothing more; its documents still verify
)

// ProviderSeal is a provider's electronic seal: its certificate and the
// chain up to the CA. The private key stays sealed in the table; only
// ActiveSeal opens it.
type ProviderSeal struct {
	ID          uuid.UUID
	ProviderID  uuid.UUID
	Certificate *x509.Certificate
	// Chain are the certificate's issuers, nearest first, ending with the
	// root.
	Chain     []*x509.Certificate
	Status    SealStatus
	CreatedAt time.Time
	RetiredAt *time.Time
}

// Errors of the seals' operations, for errors.Is.
var (
	ErrNoSeal      = errors.New("documents: the provider has no active seal")
	ErrNoProvider  = errors.New("documents: no such provider")
	ErrSealBroken  = errors.New("documents: a stored seal does not open (wrong secret key, or moved)")
	errNoDevSigner = errors.New("documents: no sealer or development CA")
)

// sealValidity is how long a development seal certificate is valid.
const sealValidity = 2 * 365 * 24 * time.Hour

// Subject attributes of a legal person's seal certificate.
var (
	// organizationIdentifier (X.520), "NTRUA-<ЄДРПОУ>": ETSI EN 319 412-1
	// §5.1.4 semantics (NTR = national trade register, UA).
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
	// The Ukrainian ЄДРПОУ attribute, which Ukrainian qualified
	// certificates carry (in the subject or in subjectDirectoryAttributes).
	oidUAEDRPOU = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 11, 1, 4, 2, 1}
)

// EnsureSeal returns the provider's active seal, issuing one from the
// city's development CA when it has none: for development and the
// embedded default, where no qualified seal exists. The certificate's
// subject is CN holderName (the provider's name when empty), O the
// provider's name, C UA and, when the provider's ЄДРПОУ is known and
// valid, organizationIdentifier "NTRUA-<ЄДРПОУ>" and the Ukrainian ЄДРПОУ
// attribute, as on a qualified seal of a legal person. Calling it again
// returns the same seal. tx must be a tenant transaction (tenant.DB.Tx).
func EnsureSeal(ctx context.Context, tx pgx.Tx, sealer Sealer, ca *signature.DevCA, providerID uuid.UUID, holderName string) (*ProviderSeal, error) {
	if err := lockProvider(ctx, tx, providerID); err != nil {
		return nil, err
	}
	s, err := activeSeal(ctx, tx, providerID)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, ErrNoSeal) {
		return nil, err
	}
	return issueSeal(ctx, tx, sealer, ca, providerID, holderName)
}

// Rotate retires the provider's active seal, if any, and issues a new one
// from the development CA, as EnsureSeal does. Documents sealed before
// keep verifying: each carries its certificate and chain in its
// signatures, and the retired row keeps the certificate for the record.
func Rotate(ctx context.Context, tx pgx.Tx, sealer Sealer, ca *signature.DevCA, providerID uuid.UUID, holderName string) (*ProviderSeal, error) {
	if err := lockProvider(ctx, tx, providerID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `
		UPDATE provider_seals SET status = 'retired', retired_at = now()
		WHERE provider_id = $1 AND status = 'active'`, providerID); err != nil {
		return nil, fmt.Errorf("documents: retire seal: %w", err)
	}
	return issueSeal(ctx, tx, sealer, ca, providerID, holderName)
}

// ActiveSeal opens the provider's active seal for signing: its key, and
// its certificate followed by the chain (what Seal takes). ErrNoSeal when
// there is none; ErrSealBroken when the key does not open. A key made by
// `hromada seal request` is opened in the key store that holds it (an
// HSM registered with UseKeyStore; ErrKeyStoreClosed when this process
// has not opened it); a development seal's key is opened with sealer.
func ActiveSeal(ctx context.Context, tx pgx.Tx, sealer Sealer, providerID uuid.UUID) (crypto.Signer, []*x509.Certificate, error) {
	var (
		id                  uuid.UUID
		der, ch, keyS, kept []byte
		store, label        *string
	)
	err := tx.QueryRow(ctx, `
		SELECT s.id, s.certificate, s.chain, s.key_sealed, k.store, k.label, k.key_sealed
		FROM provider_seals s LEFT JOIN seal_keys k ON k.tenant_id = s.tenant_id AND k.id = s.key_id
		WHERE s.provider_id = $1 AND s.status = 'active'`, providerID).Scan(&id, &der, &ch, &keyS, &store, &label, &kept)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, ErrNoSeal
	}
	if err != nil {
		return nil, nil, fmt.Errorf("documents: active seal: %w", err)
	}
	var key crypto.Signer
	if store == nil {
		ad, err := sealAD(ctx, providerID, id)
		if err != nil {
			return nil, nil, err
		}
		key, err = DatabaseKeys{Sealer: sealer}.Key(string(ad), keyS)
		if err != nil {
			return nil, nil, err
		}
	} else {
		ks, err := keyStore(*store, sealer)
		if err != nil {
			return nil, nil, err
		}
		if key, err = ks.Key(*label, kept); err != nil {
			return nil, nil, err
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("documents: active seal: %w", err)
	}
	chain, err := x509.ParseCertificates(ch)
	if err != nil {
		return nil, nil, fmt.Errorf("documents: active seal: %w", err)
	}
	return key, append([]*x509.Certificate{cert}, chain...), nil
}

func activeSeal(ctx context.Context, tx pgx.Tx, providerID uuid.UUID) (*ProviderSeal, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, provider_id, certificate, chain, status, created_at, retired_at FROM provider_seals
		WHERE provider_id = $1 AND status = 'active'`, providerID)
	if err != nil {
		return nil, fmt.Errorf("documents: active seal: %w", err)
	}
	s, err := pgx.CollectOneRow(rows, scanSeal)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoSeal
	}
	if err != nil {
		return nil, fmt.Errorf("documents: active seal: %w", err)
	}
	return &s, nil
}

func scanSeal(row pgx.CollectableRow) (ProviderSeal, error) {
	var (
		s       ProviderSeal
		der, ch []byte
		status  string
	)
	if err := row.Scan(&s.ID, &s.ProviderID, &der, &ch, &status, &s.CreatedAt, &s.RetiredAt); err != nil {
		return s, err
	}
	s.Status = SealStatus(status)
	var err error
	if s.Certificate, err = x509.ParseCertificate(der); err != nil {
		return s, err
	}
	s.Chain, err = x509.ParseCertificates(ch)
	return s, err
}

// lockProvider serialises the seal operations of one provider, so two
// first uses at once do not both issue a seal (the partial unique index
// would refuse the second anyway), and checks the provider exists in this
// tenant.
func lockProvider(ctx context.Context, tx pgx.Tx, providerID uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('hromada.provider_seal.' || app_tenant_id()::text || '.' || $1::text, 0))`, providerID); err != nil {
		return fmt.Errorf("documents: lock provider: %w", err)
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM providers WHERE id = $1)`, providerID).Scan(&ok); err != nil {
		return fmt.Errorf("documents: provider: %w", err)
	}
	if !ok {
		return ErrNoProvider
	}
	return nil
}

// issueSeal makes a key and a development certificate for the provider
// and stores them as its active seal.
func issueSeal(ctx context.Context, tx pgx.Tx, sealer Sealer, ca *signature.DevCA, providerID uuid.UUID, holderName string) (*ProviderSeal, error) {
	if sealer == nil || ca == nil || ca.Certificate == nil || ca.Key == nil {
		return nil, errNoDevSigner
	}
	var name, edrpou string
	if err := tx.QueryRow(ctx, `SELECT name_uk, edrpou FROM providers WHERE id = $1`, providerID).Scan(&name, &edrpou); err != nil {
		return nil, fmt.Errorf("documents: provider: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	ad, err := sealAD(ctx, providerID, id)
	if err != nil {
		return nil, err
	}
	key, sealed, err := DatabaseKeys{Sealer: sealer}.NewKey(string(ad), nil)
	if err != nil {
		return nil, err
	}
	cert, err := issueSealCertificate(ca, key.Public(), sealSubject(name, edrpou, holderName), time.Now())
	if err != nil {
		return nil, err
	}
	chain := []*x509.Certificate{ca.Certificate}
	var s ProviderSeal
	err = tx.QueryRow(ctx, `
		INSERT INTO provider_seals (tenant_id, id, provider_id, certificate, chain, key_sealed)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5)
		RETURNING created_at`, id, providerID, cert.Raw, ca.Certificate.Raw, sealed).Scan(&s.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("documents: store seal: %w", err)
	}
	s.ID, s.ProviderID, s.Certificate, s.Chain, s.Status = id, providerID, cert, chain, SealActive
	return &s, nil
}

// sealSubject names a provider's seal as a qualified seal of a legal
// person would be named.
func sealSubject(providerName, edrpou, holderName string) pkix.Name {
	providerName = strings.TrimSpace(providerName)
	cn := strings.TrimSpace(holderName)
	if cn == "" {
		cn = providerName
	}
	n := pkix.Name{CommonName: cn, Organization: []string{providerName}, Country: []string{"UA"}}
	if ukid.ValidEDRPOU(edrpou) {
		n.ExtraNames = []pkix.AttributeTypeAndValue{
			{Type: oidOrganizationIdentifier, Value: "NTRUA-" + edrpou},
			{Type: oidUAEDRPOU, Value: edrpou},
		}
	}
	return n
}

// issueSealCertificate signs a seal certificate for pub with the
// development CA: digitalSignature and nonRepudiation (content
// commitment), no extended key usage (as seal certificates commonly have
// none; PDF readers then accept it for signing), valid two years but never
// past the CA.
func issueSealCertificate(ca *signature.DevCA, pub crypto.PublicKey, subject pkix.Name, now time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(sealValidity)
	if notAfter.After(ca.Certificate.NotAfter) {
		notAfter = ca.Certificate.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Certificate, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("documents: issue seal certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// sealAD binds a sealed key to its tenant, provider and row.
func sealAD(ctx context.Context, providerID, id uuid.UUID) ([]byte, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	return []byte("provider_seals/" + t.ID.String() + "/" + providerID.String() + "/" + id.String()), nil
}
