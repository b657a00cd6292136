package uploads_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/docstore"
	"hromada/modules/uploads"
	"hromada/web"
)

var tenantID = uuid.MustParse("0190f3c2-7d1e-7a00-8000-000000000001")

// store opens a real docstore.Dir in a fresh directory, returned too so a
// test can see what was (not) written.
func store(t *testing.T) (*docstore.Dir, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := docstore.OpenDir(dir)
	require.NoError(t, err)
	return s, dir
}

// files lists the regular files under dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == ".meta" {
			return filepath.SkipDir // the store's metadata, not a document
		}
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	}))
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func pdfBytes() []byte {
	return []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		img.Set(x, x, color.RGBA{R: 200, A: 255})
	}
	return img
}

func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, testImage()))
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, testImage(), nil))
	return b.Bytes()
}

// p7sBytes is a real detached CMS signature (DER), as signing tools write
// next to a signed PDF, by a self-signed ECDSA certificate.
func p7sBytes(t testing.TB) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Тест Підписувач"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	sd, err := pkcs7.NewSignedData(pdfBytes())
	require.NoError(t, err)
	require.NoError(t, sd.AddSigner(cert, key, pkcs7.SignerInfoConfig{}))
	sd.Detach()
	sig, err := sd.Finish()
	require.NoError(t, err)
	p7, err := pkcs7.Parse(sig)
	require.NoError(t, err)
	p7.Content = pdfBytes()
	require.NoError(t, p7.Verify(), "the test signature is a real one")
	return sig
}

func zipBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("readme.txt")
	require.NoError(t, err)
	_, err = w.Write([]byte("not a pdf"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

// exeBytes starts like a Windows program (an "MZ" DOS header).
func exeBytes() []byte {
	b := make([]byte, 256)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	copy(b[64:], "PE\x00\x00")
	return b
}

// requireAppErr checks err is the sentinel, with code and the Args a page
// needs, and returns the Args.
func requireAppErr(t *testing.T, err error, want *apperr.Error, code apperr.Code) map[string]any {
	t.Helper()
	require.ErrorIs(t, err, want)
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, code, ae.Code)
	require.Equal(t, want.Key, ae.Key)
	require.NotEmpty(t, ae.Args["Name"])
	return ae.Args
}

func TestAcceptAllowedTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, want string
		data             func(t testing.TB) []byte
	}{
		{"pdf", "заява.pdf", "application/pdf", func(testing.TB) []byte { return pdfBytes() }},
		{"png", "фото.png", "image/png", pngBytes},
		{"jpeg", "скан паспорта.jpg", "image/jpeg", jpegBytes},
		// The extension does not matter either way: a JPEG named .png is a JPEG.
		{"jpeg named png", "scan.png", "image/jpeg", jpegBytes},
		{"p7s", "заява.pdf.p7s", "application/pkcs7-signature", p7sBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, dir := store(t)
			data := tc.data(t)
			f, err := uploads.Accept(t.Context(), s, tenantID, "applications/42", tc.file, io.MultiReader(bytes.NewReader(data)), uploads.Limits{})
			require.NoError(t, err)
			require.Equal(t, tc.want, f.ContentType)
			require.Equal(t, tc.file, f.Name)
			require.Equal(t, int64(len(data)), f.Size)
			require.Equal(t, sha256Hex(data), f.SHA256)

			prefix := "tenants/" + tenantID.String() + "/applications/42/"
			require.True(t, strings.HasPrefix(f.Key, prefix), f.Key)
			id, err := uuid.Parse(strings.TrimPrefix(f.Key, prefix))
			require.NoError(t, err)
			require.Equal(t, uuid.Version(7), id.Version())

			rc, err := s.Get(t.Context(), f.Key)
			require.NoError(t, err)
			defer rc.Close()
			got, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.Equal(t, f.SHA256, sha256Hex(got))
			require.Equal(t, data, got)
			require.Len(t, files(t, dir), 1)
		})
	}
}

func TestAcceptRefusesOtherTypes(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]func(t *testing.T) []byte{
		"exe": func(*testing.T) []byte { return exeBytes() },
		"zip": zipBytes,
		"html": func(*testing.T) []byte {
			return []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
		},
		"text": func(*testing.T) []byte { return []byte("просто текст, а не PDF") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, dir := store(t)
			_, err := uploads.Accept(t.Context(), s, tenantID, "applications/42", "документ.pdf", bytes.NewReader(data(t)), uploads.Limits{})
			args := requireAppErr(t, err, uploads.ErrType, apperr.Invalid)
			require.Equal(t, "документ.pdf", args["Name"])
			require.Empty(t, args["Kinds"], "default types are named by the message itself")
			require.NotEqual(t, "application/pdf", args["Detected"])
			require.Empty(t, files(t, dir))
		})
	}
}

