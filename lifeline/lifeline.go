// Package lifeline gets the jobs of a worker process that died (kill -9,
// an OOM kill, a lost machine) running again within seconds, instead of
// after River's rescue delay (HROMADA_JOB_RESCUE_AFTER, minutes, which must
// outlast the longest job so that a live one is never started twice).
//
// Each worker process holds a PostgreSQL session advisory lock named by its
// River client id for as long as it lives, on a connection of its own.
// PostgreSQL releases a session's locks when the session ends, and the
// kernel closes a dead process's sockets at once, so "the lock is free" is
// "its holder is dead". A Line sweeps when it starts and then every few
// seconds: for each client id that has jobs running whose lock it can take,
// it makes those jobs available again (or discards those out of attempts),
// as River's own rescuer does for stuck jobs. Only ids this package made
// (Prefix) are judged: a process of an older release holds no lock, and its
// jobs stay with River's rescuer.
//
// If the line's own connection breaks, the process could no longer prove
// it lives, and others would take its jobs while it still works them: Lost
// is called so that the process stops its workers; once they have stopped
// and the database answers again, Reconnect holds the line anew (a restart
// of PostgreSQL breaks every process's line at once).
package lifeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Prefix starts every client id a Line makes.
const Prefix = "hromada-lifeline-"

// Every is how often a Line sweeps and checks its own connection.
const Every = 3 * time.Second

// lockKey is the advisory lock's key of a client id (a 64-bit hash, in a
// namespace of its own by the prefix inside the hashed text).
const lockKey = `hashtextextended('hromada.lifeline:' || $1, 0)`

// Line is a worker process's life line.
type Line struct {
	// ID is the River client id to run the workers under (river.Config.ID).
	ID   string
	pool *pgxpool.Pool
	conn *pgx.Conn
	log  *slog.Logger
	// Lost is called once if the line's own connection breaks.
	Lost func(error)
}

// NewID is a client id a Line can hold: the prefix, the host's name and a
// random part (two processes on one host never share one).
func NewID() (string, error) {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, host)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return Prefix + host + "-" + hex.EncodeToString(b[:]), nil
}

// Hold takes a connection out of pool for the process's life and locks the
// new client id on it. Run it before the River client starts working, with
// the id as the client's.
func Hold(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (*Line, error) {
	id, err := NewID()
	if err != nil {
		return nil, err
	}
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifeline: %w", err)
	}
	conn := c.Hijack()
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+lockKey+`)`, id).Scan(&ok); err != nil || !ok {
		_ = conn.Close(ctx)
		if err == nil {
			err = errors.New("the new id's lock is taken")
		}
		return nil, fmt.Errorf("lifeline: holding %s: %w", id, err)
	}
	return &Line{ID: id, pool: pool, conn: conn, log: log}, nil
}

// Reconnect holds the line again on a new connection, after Lost: the
// database restarted, or the connection broke. Call it only once the
// process's workers have stopped (River's Stop): it takes the same id's lock
// again (waiting while another process's sweep tries it) and makes this
// id's jobs still marked running available again, as a sweep does for a
// dead process's, since none of them runs any more. Then start the workers
// and Run again.
func (l *Line) Reconnect(ctx context.Context) error {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("lifeline: %w", err)
	}
	conn := c.Hijack()
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+lockKey+`)`, l.ID).Scan(&ok); err != nil || !ok {
		_ = conn.Close(ctx)
		if err == nil {
			err = errors.New("the lock is taken (a sweep is trying it)")
		}
		return fmt.Errorf("lifeline: holding %s again: %w", l.ID, err)
	}
	if _, err := l.release(ctx, l.ID); err != nil {
		_ = conn.Close(ctx)
		return err
	}
	_ = l.conn.Close(ctx)
	l.conn = conn
	return nil
}

// Close lets the lock go (it goes with the session): call it once the
// process's workers have stopped, never before.
func (l *Line) Close(ctx context.Context) error { return l.conn.Close(ctx) }

// Run sweeps now and every Every until ctx ends. Only Run uses the line's
// own connection while it runs.
func (l *Line) Run(ctx context.Context) {
	t := time.NewTicker(Every)
	defer t.Stop()
	for {
		if err := l.conn.Ping(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			l.log.Error("lifeline: the connection holding this process's lock broke; stopping", "client", l.ID, "error", err)
			if l.Lost != nil {
				l.Lost(err)
			}
			return
		}
		if n, err := l.Sweep(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("lifeline: sweep failed", "error", err)
		} else if n > 0 {
			l.log.Info("lifeline: jobs of dead processes made available again", "jobs", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep makes the running jobs of dead processes available again (those
// out of attempts discarded), and returns how many it touched.
func (l *Line) Sweep(ctx context.Context) (int64, error) {
	rows, err := l.pool.Query(ctx, `
		SELECT DISTINCT attempted_by[cardinality(attempted_by)] FROM river_job
		WHERE state = 'running' AND attempted_by[cardinality(attempted_by)] LIKE $1`, Prefix+"%")
	if err != nil {
		return 0, err
	}
	clients, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	var total int64
	for _, c := range clients {
		if c == l.ID {
			continue
		}
		dead, err := l.dead(ctx, c)
		if err != nil {
			return total, err
		}
		if !dead {
			continue
		}
		n, err := l.release(ctx, c)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// dead tries the client's lock: taken, its holder is alive; free, it is
// dead (the lock is let go again at once, on the same session).
func (l *Line) dead(ctx context.Context, client string) (bool, error) {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer c.Release()
	var got bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+lockKey+`)`, client).Scan(&got); err != nil {
		return false, err
	}
	if got {
		if _, err := c.Exec(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, client); err != nil {
			return false, err
		}
	}
	return got, nil
}

// release is River's rescue of a stuck job, for the jobs of one dead
// client: an error recorded, the rescue counted, available again at once
// while attempts remain, discarded otherwise. The state is checked in the
// update, so a job finished meanwhile is left alone.
func (l *Line) release(ctx context.Context, client string) (int64, error) {
	tag, err := l.pool.Exec(ctx, `
		UPDATE river_job SET
			errors = array_append(errors, jsonb_build_object('at', now(), 'attempt', greatest(attempt, 0),
				'error', 'the process working it died (lifeline: ' || $1 || ')', 'trace', '')),
			metadata = metadata || jsonb_build_object('river:rescue_count',
				coalesce(CASE WHEN jsonb_typeof(metadata -> 'river:rescue_count') = 'number' THEN (metadata ->> 'river:rescue_count')::int END, 0) + 1),
			state = CASE WHEN attempt >= max_attempts THEN 'discarded'::river_job_state ELSE 'available'::river_job_state END,
			finalized_at = CASE WHEN attempt >= max_attempts THEN now() END,
			scheduled_at = CASE WHEN attempt >= max_attempts THEN scheduled_at ELSE now() END
		WHERE state = 'running' AND attempted_by[cardinality(attempted_by)] = $1`, client)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
