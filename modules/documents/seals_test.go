package documents_test

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
	"hromada/modules/documents/doctest"
	"hromada/modules/identity"
	"hromada/modules/signature"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
	"hromada/ukid"
)

type sealBundle struct {
	db     *tenanttest.DB
	sealer *identity.Sealer
	ca     *signature.DevCA
	ctxA   context.Context
	ctxB   context.Context
	provA  uuid.UUID
	provB  uuid.UUID
	edrpou string
}

func setupSeals(t *testing.T) *sealBundle {
	t.Helper()
	db := tenanttest.New(t)
	sealer, err := identity.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	ca, err := signature.NewDevCA("Тестовий ЦСК")
	require.NoError(t, err)
	b := &sealBundle{
		db: db, sealer: sealer, ca: ca,
		ctxA: tenant.With(t.Context(), tenanttest.NewTenant(t, db)),
		ctxB: tenant.With(t.Context(), tenanttest.NewTenant(t, db)),
	}
	for i := 0; b.edrpou == ""; i++ {
		if s := fmt.Sprintf("3803%04d", i); ukid.ValidEDRPOU(s) {
			b.edrpou = s
		}
	}
	b.provA = b.provider(t, b.ctxA, b.edrpou)
	b.provB = b.provider(t, b.ctxB, "")
	return b
}

