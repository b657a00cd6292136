package applications_test

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/audit"
)

// Submissions of one city at once, the number taken last in each (issue
// 24): every application gets its own number, gapless; the rows written
// with it carry it (the record, the invoice and its purpose, the notice,
// the audit record, whose details were rendered before the number was
// taken); and the city's audit log verifies in every lane.
func TestSubmitsAtOnceTakeTheNumberLast(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.NoError(t, e.exec(`UPDATE services SET content = jsonb_set(content, '{fee}',
		'{"free": false, "amount_kopecks": 2574, "iban": "UA858999980333199331000026001", "recipient": "ГУК у м. Києві/м. Київ/22012500",
		  "edrpou": "37994106", "purpose": "Адміністративний збір"}') WHERE code = 'T-2'`))
	type sub struct {
		o    applications.Owner
		p    applications.Person
		code string
		app  *applications.Application
		data []byte
		cms  []byte
	}
	subs := []*sub{{o: e.o1, p: e.r1, code: "T-1"}, {o: e.o1, p: e.r1, code: "T-2"}, {o: e.o2, p: e.r2, code: "T-1"}, {o: e.o2, p: e.r2, code: "T-2"}}
	for _, s := range subs {
		s.app = e.draft(t, s.o, s.p, s.code)
		var err error
		s.data, err = e.svc.Canonical(e.ctx, s.o, s.app.ID)
		require.NoError(t, err)
		s.cms = e.sign(t, s.p, s.data)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(subs))
	got := make([]*applications.Application, len(subs))
	for i, s := range subs {
		wg.Go(func() { got[i], _, errs[i] = e.svc.Submit(e.ctx, s.o, s.p, s.app.ID, "k-"+s.code, s.data, s.cms) })
	}
	wg.Wait()
	var numbers []string
	for i := range subs {
		require.NoError(t, errs[i])
		require.Equal(t, applications.Received, got[i].Status)
		numbers = append(numbers, got[i].Number)
		stored, _, _, err := e.svc.Get(e.ctx, subs[i].o, subs[i].app.ID)
		require.NoError(t, err)
		require.Equal(t, got[i].Number, stored.Number)
		id := got[i].ID
		require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE application_id = $1 AND args->>'Number' = $2`, id, got[i].Number))
		require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE object_id = $1 AND action = 'application.submit'
			AND details->>'number' = $2 AND details->>'status' = 'received'`, id.String(), got[i].Number))
		if subs[i].code == "T-2" {
			require.Equal(t, 1, e.count(t, `SELECT count(*) FROM invoices WHERE application_id = $1 AND number = $2
				AND purpose LIKE '%заява ' || $2 || '%'`, id, got[i].Number), "the invoice names the number")
		}
	}
	sort.Strings(numbers)
	require.Equal(t, []string{"2026-000001", "2026-000002", "2026-000003", "2026-000004"}, numbers)
	require.Equal(t, 4, e.count(t, `SELECT last FROM application_counters`))

	var rep audit.Report
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		rep, err = audit.Verify(ctx, tx)
		return err
	}))
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(4), rep.Rows)
}
