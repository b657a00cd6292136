package revocation_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"hromada/modules/signature/revocation"
)

// testCA is a CA that serves its own OCSP responder (/ocsp) and CRL (/crl)
// over HTTP, with switches to break either.
type testCA struct {
	t    *testing.T
	cert *x509.Certificate
	key  crypto.Signer
	srv  *httptest.Server

	mu sync.Mutex
	// revoked: serial → revocation time; unknown: serials the responder
	// does not know.
	revoked map[string]time.Time
	unknown map[string]bool
	// ocspDown and crlDown answer 503; ocspSigner, when set, signs the
	// OCSP responses (a delegated responder, or a stranger's key).
	ocspDown, crlDown bool
	ocspSigner        *x509.Certificate
	ocspKey           crypto.Signer
	// crlThis/crlNext override the CRL's validity (zero: now−1h, now+1h).
	crlThis, crlNext time.Time
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	ca := &testCA{t: t, key: newKey(t), revoked: map[string]time.Time{}, unknown: map[string]bool{}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Тестовий КНЕДП"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	ca.cert = ca.sign(tmpl, tmpl, ca.key)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ocsp", ca.serveOCSP)
	mux.HandleFunc("GET /crl", ca.serveCRL)
	ca.srv = httptest.NewServer(mux)
	t.Cleanup(ca.srv.Close)
	return ca
}

// sign issues tmpl (for key's public half) with parent's key.
func (ca *testCA) sign(tmpl, parent *x509.Certificate, pub crypto.Signer) *x509.Certificate {
	ca.t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub.Public(), ca.key)
	require.NoError(ca.t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(ca.t, err)
	return c
}

var serials = struct {
	sync.Mutex
	n int64
}{n: 100}

// issue makes a signer's certificate that names the CA's responder and CRL.
func (ca *testCA) issue(cn string) *x509.Certificate {
	ca.t.Helper()
	serials.Lock()
	serials.n++
	n := serials.n
	serials.Unlock()
	return ca.sign(&x509.Certificate{
		SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:   x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		OCSPServer: []string{ca.srv.URL + "/ocsp"}, CRLDistributionPoints: []string{ca.srv.URL + "/crl"},
	}, ca.cert, newKey(ca.t))
}

func (ca *testCA) serveOCSP(w http.ResponseWriter, r *http.Request) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.ocspDown {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(r.Body)
	require.NoError(ca.t, err)
	req, err := ocsp.ParseRequest(body)
	require.NoError(ca.t, err)
	now := time.Now().Truncate(time.Second)
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
	if at, ok := ca.revoked[req.SerialNumber.String()]; ok {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	if ca.unknown[req.SerialNumber.String()] {
		tmpl.Status = ocsp.Unknown
	}
	signer, key := ca.cert, ca.key
	if ca.ocspSigner != nil {
		signer, key = ca.ocspSigner, ca.ocspKey
		tmpl.Certificate = ca.ocspSigner // a delegated responder sends its certificate
	}
	resp, err := ocsp.CreateResponse(ca.cert, signer, tmpl, key)
	require.NoError(ca.t, err)
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(resp)
}

func (ca *testCA) serveCRL(w http.ResponseWriter, _ *http.Request) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.crlDown {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	this, next := ca.crlThis, ca.crlNext
	if this.IsZero() {
		this, next = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	}
	list := &x509.RevocationList{Number: big.NewInt(this.Unix()), ThisUpdate: this, NextUpdate: next}
	for serial, at := range ca.revoked {
		n, _ := new(big.Int).SetString(serial, 10)
		list.RevokedCertificateEntries = append(list.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at})
	}
	der, err := x509.CreateRevocationList(rand.Reader, list, ca.cert, ca.key)
	require.NoError(ca.t, err)
	_, _ = w.Write(der)
}

func (ca *testCA) set(f func(ca *testCA)) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	f(ca)
}

func TestOCSPFirst(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	c := &revocation.Checker{}
	signedAt := time.Now().Add(-10 * time.Minute)

	t.Run("Good", func(t *testing.T) {
		t.Parallel()
		cert := ca.issue("Добрий")
		res, err := c.Check(t.Context(), cert, ca.cert, signedAt)
		require.NoError(t, err)
		require.Equal(t, revocation.OCSP, res.Evidence.Source)
		require.Equal(t, ca.srv.URL+"/ocsp", res.Evidence.URL)
		require.True(t, res.RevokedAt.IsZero())
		// The evidence is the responder's signed answer, verifiable later.
		again, err := ocsp.ParseResponseForCert(res.Evidence.Response, cert, ca.cert)
		require.NoError(t, err)
		require.Equal(t, ocsp.Good, again.Status)
	})
	t.Run("RevokedBeforeSigning", func(t *testing.T) {
		t.Parallel()
		cert := ca.issue("Скасований")
		ca.set(func(ca *testCA) {
			ca.revoked[cert.SerialNumber.String()] = signedAt.Add(-time.Minute).Truncate(time.Second)
		})
		res, err := c.Check(t.Context(), cert, ca.cert, signedAt)
		require.ErrorIs(t, err, revocation.ErrRevoked)
		require.Equal(t, revocation.OCSP, res.Evidence.Source, "the refusal keeps its evidence")
		require.NotEmpty(t, res.Evidence.Response)
	})
	t.Run("RevokedAfterSigning", func(t *testing.T) {
		t.Parallel()
		cert := ca.issue("Скасований згодом")
		revokedAt := signedAt.Add(time.Minute).Truncate(time.Second)
		ca.set(func(ca *testCA) { ca.revoked[cert.SerialNumber.String()] = revokedAt })
		res, err := c.Check(t.Context(), cert, ca.cert, signedAt)
		require.NoError(t, err, "a key revoked after it signed does not undo the signature")
		require.True(t, res.RevokedAt.Equal(revokedAt))
	})
	t.Run("Unknown", func(t *testing.T) {
		t.Parallel()
		cert := ca.issue("Невідомий")
		ca.set(func(ca *testCA) { ca.unknown[cert.SerialNumber.String()] = true })
		_, err := c.Check(t.Context(), cert, ca.cert, signedAt)
		require.ErrorIs(t, err, revocation.ErrUnknown)
	})
}

