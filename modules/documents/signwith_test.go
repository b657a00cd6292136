package documents_test

import (
	"bytes"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
	"hromada/modules/documents/doctest"
	"hromada/modules/signature"
	"hromada/modules/signature/signtest"
)

// remoteSigner is the official's remote signer (the Diia.Sign shape),
// approving every request, with the CA that issues its certificates.
func remoteSigner(t *testing.T) (*signature.Remote, *signature.DevCA) {
	t.Helper()
	ca, err := signature.NewDevCA("Тестовий ЦСК")
	require.NoError(t, err)
	srv := signtest.NewServer(ca, "token")
	srv.AutoApprove = true
	srv.Names = map[string]string{officialRNOKPP: "Коваленко Ірина Петрівна"}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &signature.Remote{BaseURL: hs.URL, Token: "token", PollInterval: 5 * time.Millisecond}, ca
}

func TestSignWith(t *testing.T) {
	t.Parallel()
	remote, ca := remoteSigner(t)
	doc := rendered(t)
	sign := func(name string) documents.SignFunc {
		return func(digest []byte) ([]byte, error) {
			return remote.Sign(t.Context(), signature.HashRequest{RNOKPP: officialRNOKPP, DocumentName: name, Digest: digest})
		}
	}
	signed, err := documents.SignWith(doc, documents.SignOptions{At: time.Now(), Name: "Коваленко Ірина Петрівна", Reason: "Рішення посадової особи"}, sign("r.pdf"))
	require.NoError(t, err)
	sum := sha256.Sum256(signed)
	p7s, err := remote.Sign(t.Context(), signature.HashRequest{RNOKPP: officialRNOKPP, DocumentName: "r.pdf.p7s", Digest: sum[:]})
	require.NoError(t, err)

	t.Run("IncrementalUpdate", func(t *testing.T) {
		t.Parallel()
		require.True(t, bytes.HasPrefix(signed, doc), "the rendered bytes stay as they were")
		tail := string(signed[len(doc):])
		require.Contains(t, tail, "/SubFilter /adbe.pkcs7.detached")
		require.Contains(t, tail, "/SigFlags 3")
		require.Contains(t, tail, "/Prev ")
	})

	t.Run("OutsideToolsVerify", func(t *testing.T) {
		t.Parallel()
		out := doctest.RequireSigned(t, signed, p7s, ca.Certificate)
		require.Contains(t, out, "Коваленко Ірина Петрівна")
		require.Error(t, doctest.OpenSSL(t, signed, p7s, officialSigner(t).ca.Certificate), "another CA")
	})

	t.Run("PdfsignVerifies", func(t *testing.T) {
		t.Parallel()
		cert, err := signature.VerifyDetached(signed, p7s, signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: officialRNOKPP})
		require.NoError(t, err)
		requirePAdES(t, signed, cert.Certificate)
	})

	t.Run("TamperedFails", func(t *testing.T) {
		t.Parallel()
		bad := tamper(signed, len(doc)/2)
		require.Error(t, doctest.OpenSSL(t, bad, p7s, ca.Certificate))
		cms, covered, err := doctest.Embedded(bad)
		require.NoError(t, err)
		require.Error(t, doctest.OpenSSL(t, covered, cms, ca.Certificate))
		out, _ := doctest.Pdfsig(t, bad)
		require.NotContains(t, out, "Signature is Valid.")
	})

	t.Run("StillReadable", func(t *testing.T) {
		t.Parallel()
		text, pages := pdfText(t, signed)
		require.Equal(t, 1, pages)
		require.Contains(t, text, "Рішення про надання адміністративної послуги")
	})

	t.Run("Refuses", func(t *testing.T) {
		t.Parallel()
		_, err := documents.SignWith([]byte("not a pdf"), documents.SignOptions{}, sign("x"))
		require.ErrorIs(t, err, documents.ErrNotPDF)
		_, err = documents.SignWith(doc, documents.SignOptions{}, func([]byte) ([]byte, error) { return make([]byte, 20<<10), nil })
		require.ErrorIs(t, err, documents.ErrSignatureTooLarge)
		_, err = documents.SignWith(doc, documents.SignOptions{}, func([]byte) ([]byte, error) { return nil, signature.ErrRejected })
		require.ErrorIs(t, err, signature.ErrRejected)
		require.False(t, strings.Contains(string(doc), "/ByteRange"))
	})
}
