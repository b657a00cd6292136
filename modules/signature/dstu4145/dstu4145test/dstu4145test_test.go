package dstu4145test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
	"time"

	"hromada/modules/signature/dstu4145"
	"hromada/modules/signature/gost34311"

	"github.com/stretchr/testify/require"
)

// The signer's signatures verify on every named curve, and only for
// their digest.
func TestSignVerify(t *testing.T) {
	t.Parallel()
	digest := gost34311.Sum([]byte("заява"))
	other := gost34311.Sum([]byte("заява."))
	for i := range 10 {
		key, err := GenerateKey(i)
		require.NoError(t, err)
		pub, err := dstu4145.ParsePublicKey(key.SPKI)
		require.NoError(t, err)
		require.Equal(t, gost34311.DefaultDKE[:], pub.DKE)
		sig, err := key.Sign(digest[:])
		require.NoError(t, err)
		require.True(t, dstu4145.Verify(pub, digest[:], sig), "curve %d", i)
		require.False(t, dstu4145.Verify(pub, other[:], sig), "curve %d, another digest", i)
	}
}

// A certificate the CA issues is signed as Ukrainian ones are: the
// to-be-signed part's ГОСТ 34.311 hash, verified with the CA's key.
func TestIssue(t *testing.T) {
	t.Parallel()
	ca, err := NewCA("Тестовий ЦСК")
	require.NoError(t, err)
	key, err := GenerateKey(6)
	require.NoError(t, err)
	cert, err := ca.Issue(Template{
		Subject:   pkix.Name{CommonName: "Шевченко Тарас", SerialNumber: "TINUA-1759013776"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
	}, key)
	require.NoError(t, err)
	require.Equal(t, ca.Certificate.RawSubject, cert.RawIssuer)
	require.Equal(t, ca.Certificate.SubjectKeyId, cert.AuthorityKeyId)
	require.True(t, ca.Certificate.IsCA)
	require.False(t, cert.IsCA)

	require.True(t, signedBy(t, ca.Certificate, ca.Certificate), "the root, self-signed")
	require.True(t, signedBy(t, cert, ca.Certificate), "the certificate, by the root")
	other, err := NewCA("Інший ЦСК")
	require.NoError(t, err)
	require.False(t, signedBy(t, cert, other.Certificate), "not by another CA")
}

func signedBy(t *testing.T, cert, issuer *x509.Certificate) bool {
	t.Helper()
	pub, err := dstu4145.ParsePublicKey(issuer.RawSubjectPublicKeyInfo)
	require.NoError(t, err)
	h := gost34311.Sum(cert.RawTBSCertificate)
	var rs []byte
	_, err = asn1.Unmarshal(cert.Signature, &rs)
	require.NoError(t, err)
	return dstu4145.Verify(pub, h[:], rs)
}
