package signature_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/signature"
	"hromada/modules/signature/signtest"
)

// longLivedCA is a root valid for the last five years and five more:
// old enough for a timestamp a year and a half ago to chain.
func longLivedCA(t *testing.T, name string) *signature.DevCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().AddDate(-5, 0, 0), NotAfter: time.Now().AddDate(5, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &signature.DevCA{Certificate: cert, Key: key}
}

// A signature made a year and a half ago with a certificate that expired
// a year ago: its claimed signing time proves nothing when it is received
// now, but a trusted TSA's timestamp from when the certificate was valid
// does — the signature is judged at the stamped time. A timestamp that
// is for another signature, from an untrusted TSA or one that is not a
// TSA, or outside its TSA's validity is ignored, not trusted.
func TestSignatureTimestamp(t *testing.T) {
	t.Parallel()
	const rnokpp = "3184710691"
	data := []byte("заява, підписана давно")
	digest := sha256.Sum256(data)
	ca := longLivedCA(t, "Тестовий КНЕДП")
	then := time.Now().AddDate(0, -18, 0).UTC().Truncate(time.Second)
	cert, key, err := ca.IssueValid(rnokpp, "Шевченко Тарас Григорович", then.AddDate(0, -6, 0), then.AddDate(0, 6, 0))
	require.NoError(t, err)
	cms, err := signature.SignDigest(digest[:], cert, key, then)
	require.NoError(t, err)
	tsa, err := signtest.NewTSA(ca, then.AddDate(0, -1, 0), 5*365*24*time.Hour)
	require.NoError(t, err)
	stamped, err := tsa.Stamp(cms, then)
	require.NoError(t, err)
	received := signature.VerifyOptions{Roots: ca.Pool(), TSAs: ca.Pool(), Received: time.Now(), WantRNOKPP: rnokpp}

	_, err = signature.VerifyDetached(data, cms, received)
	require.ErrorIs(t, err, signature.ErrExpired, "no timestamp: judged when received, not at the claimed time")
	kept := received
	kept.Received = time.Time{}
	s, err := signature.VerifyDetached(data, cms, kept)
	require.NoError(t, err, "a kept signature verified again is judged at its signing time")
	require.True(t, s.Timestamp.IsZero())
	require.Equal(t, then, s.SigningTime.UTC())

	s, err = signature.VerifyDetached(data, stamped, received)
	require.NoError(t, err, "stamped while the certificate was valid")
	require.Equal(t, then, s.Timestamp.UTC())
	require.Equal(t, then, s.SigningTime.UTC())
	require.Equal(t, tsa.Cert.Raw, s.TSA.Raw)
	at, ok := signature.StampedAt(stamped, ca.Pool())
	require.True(t, ok)
	require.Equal(t, then, at.UTC())
	_, ok = signature.StampedAt(cms, ca.Pool())
	require.False(t, ok, "no stamp")
	_, ok = signature.StampedAt(stamped, longLivedCA(t, "Інший").Pool())
	require.False(t, ok, "a stamp by a TSA not trusted")
	_, err = signature.VerifyDetached([]byte("інша заява"), stamped, received)
	require.ErrorIs(t, err, signature.ErrBadSignature, "the timestamp does not make other data signed")

	other := received
	other.TSAs = longLivedCA(t, "Чужий КНЕДП").Pool()
	_, err = signature.VerifyDetached(data, stamped, other)
	require.ErrorIs(t, err, signature.ErrExpired, "a TSA nobody trusts")
	other.TSAs = nil
	_, err = signature.VerifyDetached(data, stamped, other)
	require.ErrorIs(t, err, signature.ErrExpired, "no TSA trusted at all")

	// A token over another signature value, carried by this signature.
	cms2, err := signature.SignDigest(digest[:], cert, key, then)
	require.NoError(t, err)
	token, err := tsa.Token([]byte("another signature value"), then)
	require.NoError(t, err)
	wrong, err := signtest.WithUnsignedAttr(cms2, signtest.OIDSignatureTimeStampToken, token)
	require.NoError(t, err)
	_, err = signature.VerifyDetached(data, wrong, received)
	require.ErrorIs(t, err, signature.ErrExpired, "a timestamp for another signature")

	// A "timestamp" signed by a person's certificate: not a TSA.
	person, personKey, err := ca.IssueValid("2530414071", "Не служба часу", then.AddDate(0, -1, 0), then.AddDate(3, 0, 0))
	require.NoError(t, err)
	notTSA := &signtest.TSA{Cert: person, Key: personKey}
	byPerson, err := notTSA.Stamp(cms, then)
	require.NoError(t, err)
	_, err = signature.VerifyDetached(data, byPerson, received)
	require.ErrorIs(t, err, signature.ErrExpired, "a certificate without the timeStamping usage")

	// Stamped before the TSA's certificate was valid.
	late, err := signtest.NewTSA(ca, then.AddDate(0, 2, 0), 5*365*24*time.Hour)
	require.NoError(t, err)
	early, err := late.Stamp(cms, then)
	require.NoError(t, err)
	_, err = signature.VerifyDetached(data, early, received)
	require.ErrorIs(t, err, signature.ErrExpired, "a time its TSA could not vouch for")

	// A certificate still valid: the timestamp is recorded, and a fresh
	// signature without one is judged at its receipt.
	fresh, freshKey, err := ca.Issue(rnokpp, "Шевченко Тарас Григорович")
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	cms3, err := signature.SignDigest(digest[:], fresh, freshKey, now)
	require.NoError(t, err)
	s, err = signature.VerifyDetached(data, cms3, received)
	require.NoError(t, err)
	require.True(t, s.Timestamp.IsZero())
	require.Nil(t, s.TSA)
	require.Equal(t, now, s.SigningTime.UTC(), "the claimed time is kept for the record")
}
