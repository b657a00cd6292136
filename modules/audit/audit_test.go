package audit_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"hromada/localpg"
	"hromada/modules/audit"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

type testBundle struct {
	db  *tenanttest.DB
	ten *tenant.Tenant
	ctx context.Context // carries ten and a request
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := tenanttest.New(t)
	ten := tenanttest.NewTenant(t, db)
	ctx := audit.WithRequest(tenant.With(t.Context(), ten),
		audit.Request{IP: "203.0.113.7", UserAgent: "Firefox/140", RequestID: "req-1"})
	return &testBundle{db: db, ten: ten, ctx: ctx}
}

// lane0 records in lane 0 only: the tests of one chain's guarantees build
// it of known seqs, whatever lanes their transactions' ids would pick.
var lane0 = audit.InLane(0)

// record appends e in a transaction of its own, in lane 0.
func record(t *testing.T, db *tenanttest.DB, ctx context.Context, e audit.Event) int64 {
	t.Helper()
	var seq int64
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		seq, err = lane0.Record(ctx, tx, e)
		return err
	}))
	return seq
}

func event(i int) audit.Event {
	return audit.Event{
		Actor:      audit.Actor{ID: "acc-" + strconv.Itoa(i%3), Name: "Олена Петренко", Role: "administrator"},
		Action:     "tenant.branding.update",
		ObjectType: "tenant",
		ObjectID:   "obj-" + strconv.Itoa(i),
		Details:    map[string]any{"i": i, "color": "#1d5fb4", "nested": map[string]any{"b": []any{1, "два"}, "a": true}},
	}
}

func verify(t *testing.T, db *tenanttest.DB, ctx context.Context) audit.Report {
	t.Helper()
	var rep audit.Report
	require.NoError(t, db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		rep, err = audit.Verify(ctx, tx)
		return err
	}))
	return rep
}

func search(t *testing.T, db *tenanttest.DB, ctx context.Context, f audit.Filter) ([]audit.Row, int) {
	t.Helper()
	var rows []audit.Row
	var total int
	require.NoError(t, db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		rows, total, err = audit.Search(ctx, tx, f)
		return err
	}))
	return rows, total
}

// superuser connects as the cluster's superuser with triggers off: what it
// takes to tamper with the log.
func superuser(t *testing.T, db *tenanttest.DB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), tenanttest.Cluster(t).DSN(localpg.Superuser, db.Name))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.WithoutCancel(t.Context())) })
	_, err = conn.Exec(t.Context(), "SET session_replication_role = replica")
	require.NoError(t, err)
	return conn
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.Truef(t, errors.As(err, &pgErr), "want SQLSTATE %s, got %v", code, err)
	require.Equalf(t, code, pgErr.Code, "%v", err)
}

func TestRecordAndVerify(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.True(t, verify(t, b.db, b.ctx).OK(), "an empty log verifies")

	for i := 1; i <= 3; i++ {
		require.Equal(t, int64(i), record(t, b.db, b.ctx, event(i)))
	}
	// Several in one transaction.
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		for i := 4; i <= 5; i++ {
			seq, err := lane0.Record(ctx, tx, event(i))
			require.NoError(t, err)
			require.Equal(t, int64(i), seq)
		}
		return nil
	}))
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(5), rep.Rows)
	require.Len(t, rep.Lanes, audit.Lanes, "the first record makes every lane's head")
	require.Equal(t, audit.LaneReport{Lane: 0, Rows: 5, LastSeq: 5, HeadSeq: 5, Head: true}, rep.Lanes[0])
	for _, l := range rep.Lanes[1:] {
		require.True(t, l.OK() && l.Head && l.Rows == 0 && l.HeadSeq == 0, "%+v", l)
	}

	rows, total := search(t, b.db, b.ctx, audit.Filter{})
	require.Equal(t, 5, total)
	require.Len(t, rows, 5)
	first := rows[4]
	require.Equal(t, int64(1), first.Seq)
	require.Equal(t, make([]byte, 32), first.PrevHash, "row 1 links to 32 zero bytes")
	require.Equal(t, rows[3].PrevHash, first.Hash)
	require.Equal(t, audit.Actor{ID: "acc-1", Name: "Олена Петренко", Role: "administrator"}, first.Actor)
	require.Equal(t, audit.ResultOK, first.Result, "an empty result is ok")
	require.Equal(t, audit.Request{IP: "203.0.113.7", UserAgent: "Firefox/140", RequestID: "req-1"}, first.Request)
	require.Equal(t, "obj-1", first.ObjectID)
	require.Equal(t, json.Number("1"), first.Details["i"])
	require.Equal(t, time.UTC, first.At.Location())
	require.WithinDuration(t, time.Now(), first.At, time.Minute)
	for _, r := range rows {
		require.NotEqual(t, uuid.Nil, r.ID)
	}

	// The hash is sha256(prev_hash || canonical row), as documented.
	var details string
	require.NoError(t, superuser(t, b.db).QueryRow(b.ctx, `SELECT details::text FROM audit_events WHERE tenant_id = $1 AND lane = 0 AND seq = 2`, b.ten.ID).Scan(&details))
	second := rows[3]
	sum := sha256.Sum256(append(append([]byte{}, second.PrevHash...), audit.Canonical(b.ten.ID, &second, details)...))
	require.Equal(t, sum[:], second.Hash)
}

