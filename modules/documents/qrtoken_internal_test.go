package documents

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sealKeyFor is a published key of a fresh P-256 seal, and its key.
func sealKeyFor(t *testing.T) (*ecdsa.PrivateKey, SealKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Печатка"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	x, y, err := jwkCoords(&key.PublicKey)
	require.NoError(t, err)
	return key, SealKey{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: sealKid(cert), Use: "sig", Alg: "ES256",
		X5C: []string{base64.StdEncoding.EncodeToString(der)}, Provider: "ЦНАП", Status: "active"}
}

// A QR code's claims verify with the published key alone; a changed
// claim, another key, an address that is not the signed one, or a key
// whose JWK is not its certificate's, do not.
func TestQRTokenVerifiesOffline(t *testing.T) {
	key, pub := sealKeyFor(t)
	const addr = "https://kyiv.hromada.example/verify/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
	c := QRClaims{Document: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", SHA256: strings.Repeat("A", 43), Number: "2026-000123", Issued: "2026-03-05", URL: addr}
	jws, err := signJWS(key, pub.Kid, c)
	require.NoError(t, err)
	text := addr + "#" + jws
	keys := SealKeys{Keys: []SealKey{pub}}

	got, by, err := VerifyQR(text, keys)
	require.NoError(t, err)
	require.Equal(t, c, *got)
	require.Equal(t, "ЦНАП", by.Provider)
	_, _, err = VerifyQR(jws, keys)
	require.NoError(t, err, "the JWS alone")

	// The code stays small enough to scan: a version the canonical mask
	// still handles is not needed, but it must fit M's version 20.
	bits, err := qrMatrix(text)
	require.NoError(t, err)
	require.LessOrEqual(t, len(bits), 17+4*20, "%d bytes", len(text))

	parts := strings.Split(jws, ".")
	forged := strings.Replace(c.Number, "123", "124", 1)
	c2 := c
	c2.Number = forged
	_, _, err = VerifyQR(addr+"#"+parts[0]+"."+mustB64JSON(t, c2)+"."+parts[2], keys)
	require.ErrorIs(t, err, ErrQR, "a changed number")
	_, _, err = VerifyQR("https://evil.example/verify/x#"+jws, keys)
	require.ErrorIs(t, err, ErrQR, "another address")
	_, other := sealKeyFor(t)
	other.Kid = pub.Kid
	_, _, err = VerifyQR(text, SealKeys{Keys: []SealKey{other}})
	require.ErrorIs(t, err, ErrQR, "another seal under the same name")
	mixed := pub
	mixed.X5C = other.X5C
	_, _, err = VerifyQR(text, SealKeys{Keys: []SealKey{mixed}})
	require.ErrorIs(t, err, ErrQR, "a JWK that is not its certificate's")
	_, _, err = VerifyQR(text, SealKeys{})
	require.ErrorIs(t, err, ErrQR, "no keys")
}

func mustB64JSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}
