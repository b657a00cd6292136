package signature

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/signature/dstu4145/dstu4145test"
	"hromada/modules/signature/gost34311"
	"hromada/modules/signature/kupyna"
)

// DSTUKey, as a Trusted List's ДСТУ seal uses it: the key's hashes are
// ГОСТ 34.311 with its ДКЕ (here №1) and Купина-256; r‖s verifies bare or
// in an OCTET STRING, and not over another digest; a key that is not ДСТУ
// is ErrUnsupportedAlgorithm.
func TestDSTUKey(t *testing.T) {
	t.Parallel()
	ca, err := dstu4145test.NewCA("ЦЗО (ДСТУ)")
	require.NoError(t, err)
	k, err := NewDSTUKey(ca.Certificate)
	require.NoError(t, err)
	data := []byte("<SignedInfo/>")
	g := gost34311.Sum(data)
	require.Equal(t, g[:], k.Sum(GOST34311, data))
	kd := kupyna.Sum256(data)
	require.Equal(t, kd[:], k.Sum(Kupyna256, data))

	for _, h := range []DSTUHash{GOST34311, Kupyna256} {
		rs, err := ca.Key.Sign(k.Sum(h, data))
		require.NoError(t, err)
		wrapped, err := asn1.Marshal(rs)
		require.NoError(t, err)
		require.True(t, k.Verify(k.Sum(h, data), rs))
		require.True(t, k.Verify(k.Sum(h, data), wrapped))
		require.False(t, k.Verify(k.Sum(h, []byte("<SignedInfo />")), rs))
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ECDSA"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	_, err = NewDSTUKey(cert)
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)
}
