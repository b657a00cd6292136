package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/localpg"
	"hromada/modules/audit"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
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

// `hromada audit verify` reports every lane of the city's log (its
// records, last seq and head) and, when one breaks, fails naming the lane
// and the record.
func TestAuditVerifyCommandNamesTheLane(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ten := tenanttest.NewTenant(t, db)
	ctx := tenant.With(t.Context(), ten)
	// Three records of one transaction: one lane, the transaction's.
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for i := range 3 {
			if _, err := audit.Record(ctx, tx, audit.Event{Action: "tenant.branding.update", ObjectType: "tenant", ObjectID: strconv.Itoa(i)}); err != nil {
				return err
			}
		}
		return nil
	}))
	super, err := pgx.Connect(t.Context(), tenanttest.Cluster(t).DSN(localpg.Superuser, db.Name))
	require.NoError(t, err)
	defer super.Close(context.WithoutCancel(t.Context()))
	var lane int
	require.NoError(t, super.QueryRow(t.Context(), `SELECT DISTINCT lane FROM audit_events WHERE tenant_id = $1`, ten.ID).Scan(&lane))
	other := (lane + 1) % audit.Lanes
	env := map[string]string{"HROMADA_DATABASE_URL": db.AppDSN, "HROMADA_DATA_DIR": t.TempDir(), "HROMADA_LOG_LEVEL": "warn"}
	code, out, errOut := runCLI(t, env, "audit", "verify", "--tenant", ten.Slug)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, fmt.Sprintf("lane %d: 3 records, last 3, head at 3: ok", lane))
	require.Contains(t, out, fmt.Sprintf("lane %d: 0 records, last 0, head at 0: ok", other))
	require.Contains(t, out, "intact: 3 records in 8 lanes")

	_, err = super.Exec(t.Context(), `SET session_replication_role = replica`)
	require.NoError(t, err)
	_, err = super.Exec(t.Context(), `UPDATE audit_events SET object_id = 'x' WHERE tenant_id = $1 AND lane = $2 AND seq = 2`, ten.ID, lane)
	require.NoError(t, err)
	code, out, errOut = runCLI(t, env, "audit", "verify", "--tenant", ten.Slug)
	require.Equal(t, exitFailed, code)
	require.Contains(t, out, fmt.Sprintf("lane %d: 3 records, last 3, head at 3: BROKEN at record 2", lane))
	require.Contains(t, out, fmt.Sprintf("lane %d: 0 records, last 0, head at 0: ok", other))
	require.Contains(t, errOut, fmt.Sprintf("broken in lane %d at record 2", lane))
}
