package tenant

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Directory resolves a request's Host to its tenant: "<slug>.<base domain>"
// or a custom domain. Lookups are cached; Listen drops entries as soon as any
// process changes a tenant (the tables' triggers NOTIFY), and a TTL bounds
// staleness should a notice be missed.
type Directory struct {
	pool       *pgxpool.Pool
	baseDomain string
	ttl        time.Duration
	now        func() time.Time

	mu    sync.RWMutex
	cache map[string]dirEntry // by normalised host
}

type dirEntry struct {
	t       *Tenant // nil: no tenant at this host (negative entry)
	expires time.Time
}

// DirectoryOpts tunes a Directory; nil means the defaults.
type DirectoryOpts struct {
	// TTL bounds how long a lookup is cached. Defaults to 30 seconds.
	TTL time.Duration
	// Now is the clock, for tests. Defaults to time.Now.
	Now func() time.Time
}

// NewDirectory returns a Directory over the platform tables. baseDomain is
// the domain tenants' slugs are subdomains of (e.g. "localhost" or
// "hromada.gov.ua").
func NewDirectory(pool *pgxpool.Pool, baseDomain string, opts *DirectoryOpts) *Directory {
	d := &Directory{pool: pool, baseDomain: strings.ToLower(baseDomain), ttl: 30 * time.Second, now: time.Now, cache: map[string]dirEntry{}}
	if opts != nil {
		if opts.TTL > 0 {
			d.ttl = opts.TTL
		}
		if opts.Now != nil {
			d.now = opts.Now
		}
	}
	return d
}

// NormalizeHost lower-cases host, drops the port and a trailing dot, and
// checks it is a syntactically valid DNS name. ErrInvalidHost otherwise.
func NormalizeHost(host string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(host))
	if hp, _, err := net.SplitHostPort(h); err == nil {
		h = hp
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return "", ErrInvalidHost
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", ErrInvalidHost
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return "", ErrInvalidHost
			}
		}
	}
	return h, nil
}

// IsPlatformHost reports whether host is the base domain itself (the
// operator console), not a tenant's.
func (d *Directory) IsPlatformHost(host string) bool {
	h, err := NormalizeHost(host)
	return err == nil && h == d.baseDomain
}

// ByHost returns the tenant served at host, whatever its status (the caller
// decides what a suspended tenant gets). ErrInvalidHost for a malformed host,
// ErrNotFound for one that names no tenant.
func (d *Directory) ByHost(ctx context.Context, host string) (*Tenant, error) {
	h, err := NormalizeHost(host)
	if err != nil {
		return nil, err
	}
	d.mu.RLock()
	e, ok := d.cache[h]
	d.mu.RUnlock()
	if ok && d.now().Before(e.expires) {
		if e.t == nil {
			return nil, ErrNotFound
		}
		return e.t, nil
	}
	t, err := d.lookup(ctx, h)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	d.mu.Lock()
	d.cache[h] = dirEntry{t: t, expires: d.now().Add(d.ttl)}
	d.mu.Unlock()
	if t == nil {
		return nil, ErrNotFound
	}
	return t, nil
}

func (d *Directory) lookup(ctx context.Context, host string) (*Tenant, error) {
	if slug, ok := strings.CutSuffix(host, "."+d.baseDomain); ok && !strings.Contains(slug, ".") {
		return Get(ctx, d.pool, "t.slug = $1", slug)
	}
	return Get(ctx, d.pool, "t.id = (SELECT tenant_id FROM tenant_domains WHERE domain = $1)", host)
}

// Forget drops every cached entry of the tenant id (or all, for uuid.Nil).
func (d *Directory) Forget(id uuid.UUID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for h, e := range d.cache {
		// Negative entries go too: a new tenant or domain may now be there.
		if id == uuid.Nil || e.t == nil || e.t.ID == id {
			delete(d.cache, h)
		}
	}
}

// ChangeChannel is the channel the platform tables' triggers notify on.
const ChangeChannel = "hromada_tenant_changed"

// Listen keeps the directory up to date with every process's changes to
// tenants until ctx ends (see ListenForChanges).
func (d *Directory) Listen(ctx context.Context, log *slog.Logger) {
	ListenForChanges(ctx, d.pool, ChangeChannel, d.Forget, log)
}
