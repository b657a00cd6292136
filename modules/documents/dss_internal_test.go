package documents

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// addDSS writes classic cross-reference tables only, and one DSS: what it
// cannot write right it refuses.
func TestAddDSSRefuses(t *testing.T) {
	t.Parallel()
	vd := ValidationData{Certs: [][]byte{{0x30, 0x00}}}
	signed := func(catalog string) []byte {
		head := "%PDF-1.7\n"
		obj := fmt.Sprintf("1 0 obj\n%s\nendobj\n2 0 obj\n<< /ByteRange [0 1 2 3] /Contents <3000> >>\nendobj\n", catalog)
		xref := len(head) + len(obj)
		return fmt.Appendf(nil, "%s%sxref\n0 2\n0000000000 65535 f\r\n%010d 00000 n\r\ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", head, obj, len(head), xref)
	}
	_, err := addDSS(signed("<< /Type /Catalog /DSS 9 0 R >>"), vd)
	require.ErrorIs(t, err, ErrDSS)
	require.ErrorContains(t, err, "already has a /DSS")

	stream := []byte("%PDF-1.7\n1 0 obj\n<< /Type /XRef /Size 2 /W [1 2 1] >>\nstream\n\nendstream\nendobj\nstartxref\n9\n%%EOF\n")
	_, err = addDSS(stream, vd)
	require.ErrorContains(t, err, "not a table")

	_, err = addDSS([]byte("%PDF-1.7\nnothing"), vd)
	require.ErrorIs(t, err, ErrDSS)
}
