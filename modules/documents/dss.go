package documents

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // the /VRI keys are SHA-1 by the standard (ETSI EN 319 142-1 §5.4.2.2), not a security hash here
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ValidationData is what a verifier needs to validate a signature after
// its certificates expire or their CAs' responders are gone: the
// certificates of the chains (the seal's and the TSA's), the OCSP
// responses and CRLs for them, each as its issuer signed it (DER).
type ValidationData struct {
	Certs [][]byte
	OCSPs [][]byte
	CRLs  [][]byte
}

// ErrDSS is wrapped when the validation data cannot be added to a PDF.
var ErrDSS = errors.New("documents: cannot add the document security store")

// addDSS appends to a signed PDF an incremental update holding a Document
// Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4: the PAdES
// B-LT level): the catalog is rewritten with /DSS << /Certs /OCSPs /CRLs
// /VRI >>, every item a stream of its DER. Nothing before the update
// changes, so the signature's /ByteRange and what it covers stay as they
// were; ISO 32000-2 §12.8.2.2.1 exempts an update that only adds a DSS from
// the certification signature's no-changes permission.
//
// It writes a classic cross-reference table, the kind our renderer and
// pdfsign write; a file whose last section is a cross-reference stream is
// refused rather than written half-right.
func addDSS(pdf []byte, vd ValidationData) ([]byte, error) {
	prev, err := lastStartxref(pdf)
	if err != nil {
		return nil, err
	}
	trailer, err := trailerAt(pdf, prev)
	if err != nil {
		return nil, err
	}
	size, err := trailerInt(trailer, "Size")
	if err != nil {
		return nil, err
	}
	root, err := trailerInt(trailer, "Root")
	if err != nil {
		return nil, err
	}
	catalog, err := objectDict(pdf, prev, root)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(catalog, []byte("/DSS")) {
		return nil, fmt.Errorf("%w: the catalog already has a /DSS", ErrDSS)
	}
	sigContents, err := lastSignatureContents(pdf)
	if err != nil {
		return nil, err
	}

	out := bytes.NewBuffer(bytes.Clone(pdf))
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		out.WriteByte('\n')
	}
	next := size
	var offsets []int // of objects size, size+1, …
	stream := func(der []byte) int {
		n := next
		next++
		offsets = append(offsets, out.Len())
		fmt.Fprintf(out, "%d 0 obj\n<< /Length %d >>\nstream\n", n, len(der))
		out.Write(der)
		out.WriteString("\nendstream\nendobj\n")
		return n
	}
	refs := func(items [][]byte) string {
		var b strings.Builder
		b.WriteString("[")
		for i, der := range items {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%d 0 R", stream(der))
		}
		b.WriteString("]")
		return b.String()
	}
	certs, ocsps, crls := refs(vd.Certs), refs(vd.OCSPs), refs(vd.CRLs)
	dict := func(n int, body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(out, "%d 0 obj\n<< %s >>\nendobj\n", n, body)
	}
	// The VRI names the data of this signature: its key is the uppercase
	// hex SHA-1 of the signature's /Contents (the whole string, padding
	// included, as iText computes it for a non-timestamp signature).
	sum := sha1.Sum(sigContents) //nolint:gosec // see the import
	vriEntry, vri, dss := next, next+1, next+2
	next += 3
	entry := "/Type /VRI"
	if len(vd.Certs) > 0 {
		entry += " /Cert " + certs
	}
	if len(vd.OCSPs) > 0 {
		entry += " /OCSP " + ocsps
	}
	if len(vd.CRLs) > 0 {
		entry += " /CRL " + crls
	}
	dict(vriEntry, entry)
	dict(vri, fmt.Sprintf("/%s %d 0 R", strings.ToUpper(hex.EncodeToString(sum[:])), vriEntry))
	body := fmt.Sprintf("/Type /DSS /VRI %d 0 R", vri)
	if len(vd.Certs) > 0 {
		body += " /Certs " + certs
	}
	if len(vd.OCSPs) > 0 {
		body += " /OCSPs " + ocsps
	}
	if len(vd.CRLs) > 0 {
		body += " /CRLs " + crls
	}
	dict(dss, body)

	catalogAt := out.Len()
	end := bytes.LastIndex(catalog, []byte(">>"))
	fmt.Fprintf(out, "%d 0 obj\n%s /DSS %d 0 R\n>>\nendobj\n", root, bytes.TrimRight(catalog[:end], " \r\n\t"), dss)

	xref := out.Len()
	fmt.Fprintf(out, "xref\n%d 1\n%010d 00000 n\r\n%d %d\n", root, catalogAt, size, len(offsets))
	for _, o := range offsets {
		fmt.Fprintf(out, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(out, "trailer\n<< /Size %d /Root %d 0 R", next, root)
	for _, key := range []string{"Info", "ID"} {
		if v := trailerValue(trailer, key); v != "" {
			fmt.Fprintf(out, " /%s %s", key, v)
		}
	}
	fmt.Fprintf(out, " /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", prev, xref)
	return out.Bytes(), nil
}

var startxrefRE = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

// lastStartxref is the offset of the file's last cross-reference section.
func lastStartxref(pdf []byte) (int, error) {
	m := startxrefRE.FindSubmatch(pdf[max(0, len(pdf)-64):])
	if m == nil {
		return 0, fmt.Errorf("%w: no startxref at the end", ErrDSS)
	}
	n, err := strconv.Atoi(string(m[1]))
	if err != nil || n <= 0 || n >= len(pdf) {
		return 0, fmt.Errorf("%w: startxref %s is outside the file", ErrDSS, m[1])
	}
	return n, nil
}

// trailerAt is the trailer dictionary's text of the classic
// cross-reference section at off.
func trailerAt(pdf []byte, off int) ([]byte, error) {
	if !bytes.HasPrefix(pdf[off:], []byte("xref")) {
		return nil, fmt.Errorf("%w: the last cross-reference section is not a table", ErrDSS)
	}
	t := bytes.Index(pdf[off:], []byte("trailer"))
	if t < 0 {
		return nil, fmt.Errorf("%w: no trailer", ErrDSS)
	}
	rest := pdf[off+t:]
	e := bytes.Index(rest, []byte("startxref"))
	if e < 0 {
		return nil, fmt.Errorf("%w: no startxref after the trailer", ErrDSS)
	}
	return rest[len("trailer"):e], nil
}

var trailerValueRE = map[string]*regexp.Regexp{
	"Size": regexp.MustCompile(`/Size\s+(\d+)`),
	"Root": regexp.MustCompile(`/Root\s+(\d+)\s+0\s+R`),
	"Prev": regexp.MustCompile(`/Prev\s+(\d+)`),
	"Info": regexp.MustCompile(`/Info\s+(\d+\s+\d+\s+R)`),
	"ID":   regexp.MustCompile(`/ID\s*(\[[^\]]*\])`),
}

func trailerValue(trailer []byte, key string) string {
	m := trailerValueRE[key].FindSubmatch(trailer)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func trailerInt(trailer []byte, key string) (int, error) {
	n, err := strconv.Atoi(trailerValue(trailer, key))
	if err != nil {
		return 0, fmt.Errorf("%w: the trailer has no /%s", ErrDSS, key)
	}
	return n, nil
}

// objectDict finds object n (generation 0) through the chain of classic
// cross-reference sections from off, and returns its dictionary's text
// ("<< … >>").
func objectDict(pdf []byte, off, n int) ([]byte, error) {
	for seen := 0; seen < 64; seen++ {
		at, ok, err := xrefLookup(pdf, off, n)
		if err != nil {
			return nil, err
		}
		if ok {
			head := fmt.Sprintf("%d 0 obj", n)
			if at < 0 || at >= len(pdf) || !bytes.HasPrefix(pdf[at:], []byte(head)) {
				return nil, fmt.Errorf("%w: object %d is not at %d", ErrDSS, n, at)
			}
			body := pdf[at+len(head):]
			e := bytes.Index(body, []byte("endobj"))
			if e < 0 {
				return nil, fmt.Errorf("%w: object %d has no endobj", ErrDSS, n)
			}
			body = bytes.TrimSpace(body[:e])
			if !bytes.HasPrefix(body, []byte("<<")) || !bytes.HasSuffix(body, []byte(">>")) || bytes.Contains(body, []byte("stream")) {
				return nil, fmt.Errorf("%w: object %d is not a dictionary", ErrDSS, n)
			}
			return body, nil
		}
		trailer, err := trailerAt(pdf, off)
		if err != nil {
			return nil, err
		}
		if off, err = trailerInt(trailer, "Prev"); err != nil {
			return nil, fmt.Errorf("%w: object %d is in no cross-reference section", ErrDSS, n)
		}
		if off <= 0 || off >= len(pdf) {
			return nil, fmt.Errorf("%w: /Prev %d is outside the file", ErrDSS, off)
		}
	}
	return nil, fmt.Errorf("%w: too many cross-reference sections", ErrDSS)
}

// xrefLookup reads the classic cross-reference section at off for object
// n: its offset, if the section has an in-use entry for it.
func xrefLookup(pdf []byte, off, n int) (int, bool, error) {
	t := bytes.Index(pdf[off:], []byte("trailer"))
	if !bytes.HasPrefix(pdf[off:], []byte("xref")) || t < 0 {
		return 0, false, fmt.Errorf("%w: no cross-reference table at %d", ErrDSS, off)
	}
	fields := strings.Fields(string(pdf[off+len("xref") : off+t]))
	for i := 0; i+1 < len(fields); {
		first, err1 := strconv.Atoi(fields[i])
		count, err2 := strconv.Atoi(fields[i+1])
		if err1 != nil || err2 != nil || count < 0 || i+2+3*count > len(fields) {
			return 0, false, fmt.Errorf("%w: a malformed cross-reference table at %d", ErrDSS, off)
		}
		if n >= first && n < first+count {
			e := fields[i+2+3*(n-first):]
			if e[2] != "n" {
				return 0, false, nil
			}
			at, err := strconv.Atoi(e[0])
			return at, err == nil, err
		}
		i += 2 + 3*count
	}
	return 0, false, nil
}

// lastSignatureContents is the bytes of the last /Contents hex string
// that a /ByteRange leaves out: the last signature's value as stored
// (padding included).
func lastSignatureContents(pdf []byte) ([]byte, error) {
	r, err := lastByteRange(pdf)
	if err != nil {
		return nil, err
	}
	gap := pdf[r[1]:r[2]]
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return nil, fmt.Errorf("%w: the /ByteRange gap is not a hex string", ErrDSS)
	}
	b, err := hex.DecodeString(string(gap[1 : len(gap)-1]))
	if err != nil {
		return nil, fmt.Errorf("%w: the signature's /Contents: %v", ErrDSS, err)
	}
	return b, nil
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// lastByteRange is the last signature's /ByteRange.
func lastByteRange(pdf []byte) ([4]int, error) {
	var r [4]int
	all := byteRangeRE.FindAllSubmatch(pdf, -1)
	if len(all) == 0 {
		return r, fmt.Errorf("%w: no signature", ErrDSS)
	}
	m := all[len(all)-1]
	for i := range r {
		r[i], _ = strconv.Atoi(string(m[1+i]))
	}
	if r[0] != 0 || r[1] > r[2] || r[2]+r[3] > len(pdf) {
		return r, fmt.Errorf("%w: /ByteRange %v outside the file", ErrDSS, r)
	}
	return r, nil
}

// embeddedCMS is the DER of the last signature inside pdf: its /Contents
// cut to the DER's own length.
func embeddedCMS(pdf []byte) ([]byte, error) {
	raw, err := lastSignatureContents(pdf)
	if err != nil {
		return nil, err
	}
	n, err := derLen(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the signature's /Contents: %v", ErrDSS, err)
	}
	return raw[:n], nil
}

// derLen is the length of the DER element at the start of b.
func derLen(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, errors.New("too short")
	}
	l := int(b[1])
	hdr := 2
	if l&0x80 != 0 {
		k := l & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, errors.New("bad length")
		}
		l = 0
		for _, c := range b[2 : 2+k] {
			l = l<<8 | int(c)
		}
		hdr += k
	}
	if hdr+l > len(b) {
		return 0, errors.New("truncated")
	}
	return hdr + l, nil
}

// certDERs are the certificates' DER, each once.
func certDERs(certs ...[]*x509.Certificate) [][]byte {
	var out [][]byte
	seen := map[string]bool{}
	for _, cs := range certs {
		for _, c := range cs {
			if c != nil && !seen[string(c.Raw)] {
				seen[string(c.Raw)] = true
				out = append(out, c.Raw)
			}
		}
	}
	return out
}
