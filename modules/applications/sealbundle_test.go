package applications

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A kept sealed result reads back as it was written, and a bundle cut
// short or with anything after its parts is refused, not read as a
// shorter result.
func TestSealedBundle(t *testing.T) {
	t.Parallel()
	s := sealed{PDF: []byte("%PDF-1.7 sealed"), CMS: []byte{0x30, 0x82, 0x01, 0x00}, Holder: "Виконавчий комітет"}
	b := s.bundle()
	got, err := unbundle(b)
	require.NoError(t, err)
	require.Equal(t, s, got)

	empty, err := unbundle(sealed{}.bundle())
	require.NoError(t, err)
	require.Empty(t, empty.PDF)
	require.Empty(t, empty.Holder)

	for cut := range len(b) {
		_, err := unbundle(b[:cut])
		require.Error(t, err, "cut at %d of %d", cut, len(b))
	}
	_, err = unbundle(append(b, 0))
	require.ErrorContains(t, err, "after its parts")
}
