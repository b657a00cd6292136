package uploads_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"hromada/modules/docstore"
	"hromada/modules/uploads"
)

// FuzzAccept uploads any bytes under any name into a real docstore.Dir.
// The type comes from the bytes alone: a file taken as a PDF begins with
// the PDF signature, a PNG or a JPEG with theirs, a .p7s is a DER
// SEQUENCE or PEM PKCS7 — whatever the name says. What is taken is stored
// byte for byte under its SHA-256; what is refused is refused with one of
// the package's messages, and the shown name is always safe.
func FuzzAccept(f *testing.F) {
	s, err := docstore.OpenDir(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Add("заява.pdf", pdfBytes())
	f.Add("фото.png", pngBytes(f))
	f.Add("скан паспорта.jpg", jpegBytes(f))
	f.Add("scan.png", jpegBytes(f))
	f.Add("підпис.p7s", p7sBytes(f))
	f.Add("evil.pdf", []byte("<html><script>alert(1)</script></html>"))
	f.Add(`C:\Users\olena\Desktop\exe.pdf`+"\u202e", []byte("\xef\xbb\xbf%PDF-1.4\n"))
	f.Add("", []byte("\n%PDF-"))
	f.Add("x.pdf", []byte(" %PDF-1.7"))
	// Found by this fuzzer: "%PDF-" anywhere in the first KiB made the
	// sniffer say PDF, so an HTML page passed as one.
	f.Add("page.pdf", []byte("<html><!-- %PDF-1.7 --><script>alert(1)</script></html>"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		got, err := uploads.Accept(t.Context(), s, tenantID, "fuzz", name, bytes.NewReader(data), uploads.Limits{MaxBytes: 1 << 20})
		if err != nil {
			if !slices.ContainsFunc([]error{uploads.ErrEmpty, uploads.ErrTooLarge, uploads.ErrType}, func(e error) bool { return errors.Is(err, e) }) {
				t.Fatalf("refused with an unexpected error: %v", err)
			}
			return
		}
		head := data[:min(len(data), 8)]
		ok := false
		switch got.ContentType {
		case "application/pdf":
			ok = bytes.HasPrefix(data, []byte("%PDF-")) || bytes.HasPrefix(data, []byte("\n%PDF-")) || bytes.HasPrefix(data, []byte("\xef\xbb\xbf%PDF-"))
		case "image/png":
			ok = bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n"))
		case "image/jpeg":
			ok = bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff})
		case "application/pkcs7-signature":
			ok = data[0] == 0x30 || bytes.HasPrefix(data, []byte("-----BEGIN PKCS7"))
		}
		if !ok {
			t.Fatalf("bytes % x… taken as %s", head, got.ContentType)
		}
		if got.Size != int64(len(data)) || got.SHA256 != sha256Hex(data) {
			t.Fatalf("recorded %d bytes with SHA-256 %s for %d bytes", got.Size, got.SHA256, len(data))
		}
		r, err := s.GetVerified(t.Context(), got.Key, got.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil || !bytes.Equal(stored, data) {
			t.Fatalf("stored bytes differ from the upload (%v)", err)
		}
		requireSafeName(t, name, got.Name)
	})
}

// FuzzSanitizeName checks the displayed file name: valid UTF-8 in NFC, no
// path, no control or formatting character, at most 120 characters, never
// empty, and sanitising it again changes nothing.
func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"заява.pdf", `C:\path\name.pdf`, "../../etc/passwd", "exe\u202efdp.pdf", "й.pdf", "\xff\xfe.pdf", "",
		".", "..", "  \u00a0 ", "\u07ee\x1e\u0711", strings.Repeat("я", 200) + ".pdf", strings.Repeat("a", 130) + "." + strings.Repeat("b", 20)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		requireSafeName(t, name, uploads.SanitizeName(name))
	})
}

func requireSafeName(t *testing.T, raw, name string) {
	t.Helper()
	if name == "" || !utf8.ValidString(name) || !norm.NFC.IsNormalString(name) || strings.ContainsAny(name, `/\`) ||
		utf8.RuneCountInString(name) > 120 || name == "." || name == ".." {
		t.Fatalf("SanitizeName(%q) = %q", raw, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (unicode.IsSpace(r) && r != ' ') {
			t.Fatalf("SanitizeName(%q) = %q keeps %U", raw, name, r)
		}
	}
	if again := uploads.SanitizeName(name); again != name {
		t.Fatalf("SanitizeName is not stable: %q → %q → %q", raw, name, again)
	}
}
