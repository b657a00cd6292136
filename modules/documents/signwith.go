package documents

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf16"

	"hromada/modules/documents/pdfdoc"
)

// SignFunc returns a detached CMS SignedData (DER) whose messageDigest is
// digest, the SHA-256 of the bytes to sign: what a remote signer shaped
// like Diia.Sign (signature.HashSigner) returns for a hash.
type SignFunc func(digest []byte) ([]byte, error)

// SignOptions fill the PDF's signature dictionary, which PDF readers show
// in their signature panel. All optional but At (default time.Now).
type SignOptions struct {
	At                                  time.Time
	Name, Reason, Location, ContactInfo string
}

// signatureSpace is the room reserved for the CMS inside the PDF: the
// signer's certificate and its chain, the signed attributes and, should a
// signer add one, a timestamp token fit in it with margin.
const signatureSpace = 16 << 10

// ErrSignatureTooLarge is a CMS that does not fit the space reserved in the
// PDF for it.
var ErrSignatureTooLarge = errors.New("documents: the signature does not fit the space reserved in the PDF")

var (
	rootRef   = regexp.MustCompile(`/Root (\d+) 0 R`)
	infoRef   = regexp.MustCompile(`/Info (\d+) 0 R`)
	startXref = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\s*$`)
	sizeRef   = regexp.MustCompile(`/Size (\d+)`)
	firstKid  = regexp.MustCompile(`/Kids \[(\d+) 0 R`)
)

// SignWith signs a PDF made by Render with a signature made elsewhere: the
// official's own, through a remote signer, as residents sign. Sign builds
// its CMS itself with a key at hand (github.com/digitorus/pdfsign needs a
// crypto.Signer over the signed attributes); a remote signer only takes a
// hash and returns the whole CMS, which pdfsign cannot embed. So SignWith
// writes the incremental update itself, as ISO 32000-1 §12.8 describes:
//
//  1. a signature dictionary (adbe.pkcs7.detached) with a /ByteRange
//     and a /Contents placeholder of zeros, a signature field (an
//     invisible widget) and a new catalog with an /AcroForm naming it,
//     appended after the rendered bytes, which stay intact;
//  2. the SHA-256 of the bytes outside /Contents is given to sign;
//  3. the CMS returned goes into /Contents.
//
// It is an approval signature: the official signs the document; the
// provider's certification (Seal) is for results Hromada issues itself.
func SignWith(doc []byte, opts SignOptions, sign SignFunc) (out []byte, err error) {
	if !bytes.HasPrefix(doc, []byte("%PDF-")) {
		return nil, ErrNotPDF
	}
	sx := startXref.FindSubmatch(doc)
	trailer := bytes.LastIndex(doc, []byte("\ntrailer"))
	if sx == nil || trailer < 0 {
		return nil, fmt.Errorf("%w: no trailer", ErrNotPDF)
	}
	tail := doc[trailer:]
	root, size, kid := rootRef.FindSubmatch(tail), sizeRef.FindSubmatch(tail), firstKid.FindSubmatch(doc)
	if root == nil || size == nil || kid == nil {
		return nil, fmt.Errorf("%w: no /Root, /Size or page in the trailer and page tree", ErrNotPDF)
	}
	catalog, err := objectBody(doc, string(root[1]))
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(string(size[1]))
	sigObj, fieldObj, catObj := n, n+1, n+2
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}

	b := bytes.NewBuffer(bytes.Clone(doc))
	if !bytes.HasSuffix(doc, []byte("\n")) {
		b.WriteByte('\n')
	}
	offsets := make([]int, 0, 3)
	offsets = append(offsets, b.Len())
	fmt.Fprintf(b, "%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached\n", sigObj)
	brAt := b.Len() + len("/ByteRange [")
	fmt.Fprintf(b, "/ByteRange [%s]\n", bytes.Repeat([]byte(" "), 3*11+10))
	contentsAt := b.Len() + len("/Contents ")
	fmt.Fprintf(b, "/Contents <%s>\n", bytes.Repeat([]byte("0"), 2*signatureSpace))
	contentsEnd := contentsAt + 2*signatureSpace + 2
	fmt.Fprintf(b, "/M %s\n", pdfString(pdfDate(at)))
	for _, kv := range [][2]string{{"Name", opts.Name}, {"Reason", opts.Reason}, {"Location", opts.Location}, {"ContactInfo", opts.ContactInfo}} {
		if kv[1] != "" {
			fmt.Fprintf(b, "/%s %s\n", kv[0], pdfString(kv[1]))
		}
	}
	b.WriteString(">>\nendobj\n")
	offsets = append(offsets, b.Len())
	fmt.Fprintf(b, "%d 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /F 132 /Rect [0 0 0 0] /V %d 0 R /P %s 0 R >>\nendobj\n",
		fieldObj, pdfString("Підпис посадової особи"), sigObj, kid[1])
	offsets = append(offsets, b.Len())
	fmt.Fprintf(b, "%d 0 obj\n<<%s\n/AcroForm << /Fields [%d 0 R] /SigFlags 3 >>\n>>\nendobj\n", catObj, catalog, fieldObj)
	xref := b.Len()
	fmt.Fprintf(b, "xref\n0 1\n0000000000 65535 f \n%d 3\n", sigObj)
	for _, o := range offsets {
		fmt.Fprintf(b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root %d 0 R", catObj+1, catObj)
	for _, key := range []*regexp.Regexp{infoRef, idArray} {
		if m := key.Find(tail); m != nil {
			b.WriteString(" ")
			b.Write(m)
		}
	}
	fmt.Fprintf(b, " /Prev %s >>\nstartxref\n%d\n%%%%EOF\n", sx[1], xref)

	out = b.Bytes()
	br := fmt.Sprintf("0 %d %d %d", contentsAt, contentsEnd, len(out)-contentsEnd)
	copy(out[brAt:], br)
	h := sha256.New()
	h.Write(out[:contentsAt])
	h.Write(out[contentsEnd:])
	cms, err := sign(h.Sum(nil))
	if err != nil {
		return nil, err
	}
	if len(cms) > signatureSpace {
		return nil, fmt.Errorf("%w: %d bytes, room for %d", ErrSignatureTooLarge, len(cms), signatureSpace)
	}
	hex.Encode(out[contentsAt+1:], cms)
	return out, nil
}

var idArray = regexp.MustCompile(`/ID \[[^\]]*\]`)

// objectBody returns what is between "<<" and ">>" of the dictionary
// object num in doc (its last definition: an update's wins).
func objectBody(doc []byte, num string) ([]byte, error) {
	start := bytes.LastIndex(doc, []byte("\n"+num+" 0 obj\n<<"))
	if start < 0 {
		return nil, fmt.Errorf("%w: object %s not found", ErrNotPDF, num)
	}
	start += len("\n" + num + " 0 obj\n<<")
	end := bytes.Index(doc[start:], []byte("endobj"))
	if end < 0 {
		return nil, fmt.Errorf("%w: object %s has no end", ErrNotPDF, num)
	}
	body := bytes.TrimSpace(doc[start : start+end])
	if !bytes.HasSuffix(body, []byte(">>")) {
		return nil, fmt.Errorf("%w: object %s is not a dictionary", ErrNotPDF, num)
	}
	return bytes.TrimSuffix(body, []byte(">>")), nil
}

// pdfDate is t as a PDF date with its offset from UTC.
func pdfDate(t time.Time) string {
	return pdfdoc.Date(t)
}

// pdfString is s as a PDF text string: UTF-16BE with a byte order mark,
// written in hex so that no byte needs escaping.
func pdfString(s string) string {
	u := utf16.Encode([]rune(clean(s)))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xFE, 0xFF
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return "<" + hex.EncodeToString(b) + ">"
}
