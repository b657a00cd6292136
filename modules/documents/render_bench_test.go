package documents_test

import (
	"testing"

	"hromada/modules/documents"
)

// BenchmarkRender is one result's PDF, as automatic mode renders it: the
// time and allocations docs/perf.md reports for rendering.
func BenchmarkRender(b *testing.B) {
	r := sampleResult()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := documents.Render(r); err != nil {
			b.Fatal(err)
		}
	}
}
