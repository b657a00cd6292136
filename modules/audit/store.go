package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
)

// chainAudit names lane 0 of the audit log in audit_heads: the chain all
// of a city's records were in before the lanes, continued by lane 0.
const chainAudit = "audit"

// Lanes is how many chains a city's audit log has (see "The lanes" in the
// package doc). Changing it needs no migration of the rows: Verify walks
// every lane a city has.
const Lanes = 8

// chainOf names lane's head in audit_heads: "audit" for lane 0 (the chain
// before the lanes), "audit.3" for lane 3.
func chainOf(lane int) string {
	if lane == 0 {
		return chainAudit
	}
	return chainAudit + "." + strconv.Itoa(lane)
}

// laneOf is the lane whose head is chain (chainOf's inverse); ok is false
// for a chain that is not the audit log's.
func laneOf(chain string) (lane int, ok bool) {
	if chain == chainAudit {
		return 0, true
	}
	n, found := strings.CutPrefix(chain, chainAudit+".")
	if !found {
		return 0, false
	}
	lane, err := strconv.Atoi(n)
	return lane, err == nil && lane > 0 && chainOf(lane) == chain
}

const maxSeq = math.MaxInt64

// laneSQL is the lane of the transaction's records: its id modulo Lanes,
// so every record of one transaction is in one lane (one head locked, no
// lock order between lanes to get wrong) and transactions that run at
// once have consecutive ids, so different lanes. $2 pins the lane (a
// test's Service, InLane); -1 leaves it to the transaction id.
var laneSQL = `CASE WHEN $2::int >= 0 THEN $2::int ELSE (pg_current_xact_id()::text::bigint % ` + strconv.Itoa(Lanes) + `)::int END`

// chainSQL is chainOf in SQL, of the lane expression lane.
func chainSQL(lane string) string {
	return `CASE ` + lane + ` WHEN 0 THEN '` + chainAudit + `' ELSE '` + chainAudit + `.' || ` + lane + ` END`
}

// lockHeadSQL locks the head of the transaction's lane ($1 the tenant, $2
// the pinned lane or -1) and renders $3 as the jsonb's text; it answers
// the head's seq and hash, the text and the lane.
var lockHeadSQL = `SELECT h.seq, h.hash, $3::jsonb::text, l.lane
		FROM (SELECT ` + laneSQL + ` AS lane) AS l
		JOIN audit_heads h ON h.tenant_id = $1 AND h.chain = ` + chainSQL("l.lane") + `
		FOR UPDATE OF h`

// createHeadsSQL makes all of a city's heads ($1), empty ($2 the zero
// hash), at its first record: Verify then knows a lane deleted whole with
// its head. A city made before another creates none twice. NOT EXISTS
// first: where the heads are there (committed), nothing is inserted and
// nothing waited for — ON CONFLICT alone would wait for every open
// transaction that has moved one of the city's heads.
var createHeadsSQL = `INSERT INTO audit_heads (tenant_id, chain, seq, hash)
		SELECT $1, ` + chainSQL("l") + `, 0, $2 FROM generate_series(0, ` + strconv.Itoa(Lanes-1) + `) AS l
		WHERE NOT EXISTS (SELECT FROM audit_heads WHERE tenant_id = $1)
		ON CONFLICT (tenant_id, chain) DO NOTHING`

// lockHead locks the head of the transaction's lane of tenantID's log for
// the rest of tx and returns the lane, its seq and hash, creating the
// city's heads (at 0, zero hash) if it has none. It also returns details
// as PostgreSQL renders the jsonb value: the text the row's hash covers,
// fetched in the same round trip. pin is the pinned lane, or -1.
func lockHead(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, pin int, details string) (h lockedHead, err error) {
	lock := func() error {
		return tx.QueryRow(ctx, lockHeadSQL, tenantID, pin, details).Scan(&h.seq, &h.hash, &h.canon, &h.lane)
	}
	err = lock()
	if errors.Is(err, pgx.ErrNoRows) {
		// The tenant's first event. Two first events at once: one inserts,
		// the other waits for it and inserts nothing, then both lock.
		if _, err = tx.Exec(ctx, createHeadsSQL, tenantID, zeroHash); err != nil {
			return h, fmt.Errorf("create heads: %w", err)
		}
		err = lock()
	}
	if err != nil {
		return h, fmt.Errorf("lock head: %w", err)
	}
	return h, nil
}

// lockedHead is what lockHead read: the lane, its head (seq and hash),
// and the details' text as the database renders it.
type lockedHead struct {
	lane  int
	seq   int64
	hash  []byte
	canon string
}

// appendRow completes r (lane, seq, time, hashes) as the next row of its
// lane of tenantID's log and stores it with the head moved to it.
func appendRow(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, r *Row, pin int, details string, now func() time.Time) error {
	h, err := lockHead(ctx, tx, tenantID, pin, details)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", r.Action, err)
	}
	return storeRow(ctx, tx, tenantID, r, h, now)
}