// The canonical encoding is pinned: length-prefixed fields in a fixed order.
func TestCanonicalEncoding(t *testing.T) {
	t.Parallel()
	tenantID := uuid.MustParse("0190a0b0-0000-7000-8000-000000000001")
	r := audit.Row{
		Seq:        7,
		ID:         uuid.MustParse("0190a0b0-0000-7000-8000-0000000000aa"),
		At:         time.Date(2026, 5, 1, 12, 30, 0, 123456000, time.FixedZone("EEST", 3*3600)),
		Actor:      audit.Actor{ID: "a1", Name: "Іван", Role: "official"},
		Action:     "application.decide",
		ObjectType: "application",
		ObjectID:   "42",
		Result:     audit.ResultDenied,
		Request:    audit.Request{IP: "192.0.2.1", UserAgent: "ua", RequestID: "r"},
	}
	var want []byte
	for _, f := range []string{"hromada.audit.v1", tenantID.String(), "7", r.ID.String(), "2026-05-01T09:30:00.123456Z",
		"a1", "Іван", "official", "application.decide", "application", "42", "denied", "192.0.2.1", "ua", "r", `{"k": 1}`} {
		want = binary.BigEndian.AppendUint32(want, uint32(len(f)))
		want = append(want, f...)
	}
	require.Equal(t, want, audit.Canonical(tenantID, &r, `{"k": 1}`))
	prev := bytes.Repeat([]byte{0xab}, 32)
	sum := sha256.Sum256(append(append([]byte{}, prev...), want...))
	require.Equal(t, sum[:], audit.ChainHash(prev, want))

	// Lanes 1 and up: version 2, the lane after the tenant.
	r.Lane = 3
	want = nil
	for _, f := range []string{"hromada.audit.v2", tenantID.String(), "3", "7", r.ID.String(), "2026-05-01T09:30:00.123456Z",
		"a1", "Іван", "official", "application.decide", "application", "42", "denied", "192.0.2.1", "ua", "r", `{"k": 1}`} {
		want = binary.BigEndian.AppendUint32(want, uint32(len(f)))
		want = append(want, f...)
	}
	require.Equal(t, want, audit.Canonical(tenantID, &r, `{"k": 1}`))
	require.Equal(t, "3/7", r.Ref())
	r.Lane = 0
	require.Equal(t, "7", r.Ref(), "lane 0's rows keep their numbers")
}

// appendAtOnce runs workers goroutines of one city, each appending each
// records, every one in a transaction of its own, and requires that none
// failed.
func appendAtOnce(t *testing.T, b *testBundle, workers, each int, add func(ctx context.Context, tx pgx.Tx, w, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				errs <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error { return add(ctx, tx, w, i) })
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// Appends of one city at once, each in the lane of its transaction: every
// lane is gapless and verifies, and the records spread over the lanes.
func TestConcurrentAppendsMakeGaplessLanes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const workers, each = 8, 10
	appendAtOnce(t, b, workers, each, func(ctx context.Context, tx pgx.Tx, w, i int) error {
		_, err := audit.Record(ctx, tx, event(w*100+i))
		return err
	})
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(workers*each), rep.Rows)
	used := 0
	for _, l := range rep.Lanes {
		require.Equal(t, l.Rows, l.HeadSeq, "lane %d is gapless: %+v", l.Lane, l)
		if l.Rows > 0 {
			used++
		}
	}
	require.Greater(t, used, 1, "the transactions' ids spread the records over the lanes")
	rows, total := search(t, b.db, b.ctx, audit.Filter{Limit: 1000})
	require.Equal(t, workers*each, total)
	require.True(t, slices.IsSortedFunc(rows, func(x, y audit.Row) int {
		return cmp.Or(y.At.Compare(x.At), bytes.Compare(y.ID[:], x.ID[:]))
	}), "newest first across the lanes")
}

