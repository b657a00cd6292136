package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// encodingVersion is the first field of the canonical encoding of lane
// 0's rows, and encodingLanes of the other lanes', which adds the lane; the
// package doc describes both ("The chain").
const (
	encodingVersion = "hromada.audit.v1"
	encodingLanes   = "hromada.audit.v2"
)

// zeroHash is the prev_hash of a chain's first row.
var zeroHash = make([]byte, sha256.Size)

// canonical is the canonical encoding of r, of tenantID's log, whose
// details are the jsonb text details: v1 in lane 0 (every row before the
// lanes, which verify unchanged), v2 with the lane after the tenant in the
// others.
func canonical(tenantID uuid.UUID, r *Row, details string) []byte {
	fields := make([]string, 0, 17)
	if r.Lane == 0 {
		fields = append(fields, encodingVersion, tenantID.String())
	} else {
		fields = append(fields, encodingLanes, tenantID.String(), strconv.Itoa(r.Lane))
	}
	fields = append(fields,
		strconv.FormatInt(r.Seq, 10),
		r.ID.String(),
		r.At.UTC().Format(time.RFC3339Nano),
		r.Actor.ID, r.Actor.Name, r.Actor.Role,
		r.Action, r.ObjectType, r.ObjectID, string(r.Result),
		r.Request.IP, r.Request.UserAgent, r.Request.RequestID,
		details,
	)
	n := 0
	for _, f := range fields {
		n += 4 + len(f)
	}
	out := make([]byte, 0, n)
	for _, f := range fields {
		out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return out
}

// chainHash is SHA-256(prev || canonical).
func chainHash(prev, canonical []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(canonical)
	return h.Sum(nil)
}

// Problem is the kind of break Verify found.
type Problem string

// The breaks of a chain.
const (
	ProblemNone    Problem = ""        // the chain is intact
	ProblemMissing Problem = "missing" // a row is missing: a gap in seq, or a cut tail
	ProblemLink    Problem = "link"    // a row's prev_hash is not the hash of the row before
	ProblemHash    Problem = "hash"    // a row's contents do not match its hash
	ProblemHead    Problem = "head"    // the head does not name the last row
	ProblemNoHead  Problem = "no_head" // rows exist but the head is gone
	ProblemBeyond  Problem = "beyond"  // rows exist past the head
)

// Report is what Verify found: every lane of the city's log, and the
// first break of the first broken lane.
type Report struct {
	Rows        int64 // rows read, in all lanes
	Lanes       []LaneReport
	Lane        int   // the lane of FirstBroken
	FirstBroken int64 // 0 if intact; else the first seq of Lane that does not verify
	Problem     Problem
	Reason      string // in plain words, naming the lane, for the auditor and the CLI
}

// OK says whether every lane is intact.
func (r Report) OK() bool { return r.FirstBroken == 0 }

// LaneReport is what Verify found in one lane.
type LaneReport struct {
	Lane        int
	Rows        int64 // rows read
	LastSeq     int64 // seq of the last row read (0: none)
	HeadSeq     int64 // seq of the lane's head (0: none, or no head)
	Head        bool  // the lane has a head
	FirstBroken int64 // 0 if intact; else the first seq that does not verify
	Problem     Problem
	Reason      string
}

// OK says whether the lane is intact.
func (r LaneReport) OK() bool { return r.FirstBroken == 0 }

// verifier checks the rows of one lane one by one, in seq order.
type verifier struct {
	tenantID uuid.UUID
	next     int64
	prev     []byte
	rep      *LaneReport
}

func (v *verifier) broken(seq int64, p Problem, format string, args ...any) {
	if v.rep.FirstBroken != 0 {
		return
	}
	v.rep.FirstBroken, v.rep.Problem = seq, p
	v.rep.Reason = fmt.Sprintf("lane %d: ", v.rep.Lane) + fmt.Sprintf(format, args...)
}

func (v *verifier) check(r *Row, details string) {
	v.rep.Rows++
	v.rep.LastSeq = r.Seq
	// Past a break the rows are counted, not checked: the first break is
	// the one reported. Where the walk is (next) still follows the rows,
	// so the rows up to the head are not read twice.
	if v.rep.FirstBroken == 0 {
		switch {
		case r.Seq != v.next:
			v.broken(v.next, ProblemMissing, "row %d is missing (the next row is %d)", v.next, r.Seq)
		case !bytes.Equal(r.PrevHash, v.prev):
			v.broken(r.Seq, ProblemLink, "row %d: prev_hash is not the hash of row %d", r.Seq, r.Seq-1)
		case !bytes.Equal(chainHash(r.PrevHash, canonical(v.tenantID, r, details)), r.Hash):
			v.broken(r.Seq, ProblemHash, "row %d: its contents do not match its hash", r.Seq)
		}
	}
	v.next, v.prev = r.Seq+1, r.Hash
}

// Verify walks every lane of the audit log of the tenant in ctx in seq
// order, recomputes every hash and compares each lane's last row with its
// head. It finds a changed field, a deleted row (a gap in seq, or a cut
// tail), a replaced or reordered hash, a row moved to another lane, a head
// that does not match its lane's last row, and a lane whose head is gone
// (a city with heads has all Lanes of them: the first record makes them);
// FirstBroken is the first seq of Lane that does not verify.
//
// Verify does not block appends: it reads the heads after the rows and
// then the rows appended meanwhile, so an append that commits during the
// walk is not mistaken for a break. A hash chain shows tampering by anyone
// who did not recompute it; against someone who can rewrite a whole lane
// and its head, compare the heads with a copy kept elsewhere (Heads).
func Verify(ctx context.Context, tx pgx.Tx) (Report, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return Report{}, err
	}
	lanes := map[int]*verifier{}
	laneOfRow := func(lane int) *verifier {
		v, ok := lanes[lane]
		if !ok {
			v = &verifier{tenantID: t.ID, next: 1, prev: zeroHash, rep: &LaneReport{Lane: lane}}
			lanes[lane] = v
		}
		return v
	}
	walk := func(lane int, after, upTo int64) error {
		q, args := `SELECT `+rowColumns+` FROM audit_events WHERE tenant_id = $1 ORDER BY lane, seq`, []any{t.ID}
		if lane >= 0 {
			q, args = `SELECT `+rowColumns+` FROM audit_events
				WHERE tenant_id = $1 AND lane = $2 AND seq > $3 AND seq <= $4 ORDER BY seq`, []any{t.ID, lane, after, upTo}
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, details, err := scanRow(rows)
			if err != nil {
				return err
			}
			laneOfRow(r.Lane).check(&r, details)
		}
		return rows.Err()
	}
	if err := walk(-1, 0, maxSeq); err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	hs, err := heads(ctx, tx, t.ID)
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	if len(hs) > 0 {
		// A city with a log has every lane's head from its first record.
		for lane := range Lanes {
			laneOfRow(lane)
		}
	}
	for lane, h := range hs {
		v := laneOfRow(lane)
		if last := v.next - 1; h.seq > last {
			// Appended while we walked, or deleted: the rows up to the head
			// we just read are committed, so they must be there now.
			if err := walk(lane, last, h.seq); err != nil {
				return Report{}, fmt.Errorf("audit: verify: %w", err)
			}
		}
	}
	var rep Report
	for _, lane := range slices.Sorted(maps.Keys(lanes)) {
		v := lanes[lane]
		h, ok := hs[lane]
		v.rep.HeadSeq, v.rep.Head = h.seq, ok
		last := v.next - 1
		switch {
		case !ok && v.rep.Rows > 0:
			v.broken(1, ProblemNoHead, "the lane has %d rows but no head", v.rep.Rows)
		case !ok:
			v.broken(1, ProblemNoHead, "the lane's head is gone (a city's log has a head for each of its %d lanes)", Lanes)
		case h.seq > last:
			v.broken(last+1, ProblemMissing, "rows %d to %d are missing (the head is at %d)", last+1, h.seq, h.seq)
		case h.seq < last:
			v.broken(h.seq+1, ProblemBeyond, "rows %d to %d are past the head (at %d)", h.seq+1, last, h.seq)
		case !bytes.Equal(h.hash, v.prev) && last > 0:
			v.broken(last, ProblemHead, "the head's hash is not the hash of row %d", last)
		case last == 0 && !bytes.Equal(h.hash, zeroHash):
			v.broken(1, ProblemHead, "the head of an empty lane has a hash")
		}
		rep.Rows += v.rep.Rows
		rep.Lanes = append(rep.Lanes, *v.rep)
		if !v.rep.OK() && rep.OK() {
			rep.Lane, rep.FirstBroken, rep.Problem, rep.Reason = lane, v.rep.FirstBroken, v.rep.Problem, v.rep.Reason
		}
	}
	return rep, nil
}

// LaneHead is the last row of a lane, as its head names it.
type LaneHead struct {
	Lane int
	Seq  int64  // 0 before the lane's first row
	Hash []byte // 32 zero bytes before the first row
}

// Heads returns the heads of every lane of the audit log of the tenant in
// ctx (none before its first record), by lane, for keeping a copy
// elsewhere: a later Verify whose lanes no longer reach them shows a
// rewritten log.
func Heads(ctx context.Context, tx pgx.Tx) ([]LaneHead, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	hs, err := heads(ctx, tx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("audit: heads: %w", err)
	}
	out := make([]LaneHead, 0, len(hs))
	for _, lane := range slices.Sorted(maps.Keys(hs)) {
		out = append(out, LaneHead{Lane: lane, Seq: hs[lane].seq, Hash: hs[lane].hash})
	}
	return out, nil
}

// VerifyLog walks the audit log of the tenant in ctx (Verify) in one read
// transaction: what `hromada audit verify` reports.
func (s *Service) VerifyLog(ctx context.Context) (Report, error) {
	var rep Report
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		rep, err = Verify(ctx, tx)
		return err
	})
	return rep, err
}
