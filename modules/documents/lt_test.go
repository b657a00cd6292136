package documents_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"hromada/modules/documents"
	"hromada/modules/documents/doctest"
	"hromada/modules/documents/hsm"
	"hromada/modules/documents/hsm/hsmtest"
	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
	"hromada/modules/signature/revocation/revocationtest"
)

// ltSeal is a provider's seal whose key is in SoftHSM2 and whose
// certificate comes from a CA that serves its own OCSP responder and CRL,
// and a TSA: everything PAdES-B-LT asks of the outside world.
type ltSeal struct {
	ca    *revocationtest.CA
	key   crypto.Signer
	cert  *x509.Certificate
	opts  documents.SealOptions
	tsaCA *signature.DevCA
}

func newLTSeal(t *testing.T) ltSeal {
	t.Helper()
	h, err := hsm.Open(hsmtest.Token(t, "1234"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	key, _, err := h.NewKey("seal/lt", []byte{1})
	require.NoError(t, err)
	ca := revocationtest.New(t)
	// A short-lived certificate: the test then judges the result as a
	// verifier would after it expired.
	cert := ca.Sign(&x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Департамент соціальної політики", Organization: []string{"Департамент соціальної політики"}, Country: []string{"UA"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(2 * time.Hour),
		KeyUsage:   x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		OCSPServer: []string{ca.Srv.URL + "/ocsp"}, CRLDistributionPoints: []string{ca.Srv.URL + "/crl"},
	}, ca.Cert, key)
	tsaCA, err := signature.NewDevCA("Тестовий ЦСК TSA")
	require.NoError(t, err)
	srv, _ := tsa(t, tsaCA)
	opts := sealOpts()
	opts.TSA = documents.TSA{URL: srv.URL}
	opts.Revocation = &revocation.Checker{}
	return ltSeal{ca: ca, key: key, cert: cert, opts: opts, tsaCA: tsaCA}
}

func (s ltSeal) chain() []*x509.Certificate { return []*x509.Certificate{s.cert, s.ca.Cert} }

// dss reads the /DSS of the file's last revision with a PDF reader
// (digitorus/pdf, pdfsign's): every stream of /Certs, /OCSPs and /CRLs.
// That the reader finds it checks the update's cross-reference table and
// trailer too.
func dss(t *testing.T, doc []byte) (certs, ocsps, crls [][]byte) {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	require.NoError(t, err)
	d := r.Trailer().Key("Root").Key("DSS")
	require.Equal(t, "DSS", d.Key("Type").Name(), "the catalog names the DSS")
	read := func(name string) [][]byte {
		var out [][]byte
		a := d.Key(name)
		for i := range a.Len() {
			rc := a.Index(i).Reader()
			b, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			out = append(out, b)
		}
		return out
	}
	// The catalog still has what the signature covered: the pages and
	// the signature field.
	require.Equal(t, 1, r.NumPage())
	require.Equal(t, "Sig", r.Trailer().Key("Root").Key("AcroForm").Key("Fields").Index(0).Key("FT").Name())
	vri := d.Key("VRI").Keys()
	require.Len(t, vri, 1, "one /VRI entry: the seal's signature")
	require.Regexp(t, `^[0-9A-F]{40}$`, vri[0], "keyed by the signature's SHA-1")
	require.Equal(t, d.Key("OCSPs").Len(), d.Key("VRI").Key(vri[0]).Key("OCSP").Len())
	return read("Certs"), read("OCSPs"), read("CRLs")
}

func TestSealLongTerm(t *testing.T) {
	t.Parallel()
	s := newLTSeal(t)
	sealed, err := documents.Seal(rendered(t), s.key, s.chain(), s.opts)
	require.NoError(t, err)
	require.True(t, sealed.LT)
	require.NoError(t, sealed.LTMissing)

	// The outside tools: openssl on the .p7s and on the signature inside,
	// pdfsig on the file and on its signed revision.
	report := doctest.RequireSignedLT(t, sealed.PDF, sealed.CMS, s.ca.Cert)
	require.Contains(t, report, "Signer full Distinguished Name: CN=Департамент соціальної політики")
	v, err := documents.Verify(sealed.PDF, sealed.CMS, poolOf(s.ca.Cert))
	require.NoError(t, err)
	requirePAdES(t, sealed.PDF, s.cert)

	certs, ocsps, crls := dss(t, sealed.PDF)
	require.Empty(t, crls, "OCSP answered: no CRL")
	require.Len(t, ocsps, 1, "the seal's certificate's; the CA and the TSA name no responder")
	var dssCerts []*x509.Certificate
	for _, der := range certs {
		c, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		dssCerts = append(dssCerts, c)
	}
	require.Len(t, dssCerts, 3, "the seal, its CA, the TSA")
	require.True(t, dssCerts[0].Equal(s.cert))
	require.True(t, dssCerts[1].Equal(s.ca.Cert))
	require.Contains(t, dssCerts[2].ExtKeyUsage, x509.ExtKeyUsageTimeStamping)
	require.NoError(t, dssCerts[2].CheckSignatureFrom(s.tsaCA.Certificate), "the TSA's certificate, issued by its CA")

	// The OCSP response is the CA's, for the seal's certificate, good.
	resp, err := ocsp.ParseResponseForCert(ocsps[0], s.cert, s.ca.Cert)
	require.NoError(t, err, "signed by the CA, for this certificate")
	require.Equal(t, ocsp.Good, resp.Status)
	require.Zero(t, resp.SerialNumber.Cmp(s.cert.SerialNumber))

	// After the certificate expired, a verifier has what it needs in the
	// file: the chain verifies at the timestamp's time from the DSS's
	// certificates alone (not now), and the OCSP answer was produced while
	// the certificate was valid and speaks of the signing time (issued at
	// or after the timestamp, within its accuracy).
	afterExpiry := s.cert.NotAfter.Add(24 * time.Hour)
	ts := v.Timestamp
	require.False(t, ts.IsZero())
	inter := x509.NewCertPool()
	for _, c := range dssCerts[1:] {
		inter.AddCert(c)
	}
	verifyAt := func(at time.Time) error {
		_, err := dssCerts[0].Verify(x509.VerifyOptions{Roots: poolOf(s.ca.Cert), Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		return err
	}
	require.Error(t, verifyAt(afterExpiry), "the certificate alone no longer verifies")
	require.NoError(t, verifyAt(ts), "at the timestamp's time it does")
	require.True(t, resp.ProducedAt.After(s.cert.NotBefore) && resp.ProducedAt.Before(s.cert.NotAfter), "produced within the certificate's validity")
	// x/crypto/ocsp writes producedAt truncated to the minute; thisUpdate
	// is the responder's clock to the second (the timestamp's accuracy).
	require.False(t, resp.ThisUpdate.Before(ts.Add(-time.Second)), "the status is asserted at or after the signature's timestamp")
	require.False(t, resp.ProducedAt.Before(ts.Truncate(time.Minute)))
	require.True(t, resp.ProducedAt.Before(afterExpiry))

	t.Run("CRLWhenOCSPIsDown", func(t *testing.T) {
		s.ca.Set(func(ca *revocationtest.CA) { ca.OCSPDown = true })
		t.Cleanup(func() { s.ca.Set(func(ca *revocationtest.CA) { ca.OCSPDown = false }) })
		sealed, err := documents.Seal(rendered(t), s.key, s.chain(), s.opts)
		require.NoError(t, err)
		require.True(t, sealed.LT)
		doctest.RequireSignedLT(t, sealed.PDF, sealed.CMS, s.ca.Cert)
		_, ocsps, crls := dss(t, sealed.PDF)
		require.Empty(t, ocsps)
		require.Len(t, crls, 1)
		crl, err := x509.ParseRevocationList(crls[0])
		require.NoError(t, err)
		require.NoError(t, crl.CheckSignatureFrom(s.ca.Cert))
		require.Empty(t, crl.RevokedCertificateEntries)
	})
}

// A responder down at sealing time does not hold the result back: it is
// issued PAdES-B-T (signed and timestamped, no DSS), whole-file signed as
// before, and Sealed.LTMissing says why.
func TestSealLongTermResponderDown(t *testing.T) {
	t.Parallel()
	s := newLTSeal(t)
	s.ca.Set(func(ca *revocationtest.CA) { ca.OCSPDown, ca.CRLDown = true, true })
	sealed, err := documents.Seal(rendered(t), s.key, s.chain(), s.opts)
	require.NoError(t, err, "issued without the LT data")
	require.False(t, sealed.LT)
	require.ErrorIs(t, sealed.LTMissing, revocation.ErrUnavailable)
	require.NotContains(t, string(sealed.PDF), "/DSS")
	doctest.RequireSigned(t, sealed.PDF, sealed.CMS, s.ca.Cert)
	v, err := documents.Verify(sealed.PDF, sealed.CMS, poolOf(s.ca.Cert))
	require.NoError(t, err)
	require.False(t, v.Timestamp.IsZero(), "still B-T")
}

// A seal whose certificate its CA revoked issues nothing.
func TestSealLongTermRevoked(t *testing.T) {
	t.Parallel()
	s := newLTSeal(t)
	s.ca.Set(func(ca *revocationtest.CA) { ca.Revoked[s.cert.SerialNumber.String()] = time.Now().Add(-time.Minute) })
	_, err := documents.Seal(rendered(t), s.key, s.chain(), s.opts)
	require.ErrorIs(t, err, documents.ErrSealRevoked)
	require.ErrorIs(t, err, revocation.ErrRevoked)
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// The production path: a seal key made in SoftHSM2 by `seal request`, its
// certificate issued by a CA with an OCSP responder and installed, and a
// result sealed by documents.Service with the TSA and the revocation
// checker — the stored PDF is PAdES-B-LT and the outside tools accept it.
func TestServiceSealsLongTermInHSM(t *testing.T) {
	t.Parallel()
	b := setupSeals(t)
	h, err := hsm.Open(hsmtest.Token(t, "1234"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	t.Cleanup(documents.UseKeyStore(h))

	ca := revocationtest.New(t)
	r := b.request(t, h)
	require.NoError(t, r.CSR.CheckSignature())
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: r.CSR.Subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: hsmtest.SealUsage,
		OCSPServer: []string{ca.Srv.URL + "/ocsp"}, CRLDistributionPoints: []string{ca.Srv.URL + "/crl"},
	}, ca.Cert, r.CSR.PublicKey, ca.Key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	require.NoError(t, b.db.App.Tx(b.ctxA, func(ctx context.Context, tx pgx.Tx) error {
		_, err := documents.InstallSeal(ctx, tx, b.sealer, b.provA, []*x509.Certificate{cert}, poolOf(ca.Cert), time.Now())
		return err
	}))

	tsaCA, err := signature.NewDevCA("Тестовий ЦСК TSA")
	require.NoError(t, err)
	srv, _ := tsa(t, tsaCA)
	svc := &documents.Service{DB: b.db.App, Sealer: b.sealer, TSA: documents.TSA{URL: srv.URL}, Revocation: &revocation.Checker{}}
	stored, p7s, holder, err := svc.Seal(b.ctxA, b.provA, rendered(t))
	require.NoError(t, err)
	require.Equal(t, "Департамент соціальної політики", holder)
	doctest.RequireSignedLT(t, stored, p7s, ca.Cert)
	_, ocsps, _ := dss(t, stored)
	require.Len(t, ocsps, 1)
	resp, err := ocsp.ParseResponseForCert(ocsps[0], cert, ca.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Good, resp.Status)

	// The responder down: the result is still issued, B-T.
	ca.Set(func(ca *revocationtest.CA) { ca.OCSPDown, ca.CRLDown = true, true })
	stored, p7s, _, err = svc.Seal(b.ctxA, b.provA, rendered(t))
	require.NoError(t, err)
	require.NotContains(t, string(stored), "/DSS")
	doctest.RequireSigned(t, stored, p7s, ca.Cert)
}

// A TSA of the seal's own CA (a КНЕДП usually runs both), whose
// certificate names the CA's responder: its OCSP answer is embedded too;
// a TSA certificate revoked before the seal fails it.
func TestSealLongTermTSAOfTheCA(t *testing.T) {
	t.Parallel()
	s := newLTSeal(t)
	tsaKey := revocationtest.NewKey(t)
	tsaCert := s.ca.Sign(&x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano() + 1), Subject: pkix.Name{CommonName: "Тестовий TSA КНЕДП"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		OCSPServer: []string{s.ca.Srv.URL + "/ocsp"},
	}, s.ca.Cert, tsaKey)
	srv, _ := tsaWith(t, tsaCert, tsaKey)
	s.opts.TSA = documents.TSA{URL: srv.URL}
	sealed, err := documents.Seal(rendered(t), s.key, s.chain(), s.opts)
	require.NoError(t, err)
	require.True(t, sealed.LT)
	doctest.RequireSignedLT(t, sealed.PDF, sealed.CMS, s.ca.Cert)
	_, ocsps, _ := dss(t, sealed.PDF)
	require.Len(t, ocsps, 2, "the seal's and the TSA's")
	for i, cert := range []*x509.Certificate{s.cert, tsaCert} {
		resp, err := ocsp.ParseResponseForCert(ocsps[i], cert, s.ca.Cert)
		require.NoError(t, err)
		require.Equal(t, ocsp.Good, resp.Status)
	}

	s.ca.Set(func(ca *revocationtest.CA) { ca.Revoked[tsaCert.SerialNumber.String()] = time.Now().Add(-time.Minute) })
	_, err = documents.Seal(rendered(t), s.key, s.chain(), s.opts)
	require.ErrorIs(t, err, documents.ErrTSA)
	require.ErrorIs(t, err, revocation.ErrRevoked)
}
