package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// encodingVersion is the first field of the canonical encoding, which the
// package doc describes ("The chain").
const encodingVersion = "hromada.audit.v1"

// zeroHash is the prev_hash of a chain's first row.
var zeroHash = make([]byte, sha256.Size)

// canonical is the canonical encoding of r, of tenantID's chain, whose
// details are the jsonb text details.
func canonical(tenantID uuid.UUID, r *Row, details string) []byte {
	fields := [...]string{
		encodingVersion,
		tenantID.String(),
		strconv.FormatInt(r.Seq, 10),
		r.ID.String(),
		r.At.UTC().Format(time.RFC3339Nano),
		r.Actor.ID, r.Actor.Name, r.Actor.Role,
		r.Action, r.ObjectType, r.ObjectID, string(r.Result),
		r.Request.IP, r.Request.UserAgent, r.Request.RequestID,
		details,
	}
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

// Report is what Verify found.
type Report struct {
	Rows        int64 // rows read
	HeadSeq     int64 // seq of the chain's head (0: no head)
	FirstBroken int64 // 0 if intact; else the first seq that does not verify
	Problem     Problem
	Reason      string // in plain words, for the auditor and the CLI
}

// OK says whether the chain is intact.
func (r Report) OK() bool { return r.FirstBroken == 0 }

// verifier checks rows one by one, in seq order.
type verifier struct {
	tenantID uuid.UUID
	next     int64
	prev     []byte
	rep      *Report
}

func (v *verifier) broken(seq int64, p Problem, format string, args ...any) {
	if v.rep.FirstBroken != 0 {
		return
	}
	v.rep.FirstBroken, v.rep.Problem, v.rep.Reason = seq, p, fmt.Sprintf(format, args...)
}

func (v *verifier) check(r *Row, details string) {
	v.rep.Rows++
	if v.rep.FirstBroken != 0 {
		return
	}
	switch {
	case r.Seq != v.next:
		v.broken(v.next, ProblemMissing, "row %d is missing (the next row is %d)", v.next, r.Seq)
	case !bytes.Equal(r.PrevHash, v.prev):
		v.broken(r.Seq, ProblemLink, "row %d: prev_hash is not the hash of row %d", r.Seq, r.Seq-1)
	case !bytes.Equal(chainHash(r.PrevHash, canonical(v.tenantID, r, details)), r.Hash):
		v.broken(r.Seq, ProblemHash, "row %d: its contents do not match its hash", r.Seq)
	}
	v.next, v.prev = r.Seq+1, r.Hash
}

// Verify walks the audit log of the tenant in ctx in seq order, recomputes
// every hash and compares the last row with the chain's head. It finds a
// changed field, a deleted row (a gap in seq, or a cut tail), a replaced or
// reordered hash, and a head that does not match the last row; FirstBroken
// is the first seq that does not verify.
//
// Verify does not block appends: it reads the head after the rows and then
// the rows appended meanwhile, so an append that commits during the walk is
// not mistaken for a break. A hash chain shows tampering by anyone who did
// not recompute it; against someone who can rewrite the whole table and its
// head, compare HeadSeq and Head with a copy kept elsewhere.
func Verify(ctx context.Context, tx pgx.Tx) (Report, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	v := &verifier{tenantID: t.ID, next: 1, prev: zeroHash, rep: &rep}
	walk := func(after, upTo int64) error {
		rows, err := tx.Query(ctx, `SELECT `+rowColumns+` FROM audit_events
			WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`, t.ID, after, upTo)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, details, err := scanRow(rows)
			if err != nil {
				return err
			}
			v.check(&r, details)
		}
		return rows.Err()
	}
	if err := walk(0, maxSeq); err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	last := v.next - 1
	headSeq, headHash, err := head(ctx, tx, t.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		if rep.Rows > 0 {
			v.broken(1, ProblemNoHead, "the chain has %d rows but no head", rep.Rows)
		}
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	rep.HeadSeq = headSeq
	if headSeq > last {
		// Appended while we walked, or deleted: the rows up to the head
		// we just read are committed, so they must be there now.
		if err := walk(last, headSeq); err != nil {
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		last = v.next - 1
	}
	switch {
	case headSeq > last:
		v.broken(last+1, ProblemMissing, "rows %d to %d are missing (the head is at %d)", last+1, headSeq, headSeq)
	case headSeq < last:
		v.broken(headSeq+1, ProblemBeyond, "rows %d to %d are past the head (at %d)", headSeq+1, last, headSeq)
	case !bytes.Equal(headHash, v.prev) && last > 0:
		v.broken(last, ProblemHead, "the head's hash is not the hash of row %d", last)
	case last == 0 && !bytes.Equal(headHash, zeroHash):
		v.broken(1, ProblemHead, "the head of an empty chain has a hash")
	}
	return rep, nil
}

// Head returns the seq and hash of the last row of the audit log of the
// tenant in ctx (0 and 32 zero bytes before the first), for keeping a copy
// elsewhere: a later Verify whose chain no longer reaches it shows a
// rewritten log.
func Head(ctx context.Context, tx pgx.Tx) (seq int64, hash []byte, err error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return 0, nil, err
	}
	seq, hash, err = head(ctx, tx, t.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, zeroHash, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("audit: head: %w", err)
	}
	return seq, hash, nil
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