func TestRollbackLeavesNoRowAndNoGap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	record(t, b.db, b.ctx, event(1))
	boom := errors.New("the change failed")
	err := b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		seq, err := lane0.Record(ctx, tx, event(2))
		require.NoError(t, err)
		require.Equal(t, int64(2), seq)
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, total := search(t, b.db, b.ctx, audit.Filter{})
	require.Equal(t, 1, total, "the rolled-back event is not in the log")
	require.Equal(t, int64(2), record(t, b.db, b.ctx, event(3)), "seq 2 is taken again: no gap")
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(2), rep.Rows)
}

func TestRecordRefusesBadEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, e := range map[string]audit.Event{
		"NoAction":      {},
		"SpacedAction":  {Action: "tenant branding"},
		"UpperAction":   {Action: "Tenant.Update"},
		"UnknownResult": {Action: "tenant.update", Result: "maybe"},
	} {
		err := b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := audit.Record(ctx, tx, e)
			return err
		})
		require.ErrorIsf(t, err, audit.ErrInvalid, name)
	}
	_, err := audit.Record(t.Context(), nil, event(1))
	require.ErrorIs(t, err, tenant.ErrNoTenant)
	rep := verify(t, b.db, b.ctx)
	require.Zero(t, rep.Rows)
}

// Text from outside (NUL bytes, broken UTF-8, overlong values) is stored
// cleaned, never refused, and the chain still verifies.
func TestRecordCleansInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := audit.WithRequest(b.ctx, audit.Request{IP: "::1", UserAgent: string(bytes.Repeat([]byte("ж"), 1000)), RequestID: "x\x00y"})
	record(t, b.db, ctx, audit.Event{
		Actor:   audit.Actor{ID: "bad\xffutf8", Name: "nul\x00name"},
		Action:  "access.grant",
		Result:  audit.ResultDenied,
		Details: map[string]any{"text": "a\x00b", "escaped": `\u0000`, "big": uint64(12345678901234567890), "float": 1.5},
	})
	rows, _ := search(t, b.db, b.ctx, audit.Filter{})
	require.Len(t, rows, 1)
	r := rows[0]
	require.Equal(t, "bad\uFFFDutf8", r.Actor.ID)
	require.Equal(t, "nul\uFFFDname", r.Actor.Name)
	require.Equal(t, "x\uFFFDy", r.Request.RequestID)
	require.LessOrEqual(t, len(r.Request.UserAgent), 512)
	require.Equal(t, "a\uFFFDb", r.Details["text"])
	require.Equal(t, `\u0000`, r.Details["escaped"], "an escaped backslash is not a NUL")
	require.Equal(t, json.Number("12345678901234567890"), r.Details["big"])
	require.True(t, verify(t, b.db, b.ctx).OK())
}

