package documents_test

import (
	"strings"
	"testing"

	"hromada/modules/documents"
)

// BenchmarkRender is one result's PDF, as automatic mode renders it: the
// time and allocations docs/perf.md reports for rendering. The code
// carries the address and a signed token as long as QRToken makes them
// (version 15), as a result's does; the bare address alone is version 4
// and hid most of the QR code's cost.
func BenchmarkRender(b *testing.B) {
	r := sampleResult()
	r.QR = documents.VerifyURL(r.City.Host, r.DocumentID) + "#" +
		strings.Repeat("eyJhbGciOiJFUzI1NiIsImtpZCI6IjEyMzQ1Njc4OTAifQ.", 9)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := documents.Render(r); err != nil {
			b.Fatal(err)
		}
	}
}
