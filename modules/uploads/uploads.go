// Package uploads accepts one file from a user and stores it: residents'
// scans and PDFs attached to applications, officials' result documents.
//
// A file is judged by its bytes, never by its name or the browser's
// Content-Type: both are the user's to choose, and a portal that trusts them
// ends up storing (and later serving) HTML or programs labelled ".pdf".
// Every refusal is an *apperr.Error whose message names the file and says
// exactly what was wrong, so the page can ask for something that will pass.
package uploads

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"hromada/apperr"
	"hromada/modules/docstore"
)

// DefaultMaxBytes is the per-file limit when Limits does not set one: big
// enough for a multi-page scan, small enough to keep in memory while it is
// checked. Exported so the server's body limit can be set above it.
const DefaultMaxBytes int64 = 10 << 20

// DefaultTypes are the kinds of file the portal takes when Limits does not
// say: documents (PDF), scans and photos (JPEG, PNG) and detached CMS
// signatures (.p7s) made by residents' qualified electronic signature tools.
var DefaultTypes = []string{"application/pdf", "image/jpeg", "image/png", "application/pkcs7-signature"}

// Limits says what may be uploaded.
type Limits struct {
	MaxBytes int64    // per file; default DefaultMaxBytes
	Types    []string // allowed MIME types after sniffing; default DefaultTypes
	// Class is the document class the file is kept as (its retention);
	// default docstore.ClassAttachment.
	Class docstore.Class
	// TypeMaxBytes lets some of Types be bigger than MaxBytes (a short
	// video next to 10 MB scans): the file is read up to the largest
	// limit and, once its type is known, held to its own.
	TypeMaxBytes map[string]int64
}

// VideoTypes are the short videos a person may keep (MP4 and WebM, the
// containers every browser plays in <video>), sniffed more strictly than
// mimetype does (see videoContainer).
var VideoTypes = []string{"video/mp4", "video/webm"}

// File is a stored upload, as the caller records it next to the document.
type File struct {
	Key         string // docstore key, in the tenant's space
	Name        string // the user's file name, made safe for display
	ContentType string // sniffed from the content, one of Limits.Types
	Size        int64
	SHA256      string // hex, computed while reading and confirmed by the store
}

// The refusals. They are sentinels so callers can test errors.Is; the
// returned errors carry Args: Name (the file, for the message), and Limit,
// Kinds or Detected as each message needs.
var (
	ErrEmpty    = apperr.New(apperr.Invalid, "error.upload_empty")
	ErrTooLarge = apperr.New(apperr.TooLarge, "error.upload_too_large")
	ErrType     = apperr.New(apperr.Invalid, "error.upload_type")
	// ErrFailed is a file that did not arrive whole (Invalid: the user can
	// send it again) or could not be stored (Internal: logged by the edge).
	ErrFailed = apperr.New(apperr.Invalid, "error.upload_failed")
	// errBodyTooLarge is the server's body limit hit while reading: the
	// web layer's own message, since the file limit may not be what was hit.
	errBodyTooLarge = apperr.New(apperr.TooLarge, "error.too_large")
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if len(l.Types) == 0 {
		l.Types = DefaultTypes
	}
	return l
}

