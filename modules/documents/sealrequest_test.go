package documents_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
	"hromada/modules/documents/doctest"
	"hromada/modules/documents/hsm"
	"hromada/modules/documents/hsm/hsmtest"
	"hromada/modules/signature"
)

func (b *sealBundle) request(t *testing.T, ks documents.KeyStore) *documents.SealRequest {
	t.Helper()
	var r *documents.SealRequest
	b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		r, err = documents.RequestSeal(ctx, tx, ks, b.provA)
		return err
	})
	return r
}

func (b *sealBundle) install(t *testing.T, certs ...*x509.Certificate) (*documents.ProviderSeal, error) {
	t.Helper()
	var s *documents.ProviderSeal
	err := b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		s, err = documents.InstallSeal(ctx, tx, b.sealer, b.provA, certs, b.ca.Pool(), time.Now())
		return err
	})
	return s, err
}

func TestSealKeyInHSM(t *testing.T) {
	t.Parallel()
	b := setupSeals(t)
	h, err := hsm.Open(hsmtest.Token(t, "1234"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	release := documents.UseKeyStore(h)
	t.Cleanup(release)

	r := b.request(t, h)
	require.Equal(t, h.Name(), r.Store)
	require.True(t, strings.HasSuffix(r.Label, "/"+r.KeyID.String()), r.Label)
	require.Equal(t, "Департамент соціальної політики", r.CSR.Subject.CommonName)
	require.Equal(t, []string{"Департамент соціальної політики"}, r.CSR.Subject.Organization)
	require.Equal(t, []string{"UA"}, r.CSR.Subject.Country)
	require.Equal(t, "NTRUA-"+b.edrpou, subjectAttr(&x509.Certificate{Subject: r.CSR.Subject}, asn1.ObjectIdentifier{2, 5, 4, 97}), "organizationIdentifier")
	require.Equal(t, b.edrpou, subjectAttr(&x509.Certificate{Subject: r.CSR.Subject}, asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 11, 1, 4, 2, 1}), "ЄДРПОУ")
	inToken, err := h.Key(r.Label, nil)
	require.NoError(t, err, "the key is in the token under its label")
	require.True(t, inToken.Public().(*ecdsa.PublicKey).Equal(r.CSR.PublicKey))

	// A development seal first: installing retires it.
	dev := b.ensure(t, b.ctxA, b.provA)
	cert := hsmtest.Issue(t, b.ca, r.CSR, hsmtest.SealUsage)
	s, err := b.install(t, cert)
	require.NoError(t, err)
	require.True(t, s.Certificate.Equal(cert))
	require.Len(t, s.Chain, 1)
	require.True(t, s.Chain[0].Equal(b.ca.Certificate))
	again, err := b.install(t, cert)
	require.NoError(t, err)
	require.Equal(t, s.ID, again.ID, "installing the same certificate again changes nothing")
	b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		seals, err := documents.Seals(ctx, tx, b.provA)
		require.Len(t, seals, 2)
		require.Equal(t, dev.ID, seals[1].ID)
		require.Equal(t, documents.SealRetired, seals[1].Status)
		return err
	})

	sealed, err := b.active(t, b.ctxA, b.provA)
	require.NoError(t, err)
	require.True(t, sealed.Certificate.Equal(cert), "sealed with the installed certificate, through the HSM")
	doctest.RequireSigned(t, sealed.PDF, sealed.CMS, b.ca.Certificate)
	requirePAdES(t, sealed.PDF, cert)
	_, err = documents.Verify(sealed.PDF, sealed.CMS, b.ca.Pool())
	require.NoError(t, err)

	t.Run("Refused", func(t *testing.T) {
		r2 := b.request(t, h)
		other, err := signature.NewDevCA("Чужий ЦСК")
		require.NoError(t, err)
		_, err = b.install(t, hsmtest.Issue(t, other, r2.CSR, hsmtest.SealUsage))
		require.ErrorIs(t, err, documents.ErrSealUntrusted)
		_, err = b.install(t, hsmtest.Issue(t, b.ca, r2.CSR, x509.KeyUsageKeyEncipherment))
		require.ErrorIs(t, err, documents.ErrSealUsage)
		stranger, _, err := b.ca.Issue("3184710691", "Інша Особа")
		require.NoError(t, err)
		_, err = b.install(t, stranger)
		require.ErrorIs(t, err, documents.ErrSealKeyUnknown, "a certificate for a key never requested")
		renewed := hsmtest.Issue(t, b.ca, r.CSR, hsmtest.SealUsage)
		_, err = b.install(t, renewed)
		require.ErrorIs(t, err, documents.ErrSealKeyUsed)
		// Refusals leave the installed seal as it was.
		sealed, err := b.active(t, b.ctxA, b.provA)
		require.NoError(t, err)
		require.True(t, sealed.Certificate.Equal(cert))
	})

	t.Run("StoreNotOpened", func(t *testing.T) {
		release()
		_, err := b.active(t, b.ctxA, b.provA)
		require.ErrorIs(t, err, documents.ErrKeyStoreClosed)
	})
}

func TestSealKeyInDatabase(t *testing.T) {
	t.Parallel()
	b := setupSeals(t)
	r := b.request(t, documents.DatabaseKeys{Sealer: b.sealer})
	require.Equal(t, documents.DatabaseStore, r.Store)
	cert := hsmtest.Issue(t, b.ca, r.CSR, hsmtest.SealUsage)
	_, err := b.install(t, cert)
	require.NoError(t, err)
	sealed, err := b.active(t, b.ctxA, b.provA)
	require.NoError(t, err)
	require.True(t, sealed.Certificate.Equal(cert))
	doctest.RequireSigned(t, sealed.PDF, sealed.CMS, b.ca.Certificate)

	// The sealed key is bound to its row: copied under another label it
	// does not open.
	b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		var kept []byte
		require.NoError(t, tx.QueryRow(ctx, `SELECT key_sealed FROM seal_keys WHERE id = $1`, r.KeyID).Scan(&kept))
		_, err := documents.DatabaseKeys{Sealer: b.sealer}.Key(r.Label+"x", kept)
		require.ErrorIs(t, err, documents.ErrSealBroken)
		return nil
	})
	err = b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE seal_keys SET label = 'x' WHERE id = $1`, r.KeyID)
		return err
	})
	requirePgCode(t, err, "42501") // a key never changes
}
