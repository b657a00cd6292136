package access

import (
	"context"

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
	// PolicyChanged records a new version of the tenant's policy, in the
	// transaction that writes it.
	PolicyChanged(ctx context.Context, tx pgx.Tx, actor uuid.UUID, version int64, summary string) error
	// RequestFiled records a provider head's access request, in the
	// transaction that files it.
	RequestFiled(ctx context.Context, tx pgx.Tx, actor uuid.UUID, q *Request) error
	// RequestDecided records the decision on an access request (q.Status
	// is "granted" or "rejected"), in the transaction that decides it.
	RequestDecided(ctx context.Context, tx pgx.Tx, actor uuid.UUID, q *Request) error
	// Denied records a request the guard refused and counts it toward its
	// subject's lockout, in a transaction of its own (the request changes
	// nothing else).
	Denied(ctx context.Context, tx pgx.Tx, d Denial) error
	// Blocked says whether the subject is locked out for now (too many
	// denied requests), in the guard's decision transaction: every guarded
	// route is then denied.
	Blocked(ctx context.Context, tx pgx.Tx, s Subject) (bool, error)
}

// Denial is a request the guard refused: who, what it needed, and where.
type Denial struct {
	Subject Subject
	Perm    Perm
	Method  string
	Path    string
}

// noJournal records nothing and locks nobody out: a Service built without a
// Journal (a test of access alone, a tool).
type noJournal struct{}

func (noJournal) GrantChanged(context.Context, pgx.Tx, Change) error                    { return nil }
func (noJournal) PolicyChanged(context.Context, pgx.Tx, uuid.UUID, int64, string) error { return nil }
func (noJournal) RequestFiled(context.Context, pgx.Tx, uuid.UUID, *Request) error       { return nil }
func (noJournal) RequestDecided(context.Context, pgx.Tx, uuid.UUID, *Request) error     { return nil }
func (noJournal) Denied(context.Context, pgx.Tx, Denial) error                          { return nil }
func (noJournal) Blocked(context.Context, pgx.Tx, Subject) (bool, error)                { return false, nil }

// RegisterFunc finds or creates the account of a person being granted
// access by РНОКПП and full name, in the caller's transaction. The identity
// module owns accounts and imports access, so the root wires
// identity.Register here.
type RegisterFunc func(ctx context.Context, tx pgx.Tx, rnokpp, fullName string) (uuid.UUID, error)
