// Package audit is the audit log and the security events of a tenant (КСЗІ:
// registration of events, and their integrity).
//
// Every change worth answering for is recorded with Record in the caller's
// own tenant transaction, so the audit row commits or rolls back with the
// change it describes:
//
//	err := db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
//		if err := changeBranding(ctx, tx, b); err != nil {
//			return err
//		}
//		_, err := audit.Record(ctx, tx, audit.Event{
//			Actor: actor, Action: "tenant.branding.update",
//			ObjectType: "tenant", ObjectID: t.ID.String(),
//		})
//		return err
//	})
//
// The log of each tenant is Lanes hash chains, its lanes (see below): row n
// of a lane carries the hash of row n-1 of that lane, and the lane's head
// (audit_heads) the hash of its last row, so Verify finds a changed,
// deleted, reordered or replaced row and a cut tail in every lane. The
// tables are append-only: the application role may not change or delete a
// row, and triggers refuse it even to the owner.
//
// # The lanes
//
// An append locks its chain's head until the transaction ends: that is
// what makes seq gapless and the chain a single line. With one chain per
// city every submission of a city queued on that one row, held over the
// rest of the submission's transaction and its commit (issue 24, W2). So a
// city's log is Lanes (8) chains, each with its own head and its own seq,
// and a record goes to the lane of its transaction: the transaction id
// modulo Lanes. Every record of a transaction is in one lane (one head
// locked, no order between two heads to deadlock on), and transactions
// running at once have consecutive ids, so mostly different lanes: eight
// submissions of a city chain at once. This was chosen over an unchained
// tail that a chainer links in order later: the submission is CPU-bound on
// a 2-core machine, and the tail costs a second write of every row and a
// job or a chainer's pass per batch, where the lanes cost nothing more per
// record (the same insert and head update, a different head row). Every
// guarantee of the single chain holds per lane; the lanes together are
// ordered by time (at, then id), which is how the auditor's pages list
// them.
//
// The rows from before the lanes are lane 0, whose head is the old head
// (chain "audit"): lane 0 continues that chain in encoding v1, so nothing
// was rewritten. The other lanes' heads are chains "audit.1" … "audit.7".
// A city's first record makes all its heads, so Verify also finds a lane
// deleted together with its head.
//
// # The chain
//
// hash = SHA-256(prev_hash || canonical), where prev_hash is the hash of the
// lane's previous row (32 zero bytes for row 1) and canonical is, in
// version 1 (lane 0), a sequence of fields, each written as its length (4
// bytes, big-endian, unsigned) followed by its bytes, in this order:
//
//	"hromada.audit.v1"  the version of the encoding
//	tenant_id           lower-case hyphenated UUID (a row cannot move to another chain)
//	seq                 decimal
//	id                  lower-case hyphenated UUID
//	at                  UTC, time.RFC3339Nano, to the microsecond (what timestamptz keeps):
//	                    2026-05-01T09:30:00.123456Z
//	actor_id, actor_name, actor_role, action, object_type, object_id,
//	result, ip, user_agent, request_id
//	                    UTF-8, as stored
//	details             PostgreSQL's text output of the stored jsonb (details::text:
//	                    keys ordered, ", " and ": " between items)
//
// Version 2 (lanes 1 and up) is version 1 with "hromada.audit.v2" first and
// the lane, in decimal, after tenant_id: a row cannot move to another lane.
//
// # Security events
//
// Security events (failed sign-ins, denied access, lockouts…) go to
// RecordSecurity; the lockout counters with their back-off are
// RegisterFailure, Locked and ResetFailures. Search and WriteCSV serve the
// auditor's console.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hromada/tenant"
)

// Actor is who did what an event records: a person by the id of their
// account, or the system (an empty ID), e.g. a job.
type Actor struct {
	ID   string // account id; "" for the system
	Name string // the person's name as shown to the auditor
	Role string // the role the person acted in, e.g. administrator
}

// RoleAutomatic is the Role of the automatic mode's Actor (no account, no
// name): an application decided and issued by Hromada itself.
const RoleAutomatic = "automatic"

// RolePlatform is the Role of the platform operator's Actor when it sets up
// a tenant's first administrator (access's bootstrap).
const RolePlatform = "platform"

type actorKey struct{}

// WithActor puts the signed-in person into ctx (identity's session does):
// an event recorded for their account without a name takes theirs, so an
// administrator's grant, a policy change or a decided request carries who
// made it, not only an account id.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the signed-in person WithActor put into ctx.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Result is how the recorded action ended.
type Result string

// The results of an action.
const (
	ResultOK     Result = "ok"     // done
	ResultDenied Result = "denied" // refused by access control
	ResultError  Result = "error"  // failed
)

func (r Result) valid() bool { return r == ResultOK || r == ResultDenied || r == ResultError }