func TestAcceptCustomTypes(t *testing.T) {
	t.Parallel()
	s, _ := store(t)
	lim := uploads.Limits{Types: []string{"application/pdf"}}
	_, err := uploads.Accept(t.Context(), s, tenantID, "results", "scan.png", bytes.NewReader(pngBytes(t)), lim)
	args := requireAppErr(t, err, uploads.ErrType, apperr.Invalid)
	require.Equal(t, "PDF", args["Kinds"])

	f, err := uploads.Accept(t.Context(), s, tenantID, "results", "result.pdf", bytes.NewReader(pdfBytes()), lim)
	require.NoError(t, err)
	require.Equal(t, "application/pdf", f.ContentType)
}

func TestAcceptSize(t *testing.T) {
	t.Parallel()
	data := pdfBytes()
	limit := int64(len(data))

	t.Run("at the limit", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		f, err := uploads.Accept(t.Context(), s, tenantID, "a", "x.pdf", bytes.NewReader(data), uploads.Limits{MaxBytes: limit})
		require.NoError(t, err)
		require.Equal(t, limit, f.Size)
		require.Len(t, files(t, dir), 1)
	})
	t.Run("one byte over", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		over := append(bytes.Clone(data), '\n')
		_, err := uploads.Accept(t.Context(), s, tenantID, "a", "x.pdf", bytes.NewReader(over), uploads.Limits{MaxBytes: limit})
		args := requireAppErr(t, err, uploads.ErrTooLarge, apperr.TooLarge)
		require.NotEmpty(t, args["Limit"])
		require.Empty(t, files(t, dir), "nothing stored")
	})
	t.Run("reads no more than the limit", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		// An endless stream of PDF-looking bytes: Accept must stop at the limit.
		endless := io.MultiReader(bytes.NewReader(data), neverEnding('x'))
		counted := &countingReader{r: endless}
		_, err := uploads.Accept(t.Context(), s, tenantID, "a", "x.pdf", counted, uploads.Limits{MaxBytes: 1 << 20})
		requireAppErr(t, err, uploads.ErrTooLarge, apperr.TooLarge)
		require.Equal(t, int64(1<<20+1), counted.n)
		require.Empty(t, files(t, dir))
	})
	t.Run("default limit is 10 MiB", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		big := io.MultiReader(bytes.NewReader(data), io.LimitReader(neverEnding(' '), 10<<20))
		_, err := uploads.Accept(t.Context(), s, tenantID, "a", "x.pdf", big, uploads.Limits{})
		args := requireAppErr(t, err, uploads.ErrTooLarge, apperr.TooLarge)
		require.Equal(t, "10", args["Limit"])
		require.Empty(t, files(t, dir))
	})
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		_, err := uploads.Accept(t.Context(), s, tenantID, "a", "", strings.NewReader(""), uploads.Limits{})
		args := requireAppErr(t, err, uploads.ErrEmpty, apperr.Invalid)
		require.Equal(t, "файл", args["Name"])
		require.Empty(t, files(t, dir))
	})
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// lyingStore stores nothing and reports a hash or an error of its choosing.
type lyingStore struct {
	docstore.Store
	sum string
	err error
}

func (l lyingStore) PutDocument(_ context.Context, key string, r io.Reader, size int64, m docstore.Meta) (docstore.Stored, error) {
	_, _ = io.Copy(io.Discard, r)
	m.SHA256 = l.sum
	return docstore.Stored{Meta: m, Key: key, Size: size}, l.err
}

func TestAcceptStoreFailures(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]docstore.Store{
		"hash mismatch": lyingStore{sum: sha256Hex([]byte("something else"))},
		"put fails":     lyingStore{err: errors.New("disk full")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := uploads.Accept(t.Context(), s, tenantID, "a", "x.pdf", bytes.NewReader(pdfBytes()), uploads.Limits{})
			// Our fault: Internal, so the edge logs it, with the upload's words.
			requireAppErr(t, err, &apperr.Error{Code: apperr.Internal, Key: uploads.ErrFailed.Key}, apperr.Internal)
		})
	}
}

