package documents

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var (
	infoRef   = regexp.MustCompile(`/Info (\d+) 0 R`)
	startXref = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\s*$`)
	infoDate  = regexp.MustCompile(`/(?:CreationDate|ModDate) \(D:\d{14}\)`)
)

// finish mends what fpdf v0.9.0 leaves out or gets wrong:
//   - it writes the XMP packet as an object but never links it from the
//     catalog (so readers and archives do not see it);
//   - it writes CreationDate and ModDate as local digits with no offset,
//     which readers take for UTC: a result made at 20:19 in Kyiv said
//     20:19 UTC. The offset of issued's zone is added;
//   - it declares PDF 1.3 while the file uses XMP metadata (1.4) and will
//     carry a SHA-256 signature (1.6). The header's version has the same
//     length either way.
//
// Each insertion moves the objects after it, so the cross-reference
// table's offsets are shifted with it (insert).
func finish(b []byte, issued time.Time) ([]byte, error) {
	fail := func(what string) ([]byte, error) {
		return nil, fmt.Errorf("documents: render: unexpected fpdf output: %s", what)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || len(b) < 9 {
		return fail("header")
	}
	m := infoRef.FindAllSubmatch(b, -1)
	if len(m) == 0 {
		return fail("no /Info")
	}
	info, _ := strconv.Atoi(string(m[len(m)-1][1]))
	meta := info - 1
	if !bytes.Contains(b, []byte(fmt.Sprintf("\n%d 0 obj\n<< /Type /Metadata /Subtype /XML", meta))) {
		return fail("no XMP object before /Info")
	}
	dates := infoDate.FindAllIndex(b, -1)
	if len(dates) != 2 {
		return fail("CreationDate and ModDate")
	}
	offset := []byte(pdfOffset(issued))
	var err error
	// The later one first, so the earlier one's position still holds.
	for i := len(dates) - 1; i >= 0; i-- {
		if b, err = insert(b, dates[i][1]-1, offset); err != nil {
			return fail(err.Error())
		}
	}
	cat := bytes.LastIndex(b, []byte("/Type /Catalog"))
	if cat < 0 {
		return fail("no catalog")
	}
	if b, err = insert(b, cat+len("/Type /Catalog"), []byte(fmt.Sprintf("\n/Metadata %d 0 R", meta))); err != nil {
		return fail(err.Error())
	}
	copy(b, "%PDF-1.7")
	return b, nil
}

// pdfOffset is t's offset from UTC as a PDF date writes it (ISO 32000-1
// §7.9.4): +02'00', -05'30', or Z.
func pdfOffset(t time.Time) string {
	_, secs := t.Zone()
	if secs == 0 {
		return "Z"
	}
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	return fmt.Sprintf("%s%02d'%02d'", sign, secs/3600, secs/60%60)
}

// insert puts ins into b at position at, before the cross-reference
// table, and shifts by len(ins) every offset in the table (a single
// "0 n" section, as fpdf writes it) that lies at or after at, and
// startxref.
func insert(b []byte, at int, ins []byte) ([]byte, error) {
	xref := bytes.LastIndex(b, []byte("\nxref\n"))
	sx := startXref.FindSubmatchIndex(b)
	if xref < 0 || sx == nil || at > xref {
		return nil, fmt.Errorf("no cross-reference table after %d", at)
	}
	start, _ := strconv.Atoi(string(b[sx[2]:sx[3]]))
	if start != xref+1 {
		return nil, fmt.Errorf("startxref %d is not the table at %d", start, xref+1)
	}
	table := xref + len("\nxref\n")
	head := bytes.IndexByte(b[table:], '\n')
	var first, n int
	if head < 0 {
		return nil, fmt.Errorf("cross-reference table header")
	}
	if _, err := fmt.Sscanf(string(b[table:table+head]), "%d %d", &first, &n); err != nil || first != 0 {
		return nil, fmt.Errorf("cross-reference table header %q", b[table:table+head])
	}
	entries := table + head + 1
	if entries+20*n > len(b) {
		return nil, fmt.Errorf("cross-reference table of %d entries is cut short", n)
	}
	out := make([]byte, 0, len(b)+len(ins))
	out = append(out, b[:at]...)
	out = append(out, ins...)
	out = append(out, b[at:sx[2]]...)
	out = append(out, strconv.Itoa(start+len(ins))...)
	out = append(out, b[sx[3]:]...)
	for i := range n {
		e := entries + len(ins) + 20*i
		if out[e+17] != 'n' {
			continue
		}
		off, err := strconv.Atoi(string(out[e : e+10]))
		if err != nil {
			return nil, fmt.Errorf("cross-reference entry %d: %w", i, err)
		}
		if off >= at {
			copy(out[e:e+10], fmt.Sprintf("%010d", off+len(ins)))
		}
	}
	return out, nil
}