func (b *sealBundle) provider(t *testing.T, ctx context.Context, edrpou string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	b.tx(t, ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO providers (tenant_id, id, code, name_uk, edrpou) VALUES (app_tenant_id(), $1, $2, $3, $4)`,
			id, "p-"+id.String()[:8], "Департамент соціальної політики", edrpou)
		return err
	})
	return id
}

func (b *sealBundle) tx(t *testing.T, ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	require.NoError(t, b.db.App.Tx(ctx, fn))
}

func (b *sealBundle) ensure(t *testing.T, ctx context.Context, provider uuid.UUID) *documents.ProviderSeal {
	t.Helper()
	var s *documents.ProviderSeal
	b.tx(t, ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		s, err = documents.EnsureSeal(ctx, tx, b.sealer, b.ca, provider, "")
		return err
	})
	return s
}

func (b *sealBundle) active(t *testing.T, ctx context.Context, provider uuid.UUID) (documents.Sealed, error) {
	t.Helper()
	var sealed documents.Sealed
	err := b.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, chain, err := documents.ActiveSeal(ctx, tx, b.sealer, provider)
		if err != nil {
			return err
		}
		sealed, err = documents.Seal(rendered(t), key, chain, sealOpts())
		return err
	})
	return sealed, err
}

func TestEnsureSeal(t *testing.T) {
	t.Parallel()
	b := setupSeals(t)

	s := b.ensure(t, b.ctxA, b.provA)
	require.Equal(t, documents.SealActive, s.Status)
	require.Equal(t, b.provA, s.ProviderID)
	require.Equal(t, "Департамент соціальної політики", s.Certificate.Subject.CommonName)
	require.Equal(t, []string{"Департамент соціальної політики"}, s.Certificate.Subject.Organization)
	require.Equal(t, "NTRUA-"+b.edrpou, subjectAttr(s.Certificate, asn1.ObjectIdentifier{2, 5, 4, 97}), "organizationIdentifier")
	require.Equal(t, b.edrpou, subjectAttr(s.Certificate, asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 11, 1, 4, 2, 1}), "ЄДРПОУ")
	require.Len(t, s.Chain, 1)
	require.True(t, s.Chain[0].Equal(b.ca.Certificate))
	_, err := s.Certificate.Verify(x509.VerifyOptions{Roots: b.ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	require.NoError(t, err)

	again := b.ensure(t, b.ctxA, b.provA)
	require.Equal(t, s.ID, again.ID, "idempotent")
	require.True(t, s.Certificate.Equal(again.Certificate))

	// A provider without a ЄДРПОУ gets a seal without the identifiers,
	// named after its holder.
	var sb *documents.ProviderSeal
	b.tx(t, b.ctxB, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		sb, err = documents.EnsureSeal(ctx, tx, b.sealer, b.ca, b.provB, "Печатка департаменту")
		return err
	})
	require.Equal(t, "Печатка департаменту", sb.Certificate.Subject.CommonName)
	require.Empty(t, subjectAttr(sb.Certificate, asn1.ObjectIdentifier{2, 5, 4, 97}))

	t.Run("SealsAndVerifies", func(t *testing.T) {
		t.Parallel()
		sealed, err := b.active(t, b.ctxA, b.provA)
		require.NoError(t, err)
		require.True(t, sealed.Certificate.Equal(s.Certificate))
		v, err := documents.Verify(sealed.PDF, sealed.CMS, b.ca.Pool())
		require.NoError(t, err)
		require.True(t, v.Certificate.Equal(s.Certificate))
		requirePAdES(t, sealed.PDF, s.Certificate)
		require.NoError(t, doctest.OpenSSL(t, sealed.PDF, sealed.CMS, b.ca.Certificate))
		// The signature package accepts it as a seal; as a person's
		// signature it lacks the РНОКПП.
		got, err := signature.VerifyDetached(sealed.PDF, sealed.CMS, signature.VerifyOptions{Roots: b.ca.Pool(), Seal: true})
		require.NoError(t, err)
		require.True(t, got.Certificate.Equal(s.Certificate))
		_, err = signature.VerifyDetached(sealed.PDF, sealed.CMS, signature.VerifyOptions{Roots: b.ca.Pool()})
		require.ErrorIs(t, err, signature.ErrNoRNOKPP)
	})

	t.Run("UnknownProvider", func(t *testing.T) {
		t.Parallel()
		err := b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			_, err := documents.EnsureSeal(ctx, tx, b.sealer, b.ca, uuid.New(), "")
			return err
		})
		require.ErrorIs(t, err, documents.ErrNoProvider)
	})
}

func TestRotate(t *testing.T) {
	t.Parallel()
	b := setupSeals(t)
	old := b.ensure(t, b.ctxA, b.provA)
	before, err := b.active(t, b.ctxA, b.provA)
	require.NoError(t, err)

	var fresh *documents.ProviderSeal
	b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		fresh, err = documents.Rotate(ctx, tx, b.sealer, b.ca, b.provA, "")
		return err
	})
	require.NotEqual(t, old.ID, fresh.ID)
	require.False(t, old.Certificate.Equal(fresh.Certificate))

	var seals []documents.ProviderSeal
	b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		seals, err = documents.Seals(ctx, tx, b.provA)
		return err
	})
	require.Len(t, seals, 2)
	require.Equal(t, fresh.ID, seals[0].ID)
	require.Equal(t, documents.SealActive, seals[0].Status)
	require.Equal(t, old.ID, seals[1].ID)
	require.Equal(t, documents.SealRetired, seals[1].Status)
	require.NotNil(t, seals[1].RetiredAt)

	after, err := b.active(t, b.ctxA, b.provA)
	require.NoError(t, err)
	require.True(t, after.Certificate.Equal(fresh.Certificate), "new results use the new seal")
	_, err = documents.Verify(before.PDF, before.CMS, b.ca.Pool())
	require.NoError(t, err, "a result sealed before the rotation still verifies")

	// EnsureSeal now returns the new seal, and a retired seal stays retired.
	require.Equal(t, fresh.ID, b.ensure(t, b.ctxA, b.provA).ID)
	err = b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE provider_seals SET status = 'active', retired_at = NULL WHERE id = $1`, old.ID)
		return err
	})
	requirePgCode(t, err, "42501")
}

