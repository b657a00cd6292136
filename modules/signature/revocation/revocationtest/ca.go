// Package revocationtest is a certification authority for tests that
// serves its own OCSP responder (/ocsp) and CRL (/crl) over HTTP, with
// switches to revoke a certificate or break either source. Test-only.
package revocationtest

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
)

// CA is a CA that serves its own OCSP responder (/ocsp) and CRL (/crl)
// over HTTP, with switches to break either.
type CA struct {
	t testing.TB
	// Cert and Key are the CA's; Srv serves /ocsp and /crl.
	Cert *x509.Certificate
	Key  crypto.Signer
	Srv  *httptest.Server

	mu sync.Mutex
	// revoked: serial → revocation time; unknown: serials the responder
	// does not know.
	Revoked map[string]time.Time
	Unknown map[string]bool
	// ocspDown and crlDown answer 503; ocspSigner, when set, signs the
	// OCSP responses (a delegated responder, or a stranger's key).
	OCSPDown, CRLDown bool
	OCSPSigner        *x509.Certificate
	OCSPKey           crypto.Signer
	// crlThis/crlNext override the CRL's validity (zero: now−1h, now+1h).
	CRLThis, CRLNext time.Time
}

// NewKey is a fresh P-256 key.
func NewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

// New starts a CA with its responder and CRL, stopped when the test ends.
func New(t testing.TB) *CA {
	t.Helper()
	ca := &CA{t: t, Key: NewKey(t), Revoked: map[string]time.Time{}, Unknown: map[string]bool{}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Тестовий КНЕДП"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	ca.Cert = ca.Sign(tmpl, tmpl, ca.Key)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ocsp", ca.serveOCSP)
	mux.HandleFunc("GET /crl", ca.serveCRL)
	ca.Srv = httptest.NewServer(mux)
	t.Cleanup(ca.Srv.Close)
	return ca
}

// Sign issues tmpl (for key's public half) with parent's key.
func (ca *CA) Sign(tmpl, parent *x509.Certificate, pub crypto.Signer) *x509.Certificate {
	ca.t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub.Public(), ca.Key)
	require.NoError(ca.t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(ca.t, err)
	return c
}

var serials = struct {
	sync.Mutex
	n int64
}{n: 100}

// Issue makes a signer's certificate that names the CA's responder and CRL.
func (ca *CA) Issue(cn string) *x509.Certificate {
	ca.t.Helper()
	c, _ := ca.IssueFor(pkix.Name{CommonName: cn})
	return c
}

// IssuePerson is Issue for a natural person: serialNumber TINUA-<РНОКПП>,
// as Ukrainian qualified certificates name them; with its key.
func (ca *CA) IssuePerson(rnokpp, fullName string) (*x509.Certificate, crypto.Signer) {
	ca.t.Helper()
	return ca.IssueFor(pkix.Name{CommonName: fullName, SerialNumber: "TINUA-" + rnokpp, Country: []string{"UA"}})
}

// IssueFor issues a certificate for subject, naming the CA's responder
// and CRL, with its key.
func (ca *CA) IssueFor(subject pkix.Name) (*x509.Certificate, crypto.Signer) {
	ca.t.Helper()
	serials.Lock()
	serials.n++
	n := serials.n
	serials.Unlock()
	key := NewKey(ca.t)
	return ca.Sign(&x509.Certificate{
		SerialNumber: big.NewInt(n), Subject: subject,
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:   x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		OCSPServer: []string{ca.Srv.URL + "/ocsp"}, CRLDistributionPoints: []string{ca.Srv.URL + "/crl"},
	}, ca.Cert, key), key
}

func (ca *CA) serveOCSP(w http.ResponseWriter, r *http.Request) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.OCSPDown {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(r.Body)
	require.NoError(ca.t, err)
	req, err := ocsp.ParseRequest(body)
	require.NoError(ca.t, err)
	now := time.Now().Truncate(time.Second)
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
	if at, ok := ca.Revoked[req.SerialNumber.String()]; ok {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	if ca.Unknown[req.SerialNumber.String()] {
		tmpl.Status = ocsp.Unknown
	}
	signer, key := ca.Cert, ca.Key
	if ca.OCSPSigner != nil {
		signer, key = ca.OCSPSigner, ca.OCSPKey
		tmpl.Certificate = ca.OCSPSigner // a delegated responder sends its certificate
	}
	resp, err := ocsp.CreateResponse(ca.Cert, signer, tmpl, key)
	require.NoError(ca.t, err)
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(resp)
}

func (ca *CA) serveCRL(w http.ResponseWriter, _ *http.Request) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.CRLDown {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	this, next := ca.CRLThis, ca.CRLNext
	if this.IsZero() {
		this, next = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	}
	list := &x509.RevocationList{Number: big.NewInt(this.Unix()), ThisUpdate: this, NextUpdate: next}
	for serial, at := range ca.Revoked {
		n, _ := new(big.Int).SetString(serial, 10)
		list.RevokedCertificateEntries = append(list.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at})
	}
	der, err := x509.CreateRevocationList(rand.Reader, list, ca.Cert, ca.Key)
	require.NoError(ca.t, err)
	_, _ = w.Write(der)
}

// Set changes the CA's switches under its lock.
func (ca *CA) Set(f func(ca *CA)) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	f(ca)
}