// Accept reads r (name is the file name the user's browser declared),
// sniffs the real type from the content, refuses what is not allowed, and
// stores the rest under docstore.TenantKey(tenantID, prefix+"/"+<UUIDv7>).
//
// It reads at most lim.MaxBytes+1 bytes, into memory: a bigger file is
// refused before anything is stored, so a refused upload leaves no object
// behind. prefix is the caller's folder, like "applications/<id>"; it is
// part of a key, not user input, and a malformed one is a bug (plain error).
func Accept(ctx context.Context, store docstore.Store, tenantID uuid.UUID, prefix string, name string, r io.Reader, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	if tenantID == uuid.Nil {
		return nil, errors.New("uploads: no tenant")
	}
	name = SanitizeName(name)
	args := map[string]any{"Name": name}

	// Hash while reading, so the stored object's hash is checked against
	// what we received, not against what the store says it received.
	h := sha256.New()
	var buf bytes.Buffer
	readMax := lim.MaxBytes
	for _, m := range lim.TypeMaxBytes {
		readMax = max(readMax, m)
	}
	n, err := buf.ReadFrom(io.TeeReader(io.LimitReader(r, readMax+1), h))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge.With(map[string]any{"Name": name, "Limit": mbe.Limit / 1024}).Wrap(err)
		}
		return nil, ErrFailed.With(args).Wrap(err)
	}
	if n > readMax {
		return nil, ErrTooLarge.With(map[string]any{"Name": name, "Limit": megabytes(readMax)})
	}
	if n == 0 {
		return nil, ErrEmpty.With(args)
	}

	m := mimetype.Detect(buf.Bytes())
	if m.Is("application/pdf") && !pdfHeader(buf.Bytes()) {
		// mimetype takes "%PDF-" anywhere in the first KiB for a PDF, so
		// an HTML page with the five bytes in a comment would be stored
		// and served as one (found by FuzzAccept).
		m = mimetype.Lookup("application/octet-stream")
	}
	if (m.Is("video/mp4") || m.Is("video/webm")) && !videoContainer(buf.Bytes()) {
		m = mimetype.Lookup("application/octet-stream")
	}
	contentType := ""
	for _, t := range lim.Types {
		// Is matches mimetype's aliases too; the stored type is the caller's
		// spelling, so it compares equal to what they allowed. Parents are
		// not walked on purpose: text/html is a child of text/plain.
		if m.Is(t) {
			contentType = t
			break
		}
	}
	if contentType == "" {
		return nil, ErrType.With(map[string]any{"Name": name, "Kinds": kinds(lim.Types), "Detected": m.String()})
	}
	if limit, ok := lim.TypeMaxBytes[contentType]; !ok && n > lim.MaxBytes || ok && n > limit {
		if !ok {
			limit = lim.MaxBytes
		}
		return nil, ErrTooLarge.With(map[string]any{"Name": name, "Limit": megabytes(limit)})
	}

	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	key := docstore.TenantKey(tenantID, prefix+"/"+id.String())
	want := hex.EncodeToString(h.Sum(nil))
	class := lim.Class
	if class == "" {
		class = docstore.ClassAttachment
	}
	// The store checks the bytes against want and keeps nothing that
	// differs; the SHA-256 goes into the object's metadata too.
	st, err := store.PutDocument(ctx, key, bytes.NewReader(buf.Bytes()), n, docstore.Meta{ContentType: contentType, Class: class, SHA256: want,
		Provenance: docstore.Provenance{Origin: "upload", ReceivedAt: time.Now()}})
	if err != nil {
		return nil, storeFailed(args, fmt.Errorf("uploads: put %s: %w", key, err))
	}
	if st.SHA256 != want {
		return nil, storeFailed(args, fmt.Errorf("uploads: %s: store hashed %s, we sent %s", key, st.SHA256, want))
	}
	return &File{Key: key, Name: name, ContentType: contentType, Size: n, SHA256: want}, nil
}

// pdfHeader says whether b starts as a PDF does: "%PDF-" first, or after
// a UTF-8 byte order mark or a newline that some writers put before it.
func pdfHeader(b []byte) bool {
	return bytes.HasPrefix(b, []byte("%PDF-")) || bytes.HasPrefix(b, []byte("\n%PDF-")) || bytes.HasPrefix(b, []byte("\xef\xbb\xbf%PDF-"))
}

// mp4Brands are the ISO base media brands of the MP4 videos phones and
// cameras write; HEIF pictures, QuickTime-only and other ftyp files that
// mimetype also calls video/mp4 name none of them.
var mp4Brands = []string{"isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V "}

// videoContainer says whether b starts as a playable MP4 or WebM does:
// MP4's first box is a sane ftyp box naming an MP4 brand (major or
// compatible); WebM is an EBML header whose DocType is "webm" (mimetype's
// own test). mimetype takes any "ftyp" at offset 4 for video/mp4.
func videoContainer(b []byte) bool {
	if bytes.HasPrefix(b, []byte("\x1A\x45\xDF\xA3")) {
		return mimetype.Detect(b).Is("video/webm")
	}
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return false
	}
	size := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if size < 16 || size > 4096 || size%4 != 0 || size > len(b) {
		return false
	}
	brands := [][]byte{b[8:12]}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, b[i:i+4])
	}
	for _, br := range brands {
		for _, want := range mp4Brands {
			if string(br) == want {
				return true
			}
		}
	}
	return false
}

// storeFailed is our side failing: Internal, so the edge logs it, but with
// the upload message rather than the generic one.
func storeFailed(args map[string]any, cause error) *apperr.Error {
	e := ErrFailed.With(args).Wrap(cause)
	e.Code = apperr.Internal
	return e
}

