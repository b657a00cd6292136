package revocation

import (
	"context"
	"crypto/x509"
	"sync"
	"time"
)

// Cache answers again, for a while, what another Revocation said of the
// same certificate: for the platform's own few certificates that are asked
// of over and over — a provider's seal and its CA, the TSA's — on every
// result sealed (PAdES-B-LT), where asking the CA for each would be a
// network round trip per result on automatic mode's path and a load no CA
// welcomes. Residents' certificates differ each time and are not cached.
//
// A good answer is reused for at most MaxAge after it was fetched, and
// only while it still speaks of the time asked (its next update not past,
// as Checker requires): so a revocation is seen within MaxAge, as with
// OCSP stapling. A refusal or an error is never kept.
type Cache struct {
	Revocation Revocation
	MaxAge     time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[string]*Result
}

var _ Revocation = (*Cache)(nil)

// maxCached bounds the cache: a platform seals with a few keys per city.
const maxCached = 10_000

// Check implements Revocation.
func (c *Cache) Check(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (*Result, error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	key := string(issuer.Raw) + "\x00" + string(cert.Raw)
	c.mu.Lock()
	res := c.m[key]
	c.mu.Unlock()
	if res != nil && now.Sub(res.Evidence.FetchedAt) < c.MaxAge && speaksOf(res.Evidence, at) == nil && res.RevokedAt.IsZero() {
		return res, nil
	}
	res, err := c.Revocation.Check(ctx, cert, issuer, at)
	if err != nil || !res.RevokedAt.IsZero() {
		return res, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[string]*Result)
	}
	c.m[key] = res
	c.mu.Unlock()
	return res, nil
}
