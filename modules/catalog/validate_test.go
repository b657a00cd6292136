package catalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVariants(t *testing.T) {
	t.Parallel()
	require.Contains(t, variants("зареєструвати"), "реєстр")
	require.Contains(t, variants("зареєструватися"), "реєстр")
	require.Contains(t, variants("паркувальний"), "парк")
	require.Equal(t, []string{"довідка"}, variants("довідка"))
}

func TestContentValidate(t *testing.T) {
	t.Parallel()
	c := Content{}
	e := c.Validate()
	for _, f := range []string{"name_uk", "summary_uk", "documents", "legal_basis", "term_days", "ways"} {
		require.Contains(t, e, f)
	}
	c = Content{Name: Text{UK: "<script>alert(1)</script>"}, Summary: Text{UK: "x"}, Conditions: Text{UK: "x"}, Result: Text{UK: "x"},
		Appeal: Text{UK: "x"}, Documents: []Document{Doc("Паспорт")}, LegalBasis: []Text{{UK: "Закон"}}, Term: Term{Days: 5}, WaysToSubmit: []string{"fax"},
		Fee: Fee{AmountKopecks: 100, IBAN: "UA000", EDRPOU: "12345679", Recipient: "Казна", Purpose: "Плата"}}
	e = c.Validate()
	require.Equal(t, "error.catalog_markup", e["name_uk"].Key)
	require.Equal(t, "error.catalog_iban", e["fee_iban"].Key)
	require.Equal(t, "error.catalog_edrpou", e["fee_edrpou"].Key)
	require.Equal(t, "error.catalog_way", e["ways"].Key)
}

func TestNextWorkingDay(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	require.Equal(t, day("2026-11-23"), NextWorkingDay(day("2026-11-20"), nil)) // Friday → Monday
	require.Equal(t, day("2026-11-24"), NextWorkingDay(day("2026-11-23"), nil))
	require.Equal(t, day("2026-11-25"), NextWorkingDay(day("2026-11-20"), map[string]bool{"2026-11-23": true, "2026-11-24": true}))
}
