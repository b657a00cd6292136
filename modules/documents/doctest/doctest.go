// Package doctest checks signed PDFs the way a resident, a bank or a court
// would, with tools outside Hromada: `openssl cms -verify` on the detached
// .p7s and on the signature inside the PDF, and poppler's `pdfsig`. For
// tests only; a missing tool fails the test (.ci/deps.sh installs them).
package doctest

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"crypto/x509"
)

// RequireTool returns the path of the command name, and fails the test
// when it is missing: a check that quietly does not run would let CI pass
// on a machine without it. .ci/deps.sh installs Debian's package pkg.
func RequireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run .ci/deps.sh (apt-get install %s)", name, pkg)
	}
	return bin
}

// write puts b in a file of the test's temporary directory.
func write(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// OpenSSL runs the command docs/documents.md gives residents: `openssl cms
// -verify` of the detached signature p7s over content, trusting ca. The
// error carries openssl's output.
func OpenSSL(t testing.TB, content, p7s []byte, ca *x509.Certificate) error {
	t.Helper()
	bin := RequireTool(t, "openssl", "openssl")
	caPEM := write(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	out, err := exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER",
		"-in", write(t, "doc.p7s", p7s), "-content", write(t, "doc.pdf", content),
		"-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil {
		return fmt.Errorf("openssl cms -verify: %v: %s", err, out)
	}
	return nil
}

var (
	byteRange = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)
	contents  = regexp.MustCompile(`/Contents\s*<([0-9a-fA-F]+)>`)
)

// Embedded returns the last signature inside pdf — the CMS in /Contents,
// cut to its DER length — and the bytes its /ByteRange covers.
func Embedded(pdf []byte) (cms, covered []byte, err error) {
	brs := byteRange.FindAllSubmatchIndex(pdf, -1)
	if len(brs) == 0 {
		return nil, nil, errors.New("doctest: no /ByteRange")
	}
	m := brs[len(brs)-1]
	var r [4]int
	for i := range r {
		r[i], _ = strconv.Atoi(string(pdf[m[2+2*i]:m[3+2*i]]))
	}
	if r[0] != 0 || r[1] > r[2] || r[2]+r[3] > len(pdf) {
		return nil, nil, fmt.Errorf("doctest: /ByteRange %v outside the file", r)
	}
	gap := pdf[r[1]:r[2]]
	if !contents.Match(pdf[max(0, r[1]-len("/Contents ")):r[2]]) || len(gap) < 2 {
		return nil, nil, errors.New("doctest: the /ByteRange gap is not the /Contents")
	}
	raw, err := hex.DecodeString(string(gap[1 : len(gap)-1]))
	if err != nil {
		return nil, nil, err
	}
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &v); err != nil {
		return nil, nil, fmt.Errorf("doctest: /Contents is no DER: %w", err)
	}
	covered = append(bytes.Clone(pdf[:r[1]]), pdf[r[2]:r[2]+r[3]]...)
	return v.FullBytes, covered, nil
}

// Pdfsig is poppler's `pdfsig` report on pdf (exit status 0 or not).
func Pdfsig(t testing.TB, pdf []byte) (string, error) {
	t.Helper()
	out, err := exec.Command(RequireTool(t, "pdfsig", "poppler-utils"), write(t, "doc.pdf", pdf)).CombinedOutput()
	return string(out), err
}

// RequireSigned checks a signed PDF and its detached signature with the
// outside tools: openssl accepts the .p7s over the whole file and the
// signature inside over its byte range, both chaining to ca; pdfsig finds
// the signature valid and covering the whole document. It returns
// pdfsig's report for further checks.
func RequireSigned(t testing.TB, pdf, p7s []byte, ca *x509.Certificate) string {
	t.Helper()
	return requireValid(t, pdf, p7s, ca, "Total document signed")
}

// requireValid is what RequireSigned and RequireSignedLT share: openssl
// on both signatures, pdfsig's «valid» on the whole file and what else it
// must say there.
func requireValid(t testing.TB, pdf, p7s []byte, ca *x509.Certificate, also ...string) string {
	t.Helper()
	if err := OpenSSL(t, pdf, p7s, ca); err != nil {
		t.Fatalf("the detached signature: %v", err)
	}
	cms, covered, err := Embedded(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if err := OpenSSL(t, covered, cms, ca); err != nil {
		t.Fatalf("the signature inside the PDF: %v", err)
	}
	out, err := Pdfsig(t, pdf)
	if err != nil {
		t.Fatalf("pdfsig: %v: %s", err, out)
	}
	for _, want := range append([]string{"Signature Validation: Signature is Valid.", "Signature Type: adbe.pkcs7.detached"}, also...) {
		if !bytes.Contains([]byte(out), []byte(want)) {
			t.Fatalf("pdfsig does not say %q:\n%s", want, out)
		}
	}
	return out
}

// Text is pdf's text as poppler's `pdftotext` extracts it: what a reader
// can search and copy.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	out, err := exec.Command(RequireTool(t, "pdftotext", "poppler-utils"), "-layout", write(t, "doc.pdf", pdf), "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// SignedRevision is the part of pdf that its last signature's /ByteRange
// ends with: the file as it was signed, before later incremental updates
// (a PAdES-B-LT DSS).
func SignedRevision(pdf []byte) ([]byte, error) {
	brs := byteRange.FindAllSubmatch(pdf, -1)
	if len(brs) == 0 {
		return nil, errors.New("doctest: no /ByteRange")
	}
	m := brs[len(brs)-1]
	var r [4]int
	for i := range r {
		r[i], _ = strconv.Atoi(string(m[1+i]))
	}
	if r[0] != 0 || r[1] > r[2] || r[2]+r[3] > len(pdf) {
		return nil, fmt.Errorf("doctest: /ByteRange %v outside the file", r)
	}
	return pdf[:r[2]+r[3]], nil
}

// RequireSignedLT is RequireSigned for a PAdES-B-LT PDF, whose validation
// data is an incremental update after the signature: openssl accepts the
// .p7s over the whole file and the signature inside over its byte range;
// pdfsig finds the signature valid in the whole file, and covering the
// whole document as it was signed (the file cut after the signed
// revision). It returns pdfsig's report on the whole file.
func RequireSignedLT(t testing.TB, pdf, p7s []byte, ca *x509.Certificate) string {
	t.Helper()
	out := requireValid(t, pdf, p7s, ca)
	rev, err := SignedRevision(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(rev) == len(pdf) {
		t.Fatal("the PDF has no revision after its signature: no LT data")
	}
	revOut, err := Pdfsig(t, rev)
	if err != nil {
		t.Fatalf("pdfsig on the signed revision: %v: %s", err, revOut)
	}
	for _, want := range []string{"Signature Validation: Signature is Valid.", "Total document signed"} {
		if !bytes.Contains([]byte(revOut), []byte(want)) {
			t.Fatalf("pdfsig on the signed revision does not say %q:\n%s", want, revOut)
		}
	}
	return out
}