func TestAcceptReadFailures(t *testing.T) {
	t.Parallel()
	s, dir := store(t)
	broken := io.MultiReader(bytes.NewReader(pdfBytes()), iotestErr{errors.New("connection reset")})
	_, err := uploads.Accept(t.Context(), s, tenantID, "a", "x.pdf", broken, uploads.Limits{})
	requireAppErr(t, err, uploads.ErrFailed, apperr.Invalid)

	// The server's body limit hit mid-file: the web layer's "too large".
	rec := httptest.NewRecorder()
	body := http.MaxBytesReader(rec, io.NopCloser(bytes.NewReader(append(pdfBytes(), make([]byte, 100)...))), 50)
	_, err = uploads.Accept(t.Context(), s, tenantID, "a", "x.pdf", body, uploads.Limits{})
	require.Equal(t, apperr.TooLarge, apperr.As(err).Code)
	var mbe *http.MaxBytesError
	require.ErrorAs(t, err, &mbe)
	require.Empty(t, files(t, dir))
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

func TestAcceptBadPrefix(t *testing.T) {
	t.Parallel()
	s, _ := store(t)
	for _, p := range []string{"", "/a", "a/", "a//b", "a/../b", "..", `a\b`} {
		_, err := uploads.Accept(t.Context(), s, tenantID, p, "x.pdf", bytes.NewReader(pdfBytes()), uploads.Limits{})
		require.Error(t, err, "%q", p)
		require.Equal(t, apperr.Internal, apperr.As(err).Code, "a bad prefix is a bug: %q", p)
	}
	_, err := uploads.Accept(t.Context(), s, uuid.Nil, "a", "x.pdf", bytes.NewReader(pdfBytes()), uploads.Limits{})
	require.Error(t, err)
}

// multipartRequest builds a real form post with fields and, if file is
// not nil, one file under "file".
func multipartRequest(t *testing.T, fileName string, file []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("comment", "Прошу розглянути"))
	if file != nil {
		w, err := mw.CreateFormFile("file", fileName)
		require.NoError(t, err)
		_, err = w.Write(file)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	r := httptest.NewRequest(http.MethodPost, "/applications/42/attachments", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	t.Cleanup(func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	})
	return r
}

func TestFromRequest(t *testing.T) {
	t.Parallel()
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		s, _ := store(t)
		data := pngBytes(t)
		r := multipartRequest(t, `C:\Users\Олена\Documents\довідка.pdf`, data)
		f, err := uploads.FromRequest(r, s, tenantID, "applications/42", "file", uploads.Limits{})
		require.NoError(t, err)
		require.Equal(t, "довідка.pdf", f.Name)
		require.Equal(t, "image/png", f.ContentType, "the content decides, not the name")
		require.Equal(t, sha256Hex(data), f.SHA256)
		require.Equal(t, "Прошу розглянути", r.FormValue("comment"), "other fields stay readable")
	})
	t.Run("no file", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		f, err := uploads.FromRequest(multipartRequest(t, "", nil), s, tenantID, "a", "file", uploads.Limits{})
		require.NoError(t, err)
		require.Nil(t, f)
		require.Empty(t, files(t, dir))
	})
	t.Run("too large", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		data := pdfBytes()
		r := multipartRequest(t, "x.pdf", data)
		_, err := uploads.FromRequest(r, s, tenantID, "a", "file", uploads.Limits{MaxBytes: int64(len(data)) - 1})
		requireAppErr(t, err, uploads.ErrTooLarge, apperr.TooLarge)
		require.Empty(t, files(t, dir))
	})
	t.Run("wrong type", func(t *testing.T) {
		t.Parallel()
		s, dir := store(t)
		r := multipartRequest(t, "invoice.pdf", exeBytes())
		_, err := uploads.FromRequest(r, s, tenantID, "a", "file", uploads.Limits{})
		requireAppErr(t, err, uploads.ErrType, apperr.Invalid)
		require.Empty(t, files(t, dir))
	})
}

func TestSanitizeName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("д", 200)
	for _, tc := range []struct{ in, want string }{
		{"../../etc/passwd", "passwd"},
		{`C:\docs\скан паспорта.pdf`, "скан паспорта.pdf"},
		{"заява.pdf", "заява.pdf"},
		{"Довідка про доходи (2024).PDF", "Довідка про доходи (2024).PDF"},
		{"", "файл"},
		{"   ", "файл"},
		{"dir/", "файл"},
		{"..", "файл"},
		{"a\x00b\nc\td.pdf", "abcd.pdf"},
		{"\u202efdp.exe", "fdp.exe"},         // right-to-left override removed
		{"  звіт\u00a0 .pdf ", "звіт  .pdf"}, // no-break space becomes a space
		{"\xff\xfeбланк.pdf", "бланк.pdf"},   // invalid UTF-8 dropped
		{"и\u0306од.pdf", "йод.pdf"},         // decomposed й (macOS) composed
		{long + ".pdf", strings.Repeat("д", 116) + ".pdf"},
		{long, strings.Repeat("д", 120)},
	} {
		got := uploads.SanitizeName(tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
		require.LessOrEqual(t, len([]rune(got)), 120)
	}
}

func TestLocaleMessages(t *testing.T) {
	t.Parallel()
	args := map[string]any{"Name": "скан.pdf", "Limit": "10", "Kinds": "", "Detected": "text/html"}
	keys := []string{uploads.ErrEmpty.Key, uploads.ErrTooLarge.Key, uploads.ErrType.Key, uploads.ErrFailed.Key}
	for _, lang := range web.Languages {
		l, err := web.NewLocalizer(lang)
		require.NoError(t, err)
		for _, key := range keys {
			msg := l.Message(key, args)
			require.NotEqual(t, key, msg, "%s %s", lang, key)
			require.Contains(t, msg, "скан.pdf", "%s %s", lang, key)
			require.NotContains(t, msg, "<no value>", "%s %s", lang, key)
		}
	}
	uk, err := web.NewLocalizer("uk")
	require.NoError(t, err)
	require.Contains(t, uk.Message("error.upload_type", args), "PDF, JPEG, PNG або підпис .p7s")
	require.Contains(t, uk.Message("error.upload_type", map[string]any{"Name": "x", "Kinds": "PDF"}), "форматів: PDF.")
	require.Contains(t, uk.Message("error.upload_too_large", args), "10 МБ")
}