// Each way of tampering with the log, done as a superuser with the
// append-only triggers off, is found, at the right row.
func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		tamper  func(t *testing.T, super *pgx.Conn, b *testBundle)
		broken  int64
		problem audit.Problem
	}{
		"ChangedField":    {sqlTamper(`UPDATE audit_events SET actor_name = 'Mallory' WHERE tenant_id = $1 AND seq = 3`), 3, audit.ProblemHash},
		"ChangedResult":   {sqlTamper(`UPDATE audit_events SET result = 'denied' WHERE tenant_id = $1 AND seq = 4`), 4, audit.ProblemHash},
		"ChangedDetails":  {sqlTamper(`UPDATE audit_events SET details = details || '{"i": 99}' WHERE tenant_id = $1 AND seq = 2`), 2, audit.ProblemHash},
		"ChangedTime":     {sqlTamper(`UPDATE audit_events SET at = at - interval '1 hour' WHERE tenant_id = $1 AND seq = 5`), 5, audit.ProblemHash},
		"DeletedRow":      {sqlTamper(`DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 3`), 3, audit.ProblemMissing},
		"DeletedFirstRow": {sqlTamper(`DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 1`), 1, audit.ProblemMissing},
		"DeletedTail":     {sqlTamper(`DELETE FROM audit_events WHERE tenant_id = $1 AND seq >= 4`), 4, audit.ProblemMissing},
		"DeletedAll":      {sqlTamper(`DELETE FROM audit_events WHERE tenant_id = $1`), 1, audit.ProblemMissing},
		"ReplacedHash":    {sqlTamper(`UPDATE audit_events SET hash = sha256('forged') WHERE tenant_id = $1 AND seq = 3`), 3, audit.ProblemHash},
		"SwappedHashes": {sqlTamper(`UPDATE audit_events e SET hash = o.hash FROM audit_events o
			WHERE e.tenant_id = $1 AND o.tenant_id = $1 AND (e.seq, o.seq) IN ((2, 3), (3, 2))`), 2, audit.ProblemHash},
		"ChangedPrevHash": {sqlTamper(`UPDATE audit_events SET prev_hash = sha256('x') WHERE tenant_id = $1 AND seq = 4`), 4, audit.ProblemLink},
		"ReorderedRows": {sqlTamper(`
			UPDATE audit_events SET seq = 100 WHERE tenant_id = $1 AND seq = 2;
			UPDATE audit_events SET seq = 2 WHERE tenant_id = $1 AND seq = 3;
			UPDATE audit_events SET seq = 3 WHERE tenant_id = $1 AND seq = 100`), 2, audit.ProblemLink},
		"HeadHashChanged": {sqlTamper(`UPDATE audit_heads SET hash = sha256('x') WHERE tenant_id = $1`), 5, audit.ProblemHead},
		"HeadMovedBack": {sqlTamper(`UPDATE audit_heads h SET seq = 4, hash = e.hash FROM audit_events e
			WHERE h.tenant_id = $1 AND e.tenant_id = $1 AND e.seq = 4`), 5, audit.ProblemBeyond},
		"HeadDeleted": {sqlTamper(`DELETE FROM audit_heads WHERE tenant_id = $1`), 1, audit.ProblemNoHead},
		// Someone who knows the encoding rewrites row 3 and its hash: the
		// link from row 4 breaks.
		"RowRewrittenWithItsHash": {func(t *testing.T, super *pgx.Conn, b *testBundle) {
			rows, _ := search(t, b.db, b.ctx, audit.Filter{})
			r := rows[2]
			require.Equal(t, int64(3), r.Seq)
			r.Actor.Name = "Mallory"
			var details string
			require.NoError(t, super.QueryRow(t.Context(), `SELECT details::text FROM audit_events WHERE tenant_id = $1 AND seq = 3`, b.ten.ID).Scan(&details))
			hash := audit.ChainHash(r.PrevHash, audit.Canonical(b.ten.ID, &r, details))
			_, err := super.Exec(t.Context(), `UPDATE audit_events SET actor_name = $2, hash = $3 WHERE tenant_id = $1 AND seq = 3`, b.ten.ID, r.Actor.Name, hash)
			require.NoError(t, err)
		}, 4, audit.ProblemLink},
		// Another tenant's valid row put in place of one of ours: the
		// tenant is part of what the hash covers.
		"RowCopiedFromAnotherTenant": {func(t *testing.T, super *pgx.Conn, b *testBundle) {
			other := tenanttest.NewTenant(t, b.db)
			ctx := tenant.With(t.Context(), other)
			for i := 1; i <= 3; i++ {
				record(t, b.db, ctx, event(i))
			}
			_, err := super.Exec(t.Context(), `
				DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 1;
				INSERT INTO audit_events SELECT $1, seq, id, at, actor_id, actor_name, actor_role, action, object_type,
				    object_id, result, ip, user_agent, request_id, details, prev_hash, hash
				FROM audit_events WHERE tenant_id = $2 AND seq = 1`, pgx.QueryExecModeSimpleProtocol, b.ten.ID, other.ID)
			require.NoError(t, err)
		}, 1, audit.ProblemHash},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			for i := 1; i <= 5; i++ {
				record(t, b.db, b.ctx, event(i))
			}
			require.True(t, verify(t, b.db, b.ctx).OK())
			tc.tamper(t, superuser(t, b.db), b)
			rep := verify(t, b.db, b.ctx)
			require.Equalf(t, tc.broken, rep.FirstBroken, "report: %+v", rep)
			require.Equalf(t, tc.problem, rep.Problem, "report: %+v", rep)
			require.NotEmpty(t, rep.Reason)
			require.False(t, rep.OK())
		})
	}
}

