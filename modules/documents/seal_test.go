package documents_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/pdfsign/verify"
	"github.com/digitorus/timestamp"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
	"hromada/modules/documents/doctest"
	"hromada/modules/signature"
)

const officialRNOKPP = "3184710691"

// signer is a key, its chain and the CA that issued it.
type signer struct {
	ca    *signature.DevCA
	key   crypto.Signer
	chain []*x509.Certificate
}

// officialSigner is an official's development qualified key: a result
// signed by the official rather than sealed by the provider.
func officialSigner(t *testing.T) signer {
	t.Helper()
	ca, err := signature.NewDevCA("Тестовий ЦСК")
	require.NoError(t, err)
	cert, key, err := ca.Issue(officialRNOKPP, "Коваленко Ірина Петрівна")
	require.NoError(t, err)
	return signer{ca: ca, key: key, chain: []*x509.Certificate{cert, ca.Certificate}}
}

func rendered(t *testing.T) []byte {
	t.Helper()
	b, err := documents.Render(sampleResult())
	require.NoError(t, err)
	return b
}

func sealOpts() documents.SealOptions {
	return documents.SealOptions{
		At:   time.Now(),
		Name: "Департамент соціальної політики", Reason: "Результат надання адміністративної послуги",
		Location: "Київ", ContactInfo: "https://kyiv.hromada.example/verify/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
	}
}

// tamper flips one byte in the middle of the rendered content.
func tamper(b []byte, at int) []byte {
	c := bytes.Clone(b)
	c[at] ^= 0x01
	return c
}

func TestSeal(t *testing.T) {
	t.Parallel()
	s := officialSigner(t)
	doc := rendered(t)
	sealed, err := documents.Seal(doc, s.key, s.chain, sealOpts())
	require.NoError(t, err)
	cut := len(doc) / 2 // inside the page's content, covered by both signatures

	t.Run("IncrementalUpdate", func(t *testing.T) {
		t.Parallel()
		require.True(t, bytes.HasPrefix(sealed.PDF, doc), "the rendered bytes stay as they were")
		tail := string(sealed.PDF[len(doc):])
		require.Contains(t, tail, "/Type /Sig")
		require.Contains(t, tail, "/SubFilter /adbe.pkcs7.detached")
		require.Contains(t, tail, "/ByteRange")
		require.Contains(t, tail, "/TransformMethod /DocMDP")
		require.Contains(t, tail, "/SigFlags 3")
		require.True(t, s.chain[0].Equal(sealed.Certificate))
	})

	t.Run("DetachedVerifiesWithSignaturePackage", func(t *testing.T) {
		t.Parallel()
		signer, err := signature.VerifyDetached(sealed.PDF, sealed.CMS, signature.VerifyOptions{Roots: s.ca.Pool(), WantRNOKPP: officialRNOKPP})
		require.NoError(t, err)
		require.Equal(t, "Коваленко Ірина Петрівна", signer.CommonName)

		_, err = signature.VerifyDetached(tamper(sealed.PDF, cut), sealed.CMS, signature.VerifyOptions{Roots: s.ca.Pool()})
		require.ErrorIs(t, err, signature.ErrBadSignature)
		_, err = signature.VerifyDetached(doc, sealed.CMS, signature.VerifyOptions{Roots: s.ca.Pool()})
		require.ErrorIs(t, err, signature.ErrBadSignature, "the .p7s is over the sealed PDF, not the rendered one")
	})

	t.Run("Verify", func(t *testing.T) {
		t.Parallel()
		v, err := documents.Verify(sealed.PDF, sealed.CMS, s.ca.Pool())
		require.NoError(t, err)
		require.True(t, v.Certificate.Equal(s.chain[0]))
		require.Equal(t, sealed.SHA256, v.SHA256)
		require.WithinDuration(t, time.Now(), v.SigningTime, time.Minute)
		require.True(t, v.Timestamp.IsZero())

		_, err = documents.Verify(tamper(sealed.PDF, cut), sealed.CMS, s.ca.Pool())
		require.ErrorIs(t, err, documents.ErrNotValid)
		_, err = documents.Verify(append(bytes.Clone(sealed.PDF), "%appended\n"...), sealed.CMS, s.ca.Pool())
		require.ErrorIs(t, err, documents.ErrNotValid)
		other := officialSigner(t)
		_, err = documents.Verify(sealed.PDF, sealed.CMS, other.ca.Pool())
		require.ErrorIs(t, err, documents.ErrNotValid, "another trust list")
		_, err = documents.Verify(doc, sealed.CMS, s.ca.Pool())
		require.ErrorIs(t, err, documents.ErrNotValid)
	})

	t.Run("VerifyRefusesMismatchedPair", func(t *testing.T) {
		t.Parallel()
		// The same PDF sealed again by another key of the same CA: each
		// file is fine alone, but the PDF's signer and the .p7s's differ.
		cert2, key2, err := s.ca.Issue("2530414071", "Інша Особа")
		require.NoError(t, err)
		again, err := documents.Seal(doc, key2, []*x509.Certificate{cert2, s.ca.Certificate}, sealOpts())
		require.NoError(t, err)
		other, err := documents.Seal(doc, s.key, s.chain, sealOpts())
		require.NoError(t, err)
		_, err = documents.Verify(again.PDF, again.CMS, s.ca.Pool())
		require.NoError(t, err)
		_, err = documents.Verify(other.PDF, again.CMS, s.ca.Pool())
		require.ErrorIs(t, err, documents.ErrNotValid)
	})

	t.Run("OpenSSL", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, doctest.OpenSSL(t, sealed.PDF, sealed.CMS, s.ca.Certificate))
		require.Error(t, doctest.OpenSSL(t, tamper(sealed.PDF, cut), sealed.CMS, s.ca.Certificate))
		require.Error(t, doctest.OpenSSL(t, sealed.PDF, sealed.CMS, officialSigner(t).ca.Certificate), "another CA")
	})

	t.Run("PdfsignVerifies", func(t *testing.T) {
		t.Parallel()
		requirePAdES(t, sealed.PDF, s.chain[0])
		opts := verify.DefaultVerifyOptions()
		opts.AllowUntrustedRoots = true
		resp, err := verify.VerifyWithOptions(bytes.NewReader(tamper(sealed.PDF, cut)), int64(len(sealed.PDF)), opts)
		if err == nil {
			for _, sg := range resp.Signers {
				require.False(t, sg.ValidSignature, "a changed byte breaks the PDF's signature")
			}
		}
	})

	t.Run("StillReadable", func(t *testing.T) {
		t.Parallel()
		text, pages := pdfText(t, sealed.PDF)
		require.Equal(t, 1, pages)
		require.Contains(t, text, "Рішення про надання адміністративної послуги")
		f := filepath.Join(t.TempDir(), "s.pdf")
		require.NoError(t, os.WriteFile(f, sealed.PDF, 0o600))
		out, err := exec.Command(doctest.RequireTool(t, "pdfinfo", "poppler-utils"), f).CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "Form:            AcroForm")
		require.NotContains(t, string(out), "Error")
	})
}

