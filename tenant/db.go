package tenant

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the gate to tenant tables: the pool of the application role, opened
// only through Tx. It is the one place that sets app.tenant_id.
type DB struct {
	pool *pgxpool.Pool
	subs subscribers
}

// NewDB wraps a pool that connects as the application role (hromada_app).
func NewDB(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

// Pool returns the underlying pool, for River (whose tables are platform
// tables) and health checks. Never use it for tenant tables.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Tx runs fn in a transaction scoped to the tenant in ctx: app.tenant_id is
// set with SET LOCAL, so it ends with the transaction and a pooled
// connection never carries it to the next user. fn's error rolls back;
// otherwise Tx commits. Without a tenant in ctx, Tx refuses (ErrNoTenant).
//
// BEGIN and SET LOCAL go to the server as one simple-protocol message, so
// the gate costs no extra round trip before fn's first statement.
func (db *DB) Tx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return db.tx(ctx, "BEGIN", fn)
}

// ReadTx is Tx in a read-only transaction.
func (db *DB) ReadTx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return db.tx(ctx, "BEGIN READ ONLY", fn)
}

func (db *DB) tx(ctx context.Context, begin string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	t, err := From(ctx)
	if err != nil {
		return err
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginQuery(begin, t)})
	if err != nil {
		return fmt.Errorf("tenant: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	// A read-only transaction changes nothing: it carries no record.
	var ch *changes
	if begin == "BEGIN" {
		ch = &changes{}
		ctx = context.WithValue(ctx, changesKey{}, ch)
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("tenant: commit: %w", err)
	}
	if ch != nil {
		db.committed(ch, t.ID)
	}
	return nil
}

// beginQuery opens the transaction and sets the tenant in one message. The
// id is a uuid.UUID formatted by us, never user text, so inlining it is safe
// (the simple protocol takes no parameters). SET LOCAL, not set_config(…,
// true), which PostgreSQL treats the same: on Citus only a SET LOCAL
// command is carried to the worker nodes where the shards' policies read
// the setting (citus.propagate_set_commands = 'local'; docs/scale.md).
func beginQuery(begin string, t *Tenant) string {
	return begin + "; SET LOCAL app.tenant_id = '" + t.ID.String() + "'"
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return errors.Join(errors.New("tenant: database unreachable"), err)
	}
	return nil
}
