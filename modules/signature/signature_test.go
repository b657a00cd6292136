package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"
)

const (
	rnokppA = "1759013776"
	rnokppB = "2530414071"
)

var testData = []byte(`{"service":"dovidka","city":"Київ"}`)

func devCA(t *testing.T) *DevCA {
	t.Helper()
	ca, err := NewDevCA("Hromada Dev CA")
	require.NoError(t, err)
	return ca
}

// rsaCA makes a self-signed RSA root, reusing DevCA's issuing code.
func rsaCA(t *testing.T) *DevCA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          bigOne(),
		Subject:               pkix.Name{CommonName: "Test RSA CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &DevCA{Certificate: cert, Key: key}
}

func bigOne() *big.Int { return big.NewInt(1) }

func sign(t *testing.T, data []byte, cert *x509.Certificate, key crypto.Signer) []byte {
	t.Helper()
	cms, err := SignDetached(data, cert, key)
	require.NoError(t, err)
	return cms
}

func TestVerifyECDSA(t *testing.T) {
	t.Parallel()
	ca := devCA(t)
	cert, key, err := ca.Issue(rnokppA, "Шевченко Тарас Григорович")
	require.NoError(t, err)
	cms := sign(t, testData, cert, key)

	s, err := VerifyDetached(testData, cms, VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokppA})
	require.NoError(t, err)
	require.Equal(t, ca.Certificate.Raw, s.Issuer.Raw, "the issuer on the chain")
	require.Equal(t, rnokppA, s.RNOKPP)
	require.Equal(t, "Шевченко Тарас Григорович", s.CommonName)
	require.Equal(t, cert.Raw, s.Certificate.Raw)
	require.WithinDuration(t, time.Now(), s.SigningTime, time.Minute)

	// PEM armour, both labels.
	for _, label := range []string{"PKCS7", "CMS"} {
		armoured := pem.EncodeToMemory(&pem.Block{Type: label, Bytes: cms})
		s, err := VerifyDetached(testData, armoured, VerifyOptions{Roots: ca.Pool()})
		require.NoError(t, err, label)
		require.Equal(t, rnokppA, s.RNOKPP)
	}
	_, err = VerifyDetached(testData, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cms}), VerifyOptions{Roots: ca.Pool()})
	require.ErrorIs(t, err, ErrMalformed)
}