func TestCRLWhenOCSPFails(t *testing.T) {
	t.Parallel()
	signedAt := time.Now().Add(-10 * time.Minute)
	c := &revocation.Checker{}
	for name, breakOCSP := range map[string]func(ca *testCA){
		"ResponderDown": func(ca *testCA) { ca.ocspDown = true },
		// Signed by a stranger's key: not the issuer's answer.
		"ForgedResponse": func(ca *testCA) {
			other := newTestCA(ca.t)
			ca.ocspSigner, ca.ocspKey = other.cert, other.key
		},
		// Certified by the issuer, but not for OCSP signing.
		"ResponderNotForOCSP": func(ca *testCA) {
			k := newKey(ca.t)
			ca.ocspSigner = ca.sign(&x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "не OCSP"},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, ca.cert, k)
			ca.ocspKey = k
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ca := newTestCA(t)
			ca.set(breakOCSP)
			good := ca.issue("Добрий")
			res, err := c.Check(t.Context(), good, ca.cert, signedAt)
			require.NoError(t, err)
			require.Equal(t, revocation.CRL, res.Evidence.Source)
			crl, err := x509.ParseRevocationList(res.Evidence.Response)
			require.NoError(t, err)
			require.NoError(t, crl.CheckSignatureFrom(ca.cert))

			revoked := ca.issue("Скасований")
			ca.set(func(ca *testCA) { ca.revoked[revoked.SerialNumber.String()] = signedAt.Add(-time.Hour) })
			_, err = c.Check(t.Context(), revoked, ca.cert, signedAt)
			require.ErrorIs(t, err, revocation.ErrRevoked)
		})
	}
}

func TestDelegatedResponder(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	k := newKey(t)
	responder := ca.sign(&x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "OCSP-сервер"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, ca.cert, k)
	ca.set(func(ca *testCA) { ca.ocspSigner, ca.ocspKey, ca.crlDown = responder, k, true })
	res, err := (&revocation.Checker{}).Check(t.Context(), ca.issue("Добрий"), ca.cert, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	require.Equal(t, revocation.OCSP, res.Evidence.Source)
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	c := &revocation.Checker{}
	signedAt := time.Now().Add(-10 * time.Minute)

	ca.set(func(ca *testCA) { ca.ocspDown, ca.crlDown = true, true })
	_, err := c.Check(t.Context(), ca.issue("Добрий"), ca.cert, signedAt)
	require.ErrorIs(t, err, revocation.ErrUnavailable)

	// A CRL from before the signing time, already past its next update,
	// says nothing of the signing time.
	ca.set(func(ca *testCA) {
		ca.crlDown = false
		ca.crlThis, ca.crlNext = signedAt.Add(-3*time.Hour), signedAt.Add(-2*time.Hour)
	})
	_, err = c.Check(t.Context(), ca.issue("Добрий"), ca.cert, signedAt)
	require.ErrorIs(t, err, revocation.ErrUnavailable)

	// A CRL issued before the signing time and valid over it does.
	ca.set(func(ca *testCA) { ca.crlThis, ca.crlNext = signedAt.Add(-time.Hour), time.Now().Add(time.Hour) })
	res, err := c.Check(t.Context(), ca.issue("Добрий"), ca.cert, signedAt)
	require.NoError(t, err)
	require.Equal(t, revocation.CRL, res.Evidence.Source)

	noSources := ca.sign(&x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: "Без AIA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, ca.cert, newKey(t))
	_, err = c.Check(t.Context(), noSources, ca.cert, signedAt)
	require.ErrorIs(t, err, revocation.ErrUnavailable)
}

func TestSigningTime(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	received := ts.Add(time.Hour)
	require.Equal(t, ts, revocation.SigningTime(ts, received), "a trusted timestamp decides")
	require.Equal(t, received, revocation.SigningTime(time.Time{}, received), "without one, the receipt does")
}