func TestSealsAreTheTenants(t *testing.T) {
	t.Parallel()
	b := setupSeals(t)
	sa := b.ensure(t, b.ctxA, b.provA)
	b.ensure(t, b.ctxB, b.provB)

	t.Run("RLSHidesOtherTenantsSeals", func(t *testing.T) {
		t.Parallel()
		err := b.db.App.ReadTx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			seals, err := documents.Seals(ctx, tx, b.provB)
			require.NoError(t, err)
			require.Empty(t, seals)
			_, _, err = documents.ActiveSeal(ctx, tx, b.sealer, b.provB)
			require.ErrorIs(t, err, documents.ErrNoSeal)
			var n int
			require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM provider_seals WHERE tenant_id <> app_tenant_id()`).Scan(&n))
			require.Zero(t, n, "only A's own seals")
			return nil
		})
		require.NoError(t, err)
		err = b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			_, err := documents.EnsureSeal(ctx, tx, b.sealer, b.ca, b.provB, "")
			return err
		})
		require.ErrorIs(t, err, documents.ErrNoProvider, "B's provider is not there for A")
	})

	t.Run("KeyCopiedToAnotherTenantDoesNotOpen", func(t *testing.T) {
		t.Parallel()
		// Someone with database access copies A's sealed key into a row
		// of B (the app role can write B's rows only as B).
		var cert, chain, key []byte
		b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT certificate, chain, key_sealed FROM provider_seals WHERE id = $1`, sa.ID).Scan(&cert, &chain, &key)
		})
		provB2 := b.provider(t, b.ctxB, "")
		b.tx(t, b.ctxB, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO provider_seals (tenant_id, id, provider_id, certificate, chain, key_sealed)
				VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, sa.ID, provB2, cert, chain, key)
			return err
		})
		_, err := b.active(t, b.ctxB, provB2)
		require.ErrorIs(t, err, documents.ErrSealBroken, "same row id, other tenant: the additional data differs")

		// Within A, moved to another provider, it does not open either.
		provA2 := b.provider(t, b.ctxA, "")
		b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO provider_seals (tenant_id, id, provider_id, certificate, chain, key_sealed)
				VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, uuid.New(), provA2, cert, chain, key)
			return err
		})
		_, err = b.active(t, b.ctxA, provA2)
		require.ErrorIs(t, err, documents.ErrSealBroken)

		// Under another secret key nothing opens.
		other, err := identity.NewSealer([]byte(strings.Repeat("x", 32)))
		require.NoError(t, err)
		err = b.db.App.ReadTx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			_, _, err := documents.ActiveSeal(ctx, tx, other, b.provA)
			return err
		})
		require.ErrorIs(t, err, documents.ErrSealBroken)
	})

	t.Run("OneActivePerProvider", func(t *testing.T) {
		t.Parallel()
		var cert, chain, key []byte
		b.tx(t, b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT certificate, chain, key_sealed FROM provider_seals WHERE id = $1`, sa.ID).Scan(&cert, &chain, &key)
		})
		err := b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO provider_seals (tenant_id, id, provider_id, certificate, chain, key_sealed)
				VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, uuid.New(), b.provA, cert, chain, key)
			return err
		})
		requirePgCode(t, err, "23505")
	})

	t.Run("SealRowsAreLocked", func(t *testing.T) {
		t.Parallel()
		for _, stmt := range []string{
			`UPDATE provider_seals SET certificate = '\x00' WHERE id = $1`,
			`UPDATE provider_seals SET key_sealed = '\x00' WHERE id = $1`,
			`DELETE FROM provider_seals WHERE id = $1`,
		} {
			err := b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, stmt, sa.ID)
				return err
			})
			requirePgCode(t, err, "42501")
		}
	})
}

func subjectAttr(c *x509.Certificate, oid asn1.ObjectIdentifier) string {
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oid) {
			v, _ := n.Value.(string)
			return v
		}
	}
	return ""
}

func requirePgCode(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, code, pgErr.Code, pgErr.Message)
}

func TestService(t *testing.T) {
	t.Parallel()
	b := setupSeals(t)
	var caCalls int
	svc := &documents.Service{DB: b.db.App, Sealer: b.sealer, DevCA: func(context.Context, pgx.Tx) (*signature.DevCA, error) {
		caCalls++
		return b.ca, nil
	}}

	holder, err := svc.Holder(b.ctxA, b.provA)
	require.NoError(t, err)
	require.Equal(t, "Департамент соціальної політики", holder)
	pdf, cms, holder2, err := svc.Seal(b.ctxA, b.provA, rendered(t))
	require.NoError(t, err)
	require.Equal(t, holder, holder2)
	require.Equal(t, 1, caCalls, "the development seal is issued once")
	v, err := documents.Verify(pdf, cms, b.ca.Pool())
	require.NoError(t, err)
	require.Equal(t, holder, documents.Holder(v.Certificate))

	// In production there is no development CA: no seal, no result.
	prod := &documents.Service{DB: b.db.App, Sealer: b.sealer}
	_, _, _, err = prod.Seal(b.ctxB, b.provB, rendered(t))
	require.ErrorIs(t, err, documents.ErrNoSeal)
	_, _, _, err = prod.Seal(b.ctxA, b.provA, rendered(t))
	require.NoError(t, err, "a provisioned seal serves")
}
