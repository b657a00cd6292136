package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type testSigner struct {
	ca   *DevCA
	cert *x509.Certificate
	key  crypto.Signer
}

// digestSigners are one ECDSA and one RSA signer, each with its CA.
func digestSigners(t *testing.T) map[string]testSigner {
	t.Helper()
	ec := devCA(t)
	ecCert, ecKey, err := ec.Issue(rnokppA, "Шевченко Тарас Григорович")
	require.NoError(t, err)

	rc := rsaCA(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsaCert, err := rc.issue(rsaKey.Public(), pkix.Name{CommonName: "Леся Українка", SerialNumber: "TINUA-" + rnokppB},
		time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	require.NoError(t, err)

	return map[string]testSigner{
		"ecdsa": {ec, ecCert, ecKey},
		"rsa":   {rc, rsaCert, rsaKey},
	}
}

func TestSignDigest(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256(testData)
	// Not UTC and not whole seconds, to see both normalised.
	at := time.Now().Add(-time.Minute).In(time.FixedZone("EET", 2*3600))
	for name, s := range digestSigners(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cms, err := SignDigest(digest[:], s.cert, s.key, at)
			require.NoError(t, err)

			want, err := RNOKPP(s.cert)
			require.NoError(t, err)
			got, err := VerifyDetached(testData, cms, VerifyOptions{Roots: s.ca.Pool(), WantRNOKPP: want})
			require.NoError(t, err)
			require.Equal(t, s.cert.Raw, got.Certificate.Raw)
			// Whole seconds, in UTC: what the signingTime attribute holds.
			require.True(t, at.Truncate(time.Second).Equal(got.SigningTime), got.SigningTime)

			tampered := bytes.Replace(testData, []byte("Київ"), []byte("Львів"), 1)
			_, err = VerifyDetached(tampered, cms, VerifyOptions{Roots: s.ca.Pool()})
			require.ErrorIs(t, err, ErrBadSignature)
		})
	}
}

func TestSignDigestRefuses(t *testing.T) {
	t.Parallel()
	ca := devCA(t)
	cert, key, err := ca.Issue(rnokppA, "Т")
	require.NoError(t, err)
	digest := sha256.Sum256(testData)

	for _, d := range [][]byte{nil, digest[:20], digest[:31], append(digest[:], 0)} {
		_, err := SignDigest(d, cert, key, time.Now())
		require.ErrorContains(t, err, "SHA-256", len(d))
	}

	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, err = SignDigest(digest[:], cert, other, time.Now())
	require.ErrorContains(t, err, "does not match")

	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, err = SignDigest(digest[:], cert, edKey, time.Now())
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)

	_, err = SignDigest(digest[:], nil, key, time.Now())
	require.Error(t, err)
}

// TestSignDigestOpenSSL checks SignDigest's hand-built ASN.1 against an
// independent CMS implementation.
func TestSignDigestOpenSSL(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is not installed: run .ci/deps.sh (apt-get install openssl)")
	}
	digest := sha256.Sum256(testData)
	for name, s := range digestSigners(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cms, err := SignDigest(digest[:], s.cert, s.key, time.Now())
			require.NoError(t, err)

			dir := t.TempDir()
			write := func(name string, b []byte) string {
				p := filepath.Join(dir, name)
				require.NoError(t, os.WriteFile(p, b, 0o600))
				return p
			}
			caPEM := write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ca.Certificate.Raw}))
			sig := write("sig.der", cms)
			verify := func(data []byte) ([]byte, error) {
				return exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
					"-content", write("data.bin", data), "-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
			}
			out, err := verify(testData)
			require.NoError(t, err, string(out))
			out, err = verify(bytes.Replace(testData, []byte("dovidka"), []byte("dovidkA"), 1))
			require.Error(t, err, string(out))
		})
	}
}
