package main

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// auditRow is the first row of the audit page's table (its HTML) that
// contains text; the test fails when none does.
func auditRow(t *testing.T, body, text string) string {
	t.Helper()
	_, table, ok := strings.Cut(body, "<tbody>")
	require.True(t, ok, "no table on the audit page")
	for _, tr := range strings.Split(table, "<tr>") {
		if strings.Contains(tr, text) {
			row, _, _ := strings.Cut(tr, "</tr>")
			return row
		}
	}
	t.Fatalf("no row with %q on the audit page", text)
	return ""
}

// auditCSV parses an audit export: a byte order mark, then CSV cut by
// comma, and a header row.
func auditCSV(t *testing.T, body string, comma rune) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, "\ufeff")
	require.True(t, ok, "CSV without a BOM")
	rd := csv.NewReader(strings.NewReader(rest))
	rd.Comma = comma
	recs, err := rd.ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	require.Equal(t, "№", recs[0][0])
	require.Len(t, recs[0], 14, "the header, cut by %q", comma)
	return recs[1:]
}