func sqlTamper(sql string) func(t *testing.T, super *pgx.Conn, b *testBundle) {
	return func(t *testing.T, super *pgx.Conn, b *testBundle) {
		t.Helper()
		// Simple protocol: some tampering takes several statements.
		_, err := super.Exec(t.Context(), sql, pgx.QueryExecModeSimpleProtocol, b.ten.ID)
		require.NoError(t, err)
	}
}

// Neither the application nor the owner can change or remove a row of the
// log; the head only moves forward.
func TestLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	record(t, b.db, b.ctx, event(1))
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return audit.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindSigninFailed, Subject: "1234567890"})
	}))
	app := func(sql string) error {
		return b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql)
			return err
		})
	}
	for _, sql := range []string{
		"UPDATE audit_events SET actor_name = 'Mallory'",
		"UPDATE audit_events SET tenant_id = tenant_id",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
		"UPDATE security_events SET subject = 'x'",
		"UPDATE security_events SET tenant_id = tenant_id",
		"DELETE FROM security_events",
		"UPDATE audit_heads SET seq = seq - 1",
		"UPDATE audit_heads SET hash = sha256('x')",
		"DELETE FROM audit_heads",
	} {
		requireCode(t, app(sql), "42501")
	}
	// The owner too (it is under FORCE ROW LEVEL SECURITY, so it sets the
	// tenant to see the rows at all).
	owner := func(sql string) error {
		return pgx.BeginFunc(b.ctx, b.db.Owner, func(tx pgx.Tx) error {
			if _, err := tx.Exec(b.ctx, "SELECT set_config('app.tenant_id', $1, true)", b.ten.ID.String()); err != nil {
				return err
			}
			tag, err := tx.Exec(b.ctx, sql)
			if err == nil {
				return fmt.Errorf("%s: %d rows changed", sql, tag.RowsAffected())
			}
			return err
		})
	}
	for _, sql := range []string{
		"UPDATE audit_events SET actor_name = 'Mallory'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events CASCADE",
		"DELETE FROM security_events",
		"TRUNCATE security_events",
		"DELETE FROM audit_heads",
	} {
		requireCode(t, owner(sql), "42501")
	}
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(1), rep.Rows)
}

// A tenant that is deleted takes its log with it: the one delete the
// append-only triggers allow.
func TestTenantDeletionRemovesItsLog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	record(t, b.db, b.ctx, event(1))
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return audit.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindAccessDenied})
	}))
	_, err := b.db.Owner.Exec(b.ctx, "DELETE FROM tenants WHERE id = $1", b.ten.ID)
	require.NoError(t, err)
	super := superuser(t, b.db)
	for _, table := range []string{"audit_events", "audit_heads", "security_events"} {
		var n int
		require.NoError(t, super.QueryRow(b.ctx, "SELECT count(*) FROM "+table).Scan(&n))
		require.Zero(t, n, table)
	}
}

func TestChainsArePerTenant(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := tenanttest.NewTenant(t, b.db)
	ctxB := tenant.With(t.Context(), other)
	for i := 1; i <= 3; i++ {
		require.Equal(t, int64(i), record(t, b.db, b.ctx, event(i)))
	}
	require.Equal(t, int64(1), record(t, b.db, ctxB, event(10)), "B's chain starts at 1")
	require.Equal(t, int64(4), record(t, b.db, b.ctx, event(4)))
	require.Equal(t, int64(2), record(t, b.db, ctxB, event(11)))

	repA, repB := verify(t, b.db, b.ctx), verify(t, b.db, ctxB)
	require.True(t, repA.OK(), repA.Reason)
	require.True(t, repB.OK(), repB.Reason)
	require.Equal(t, int64(4), repA.Rows)
	require.Equal(t, int64(2), repB.Rows)
	rows, total := search(t, b.db, ctxB, audit.Filter{})
	require.Equal(t, 2, total)
	require.Equal(t, "obj-11", rows[0].ObjectID)

	// Tampering with A's log does not touch B's.
	_, err := superuser(t, b.db).Exec(t.Context(), "DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 2", b.ten.ID)
	require.NoError(t, err)
	require.Equal(t, int64(2), verify(t, b.db, b.ctx).FirstBroken)
	require.True(t, verify(t, b.db, ctxB).OK())

	var hs []audit.LaneHead
	require.NoError(t, b.db.App.ReadTx(ctxB, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		hs, err = audit.Heads(ctx, tx)
		return err
	}))
	require.Len(t, hs, audit.Lanes)
	require.Equal(t, audit.LaneHead{Lane: 0, Seq: 2, Hash: rows[0].Hash}, hs[0])
}

