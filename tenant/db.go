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
	return db.tx(ctx, "BEGIN", nil, fn)
}

// TxBatch is Tx whose first statements are first's: BEGIN, SET LOCAL and
// first's queries go as one pipeline, so the transaction's first read costs
// no round trip of its own. first's callbacks run before fn; the first error
// among them (as they returned it) rolls back and is TxBatch's.
func (db *DB) TxBatch(ctx context.Context, first *pgx.Batch, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return db.tx(ctx, "BEGIN", first, fn)
}

// ReadTx is Tx in a read-only transaction.
func (db *DB) ReadTx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return db.tx(ctx, "BEGIN READ ONLY", nil, fn)
}

// ReadBatch sends b in a read-only transaction of the tenant in ctx in one
// round trip: BEGIN READ ONLY, SET LOCAL, b's queries and COMMIT as one
// pipeline; b's callbacks run as their results arrive. Returns the first
// error among them. A statement that fails makes the server skip the rest,
// COMMIT too; the transaction is then rolled back here, so the connection
// goes back to the pool outside any transaction, without the tenant.
func (db *DB) ReadBatch(ctx context.Context, b *pgx.Batch) error {
	t, err := From(ctx)
	if err != nil {
		return err
	}
	all := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+3)}
	all.Queue("BEGIN READ ONLY")
	all.Queue(setTenant(t))
	all.QueuedQueries = append(all.QueuedQueries, b.QueuedQueries...)
	all.Queue("COMMIT")
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("tenant: begin: %w", err)
	}
	// Release destroys a connection still in a transaction (or busy or
	// closed), should the ROLLBACK below not end it.
	defer conn.Release()
	err = conn.SendBatch(ctx, all).Close()
	if pg := conn.Conn().PgConn(); !pg.IsClosed() && pg.TxStatus() != 'I' {
		if _, rbErr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			err = errors.Join(err, fmt.Errorf("tenant: rollback: %w", rbErr))
		}
	}
	return err
}

func (db *DB) tx(ctx context.Context, begin string, first *pgx.Batch, fn func(ctx context.Context, tx pgx.Tx) error) error {
	t, err := From(ctx)
	if err != nil {
		return err
	}
	tx, err := db.begin(ctx, begin, t, first)
	if err != nil {
		return err
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

// begin opens the transaction of t. Without first's queries, BEGIN and SET
// LOCAL are one simple-protocol message; with them, BEGIN, SET LOCAL and
// first's queries are one pipeline (extended protocol takes one statement a
// message), and first's callbacks have run when begin returns.
func (db *DB) begin(ctx context.Context, begin string, t *Tenant, first *pgx.Batch) (pgx.Tx, error) {
	if first == nil || first.Len() == 0 {
		tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginQuery(begin, t)})
		if err != nil {
			return nil, fmt.Errorf("tenant: begin: %w", err)
		}
		return tx, nil
	}
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{BeginQuery: begin})
	b.Queue(setTenant(t))
	b.QueuedQueries = append(b.QueuedQueries, first.QueuedQueries...)
	br := db.pool.SendBatch(ctx, b)
	tx := br.Tx()
	if err := br.Close(); err != nil {
		// Also gives the connection back to the pool (destroyed if the
		// rollback could not end the transaction).
		tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // the batch's error is the one to report
		return nil, err
	}
	return tx, nil
}

// beginQuery opens the transaction and sets the tenant in one message. The
// id is a uuid.UUID formatted by us, never user text, so inlining it is safe
// (the simple protocol takes no parameters). SET LOCAL, not set_config(…,
// true), which PostgreSQL treats the same: on Citus only a SET LOCAL
// command is carried to the worker nodes where the shards' policies read
// the setting (citus.propagate_set_commands = 'local'; docs/scale.md).
func beginQuery(begin string, t *Tenant) string {
	return begin + "; " + setTenant(t)
}

// setTenant is the SET LOCAL of t's id, one statement, for a pipeline too.
// Its text names the tenant, so in a pipeline pgx's statement cache (per
// connection, 512 statements, the least recently used dropped) prepares it
// once per connection and tenant, a round trip of its own. Only a
// connection that serves more tenants in turn than its cache holds pays
// that again (and one more to deallocate what it dropped): then the
// pipeline costs what BEGIN and the statements sent one by one did.
func setTenant(t *Tenant) string {
	return "SET LOCAL app.tenant_id = '" + t.ID.String() + "'"
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return errors.Join(errors.New("tenant: database unreachable"), err)
	}
	return nil
}