func TestVerifyRSA(t *testing.T) {
	t.Parallel()
	ca := rsaCA(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	cert, err := ca.issue(key.Public(), pkix.Name{CommonName: "Леся Українка", SerialNumber: rnokppB},
		time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	require.NoError(t, err)
	cms := sign(t, testData, cert, key)

	s, err := VerifyDetached(testData, cms, VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokppB})
	require.NoError(t, err)
	require.Equal(t, rnokppB, s.RNOKPP) // bare-digits serialNumber form
	require.Equal(t, "Леся Українка", s.CommonName)

	_, err = VerifyDetached(append([]byte{}, testData[1:]...), cms, VerifyOptions{Roots: ca.Pool()})
	require.ErrorIs(t, err, ErrBadSignature)
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	ca := devCA(t)
	cert, key, err := ca.Issue(rnokppA, "Іван Франко")
	require.NoError(t, err)
	cms := sign(t, testData, cert, key)
	opts := VerifyOptions{Roots: ca.Pool()}

	t.Run("tampered", func(t *testing.T) {
		t.Parallel()
		tampered := bytes.Replace(testData, []byte("dovidka"), []byte("dovidkA"), 1)
		_, err := VerifyDetached(tampered, cms, opts)
		require.ErrorIs(t, err, ErrBadSignature)
	})
	t.Run("another CA", func(t *testing.T) {
		t.Parallel()
		_, err := VerifyDetached(testData, cms, VerifyOptions{Roots: devCA(t).Pool()})
		require.ErrorIs(t, err, ErrUntrusted)
		_, err = VerifyDetached(testData, cms, VerifyOptions{})
		require.ErrorIs(t, err, ErrUntrusted)
	})
	t.Run("wrong signer", func(t *testing.T) {
		t.Parallel()
		_, err := VerifyDetached(testData, cms, VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokppB})
		require.ErrorIs(t, err, ErrWrongSigner)
	})
	t.Run("garbage", func(t *testing.T) {
		t.Parallel()
		for _, g := range [][]byte{nil, []byte("not a signature"), cms[:len(cms)/2]} {
			_, err := VerifyDetached(testData, g, opts)
			require.ErrorIs(t, err, ErrMalformed)
		}
	})
	t.Run("attached", func(t *testing.T) {
		t.Parallel()
		sd, err := pkcs7.NewSignedData(testData)
		require.NoError(t, err)
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		require.NoError(t, sd.AddSigner(cert, key, pkcs7.SignerInfoConfig{}))
		attached, err := sd.Finish()
		require.NoError(t, err)
		_, err = VerifyDetached(testData, attached, opts)
		require.ErrorIs(t, err, ErrNotDetached)
	})
	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		old, err := ca.issue(k.Public(), pkix.Name{CommonName: "Old", SerialNumber: "TINUA-" + rnokppA},
			time.Now().AddDate(-3, 0, 0), time.Now().AddDate(-1, 0, 0))
		require.NoError(t, err)
		_, err = VerifyDetached(testData, sign(t, testData, old, k), VerifyOptions{Roots: ca.Pool(), At: time.Now})
		require.ErrorIs(t, err, ErrExpired)
	})
	t.Run("invalid RNOKPP", func(t *testing.T) {
		t.Parallel()
		_, _, err := ca.Issue("1759013775", "X")
		require.Error(t, err)
		for _, subject := range []pkix.Name{
			{CommonName: "Bad", SerialNumber: "TINUA-1759013775"},
			{CommonName: "None"},
			{CommonName: "Other", SerialNumber: "PASUA-АА123456"},
		} {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			require.NoError(t, err)
			c, err := ca.issue(k.Public(), subject, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
			require.NoError(t, err)
			_, err = VerifyDetached(testData, sign(t, testData, c, k), opts)
			require.ErrorIs(t, err, ErrNoRNOKPP, subject.String())
		}
	})
	t.Run("DRFO attribute", func(t *testing.T) {
		t.Parallel()
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		subject := pkix.Name{CommonName: "Старий формат", ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUADRFO, Value: rnokppB}}}
		c, err := ca.issue(k.Public(), subject, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
		require.NoError(t, err)
		s, err := VerifyDetached(testData, sign(t, testData, c, k), opts)
		require.NoError(t, err)
		require.Equal(t, rnokppB, s.RNOKPP)
	})
}

type fakeExternal struct{ s *Signer }

func (f fakeExternal) Verify(data, cms []byte) (*Signer, error) { return f.s, nil }

// A CMS claiming a digest of the DSTU arc that is no algorithm: the Go
// verifier refuses it as unsupported, and an External verifier, when
// plugged in, decides instead (its РНОКПП still checked here).
func TestDSTUUnknownDigestAndExternal(t *testing.T) {
	t.Parallel()
	ca := devCA(t)
	cert, key, err := ca.Issue(rnokppA, "Т")
	require.NoError(t, err)
	cms := sign(t, testData, cert, key)
	// Swap the SHA-256 OID (2.16.840.1.101.3.4.2.1) for a same-length OID
	// in the DSTU arc (1.2.804.2.1.1.1.1.2) so the CMS claims a DSTU digest.
	sha256OID := []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}
	dstuOID := []byte{0x06, 0x09, 0x2a, 0x86, 0x24, 0x02, 0x01, 0x01, 0x01, 0x01, 0x02}
	require.True(t, bytes.Contains(cms, sha256OID))
	dstu := bytes.ReplaceAll(cms, sha256OID, dstuOID)

	_, err = VerifyDetached(testData, dstu, VerifyOptions{Roots: ca.Pool()})
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)

	ext := fakeExternal{&Signer{RNOKPP: rnokppA, CommonName: "Т"}}
	s, err := VerifyDetached(testData, dstu, VerifyOptions{External: ext})
	require.NoError(t, err)
	require.Equal(t, rnokppA, s.RNOKPP)
	_, err = VerifyDetached(testData, dstu, VerifyOptions{External: ext, WantRNOKPP: rnokppB})
	require.ErrorIs(t, err, ErrWrongSigner)
	_, err = VerifyDetached(testData, dstu, VerifyOptions{External: fakeExternal{&Signer{RNOKPP: "123"}}})
	require.ErrorIs(t, err, ErrNoRNOKPP)
}