func TestSearch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := tenanttest.NewTenant(t, b.db)
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var now time.Time
	svc := audit.InLane(0)
	svc.Now = func() time.Time { return now }
	add := func(ctx context.Context, at time.Time, e audit.Event) {
		now = at
		require.NoError(t, b.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.Record(ctx, tx, e)
			return err
		}))
	}
	olena := audit.Actor{ID: "acc-olena", Name: "Олена Петренко", Role: "administrator"}
	ivan := audit.Actor{ID: "acc-ivan", Name: "Ivan Franko", Role: "official"}
	add(b.ctx, base, audit.Event{Actor: olena, Action: "tenant.branding.update"})
	add(b.ctx, base.Add(time.Hour), audit.Event{Actor: ivan, Action: "application.decide", Result: audit.ResultDenied})
	add(b.ctx, base.Add(2*time.Hour), audit.Event{Actor: olena, Action: "access.grant"})
	add(b.ctx, base.Add(3*time.Hour), audit.Event{Action: "tenantx.cleanup", Result: audit.ResultError})
	add(b.ctx, base.Add(4*time.Hour), audit.Event{Actor: ivan, Action: "tenant.domain.add"})
	add(tenant.With(t.Context(), other), base, audit.Event{Actor: olena, Action: "tenant.branding.update"})

	seqs := func(f audit.Filter) ([]int64, int) {
		rows, total := search(t, b.db, b.ctx, f)
		out := []int64{}
		for _, r := range rows {
			out = append(out, r.Seq)
		}
		return out, total
	}
	for name, tc := range map[string]struct {
		f     audit.Filter
		want  []int64
		total int
	}{
		"All":              {audit.Filter{}, []int64{5, 4, 3, 2, 1}, 5},
		"ActorID":          {audit.Filter{Actor: "acc-olena"}, []int64{3, 1}, 2},
		"ActorName":        {audit.Filter{Actor: "Петренко"}, []int64{3, 1}, 2},
		"ActorNameAnyCase": {audit.Filter{Actor: "franko"}, []int64{5, 2}, 2},
		"ActorWildcard":    {audit.Filter{Actor: "%"}, []int64{}, 0},
		"ActionExact":      {audit.Filter{Action: "access.grant"}, []int64{3}, 1},
		"ActionPrefix":     {audit.Filter{Action: "tenant"}, []int64{5, 1}, 2},
		"ActionWildcard":   {audit.Filter{Action: "tenant_"}, []int64{}, 0},
		"Result":           {audit.Filter{Result: "denied"}, []int64{2}, 1},
		"From":             {audit.Filter{From: base.Add(3 * time.Hour)}, []int64{5, 4}, 2},
		"To":               {audit.Filter{To: base.Add(time.Hour)}, []int64{1}, 1},
		"Range":            {audit.Filter{From: base.Add(time.Hour), To: base.Add(3 * time.Hour)}, []int64{3, 2}, 2},
		"Page":             {audit.Filter{Limit: 2, Offset: 1}, []int64{4, 3}, 5},
		"PastTheEnd":       {audit.Filter{Limit: 2, Offset: 10}, []int64{}, 5},
		"Combined":         {audit.Filter{Actor: "acc-ivan", Action: "tenant", From: base}, []int64{5}, 1},
	} {
		got, total := seqs(tc.f)
		require.Equalf(t, tc.want, got, name)
		require.Equalf(t, tc.total, total, name)
	}
	rows, _ := search(t, b.db, b.ctx, audit.Filter{Action: "application.decide"})
	require.Equal(t, base.Add(time.Hour), rows[0].At)
	require.Equal(t, ivan, rows[0].Actor)
}