// Event is one entry of the audit log, as its author gives it. Who, where
// from and when are filled by Record: the request from the context (see
// Middleware), the time from the Service's clock.
type Event struct {
	Actor      Actor
	Action     string // dotted, lower case: tenant.branding.update, access.grant
	ObjectType string // what was acted on: tenant, account, application…
	ObjectID   string
	Result     Result         // "" means ResultOK
	Details    map[string]any // anything else worth keeping; stored as jsonb
}

// Row is an entry of the audit log as stored.
type Row struct {
	Lane       int   // the chain of the city's log it is in, 0 to Lanes-1
	Seq        int64 // 1, 2, 3… per lane of a tenant, without gaps
	ID         uuid.UUID
	At         time.Time // UTC, microseconds
	Actor      Actor
	Action     string
	ObjectType string
	ObjectID   string
	Result     Result
	Request    Request
	Details    map[string]any
	PrevHash   []byte // the hash of row Seq-1 of the lane; 32 zero bytes for row 1
	Hash       []byte // sha256(PrevHash || Canonical(row))
	// Security marks a refused request Search's denied filter adds from
	// the security events: not a row of the chain (Seq 0, no hashes).
	Security bool
}

// Ref names the row for the auditor: its seq in lane 0 (the chain before
// the lanes, so the old rows keep their numbers), "lane/seq" in the others
// ("3/17"); "" for a refused request (Security), which is not in a chain.
func (r Row) Ref() string {
	return rowRef(r.Security, r.Lane, r.Seq)
}

func rowRef(security bool, lane int, seq int64) string {
	switch {
	case security || seq == 0:
		return ""
	case lane == 0:
		return strconv.FormatInt(seq, 10)
	}
	return strconv.Itoa(lane) + "/" + strconv.FormatInt(seq, 10)
}

// ErrInvalid is returned for an event Record refuses: no action, an action
// or kind not in dotted lower case, an unknown result.
var ErrInvalid = errors.New("audit: invalid event")

// Service records events with its clock and applies its lockout policy.
// Its methods that take a pgx.Tx write in the caller's transaction; the
// others (the auditor's searches) are one read transaction each, in the
// tenant in ctx, and need a Service made by New. The zero value records in
// the caller's transaction: time.Now and DefaultPolicy.
type Service struct {
	// Now is the clock; one call per recorded event. Defaults to time.Now.
	// Tests set it to move time without sleeping.
	Now func() time.Time
	// Policy is the lockout policy of RegisterFailure; zero fields take
	// DefaultPolicy's.
	Policy Policy
	// Notify puts a lockout's notice in the administrators' cabinet inbox
	// (the root wires the applications module's). Nil: no notice, the
	// outbox message only.
	Notify NotifyFunc

	db  *tenant.DB
	log *slog.Logger
	// pin is the lane every record goes to, pinned by a test (InLane);
	// 0 leaves it to the transaction (pin-1 is the lane otherwise).
	pin int
}

// lane is the pinned lane for lockHeadSQL, or -1: the transaction's.
func (s *Service) lane() int {
	if s == nil {
		return -1
	}
	return s.pin - 1
}

// New returns a Service over the tenant tables reached through db, logging
// what it cannot return (log nil: discarded).
func New(db *tenant.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, log: log}
}

// now is the Service's time, in UTC and to the microsecond (what
// timestamptz keeps, so a row hashes the same before and after storage).
func (s *Service) now() time.Time {
	now := time.Now
	if s != nil && s.Now != nil {
		now = s.Now
	}
	return now().UTC().Truncate(time.Microsecond)
}

var std = &Service{}

// Record appends e to the audit log of the tenant in ctx, inside tx (the
// caller's tenant.Tx), and returns its seq. See Service.Record.
func Record(ctx context.Context, tx pgx.Tx, e Event) (seq int64, err error) {
	return std.Record(ctx, tx, e)
}

// Record appends e to the audit log of the tenant in ctx, inside tx, the
// caller's tenant transaction: the row commits or rolls back with the change
// it records. It locks the head of the transaction's lane until tx ends, so
// the appends of one lane serialize (keep tx short after Record) and seq
// has no gaps in a lane; every record of tx is in the same lane. The
// request (IP, user agent, request id) comes from ctx.
//
// An error means the event is not recorded and tx is no longer usable: the
// caller must roll back, so nothing happens that the log does not show.
func (s *Service) Record(ctx context.Context, tx pgx.Tx, e Event) (seq int64, err error) {
	r, err := s.record(ctx, tx, e)
	return r.Seq, err
}

// record is Record, answering the whole row (its lane and seq name it).
func (s *Service) record(ctx context.Context, tx pgx.Tx, e Event) (Row, error) {
	tenantID, r, details, err := s.prepare(ctx, e)
	if err != nil {
		return Row{}, err
	}
	if err := appendRow(ctx, tx, tenantID, &r, s.lane(), details, s.now); err != nil {
		return Row{}, err
	}
	return r, nil
}