// FromRequest Accepts the file in the multipart field of r (whose body the
// server has already limited). The first file wins if the field has several.
// A form without the file gives (nil, nil), so optional attachments need no
// special case.
func FromRequest(r *http.Request, store docstore.Store, tenantID uuid.UUID, prefix, field string, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	f, fh, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge.With(map[string]any{"Limit": mbe.Limit / 1024}).Wrap(err)
		}
		return nil, ErrFailed.With(map[string]any{"Name": SanitizeName("")}).Wrap(err)
	}
	defer f.Close()
	// The multipart header's size is the parser's count, not the user's
	// claim: refuse early without reading the part again.
	readMax := lim.MaxBytes
	for _, m := range lim.TypeMaxBytes {
		readMax = max(readMax, m)
	}
	if fh.Size > readMax {
		return nil, ErrTooLarge.With(map[string]any{"Name": SanitizeName(fh.Filename), "Limit": megabytes(readMax)})
	}
	return Accept(r.Context(), store, tenantID, prefix, fh.Filename, f, lim)
}

// checkPrefix keeps keys well formed: docstore.Dir refuses "a//b" or
// "../" at Put, after the whole file was read; say so at once instead.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return errors.New("uploads: empty prefix")
	}
	for seg := range strings.SplitSeq(prefix, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") {
			return fmt.Errorf("uploads: bad prefix %q", prefix)
		}
	}
	return nil
}

// maxNameRunes bounds the displayed name: long enough for a descriptive
// Ukrainian file name, short enough for a table cell and a database column.
const maxNameRunes = 120

// defaultName is shown for a file whose name is empty or nothing but junk.
const defaultName = "файл"

// SanitizeName makes the user's file name safe to display and to record: the
// base name only (browsers on Windows may send "C:\path\name"), valid UTF-8
// in NFC (macOS sends decomposed "й", "ї"), without control and formatting
// characters (a right-to-left override makes "exe.pdf" look like "fdp.exe"),
// at most 120 runes keeping the extension, and "файл" when nothing is left.
// It is for display only: keys never contain it.
func SanitizeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	// Each step can undo another's work: removing a control character
	// between two combining marks leaves them out of canonical order, and
	// NFC can lengthen a name past the cut. So the steps repeat until the
	// name stops changing (twice is enough for any name the fuzzer found).
	for range 4 {
		next := cleanName(name)
		if next == name {
			break
		}
		name = next
	}
	if name == "" || name == "." || name == ".." {
		return defaultName
	}
	return name
}

// cleanName is one pass of SanitizeName's clean-up over valid UTF-8.
func cleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return -1
		case unicode.IsSpace(r):
			return ' ' // no-break and other spaces: one plain space
		}
		return r
	}, name)
	name = strings.TrimSpace(norm.NFC.String(name))
	if rs := []rune(name); len(rs) > maxNameRunes {
		ext := []rune(extension(name))
		if len(ext) > 16 { // not a real extension: just cut
			ext = nil
		}
		stem := strings.TrimSpace(string(rs[:maxNameRunes-len(ext)]))
		name = stem + string(ext)
	}
	return name
}

// extension is name's last ".xyz", or "" if there is none.
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return ""
	}
	return name[i:]
}

// megabytes is limit in MiB for a message: "10" for 10 MiB, "1.5" or
// "0.01" for odd limits, rounded down so the page never promises more.
func megabytes(limit int64) string {
	hundredths := limit * 100 / (1 << 20)
	if hundredths == 0 { // a test's limit of a few bytes
		return strconv.FormatFloat(float64(limit)/(1<<20), 'f', -1, 64)
	}
	if hundredths%100 == 0 {
		return strconv.FormatInt(hundredths/100, 10)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%02d", hundredths/100, hundredths%100), "0")
}

// kindNames are the words for the types residents know by extension.
var kindNames = map[string]string{
	"application/pdf":             "PDF",
	"image/jpeg":                  "JPEG",
	"image/png":                   "PNG",
	"application/pkcs7-signature": ".p7s",
	"video/mp4":                   "MP4",
	"video/webm":                  "WebM",
	"image/webp":                  "WebP",
}

// kinds names types for the refusal message, or "" for DefaultTypes: the
// messages then name them in proper words of each language.
func kinds(types []string) string {
	if len(types) == len(DefaultTypes) {
		same := true
		for i, t := range types {
			same = same && t == DefaultTypes[i]
		}
		if same {
			return ""
		}
	}
	names := make([]string, 0, len(types))
	for _, t := range types {
		if k, ok := kindNames[t]; ok {
			names = append(names, k)
		} else if m := mimetype.Lookup(t); m != nil && m.Extension() != "" {
			names = append(names, strings.ToUpper(strings.TrimPrefix(m.Extension(), ".")))
		} else {
			names = append(names, t)
		}
	}
	return strings.Join(names, ", ")
}