// The denied filter finds the refused requests (security events of kind
// access_denied) beside the log's own denied rows, under the same date and
// actor filters; no other filter shows them. An event recorded for the
// signed-in person's account without a name takes theirs.
func TestSearchDeniedAndTheActorsName(t *testing.T) {
	t.Parallel()
	b := setup(t)
	svc := audit.New(b.db.App, nil)
	ctx := audit.WithActor(b.ctx, audit.Actor{ID: "acc-7", Name: "Кравченко Сергій"})
	record(t, b.db, ctx, audit.Event{Actor: audit.Actor{ID: "acc-7"}, Action: "access.grant", ObjectType: "access_grant", ObjectID: "g-1"})
	record(t, b.db, ctx, audit.Event{Actor: audit.Actor{ID: "acc-8"}, Action: "access.block", ObjectType: "access_grant", ObjectID: "g-2"})
	record(t, b.db, ctx, audit.Event{Actor: audit.Actor{ID: "acc-7"}, Action: "access.grant", Result: audit.ResultDenied})
	require.NoError(t, b.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return svc.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindAccessDenied, Subject: "acc-7",
			Details: map[string]any{"name": "Кравченко Сергій", "method": "GET", "path": "/admin/audit"}})
	}))
	require.NoError(t, b.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return svc.RecordSecurity(ctx, tx, audit.SecurityEvent{Kind: audit.KindSigninFailed, Subject: "203.0.113.7"})
	}))

	rows, n := search(t, b.db, b.ctx, audit.Filter{})
	require.Equal(t, 3, n, "no security event without the denied filter")
	require.Equal(t, "Кравченко Сергій", rows[2].Actor.Name, "named from the signed-in person")
	require.Empty(t, rows[1].Actor.Name, "another account is not named after the signed-in person")

	rows, n = search(t, b.db, b.ctx, audit.Filter{Result: "denied"})
	require.Equal(t, 2, n)
	require.True(t, rows[0].Security)
	require.Equal(t, audit.ActionDenied, rows[0].Action)
	require.Equal(t, "GET /admin/audit", rows[0].ObjectID)
	require.Equal(t, "Кравченко Сергій", rows[0].Actor.Name)
	require.Equal(t, audit.ResultDenied, rows[0].Result)
	require.Zero(t, rows[0].Seq)
	require.False(t, rows[1].Security)
	require.Equal(t, int64(3), rows[1].Seq)

	_, n = search(t, b.db, b.ctx, audit.Filter{Result: "denied", Actor: "кравч"})
	require.Equal(t, 2, n, "by name, any case")
	_, n = search(t, b.db, b.ctx, audit.Filter{Result: "denied", Actor: "acc-8"})
	require.Zero(t, n)
	_, n = search(t, b.db, b.ctx, audit.Filter{Result: "denied", Action: "access.grant"})
	require.Equal(t, 1, n, "an action filter other than access.denied leaves the refusals out")
	_, n = search(t, b.db, b.ctx, audit.Filter{Result: "denied", From: time.Now().Add(time.Hour)})
	require.Zero(t, n, "the date range holds for the refusals too")
}

// A record queued in the caller's batch (Queue, then Append) is a link of
// the same chain as Record's: the tenant's very first event too (no head
// yet), mixed with Record's appends from other transactions at once, and
// a bad event is refused before anything is queued.
func TestQueuedRecordsChainWithRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	svc := audit.New(nil, nil)
	queued := func(ctx context.Context, tx pgx.Tx, e audit.Event) (int64, error) {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT 1`) // the caller's own statements ride along
		p, err := svc.Queue(ctx, batch, e)
		if err != nil {
			return 0, err
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return 0, err
		}
		return p.Append(ctx, tx)
	}
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		seq, err := queued(ctx, tx, event(1))
		require.Equal(t, int64(1), seq, "the first event makes the head")
		return err
	}))

	const workers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				errs <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
					_, err := queued(ctx, tx, event(1000+w*100+i))
					return err
				})
				errs <- b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
					_, err := audit.Record(ctx, tx, event(2000+w*100+i))
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	rep := verify(t, b.db, b.ctx)
	require.True(t, rep.OK(), rep.Reason)
	require.Equal(t, int64(1+2*workers*each), rep.Rows)

	_, err := svc.Queue(b.ctx, &pgx.Batch{}, audit.Event{Action: "Not Dotted"})
	require.ErrorIs(t, err, audit.ErrInvalid)
}