// Pending is a record whose lane's head is locked in the caller's pipeline
// (Queue) and which Append then stores: the head's read rides in a batch
// of the caller's own writes instead of a round trip of its own.
type Pending struct {
	s        *Service
	tenantID uuid.UUID
	row      Row
	details  string
	// what the queued lock read: the lane, its head, and the details as
	// the database renders them; found is false when the tenant has no
	// heads yet.
	found bool
	head  lockedHead
	// later are the stand-ins of the details Fill gives later, by key.
	later map[string]string
}

// Queue checks e as Record does and queues on b the lock of the head of
// the transaction's lane (held until tx ends, as Record's). After b is
// sent in tx, Append or QueueAppend stores the record; an error of the
// queued read is the batch's.
//
// later names details known only after b has been sent (the application's
// number, which Submit takes last, when the counter's lock is held until
// COMMIT): each is recorded as a unique stand-in that Fill replaces
// before the record is stored, so the database's rendering of the details,
// which the hash covers, is read in this batch all the same.
func (s *Service) Queue(ctx context.Context, b *pgx.Batch, e Event, later ...string) (*Pending, error) {
	var standIns map[string]string
	if len(later) > 0 {
		e.Details = maps.Clone(e.Details)
		if e.Details == nil {
			e.Details = map[string]any{}
		}
		standIns = make(map[string]string, len(later))
		for _, k := range later {
			id, err := uuid.NewRandom()
			if err != nil {
				return nil, err
			}
			standIns[k] = "later-" + id.String()
			e.Details[k] = standIns[k]
		}
	}
	tenantID, r, details, err := s.prepare(ctx, e)
	if err != nil {
		return nil, err
	}
	p := &Pending{s: s, tenantID: tenantID, row: r, details: details, later: standIns}
	_, made := headsMade.Load(tenantID)
	created := false
	if !made {
		// The city may have no heads yet. They are made here, in the
		// batch, before the lock, not after the batch by Append: the
		// caller's batch goes on past the lock (Submit takes the city's
		// number in it), and heads made and locked after that would take
		// the lane after the number, the reverse of every other
		// submission's order — a new city's first submissions deadlocked
		// so. Heads another transaction is making are waited for here,
		// so the lock below finds them.
		b.Queue(createHeadsSQL, tenantID, zeroHash).Exec(func(ct pgconn.CommandTag) error {
			created = ct.RowsAffected() > 0
			return nil
		})
	}
	b.Queue(lockHeadSQL, tenantID, s.lane(), details).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&p.head.seq, &p.head.hash, &p.head.canon, &p.head.lane)
		if errors.Is(err, pgx.ErrNoRows) {
			// No heads, though headsMade said so (a test's database
			// dropped): Append makes them.
			headsMade.Delete(tenantID)
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: record %s: lock head: %w", p.row.Action, err)
		}
		p.found = true
		if !made && !created {
			headsMade.Store(tenantID, struct{}{})
		}
		return nil
	})
	return p, nil
}

// headsMade holds the cities whose audit heads this process has found
// committed (made by another transaction — or earlier in this one, a
// case no caller has — so they are there for every transaction that
// starts now), so Queue adds their creation to a batch only until then.
// Heads this transaction made are not enough: until it commits, another
// transaction would find none. A city's heads are never deleted while it
// exists (the 0004 triggers) and a tenant's id is never reused. An entry
// that is wrong anyway — a database recreated under a running process,
// as only tests do — is forgotten, and that record's heads are made by
// Append after the caller's batch: the order that can deadlock with
// another first submission of the city, as before the memo.
var headsMade sync.Map

// plainDetail is what Fill may put in a detail: text that Go's JSON and
// PostgreSQL's jsonb output write the same, unescaped (a number such as
// "2026-000123").
var plainDetail = regexp.MustCompile(`^[A-Za-z0-9 ._:/+-]*$`)

// Fill gives the detail key, named later to Queue, its value. The value
// must be plain text (letters, digits, space and . _ : / + -): it replaces
// the stand-in in the details and in the database's rendering of them,
// which match only if both write it unescaped. Fill must precede Append.
func (p *Pending) Fill(key, value string) error {
	standIn, ok := p.later[key]
	switch {
	case !ok:
		return fmt.Errorf("audit: record %s: %q was not named later to Queue", p.row.Action, key)
	case !plainDetail.MatchString(value):
		return fmt.Errorf("audit: record %s: %s %q is not plain text", p.row.Action, key, value)
	}
	quoted := func(s string) string { return `"` + s + `"` }
	p.details = strings.Replace(p.details, quoted(standIn), quoted(value), 1)
	if p.found {
		p.head.canon = strings.Replace(p.head.canon, quoted(standIn), quoted(value), 1)
	}
	delete(p.later, key)
	return nil
}

