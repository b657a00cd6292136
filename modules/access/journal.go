package access

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Journal is where access records what it does and asks who is locked out.
// The audit module implements it (*audit.Service): audit imports access for
// its console's guard, so access cannot import audit, and declares this
// small interface that the root wires instead (ARCHITECTURE.md). Every
// method runs in the caller's transaction, so a record commits or rolls
// back with the change it describes; an error rolls that change back.
type Journal interface {
	// GrantChanged records a change of an official's access, in the
	// transaction of the change.
	GrantChanged(ctx context.Context, tx pgx.Tx, c Change) error
	// PolicyChanged records a new version of the tenant's policy (actor
	// uuid.Nil: the platform, bringing the defaults up to date), in the
	// transaction that writes it.
	PolicyChanged(ctx context.Context, tx pgx.Tx, actor uuid.UUID, version int64, summary string) error
	// RequestFiled records a provider head's access request, in the
	// transaction that files it.
	RequestFiled(ctx context.Context, tx pgx.Tx, actor uuid.UUID, q *Request) error
	// RequestDecided records the decision on an access request (q.Status
	// is "granted" or "rejected"), in the transaction that decides it.
	RequestDecided(ctx context.Context, tx pgx.Tx, actor uuid.UUID, q *Request) error
	// Denied records a request the guard refused and, when d.Counts, counts
	// it toward its subject's lockout, in a transaction of its own (the
	// request changes nothing else).
	Denied(ctx context.Context, tx pgx.Tx, d Denial) error
	// Lockout says until when the subject's staff rights are locked out
	// (too many counted denials), in the guard's decision transaction:
	// the guard then decides with the resident's rights only.
	Lockout(ctx context.Context, tx pgx.Tx, s Subject) (until time.Time, locked bool, err error)
}

// LockoutQueuer is a Journal that can queue its Lockout read on a batch
// (*audit.Service does): the guard then reads the lockout and the roles
// in one round trip. Once the batch is sent, *until and *locked are set.
type LockoutQueuer interface {
	QueueLockout(ctx context.Context, b *pgx.Batch, s Subject, until *time.Time, locked *bool) error
}

// Denial is a request the guard refused: who, what it needed, and where.
type Denial struct {
	Subject Subject
	Perm    Perm
	Method  string
	Path    string
	Route   string // the route's pattern, e.g. /work/applications/{id}
	Scope   string // the provider the route's Scope found ("" none)
}

// Counts says whether the denial counts toward a lockout (issue 12): a
// state-changing request (any method but GET, HEAD and OPTIONS), or a
// request for an object outside the subject's scope (the route's Scope
// found the object's provider: an IDOR probe). A plain GET of a page the
// subject may not open is recorded but not counted: staff clicking
// through their menu are not attackers.
func (d Denial) Counts() bool {
	switch d.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return d.Perm.Scope != nil && d.Scope != ""
	}
	return true
}

// noJournal records nothing and locks nobody out: a Service built without a
// Journal (a test of access alone, a tool).
type noJournal struct{}

func (noJournal) GrantChanged(context.Context, pgx.Tx, Change) error                    { return nil }
func (noJournal) PolicyChanged(context.Context, pgx.Tx, uuid.UUID, int64, string) error { return nil }
func (noJournal) RequestFiled(context.Context, pgx.Tx, uuid.UUID, *Request) error       { return nil }
func (noJournal) RequestDecided(context.Context, pgx.Tx, uuid.UUID, *Request) error     { return nil }
func (noJournal) Denied(context.Context, pgx.Tx, Denial) error                          { return nil }
func (noJournal) Lockout(context.Context, pgx.Tx, Subject) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

// RegisterFunc finds or creates the account of a person being granted
// access by РНОКПП and full name, in the caller's transaction. The identity
// module owns accounts and imports access, so the root wires
// identity.Register here.
type RegisterFunc func(ctx context.Context, tx pgx.Tx, rnokpp, fullName string) (uuid.UUID, error)
