package tenant

import (
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// A process learns of another's changes to cached data through the
// triggers' NOTIFY (ListenForChanges), which arrives a moment after the
// commit. The process that made the change must not serve the old data in
// that moment — the official who has just published reloads the page — so
// the writing code also says, inside its transaction, which channel the
// change belongs to (Changed), and DB calls the channel's subscribers
// (OnChange) in this process as soon as the transaction has committed,
// before Tx returns. Nothing is called for a transaction that rolls back.

// PublicChannel is the channel on which the triggers of the tables a
// city's public pages show (services, providers, centres, life situations
// and their links, service forms, news and pages; migration 0034) announce
// the city whose public data changed. Code that writes those tables says
// Changed(ctx, PublicChannel).
const PublicChannel = "hromada_public_changed"

// changes is what a transaction's code has said it changed.
type changes struct {
	mu       sync.Mutex
	channels []string
}

type changesKey struct{}

// Changed records, inside a transaction opened by DB.Tx, that it changes
// data announced on channel (the channel its tables' triggers notify on).
// Outside such a transaction it does nothing: the NOTIFY still tells every
// process.
func Changed(ctx context.Context, channel string) {
	c, _ := ctx.Value(changesKey{}).(*changes)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Contains(c.channels, channel) {
		c.channels = append(c.channels, channel)
	}
}

// subscribers are the callbacks of a DB, per channel.
type subscribers struct {
	mu sync.RWMutex
	m  map[string][]func(uuid.UUID)
}

// OnChange makes DB call fn with the tenant's id after each committed
// transaction whose code said Changed(ctx, channel). fn runs on the
// committing goroutine: it must be quick and must not open a transaction.
func (db *DB) OnChange(channel string, fn func(uuid.UUID)) {
	db.subs.mu.Lock()
	defer db.subs.mu.Unlock()
	if db.subs.m == nil {
		db.subs.m = map[string][]func(uuid.UUID){}
	}
	db.subs.m[channel] = append(db.subs.m[channel], fn)
}

// committed calls the subscribers of what c recorded.
func (db *DB) committed(c *changes, t uuid.UUID) {
	c.mu.Lock()
	channels := c.channels
	c.mu.Unlock()
	if len(channels) == 0 {
		return
	}
	db.subs.mu.RLock()
	defer db.subs.mu.RUnlock()
	for _, ch := range channels {
		for _, fn := range db.subs.m[ch] {
			fn(t)
		}
	}
}