// QueueAppend queues the record on b, as the next of its lane, with its
// head's move: the round trip of Append rides in the caller's batch (the
// submission's last). The row is complete (lane, seq, hashes) when it
// returns; an error of the queued statements is the batch's, and leaves
// tx unusable. A city's first record (no heads when Queue's batch ran)
// makes them first, in a round trip of its own.
func (p *Pending) QueueAppend(ctx context.Context, tx pgx.Tx, b *pgx.Batch) error {
	if err := p.ready(ctx, tx); err != nil {
		return err
	}
	queueRow(b, p.tenantID, &p.row, p.head, p.s.now)
	return nil
}

// ready checks that every later detail is filled, and locks the head if
// Queue's batch found none (the city's first record).
func (p *Pending) ready(ctx context.Context, tx pgx.Tx) error {
	for k := range p.later {
		return fmt.Errorf("audit: record %s: %s was never filled", p.row.Action, k)
	}
	if !p.found {
		h, err := lockHead(ctx, tx, p.tenantID, p.s.lane(), p.details)
		if err != nil {
			return fmt.Errorf("audit: record %s: %w", p.row.Action, err)
		}
		p.head, p.found = h, true
	}
	return nil
}

// Append stores the queued record as the next of its lane, in tx (the
// transaction the batch with its lock was sent in), and returns its seq.
// An error leaves tx unusable, as Record's.
func (p *Pending) Append(ctx context.Context, tx pgx.Tx) (int64, error) {
	if err := p.ready(ctx, tx); err != nil {
		return 0, err
	}
	if err := storeRow(ctx, tx, p.tenantID, &p.row, p.head, p.s.now); err != nil {
		return 0, err
	}
	return p.row.Seq, nil
}

// prepare checks e and makes its row (all but seq, time and hashes) and
// its details' JSON, for the tenant in ctx.
func (s *Service) prepare(ctx context.Context, e Event) (uuid.UUID, Row, string, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return uuid.Nil, Row{}, "", err
	}
	if e.Result == "" {
		e.Result = ResultOK
	}
	if e.Actor.Name == "" && e.Actor.ID != "" {
		if a, ok := ActorFrom(ctx); ok && a.ID == e.Actor.ID {
			e.Actor.Name = a.Name // the signed-in person acting: their name
		}
	}
	if !e.Result.valid() {
		return uuid.Nil, Row{}, "", fmt.Errorf("%w: unknown result %q", ErrInvalid, e.Result)
	}
	if len(e.Action) > 128 || !actionRE.MatchString(e.Action) {
		return uuid.Nil, Row{}, "", fmt.Errorf("%w: action %q is not dotted lower case", ErrInvalid, e.Action)
	}
	details, err := marshalDetails(e.Details)
	if err != nil {
		return uuid.Nil, Row{}, "", fmt.Errorf("audit: %s: details: %w", e.Action, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, Row{}, "", err
	}
	req := RequestFrom(ctx).clean()
	r := Row{
		ID: id,
		Actor: Actor{
			ID:   clean(e.Actor.ID, 256),
			Name: clean(e.Actor.Name, 256),
			Role: clean(e.Actor.Role, 64),
		},
		Action:     e.Action,
		ObjectType: clean(e.ObjectType, 64),
		ObjectID:   clean(e.ObjectID, 256),
		Result:     e.Result,
		Request:    req,
	}
	return t.ID, r, details, nil
}

// actionRE is the shape of an action and of a security event's kind.
var actionRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)

// marshalDetails encodes details as JSON for a jsonb column: {} for none,
// and \u0000 (which jsonb refuses) replaced by U+FFFD, so that no input can
// make recording fail.
func marshalDetails(details map[string]any) (string, error) {
	if len(details) == 0 {
		return "{}", nil
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return "", err
	}
	return replaceNULEscapes(raw), nil
}

// replaceNULEscapes rewrites every \u0000 escape of the JSON text raw to
// \ufffd. Every backslash in valid JSON starts an escape inside a string, so
// walking escapes pairwise never mistakes an escaped backslash for one.
func replaceNULEscapes(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			b.WriteByte(c)
			continue
		}
		if raw[i+1] == 'u' && i+6 <= len(raw) && string(raw[i+2:i+6]) == "0000" {
			b.WriteString(`\ufffd`)
			i += 5
			continue
		}
		b.WriteByte(c)
		b.WriteByte(raw[i+1])
		i++
	}
	return b.String()
}

// clean makes s storable and bounded: valid UTF-8, no NUL (PostgreSQL's text
// refuses it), at most max bytes (cut at a character boundary). Values that
// come from outside, such as a user agent or an attempted login, must not be
// able to make recording fail or fill the log.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
