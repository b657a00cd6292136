package hsmtest

import (
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/signature"
)

// SealUsage is the key usage of a seal certificate: digitalSignature and
// nonRepudiation.
const SealUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment

// Issue is what the qualified trust service provider does with a seal
// request: it checks the request's signature and issues ca's certificate
// for its key and subject, valid a day, with usage.
func Issue(t testing.TB, ca *signature.DevCA, csr *x509.CertificateRequest, usage x509.KeyUsage) *x509.Certificate {
	t.Helper()
	require.NoError(t, csr.CheckSignature(), "the request is signed by its key")
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	require.NoError(t, err)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: serial, Subject: csr.Subject, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: usage, BasicConstraintsValid: true,
	}, ca.Certificate, csr.PublicKey, ca.Key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert
}
