package revocation_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"hromada/modules/signature/revocation"
	"hromada/modules/signature/revocation/revocationtest"
)

func TestOCSPFirst(t *testing.T) {
	t.Parallel()
	ca := revocationtest.New(t)
	c := &revocation.Checker{}
	signedAt := time.Now().Add(-10 * time.Minute)

	t.Run("Good", func(t *testing.T) {
		t.Parallel()
		cert := ca.Issue("Добрий")
		res, err := c.Check(t.Context(), cert, ca.Cert, signedAt)
		require.NoError(t, err)
		require.Equal(t, revocation.OCSP, res.Evidence.Source)
		require.Equal(t, ca.Srv.URL+"/ocsp", res.Evidence.URL)
		require.True(t, res.RevokedAt.IsZero())
		// The evidence is the responder's signed answer, verifiable later.
		again, err := ocsp.ParseResponseForCert(res.Evidence.Response, cert, ca.Cert)
		require.NoError(t, err)
		require.Equal(t, ocsp.Good, again.Status)
	})
	t.Run("RevokedBeforeSigning", func(t *testing.T) {
		t.Parallel()
		cert := ca.Issue("Скасований")
		ca.Set(func(ca *revocationtest.CA) {
			ca.Revoked[cert.SerialNumber.String()] = signedAt.Add(-time.Minute).Truncate(time.Second)
		})
		res, err := c.Check(t.Context(), cert, ca.Cert, signedAt)
		require.ErrorIs(t, err, revocation.ErrRevoked)
		require.Equal(t, revocation.OCSP, res.Evidence.Source, "the refusal keeps its evidence")
		require.NotEmpty(t, res.Evidence.Response)
	})
	t.Run("RevokedAfterSigning", func(t *testing.T) {
		t.Parallel()
		cert := ca.Issue("Скасований згодом")
		revokedAt := signedAt.Add(time.Minute).Truncate(time.Second)
		ca.Set(func(ca *revocationtest.CA) { ca.Revoked[cert.SerialNumber.String()] = revokedAt })
		res, err := c.Check(t.Context(), cert, ca.Cert, signedAt)
		require.NoError(t, err, "a key revoked after it signed does not undo the signature")
		require.True(t, res.RevokedAt.Equal(revokedAt))
	})
	t.Run("Unknown", func(t *testing.T) {
		t.Parallel()
		cert := ca.Issue("Невідомий")
		ca.Set(func(ca *revocationtest.CA) { ca.Unknown[cert.SerialNumber.String()] = true })
		_, err := c.Check(t.Context(), cert, ca.Cert, signedAt)
		require.ErrorIs(t, err, revocation.ErrUnknown)
	})
}

func TestCRLWhenOCSPFails(t *testing.T) {
	t.Parallel()
	signedAt := time.Now().Add(-10 * time.Minute)
	c := &revocation.Checker{}
	for name, breakOCSP := range map[string]func(ca *revocationtest.CA){
		"ResponderDown": func(ca *revocationtest.CA) { ca.OCSPDown = true },
		// Signed by a stranger's key: not the issuer's answer.
		"ForgedResponse": func(ca *revocationtest.CA) {
			other := revocationtest.New(t)
			ca.OCSPSigner, ca.OCSPKey = other.Cert, other.Key
		},
		// Certified by the issuer, but not for OCSP signing.
		"ResponderNotForOCSP": func(ca *revocationtest.CA) {
			k := revocationtest.NewKey(t)
			ca.OCSPSigner = ca.Sign(&x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "не OCSP"},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, ca.Cert, k)
			ca.OCSPKey = k
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ca := revocationtest.New(t)
			ca.Set(breakOCSP)
			good := ca.Issue("Добрий")
			res, err := c.Check(t.Context(), good, ca.Cert, signedAt)
			require.NoError(t, err)
			require.Equal(t, revocation.CRL, res.Evidence.Source)
			crl, err := x509.ParseRevocationList(res.Evidence.Response)
			require.NoError(t, err)
			require.NoError(t, crl.CheckSignatureFrom(ca.Cert))

			revoked := ca.Issue("Скасований")
			ca.Set(func(ca *revocationtest.CA) { ca.Revoked[revoked.SerialNumber.String()] = signedAt.Add(-time.Hour) })
			_, err = c.Check(t.Context(), revoked, ca.Cert, signedAt)
			require.ErrorIs(t, err, revocation.ErrRevoked)
		})
	}
}

func TestDelegatedResponder(t *testing.T) {
	t.Parallel()
	ca := revocationtest.New(t)
	k := revocationtest.NewKey(t)
	responder := ca.Sign(&x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "OCSP-сервер"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, ca.Cert, k)
	ca.Set(func(ca *revocationtest.CA) { ca.OCSPSigner, ca.OCSPKey, ca.CRLDown = responder, k, true })
	res, err := (&revocation.Checker{}).Check(t.Context(), ca.Issue("Добрий"), ca.Cert, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	require.Equal(t, revocation.OCSP, res.Evidence.Source)
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	ca := revocationtest.New(t)
	c := &revocation.Checker{}
	signedAt := time.Now().Add(-10 * time.Minute)

	ca.Set(func(ca *revocationtest.CA) { ca.OCSPDown, ca.CRLDown = true, true })
	_, err := c.Check(t.Context(), ca.Issue("Добрий"), ca.Cert, signedAt)
	require.ErrorIs(t, err, revocation.ErrUnavailable)

	// A CRL from before the signing time, already past its next update,
	// says nothing of the signing time.
	ca.Set(func(ca *revocationtest.CA) {
		ca.CRLDown = false
		ca.CRLThis, ca.CRLNext = signedAt.Add(-3*time.Hour), signedAt.Add(-2*time.Hour)
	})
	_, err = c.Check(t.Context(), ca.Issue("Добрий"), ca.Cert, signedAt)
	require.ErrorIs(t, err, revocation.ErrUnavailable)

	// A CRL issued before the signing time and valid over it does.
	ca.Set(func(ca *revocationtest.CA) {
		ca.CRLThis, ca.CRLNext = signedAt.Add(-time.Hour), time.Now().Add(time.Hour)
	})
	res, err := c.Check(t.Context(), ca.Issue("Добрий"), ca.Cert, signedAt)
	require.NoError(t, err)
	require.Equal(t, revocation.CRL, res.Evidence.Source)

	noSources := ca.Sign(&x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: "Без AIA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, ca.Cert, revocationtest.NewKey(t))
	_, err = c.Check(t.Context(), noSources, ca.Cert, signedAt)
	require.ErrorIs(t, err, revocation.ErrUnavailable)
}

func TestSigningTime(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	received := ts.Add(time.Hour)
	require.Equal(t, ts, revocation.SigningTime(ts, received), "a trusted timestamp decides")
	require.Equal(t, received, revocation.SigningTime(time.Time{}, received), "without one, the receipt does")
}