// storeRow completes r as the row after the head h, which tx holds
// locked, and stores it with the head moved to it, in one round trip. Its
// errors name the record.
func storeRow(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, r *Row, h lockedHead, now func() time.Time) error {
	b := &pgx.Batch{}
	queueRow(b, tenantID, r, h, now)
	return tx.SendBatch(ctx, b).Close()
}

// queueRow completes r as the row after the head h, which the transaction
// holds locked, and queues on b the head's move to it and its insert, as
// one statement (storeRow's; QueueAppend's, in the caller's batch, where an
// error is the batch's). One statement, not two (issue 24: each costs the
// server and pgx a statement's work): the row is inserted only when the
// head moved, so a head that is gone still inserts nothing and says so.
func queueRow(b *pgx.Batch, tenantID uuid.UUID, r *Row, h lockedHead, now func() time.Time) {
	// The time is taken under the lock, so it grows with seq in a lane.
	r.Lane, r.Seq, r.At, r.PrevHash = h.lane, h.seq+1, now(), h.hash
	r.Hash = chainHash(r.PrevHash, canonical(tenantID, r, h.canon))
	b.Queue(appendRowSQL, tenantID, r.Lane, r.Seq, r.ID, r.At, r.Actor.ID, r.Actor.Name, r.Actor.Role,
		r.Action, r.ObjectType, r.ObjectID, string(r.Result), r.Request.IP, r.Request.UserAgent, r.Request.RequestID,
		h.canon, r.PrevHash, r.Hash, chainOf(r.Lane)).Fn = func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		if err == nil && tag.RowsAffected() != 1 {
			err = errors.New("move head: the head is gone")
		}
		if err != nil {
			return fmt.Errorf("audit: record %s: %w", r.Action, err)
		}
		return nil
	}
}

// appendRowSQL moves the head of chain $19 to the row ($3 its seq, $18
// its hash) and inserts the row when it did. The head's trigger still
// refuses any move but to the next seq.
const appendRowSQL = `WITH moved AS (
		UPDATE audit_heads SET seq = $3, hash = $18 WHERE tenant_id = $1 AND chain = $19 RETURNING 1)
	INSERT INTO audit_events (tenant_id, lane, seq, id, at, actor_id, actor_name, actor_role,
			action, object_type, object_id, result, ip, user_agent, request_id, details, prev_hash, hash)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17, $18 FROM moved`

// laneHead is a lane's head as stored.
type laneHead struct {
	lane int
	seq  int64
	hash []byte
}

