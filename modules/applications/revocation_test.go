package applications_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
	"hromada/modules/signature/revocation/revocationtest"
	"hromada/modules/signature/signtest"
)

// revocationEnv is setup with a qualified CA of the tests' own, trusted by
// the city, that runs an OCSP responder and a CRL; the service asks them
// of every signature, at the real time (the CA's answers are real-time).
func revocationEnv(t *testing.T) (*env, *revocationtest.CA) {
	t.Helper()
	e := setup(t)
	ca := revocationtest.New(t)
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO trust_anchors (tenant_id, id, name, certificate) VALUES (app_tenant_id(), $1, 'Тестовий КНЕДП', $2)`, uuid.New(), ca.Cert.Raw)
		return err
	}))
	e.svc.Now = time.Now
	e.svc.Revocation = &revocation.Checker{}
	return e, ca
}

func (e *env) evidence(t *testing.T, app uuid.UUID, signed string) (source string, response []byte) {
	t.Helper()
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT source, response FROM signature_evidence WHERE application_id = $1 AND signed = $2`, app, signed).Scan(&source, &response)
	}))
	return source, response
}

// TestRevocationAtSubmission: the resident's certificate is asked of its
// CA before the submission's transaction. Revoked before signing is
// refused naming the certificate; a CA that does not answer is refused
// (the policy), the draft kept either way; a good one is received with the
// CA's signed answer kept as evidence, once however often it is submitted.
func TestRevocationAtSubmission(t *testing.T) {
	t.Parallel()
	e, ca := revocationEnv(t)
	app := e.draft(t, e.o1, e.r1, "T-1")
	data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	sign := func() ([]byte, *x509.Certificate) {
		cert, key := ca.IssuePerson(rnokpp1, name1)
		cms, err := signature.SignDetached(data, cert, key)
		require.NoError(t, err)
		return cms, cert
	}

	revokedCMS, revoked := sign()
	ca.Set(func(ca *revocationtest.CA) { ca.Revoked[revoked.SerialNumber.String()] = time.Now().Add(-time.Hour) })
	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, revokedCMS)
	require.ErrorIs(t, err, revocation.ErrRevoked)
	require.ErrorIs(t, err, applications.ErrSignature, "a refused signature, among the security events")
	args := apperr.As(err).Args
	require.Equal(t, name1, args["Certificate"], "the message names the certificate")
	require.Equal(t, strings.ToUpper(revoked.SerialNumber.Text(16)), args["Serial"])
	require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))

	goodCMS, good := sign()
	ca.Set(func(ca *revocationtest.CA) { ca.OCSPDown, ca.CRLDown = true, true })
	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, goodCMS)
	require.ErrorIs(t, err, revocation.ErrUnavailable, "no answer: refused, to be submitted again")
	require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))
	require.Zero(t, e.count(t, `SELECT count(*) FROM signature_evidence`))

	ca.Set(func(ca *revocationtest.CA) { ca.OCSPDown = false })
	key := uuid.NewString()
	got, _, err := e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, key, data, goodCMS)
	require.NoError(t, err)
	require.Equal(t, applications.Received, got.Status)
	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, key, data, goodCMS)
	require.NoError(t, err, "the same submission again")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM signature_evidence WHERE application_id = $1`, app.ID))
	source, response := e.evidence(t, app.ID, "application")
	require.Equal(t, "ocsp", source)
	answer, err := ocsp.ParseResponseForCert(response, good, ca.Cert)
	require.NoError(t, err, "the CA's signed answer, verifiable later")
	require.Equal(t, ocsp.Good, answer.Status)
}

// TestTimestampedSignatureAtSubmission: a signature a trusted TSA stamped
// before its certificate was revoked stands, and the CA's answer (revoked,
// after the stamp) is kept as evidence; the same signature without the
// stamp is judged when it is received, and refused.
func TestTimestampedSignatureAtSubmission(t *testing.T) {
	t.Parallel()
	e, ca := revocationEnv(t)
	app := e.draft(t, e.o1, e.r1, "T-1")
	data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	// Within the five minutes' skew allowed before the draft's last
	// change: stamped four minutes ago, revoked two minutes ago.
	stampedAt := time.Now().Add(-4 * time.Minute).UTC().Truncate(time.Second)
	cert, key := ca.IssuePerson(rnokpp1, name1)
	sum := sha256.Sum256(data)
	cms, err := signature.SignDigest(sum[:], cert, key, stampedAt.Add(-time.Minute))
	require.NoError(t, err)
	tsa, err := signtest.NewTSA(&signature.DevCA{Certificate: ca.Cert, Key: ca.Key}, time.Now().Add(-20*time.Hour), 48*time.Hour)
	require.NoError(t, err)
	stamped, err := tsa.Stamp(cms, stampedAt)
	require.NoError(t, err)
	revokedAt := time.Now().Add(-2 * time.Minute)
	ca.Set(func(ca *revocationtest.CA) { ca.Revoked[cert.SerialNumber.String()] = revokedAt })

	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, cms)
	require.ErrorIs(t, err, revocation.ErrRevoked, "without a timestamp: judged now, after the revocation")
	require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))

	got, _, err := e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, stamped)
	require.NoError(t, err, "stamped before the revocation")
	require.Equal(t, applications.Received, got.Status)
	var signedAt time.Time
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT signed_at FROM applications WHERE id = $1`, app.ID).Scan(&signedAt)
	}))
	require.Equal(t, stampedAt, signedAt.UTC(), "the stamped time is the signing time on record")
	source, response := e.evidence(t, app.ID, "application")
	require.Equal(t, "ocsp", source)
	answer, err := ocsp.ParseResponseForCert(response, cert, ca.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Revoked, answer.Status, "the CA's answer, kept: revoked, but after the stamp")
	require.True(t, answer.RevokedAt.After(stampedAt))
}

// officialSigner signs as the official with a certificate from ca, as
// their own qualified key would.
type officialSigner struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func (o officialSigner) Sign(_ context.Context, req signature.HashRequest) ([]byte, error) {
	return signature.SignDigest(req.Digest, o.cert, o.key, time.Now())
}

// TestRevocationOfOfficialsDecision: the official's certificate is asked
// of its CA when a decision is issued; revoked refuses the issue and
// changes nothing, good keeps the CA's answer with the application.
func TestRevocationOfOfficialsDecision(t *testing.T) {
	t.Parallel()
	e, ca := revocationEnv(t)
	e.svc.Revocation = nil // the resident signs with the development CA here
	app := e.decided(t, true)
	e.svc.Revocation = &revocation.Checker{}

	cert, key := ca.IssuePerson(rnokppO, nameO)
	e.svc.Signer = officialSigner{cert: cert, key: key}
	ca.Set(func(ca *revocationtest.CA) { ca.Revoked[cert.SerialNumber.String()] = time.Now().Add(-time.Hour) })
	err := e.svc.Issue(e.ctx, e.staff, app.ID, nil, nil, "")
	require.ErrorIs(t, err, revocation.ErrRevoked)
	require.Equal(t, nameO, apperr.As(err).Args["Certificate"])
	require.Zero(t, e.count(t, `SELECT count(*) FROM issued_documents WHERE application_id = $1`, app.ID))

	cert, key = ca.IssuePerson(rnokppO, nameO)
	e.svc.Signer = officialSigner{cert: cert, key: key}
	require.NoError(t, e.svc.Issue(e.ctx, e.staff, app.ID, nil, nil, ""))
	source, response := e.evidence(t, app.ID, "decision")
	require.Equal(t, "ocsp", source)
	answer, err := ocsp.ParseResponseForCert(response, cert, ca.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Good, answer.Status)
}
