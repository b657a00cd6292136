package signature

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"sync"
	"time"
)

// ChainCache remembers the chains VerifyDetached found from a signer's
// certificate to a trust set, so a resident who signs again is not
// chained again: building the chain checks a signature per link (an
// ECDSA verification each), the same answer every time for the same
// certificates and the same trust set. Only the chain is remembered: the
// signature over the signed attributes, the certificate's validity at the
// time judged, the РНОКПП and revocation are checked every time as
// before, and the remembered chain's certificates are checked against
// that time again (a chain that was good then and is not now is built
// anew, as without the cache).
//
// An entry is keyed by the SHA-256 of the signer's certificate, of every
// certificate the CMS carries (the intermediates the chain may use) and
// of VerifyOptions.TrustID, the trust set's own identity: a trust set
// that changes (a CA removed) has another identity, so nothing cached
// under the old one is found, and a different certificate (the same
// subject, another key) has another key. Only chains that verified are
// kept. It holds at most its size's entries (the least recently used go
// first, by generations); safe for concurrent use.
type ChainCache struct {
	mu        sync.Mutex
	max       int
	cur, prev map[chainKey]*cachedChain
}

type chainKey [sha256.Size]byte

// cachedChain is what the signature needs of a verified chain: the
// window in which all its certificates are valid, and the signer's issuer.
type cachedChain struct {
	notBefore, notAfter time.Time
	issuer              *x509.Certificate
}

// NewChainCache makes a cache of at most size chains (10,000 when size
// is not positive).
func NewChainCache(size int) *ChainCache {
	if size <= 0 {
		size = 10_000
	}
	return &ChainCache{max: size, cur: map[chainKey]*cachedChain{}}
}

// Len is the number of chains remembered.
func (c *ChainCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}

// chainKeyOf is the key of cert's chain to the trust set trust, with the
// CMS's certificates certs available to it.
func chainKeyOf(trust [sha256.Size]byte, cert *x509.Certificate, certs []*x509.Certificate) chainKey {
	h := sha256.New()
	h.Write(trust[:])
	var n [8]byte
	for _, c := range append([]*x509.Certificate{cert}, certs...) {
		binary.BigEndian.PutUint64(n[:], uint64(len(c.Raw)))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	var k chainKey
	h.Sum(k[:0])
	return k
}

// get returns the chain remembered under k, nil if none.
func (c *ChainCache) get(k chainKey) *cachedChain {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.cur[k]; v != nil {
		return v
	}
	v := c.prev[k]
	if v != nil {
		c.putLocked(k, v) // used again: kept with the current generation
	}
	return v
}

// put remembers the verified chain (the signer's certificate first).
func (c *ChainCache) put(k chainKey, chain []*x509.Certificate) {
	v := &cachedChain{issuer: chain[0]}
	if len(chain) > 1 {
		v.issuer = chain[1]
	}
	for i, x := range chain {
		if i == 0 || x.NotBefore.After(v.notBefore) {
			v.notBefore = x.NotBefore
		}
		if i == 0 || x.NotAfter.Before(v.notAfter) {
			v.notAfter = x.NotAfter
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

// putLocked adds v to the current generation; a full one becomes the
// previous (the one before is dropped), so at most max entries are held.
func (c *ChainCache) putLocked(k chainKey, v *cachedChain) {
	if len(c.cur) >= max(c.max/2, 1) {
		c.prev, c.cur = c.cur, make(map[chainKey]*cachedChain, len(c.cur))
	}
	c.cur[k] = v
}

// validAt reports whether every certificate of the chain is valid at t,
// as x509's Verify judges it.
func (v *cachedChain) validAt(t time.Time) bool {
	return !t.Before(v.notBefore) && !t.After(v.notAfter)
}