// heads returns the heads of tenantID's log, by lane.
func heads(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID) (map[int]laneHead, error) {
	rows, err := tx.Query(ctx, `SELECT chain, seq, hash FROM audit_heads WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, err
	}
	out := map[int]laneHead{}
	var chain string
	var h laneHead
	_, err = pgx.ForEachRow(rows, []any{&chain, &h.seq, &h.hash}, func() error {
		if lane, ok := laneOf(chain); ok {
			h.lane = lane
			out[lane] = h
		}
		return nil
	})
	return out, err
}

// rowColumns are the columns scanRow reads.
const rowColumns = `lane, seq, id, at, actor_id, actor_name, actor_role, action, object_type, object_id,
	result, ip, user_agent, request_id, details::text, prev_hash, hash`

// scanRow reads a row of rowColumns; details is the jsonb's text, which the
// hash covers.
func scanRow(rows pgx.CollectableRow) (r Row, details string, err error) {
	var result string
	err = rows.Scan(&r.Lane, &r.Seq, &r.ID, &r.At, &r.Actor.ID, &r.Actor.Name, &r.Actor.Role, &r.Action,
		&r.ObjectType, &r.ObjectID, &result, &r.Request.IP, &r.Request.UserAgent, &r.Request.RequestID,
		&details, &r.PrevHash, &r.Hash)
	if err != nil {
		return r, "", err
	}
	r.At, r.Result = r.At.UTC(), Result(result)
	r.Details, err = decodeDetails(details)
	return r, details, err
}

// decodeDetails parses a jsonb text; numbers stay json.Number, so large
// integers keep their digits.
func decodeDetails(s string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("details: %w", err)
	}
	return m, nil
}

// Filter selects rows of the audit log for Search. Zero fields select all.
type Filter struct {
	From, To time.Time // From ≤ at < To
	Actor    string    // the actor's id exactly, or a part of the name (any case)
	Action   string    // the action, or every action under it: "tenant" finds tenant.branding.update
	Result   string    // ok, denied, error
	Limit    int       // rows per page; default 100, at most MaxLimit
	Offset   int
}

// MaxLimit is the most rows Search returns at once (a CSV export's page).
const MaxLimit = 10000

// Search returns the rows of the tenant's audit log that match f, newest
// first, a page of them, and how many match in all.
//
// The denied filter (Result "denied") also finds the requests access
// control refused: a refusal changes nothing, so the guard writes it as a
// security event of kind access_denied, not as a row of the chain, and an
// auditor asking the log "who was refused?" would otherwise find nothing.
// Those come as rows with Security set, action ActionDenied, no seq and no
// hash (they are not part of the chain), the refused request (method and
// path) as the object, under the same date, actor and action filters.
func Search(ctx context.Context, tx pgx.Tx, f Filter) (rows []Row, total int, err error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, 0, err
	}
	var where, swhere []string
	args := []any{t.ID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if err := knownActor(ctx, tx, t.ID, f.Actor); err != nil {
		return nil, 0, err
	}
	where = append(where, "tenant_id = $1")
	swhere = append(swhere, "tenant_id = $1", "kind = '"+KindAccessDenied+"'")
	if !f.From.IsZero() {
		p := arg(f.From)
		where, swhere = append(where, "at >= "+p), append(swhere, "at >= "+p)
	}
	if !f.To.IsZero() {
		p := arg(f.To)
		where, swhere = append(where, "at < "+p), append(swhere, "at < "+p)
	}
	if f.Actor != "" {
		id, name := arg(f.Actor), arg(likeEscape(f.Actor))
		where = append(where, fmt.Sprintf("(actor_id = %s OR actor_name ILIKE '%%' || %s || '%%')", id, name))
		swhere = append(swhere, fmt.Sprintf("(subject = %s OR details->>'name' ILIKE '%%' || %s || '%%')", id, name))
	}
	if f.Action != "" {
		where = append(where, fmt.Sprintf("(action = %s OR action LIKE %s || '.%%')", arg(f.Action), arg(likeEscape(f.Action))))
	}
	if f.Result != "" {
		where = append(where, "result = "+arg(f.Result))
	}
	from := `(SELECT ` + rowColumns + `, false AS security FROM audit_events WHERE ` + strings.Join(where, " AND ")
	if f.Result == string(ResultDenied) && (f.Action == "" || f.Action == ActionDenied || strings.HasPrefix(ActionDenied, f.Action+".")) {
		from += ` UNION ALL SELECT 0::smallint, 0::bigint, id, at, subject, coalesce(details->>'name', ''), '', '` + ActionDenied + `',
			'request', concat_ws(' ', details->>'method', details->>'path'), '` + string(ResultDenied) + `',
			ip, user_agent, request_id, details::text, NULL::bytea, NULL::bytea, true
			FROM security_events WHERE ` + strings.Join(swhere, " AND ")
	}
	from += `) AS found`
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit: search: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxLimit)
	offset := max(f.Offset, 0)
	// Newest first across the lanes: time, then id, a total order (seq
	// repeats from lane to lane), so that pages neither skip nor repeat a
	// row; audit_events_at_id_idx serves it.
	q := `SELECT * FROM ` + from + ` ORDER BY at DESC, id DESC LIMIT ` + arg(limit) + ` OFFSET ` + arg(offset)
	res, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: search: %w", err)
	}
	rows, err = pgx.CollectRows(res, func(c pgx.CollectableRow) (Row, error) {
		var (
			r               Row
			result, details string
		)
		err := c.Scan(&r.Lane, &r.Seq, &r.ID, &r.At, &r.Actor.ID, &r.Actor.Name, &r.Actor.Role, &r.Action,
			&r.ObjectType, &r.ObjectID, &result, &r.Request.IP, &r.Request.UserAgent, &r.Request.RequestID,
			&details, &r.PrevHash, &r.Hash, &r.Security)
		if err != nil {
			return r, err
		}
		r.At, r.Result = r.At.UTC(), Result(result)
		r.Details, err = decodeDetails(details)
		return r, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("audit: search: %w", err)
	}
	return rows, total, nil
}

// likeEscape escapes LIKE's wildcards in s (the default escape is \).
func likeEscape(s string) string {
	var b bytes.Buffer
	for _, c := range s {
		if c == '\\' || c == '%' || c == '_' {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ErrUnknownActor answers a filter by an account id that no entry of the
// city's log names (another city's account, or a made-up id): 404, rather
// than an empty page that reads as "this person did nothing here".
var ErrUnknownActor = apperr.New(apperr.NotFound, "error.audit_unknown_actor")

// knownActor refuses an actor filter that is an account id the city's log
// (its events or its security events) never names; a name, or a part of
// one, is a search and may find nothing.
func knownActor(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, actor string) error {
	id, err := uuid.Parse(actor)
	if err != nil {
		return nil
	}
	var ok bool
	err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events WHERE tenant_id = $1 AND actor_id = $2)
		OR EXISTS (SELECT 1 FROM security_events WHERE tenant_id = $1 AND subject = $2)`, tenantID, id.String()).Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return ErrUnknownActor
	}
	return nil
}