func TestOpenSSLInterop(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is not installed: run .ci/deps.sh (apt-get install openssl)")
	}
	check := func(t *testing.T, ca *DevCA, cert *x509.Certificate, key crypto.Signer) {
		dir := t.TempDir()
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(p, b, 0o600))
			return p
		}
		cms := sign(t, testData, cert, key)
		caPEM := write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Certificate.Raw}))
		sig := write("sig.der", cms)
		verify := func(data []byte) ([]byte, error) {
			return exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
				"-content", write("data.bin", data), "-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		}
		out, err := verify(testData)
		require.NoError(t, err, string(out))
		out, err = verify(append([]byte{}, testData[1:]...))
		require.Error(t, err, string(out))
	}
	t.Run("ecdsa", func(t *testing.T) {
		ca := devCA(t)
		cert, key, err := ca.Issue(rnokppA, "Сковорода")
		require.NoError(t, err)
		check(t, ca, cert, key)
	})
	t.Run("rsa", func(t *testing.T) {
		ca := rsaCA(t)
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		cert, err := ca.issue(key.Public(), pkix.Name{CommonName: "R", SerialNumber: "TINUA-" + rnokppB},
			time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
		require.NoError(t, err)
		check(t, ca, cert, key)
	})
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	type app struct {
		Service string         `json:"service"`
		City    string         `json:"city"`
		Fields  map[string]any `json:"fields"`
		Count   int            `json:"count"`
	}
	want := `{"city":"Київ","count":3,"fields":{"a":[1,2.5],"b":null},"service":"dovidka"}`
	inputs := []any{
		app{"dovidka", "Київ", map[string]any{"b": nil, "a": []any{1, 2.5}}, 3},
		map[string]any{"service": "dovidka", "count": 3.0, "city": "Київ", "fields": map[string]any{"a": []int{1}, "b": nil}},
		json.RawMessage("{\n  \"service\" : \"dovidka\",\t\"fields\": {\"b\": null, \"a\": [1.0, 25e-1]},\n \"count\": 3, \"city\": \"\\u041a\u0438\u0457\u0432\"\n}"),
	}
	inputs[1].(map[string]any)["fields"].(map[string]any)["a"] = []any{1, 2.5}
	for i, in := range inputs {
		got, err := Canonical(in)
		require.NoError(t, err, i)
		require.Equal(t, want, string(got), i)
	}

	exact := []struct{ in, want string }{
		{`[1, 2.5, 1e21, 1e20, 1e-7, 0.000001, -0, 100, 123.456e5, 0.1, -1.5e-9, 5e-324, 1.7976931348623157e308, 9007199254740992]`,
			`[1,2.5,1e+21,100000000000000000000,1e-7,0.000001,0,100,12345600,0.1,-1.5e-9,5e-324,1.7976931348623157e+308,9007199254740992]`},
		{`"Київ \"x\"\n\u0001\u001f<>&/\u2028é😀"`, "\"Київ \\\"x\\\"\\n\\u0001\\u001f<>&/\u2028é😀\""},
		// UTF-16 order: U+1F600 (D83D DE00) sorts before U+FB01; code-point order would not.
		{`{"ﬁ":0,"😀":1,"€":null,"é":true,"b":{},"a":[],"":false}`, `{"":false,"a":[],"b":{},"é":true,"€":null,"😀":1,"ﬁ":0}`},
		{`true`, `true`},
	}
	for _, c := range exact {
		got, err := Canonical(json.RawMessage(c.in))
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, string(got), c.in)
	}

	for _, bad := range []any{
		json.RawMessage(`{"a":1,"a":2}`),
		json.RawMessage(`12345678901234567891`),
		int64(1<<60 + 1),
		func() {},
	} {
		_, err := Canonical(bad)
		require.Error(t, err, bad)
	}
}

// An organisation's seal names no person: it verifies only when the
// caller asks for a seal, and never when a person is wanted.
func TestSealNeedsNoRNOKPP(t *testing.T) {
	t.Parallel()
	ca := devCA(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{Organization: []string{"Департамент ЦНАП"}, CommonName: "Печатка"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Certificate, key.Public(), ca.Key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	cms := sign(t, testData, cert, key)

	_, err = VerifyDetached(testData, cms, VerifyOptions{Roots: ca.Pool()})
	require.ErrorIs(t, err, ErrNoRNOKPP)
	s, err := VerifyDetached(testData, cms, VerifyOptions{Roots: ca.Pool(), Seal: true})
	require.NoError(t, err)
	require.Equal(t, "Печатка", s.CommonName)
	_, err = VerifyDetached(testData, cms, VerifyOptions{Roots: ca.Pool(), Seal: true, WantRNOKPP: rnokppA})
	require.ErrorIs(t, err, ErrNoRNOKPP)
}
