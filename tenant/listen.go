package tenant

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ListenForChanges keeps a connection of pool listening on channel, whose
// notices carry a tenant's id, and calls forget with that id (uuid.Nil when
// the payload is not one), until ctx ends. It reconnects after errors, and
// calls forget(uuid.Nil) on each (re)connect, as notices may have been lost
// meanwhile. Caches keyed by tenant (hosts, policies) use it to drop what
// another process changed.
func ListenForChanges(ctx context.Context, pool *pgxpool.Pool, channel string, forget func(uuid.UUID), log *slog.Logger) {
	for ctx.Err() == nil {
		err := listenOnce(ctx, pool, channel, forget)
		if ctx.Err() != nil {
			return
		}
		log.Warn("listener stopped; reconnecting", "channel", channel, "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func listenOnce(ctx context.Context, pool *pgxpool.Pool, channel string, forget func(uuid.UUID)) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection will be in LISTEN mode: never hand it back to the pool.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx)) //nolint:errcheck
	if _, err := pc.Exec(ctx, "LISTEN "+channel); err != nil {
		return fmt.Errorf("listen %s: %w", channel, err)
	}
	forget(uuid.Nil)
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		id, err := uuid.Parse(n.Payload)
		if err != nil {
			id = uuid.Nil
		}
		forget(id)
	}
}
