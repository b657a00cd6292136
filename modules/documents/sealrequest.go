package documents

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Errors of installing a seal's certificate, for errors.Is.
var (
	ErrSealKeyUnknown = errors.New("documents: the certificate is not for a key requested for this provider (hromada seal request)")
	ErrSealKeyUsed    = errors.New("documents: the certificate's key is already installed in another seal")
	ErrSealUntrusted  = errors.New("documents: the certificate does not chain to a CA the city trusts for e-seals")
	ErrSealUsage      = errors.New("documents: the certificate's key usage does not allow seals (digitalSignature or nonRepudiation, not a CA)")
)

// SealRequest is a key made for a provider's seal and the PKCS#10 request
// for it that goes to the qualified trust service provider.
type SealRequest struct {
	KeyID uuid.UUID
	// Store and Label say where the private key is: the key store's name
	// and the key's label in it.
	Store, Label string
	// CSR is the request, DER; signed by the key itself.
	CSR *x509.CertificateRequest
}

// RequestSeal makes a P-256 key pair for the provider in ks and a PKCS#10
// request for a seal certificate, whose subject names the provider as a
// legal person's qualified seal is named (sealSubject: CN and O the
// provider's name, C UA, organizationIdentifier NTRUA-<ЄДРПОУ> and the
// Ukrainian ЄДРПОУ attribute). The key is labelled "<city>/<provider
// code>/<key id>". Each call makes a new key: a request lost or refused is
// simply made again. tx must be a tenant transaction.
func RequestSeal(ctx context.Context, tx pgx.Tx, ks KeyStore, providerID uuid.UUID) (*SealRequest, error) {
	if err := lockProvider(ctx, tx, providerID); err != nil {
		return nil, err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	var name, code, edrpou string
	if err := tx.QueryRow(ctx, `SELECT name_uk, code, edrpou FROM providers WHERE id = $1`, providerID).Scan(&name, &code, &edrpou); err != nil {
		return nil, fmt.Errorf("documents: provider: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	label := t.Slug + "/" + code + "/" + id.String()
	if ks.Name() == DatabaseStore {
		// bound to the tenant's id, which never changes (a slug may)
		label = "seal_keys/" + t.ID.String() + "/" + label
	}
	key, kept, err := ks.NewKey(label, id[:])
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: sealSubject(name, edrpou, "")}, key)
	if err != nil {
		return nil, fmt.Errorf("documents: seal request: %w", err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO seal_keys (tenant_id, id, provider_id, store, label, key_sealed, public_key, csr)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7)`,
		id, providerID, ks.Name(), label, kept, csr.RawSubjectPublicKeyInfo, der); err != nil {
		return nil, fmt.Errorf("documents: store seal key: %w", err)
	}
	return &SealRequest{KeyID: id, Store: ks.Name(), Label: label, CSR: csr}, nil
}

// InstallSeal makes certs[0], the certificate issued for a key that
// RequestSeal made, the provider's active seal (retiring the one before),
// after checking that: it is for a key requested for this provider, the
// key in its store signs what the certificate's public key verifies, it
// chains through certs[1:] to roots (the city's trust list and the
// qualified CAs granted for e-seals) at now, and its usage allows seals.
// Installing the same certificate again changes nothing and returns the
// seal. sealer opens a key kept in the database. tx must be a tenant
// transaction.
func InstallSeal(ctx context.Context, tx pgx.Tx, sealer Sealer, providerID uuid.UUID, certs []*x509.Certificate, roots *x509.CertPool, now time.Time) (*ProviderSeal, error) {
	if len(certs) == 0 {
		return nil, errors.New("documents: no certificate to install")
	}
	leaf := certs[0]
	if err := lockProvider(ctx, tx, providerID); err != nil {
		return nil, err
	}
	if cur, err := activeSeal(ctx, tx, providerID); err == nil && cur.Certificate.Equal(leaf) {
		return cur, nil
	} else if err != nil && !errors.Is(err, ErrNoSeal) {
		return nil, err
	}
	var (
		keyID        uuid.UUID
		store, label string
		kept         []byte
		used         bool
	)
	err := tx.QueryRow(ctx, `
		SELECT k.id, k.store, k.label, k.key_sealed, EXISTS (SELECT FROM provider_seals s WHERE s.key_id = k.id)
		FROM seal_keys k WHERE k.provider_id = $1 AND k.public_key = $2`,
		providerID, leaf.RawSubjectPublicKeyInfo).Scan(&keyID, &store, &label, &kept, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrSealKeyUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("documents: seal key: %w", err)
	}
	if used {
		return nil, ErrSealKeyUsed
	}
	if err := keyMatches(store, label, kept, sealer, leaf); err != nil {
		return nil, err
	}
	if leaf.IsCA || leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, ErrSealUsage
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSealUntrusted, err)
	}
	var chain bytes.Buffer
	for _, c := range chains[0][1:] {
		chain.Write(c.Raw)
	}
	if _, err := tx.Exec(ctx, `
		UPDATE provider_seals SET status = 'retired', retired_at = now()
		WHERE provider_id = $1 AND status = 'active'`, providerID); err != nil {
		return nil, fmt.Errorf("documents: retire seal: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO provider_seals (tenant_id, id, provider_id, certificate, chain, key_id)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, id, providerID, leaf.Raw, chain.Bytes(), keyID); err != nil {
		return nil, fmt.Errorf("documents: store seal: %w", err)
	}
	return activeSeal(ctx, tx, providerID)
}

// keyMatches signs a challenge with the key in its store and checks it
// with the certificate's public key: the certificate is for this very key,
// and the store can use it.
func keyMatches(store, label string, kept []byte, sealer Sealer, cert *x509.Certificate) error {
	ks, err := keyStore(store, sealer)
	if err != nil {
		return err
	}
	key, err := ks.Key(label, kept)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: not an ECDSA key", ErrSealKeyUnknown)
	}
	challenge := make([]byte, 32)
	if _, err := rand.Read(challenge); err != nil {
		return err
	}
	digest := sha256.Sum256(challenge)
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("documents: sign with the seal key: %w", err)
	}
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return fmt.Errorf("%w: the key in %s does not make signatures the certificate verifies", ErrSealKeyUnknown, store)
	}
	return nil
}