// requirePAdES checks doc's signature with pdfsign's own verifier: valid,
// made with cert, and chaining to the root carried in it.
func requirePAdES(t *testing.T, doc []byte, cert *x509.Certificate) *verify.Signer {
	t.Helper()
	opts := verify.DefaultVerifyOptions()
	opts.AllowUntrustedRoots = true // the development CA is in no system trust store
	resp, err := verify.VerifyWithOptions(bytes.NewReader(doc), int64(len(doc)), opts)
	require.NoError(t, err)
	require.Len(t, resp.Signers, 1)
	sg := resp.Signers[0]
	require.True(t, sg.ValidSignature)
	require.NotEmpty(t, sg.Certificates)
	require.True(t, sg.Certificates[0].Certificate.Equal(cert))
	require.Empty(t, sg.Certificates[0].VerifyError)
	require.Equal(t, 1, resp.DocumentInfo.Pages)
	return &sg
}

func TestSealRefuses(t *testing.T) {
	t.Parallel()
	s := officialSigner(t)
	doc := rendered(t)
	other := officialSigner(t)

	_, err := documents.Seal(doc, other.key, s.chain, sealOpts())
	require.ErrorIs(t, err, documents.ErrSealKey, "key of another certificate")
	_, err = documents.Seal(doc, s.key, []*x509.Certificate{s.chain[0], other.ca.Certificate}, sealOpts())
	require.ErrorIs(t, err, documents.ErrSealKey, "chain that does not chain")
	_, err = documents.Seal(doc, s.key, nil, sealOpts())
	require.ErrorIs(t, err, documents.ErrSealKey)
	_, err = documents.Seal([]byte("not a pdf"), s.key, s.chain, sealOpts())
	require.ErrorIs(t, err, documents.ErrNotPDF)
	_, err = documents.Seal([]byte("%PDF-1.7\ngarbage"), s.key, s.chain, sealOpts())
	require.ErrorIs(t, err, documents.ErrNotPDF)
}

// tsa is a tiny RFC 3161 time-stamping authority on the test's CA.
func tsa(t *testing.T, ca *signature.DevCA) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Тестовий TSA", Country: []string{"UA"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Certificate, key.Public(), ca.Key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return tsaWith(t, cert, key)
}

// tsaWith is tsa with the given certificate and key.
func tsaWith(t *testing.T, cert *x509.Certificate, key crypto.Signer) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage,
			Time: time.Now().UTC().Truncate(time.Second), Nonce: req.Nonce, Accuracy: time.Second,
			Policy: asn1.ObjectIdentifier{1, 2, 3, 4, 1}, AddTSACertificate: req.Certificates,
		}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestSealTimestamp(t *testing.T) {
	t.Parallel()
	s := officialSigner(t)
	srv, calls := tsa(t, s.ca)
	opts := sealOpts()
	opts.TSA = documents.TSA{URL: srv.URL, Username: "hromada", Password: "secret"}
	sealed, err := documents.Seal(rendered(t), s.key, s.chain, opts)
	require.NoError(t, err)
	require.EqualValues(t, 2, calls.Load(), "one timestamp in the PDF, one in the .p7s")

	v, err := documents.Verify(sealed.PDF, sealed.CMS, s.ca.Pool())
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), v.Timestamp, time.Minute)

	sg := requirePAdES(t, sealed.PDF, s.chain[0])
	require.NotNil(t, sg.TimeStamp, "the PDF's signature carries the timestamp")
	require.Equal(t, "embedded_timestamp", sg.TimeSource)

	require.NoError(t, doctest.OpenSSL(t, sealed.PDF, sealed.CMS, s.ca.Certificate))

	t.Run("TSADown", func(t *testing.T) {
		t.Parallel()
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}))
		t.Cleanup(down.Close)
		opts := sealOpts()
		opts.TSA = documents.TSA{URL: down.URL, Timeout: 5 * time.Second}
		_, err := documents.Seal(rendered(t), s.key, s.chain, opts)
		require.ErrorIs(t, err, documents.ErrTSA)
	})
}
