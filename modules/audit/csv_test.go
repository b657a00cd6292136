package audit_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
)

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	rows := []audit.Row{
		{
			Seq:        2,
			At:         time.Date(2026, 7, 1, 9, 0, 0, 500, time.UTC), // summer: UTC+3
			Actor:      audit.Actor{ID: "acc-1", Name: "=HYPERLINK(\"http://evil\",\"Олена\")", Role: "administrator"},
			Action:     "access.grant",
			ObjectType: "account",
			ObjectID:   "-1+2",
			Result:     audit.ResultDenied,
			Request:    audit.Request{IP: "203.0.113.7", UserAgent: "@SUM(A1)", RequestID: "+cmd|' /C calc'!A0"},
			Details:    map[string]any{"role": "official", "note": "рядок, з комою та \"лапками\"\nі новим рядком"},
			Hash:       []byte{0xde, 0xad},
		},
		{
			Seq:    1,
			At:     time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), // winter: UTC+2
			Action: "tenant.branding.update",
			Result: audit.ResultOK,
			Request: audit.Request{
				UserAgent: "\tTab", IP: "::1",
			},
		},
	}
	var buf bytes.Buffer
	require.NoError(t, audit.WriteCSV(&buf, rows, audit.Comma))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, "\uFEFF"), "a byte order mark for Excel")
	require.Contains(t, out, "\r\n")

	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 3)
	require.Equal(t, []string{
		"№", "Час (Київ)", "Ідентифікатор особи", "Особа", "Роль", "Дія",
		"Тип об’єкта", "Ідентифікатор об’єкта", "Результат", "IP-адреса",
		"Програма (User-Agent)", "Ідентифікатор запиту", "Подробиці", "Хеш",
	}, recs[0])

	r := recs[1]
	require.Equal(t, "2", r[0])
	require.Equal(t, "2026-07-01 12:00:00", r[1], "Kyiv summer time")
	require.Equal(t, "'=HYPERLINK(\"http://evil\",\"Олена\")", r[3], "a formula is defused")
	require.Equal(t, "access.grant", r[5])
	require.Equal(t, "'-1+2", r[7])
	require.Equal(t, "відмовлено", r[8])
	require.Equal(t, "'@SUM(A1)", r[10])
	require.Equal(t, "'+cmd|' /C calc'!A0", r[11])
	require.JSONEq(t, `{"role": "official", "note": "рядок, з комою та \"лапками\"\nі новим рядком"}`, r[12])
	require.Equal(t, "dead", r[13])

	r = recs[2]
	require.Equal(t, "2026-01-15 11:00:00", r[1], "Kyiv winter time")
	require.Equal(t, "", r[2], "the system has no actor id")
	require.Equal(t, "успішно", r[8])
	require.Equal(t, "::1", r[9])
	require.Equal(t, "'\tTab", r[10])
	require.Equal(t, "{}", r[12])

	// Nothing but the header for no rows.
	buf.Reset()
	require.NoError(t, audit.WriteCSV(&buf, nil, audit.Comma))
	require.Equal(t, 1, strings.Count(buf.String(), "\r\n"))
}

// With a semicolon (Excel with Ukrainian settings), a cell with a
// semicolon is quoted, a comma is not; a security row has no №.
func TestWriteCSVSemicolon(t *testing.T) {
	t.Parallel()
	rows := []audit.Row{
		{Seq: 3, At: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), Action: "access.grant", ObjectID: "a;b", Result: audit.ResultOK,
			Actor: audit.Actor{Name: "Петренко, Олена"}},
		{At: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), Action: audit.ActionDenied, ObjectID: "GET /admin/audit", Result: audit.ResultDenied, Security: true},
	}
	var buf bytes.Buffer
	require.NoError(t, audit.WriteCSV(&buf, rows, audit.Semicolon))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, "\uFEFF№;Час (Київ);"), "a BOM and the header cut by ;")
	require.Contains(t, out, `;"a;b";`)
	require.Contains(t, out, ";Петренко, Олена;")
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	rd.Comma = ';'
	recs, err := rd.ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 3)
	require.Equal(t, "3", recs[1][0])
	require.Equal(t, "a;b", recs[1][7])
	require.Equal(t, "", recs[2][0], "not a row of the chain")
	require.Equal(t, "відмовлено", recs[2][8])
	require.Error(t, audit.WriteCSV(&buf, rows, '\t'))
}
