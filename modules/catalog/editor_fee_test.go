package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The service editor's fee: «Оплата до подання» comes from the form (and
// back into it), only for a paid service; what the form does not edit —
// the basis, whether the fee is refundable — stays as the register had it.
func TestEditorFeePayFirst(t *testing.T) {
	t.Parallel()
	base := Content{Fee: Fee{AmountKopecks: 2574, IBAN: "UA858999980333199331000026001", EDRPOU: "37994106", Recipient: "Казна", Purpose: "Збір",
		Basis: Text{UK: "Постанова"}, Refundable: true, PayFirst: true}}
	f := formOf(base)
	require.True(t, f.FeePayFirst)
	c, _ := f.content(base)
	require.Equal(t, base.Fee, c.Fee, "saved as shown, nothing lost")

	f.FeePayFirst = false
	c, _ = f.content(base)
	require.False(t, c.Fee.PayFirst)
	require.True(t, c.Fee.Refundable)

	f.FeePayFirst, f.FeeFree = true, true
	c, _ = f.content(base)
	require.False(t, c.Fee.PayFirst, "a free service has nothing to pay first")
}
