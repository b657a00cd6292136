package applications_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/signature"
)

// TestApplicantIsTheSigner: the identity fields are the signed-in
// person's; another person's РНОКПП or name is refused on its step, naming
// the field (what was typed is kept), and again when signing, online or
// with an uploaded signature of the resident's own key.
func TestApplicantIsTheSigner(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.draft(t, e.o1, e.r1, "T-1")

	for field, value := range map[string]string{"rnokpp": rnokpp2, "full_name": name2} {
		t.Run(field, func(t *testing.T) {
			bad := step0(e.r1)
			bad[field] = []string{value}
			got, errs, err := e.svc.SaveStep(e.ctx, e.o1, app.ID, 0, bad, true)
			require.NoError(t, err)
			require.Len(t, errs, 1)
			require.ErrorIs(t, errs[field], applications.ErrApplicantMismatch)
			want := map[string]string{"rnokpp": rnokpp1, "full_name": name1}[field]
			require.Equal(t, map[string]any{"Field": map[string]string{"rnokpp": "РНОКПП", "full_name": "ПІБ"}[field], "Want": want}, errs[field].Args)
			require.Equal(t, value, got.Data[field], "what was typed is kept, with its error")

			_, _, err = e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, uuid.NewString())
			require.ErrorIs(t, err, applications.ErrApplicantMismatch)
			data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
			require.NoError(t, err)
			require.Contains(t, string(data), value, "the bytes signed would name the other person")
			_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, e.sign(t, e.r1, data))
			require.ErrorIs(t, err, applications.ErrApplicantMismatch, "the resident's own signature does not make it theirs")
			require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))
		})
	}

	_, errs, err := e.svc.SaveStep(e.ctx, e.o1, app.ID, 0, step0(e.r1), true)
	require.NoError(t, err)
	require.Empty(t, errs)
	got, _, err := e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, uuid.NewString())
	require.NoError(t, err)
	require.Equal(t, applications.Received, got.Status)
}

// TestSignerNamesTheApplicant: the signing certificate's name must be the
// applicant's too, not only its РНОКПП — a certificate with the resident's
// РНОКПП and another person's name is refused as another person's; the
// surname and given names of a qualified certificate (surname first, any
// case, another apostrophe) are the same person.
func TestSignerNamesTheApplicant(t *testing.T) {
	t.Parallel()
	e := setup(t)
	issue := func(subject pkix.Name) (*x509.Certificate, crypto.Signer) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		subject.SerialNumber, subject.Country = "TINUA-"+e.r1.RNOKPP, []string{"UA"}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: subject,
			NotBefore: now.Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), // valid at the service's clock
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, BasicConstraintsValid: true}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, e.ca.Certificate, key.Public(), e.ca.Key)
		require.NoError(t, err)
		cert, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return cert, key
	}
	submit := func(cert *x509.Certificate, key crypto.Signer) (uuid.UUID, error) {
		app := e.draft(t, e.o1, e.r1, "T-1")
		_, errs, err := e.svc.SaveStep(e.ctx, e.o1, app.ID, 0, step0(e.r1), true)
		require.NoError(t, err)
		require.Empty(t, errs)
		data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
		require.NoError(t, err)
		cms, err := signature.SignDetached(data, cert, key)
		require.NoError(t, err)
		_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, cms)
		return app.ID, err
	}

	id, err := submit(issue(pkix.Name{CommonName: name2}))
	require.ErrorIs(t, err, applications.ErrSignatureOther, "the resident's РНОКПП under another person's name")
	require.Equal(t, applications.Draft, e.status(t, e.o1, id))
	id, err = submit(issue(pkix.Name{CommonName: "Шевченко Олена Петрівна", ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 4}, Value: "Коваленко"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 42}, Value: "Андрій Іванович"}}}))
	require.ErrorIs(t, err, applications.ErrSignatureOther, "the surname and given names decide over the common name")
	require.Equal(t, applications.Draft, e.status(t, e.o1, id))

	_, err = submit(issue(pkix.Name{CommonName: "ШЕВЧЕНКО ОЛЕНА ПЕТРІВНА", ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 4}, Value: "ШЕВЧЕНКО"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 42}, Value: "Олена ПЕТРІВНА"}}}))
	require.NoError(t, err, "surname first, capitals: the same person")
	_, err = submit(issue(pkix.Name{CommonName: "Олена Петрівна Шевченко"}))
	require.NoError(t, err, "given names first: the same person")
}
