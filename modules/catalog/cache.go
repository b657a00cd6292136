package catalog

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/tenant"
)

// Cache keeps what a city's public catalog pages read — the home page's
// lists, service cards, searches — so that the pages residents open most
// cost no query. It holds the data, never a rendered page: the signed-in
// header, the CSRF token and the language are the request's, added when
// the page is rendered. Entries are keyed by the city (a city is never
// served another's), bounded in number (least recently used go first),
// dropped for a city as soon as any process changes what they show
// (Listen; and in the writing process as soon as the change commits:
// tenant.Changed), and live at most TTL, which bounds how late a scheduled news
// item appears and how long a lost notice can leave a page stale.
//
// What it returns is shared between requests: callers must not change it.
type Cache struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	lru     *list.List // of *cacheEntry, most recently used first
	entries map[cacheKey]*list.Element
	gens    map[uuid.UUID]uint64 // a city's generation, moved on by each change
	all     uint64               // moved on when every city's entries go

	hits, misses atomic.Int64
}

type cacheKey struct {
	tenant uuid.UUID
	key    string
}

type cacheEntry struct {
	k       cacheKey
	v       any
	expires time.Time
}

// CacheOptions tunes a Cache; zero values mean the defaults.
type CacheOptions struct {
	// Max bounds the entries over all cities. Defaults to 4,096.
	Max int
	// TTL bounds an entry's life. Defaults to 5 seconds.
	TTL time.Duration
	// Now is the clock, for tests. Defaults to time.Now.
	Now func() time.Time
}

// NewCache returns an empty cache.
func NewCache(o CacheOptions) *Cache {
	c := &Cache{max: o.Max, ttl: o.TTL, now: o.Now, lru: list.New(), entries: map[cacheKey]*list.Element{}, gens: map[uuid.UUID]uint64{}}
	if c.max <= 0 {
		c.max = 4096
	}
	if c.ttl <= 0 {
		c.ttl = 5 * time.Second
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Listen keeps a connection of pool listening for changes to the cities'
// catalogs (ChangeChannel) and their tenants (tenant.ChangeChannel:
// branding, names) and forgets the changed city's entries, until ctx ends.
func (c *Cache) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	go tenant.ListenForChanges(ctx, pool, tenant.ChangeChannel, c.Forget, log)
	tenant.ListenForChanges(ctx, pool, tenant.PublicChannel, c.Forget, log)
}

// Forget drops the city's entries; uuid.Nil drops every city's.
func (c *Cache) Forget(city uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if city == uuid.Nil {
		c.all++
		c.lru.Init()
		clear(c.entries)
		return
	}
	c.gens[city]++
	for k, e := range c.entries {
		if k.tenant == city {
			c.lru.Remove(e)
			delete(c.entries, k)
		}
	}
}

// Len is the number of entries held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Stats are the hits and misses so far.
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// generation is the city's generation: a value read with an older one is
// not kept.
func (c *Cache) generation(city uuid.UUID) uint64 {
	return c.all + c.gens[city]
}

// cached returns the city's entry for key, or reads it with read and keeps
// it — unless the city changed while it was read (the value may be the old
// one then) or read failed.
func cached[T any](ctx context.Context, c *Cache, key string, read func() (T, error)) (T, error) {
	if c == nil {
		return read()
	}
	t, err := tenant.From(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	k := cacheKey{tenant: t.ID, key: key}
	now := c.now()
	c.mu.Lock()
	if e, ok := c.entries[k]; ok {
		ce := e.Value.(*cacheEntry)
		if now.Before(ce.expires) {
			c.lru.MoveToFront(e)
			c.mu.Unlock()
			c.hits.Add(1)
			return ce.v.(T), nil
		}
		c.lru.Remove(e)
		delete(c.entries, k)
	}
	gen := c.generation(t.ID)
	c.mu.Unlock()
	c.misses.Add(1)
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation(t.ID) != gen {
		return v, nil
	}
	if e, ok := c.entries[k]; ok {
		c.lru.Remove(e)
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{k: k, v: v, expires: now.Add(c.ttl)})
	for c.lru.Len() > c.max {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).k)
	}
	return v, nil
}

// queryKey is a search's key in the cache.
func queryKey(q Query, filters bool) string {
	return fmt.Sprintf("search\x00%q\x00%q\x00%q\x00%q\x00%t\x00%d\x00%d\x00%t", q.Text, q.LifeSituation, q.Category, q.Provider, q.Online, q.Limit, q.Offset, filters)
}
