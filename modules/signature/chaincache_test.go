package signature

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// trustSet is a pool of cas and its identity, as a caller of
// VerifyDetached with a ChainCache builds them.
func trustSet(cas ...*DevCA) (*x509.CertPool, [32]byte) {
	pool := x509.NewCertPool()
	h := sha256.New()
	for _, ca := range cas {
		pool.AddCert(ca.Certificate)
		h.Write(ca.Certificate.Raw)
	}
	var id [32]byte
	h.Sum(id[:0])
	return pool, id
}

// A chain is built once per certificate and trust set, and remembered only
// for them: the CA removed from the trust set (its identity changes) no
// longer trusts the certificate whose chain was remembered, and another
// certificate with the same subject from a CA that is not trusted is not
// served from the cache.
func TestChainCache(t *testing.T) {
	t.Parallel()
	ca, other := devCA(t), devCA(t)
	cert, key, err := ca.Issue(rnokppA, "Шевченко Тарас Григорович")
	require.NoError(t, err)
	cms := sign(t, testData, cert, key)
	cache := NewChainCache(100)
	both, bothID := trustSet(other, ca)
	opts := VerifyOptions{Roots: both, TrustID: bothID, Chains: cache, WantRNOKPP: rnokppA}

	for range 2 {
		s, err := VerifyDetached(testData, cms, opts)
		require.NoError(t, err)
		require.Equal(t, ca.Certificate.Raw, s.Issuer.Raw)
		require.Equal(t, 1, cache.Len(), "one chain remembered, found the second time")
	}
	// The signature itself is still checked on a remembered chain.
	_, err = VerifyDetached([]byte(`{"changed":true}`), cms, opts)
	require.ErrorIs(t, err, ErrBadSignature)

	// The CA is removed from the trust set.
	onlyOther, otherID := trustSet(other)
	_, err = VerifyDetached(testData, cms, VerifyOptions{Roots: onlyOther, TrustID: otherID, Chains: cache, WantRNOKPP: rnokppA})
	require.ErrorIs(t, err, ErrUntrusted)

	// The same subject issued by a CA of the same name that is not trusted.
	impostorCA := devCA(t)
	require.Equal(t, ca.Certificate.Subject.String(), impostorCA.Certificate.Subject.String())
	forged, forgedKey, err := impostorCA.Issue(rnokppA, "Шевченко Тарас Григорович")
	require.NoError(t, err)
	require.Equal(t, cert.Subject.String(), forged.Subject.String())
	_, err = VerifyDetached(testData, sign(t, testData, forged, forgedKey), opts)
	require.ErrorIs(t, err, ErrUntrusted)
	require.Equal(t, 1, cache.Len(), "a refused chain is not remembered")
}

// A remembered chain is judged at each signature's time again: once its
// CA has expired the chain is refused as expired, as without the cache.
func TestChainCacheRechecksValidity(t *testing.T) {
	t.Parallel()
	now := time.Now()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "Short-lived CA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 0, 1),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	ca := &DevCA{Certificate: caCert, Key: key}
	cert, ckey, err := ca.Issue(rnokppA, "Шевченко Тарас Григорович") // valid two years on, past its CA
	require.NoError(t, err)
	cms := sign(t, testData, cert, ckey)
	pool, id := trustSet(ca)
	cache := NewChainCache(0)

	opts := VerifyOptions{Roots: pool, TrustID: id, Chains: cache, Received: now}
	_, err = VerifyDetached(testData, cms, opts)
	require.NoError(t, err)
	require.Equal(t, 1, cache.Len())
	opts.Received = now.AddDate(0, 0, 2)
	_, err = VerifyDetached(testData, cms, opts)
	require.ErrorIs(t, err, ErrExpired)
}

// The cache holds at most its size.
func TestChainCacheBounded(t *testing.T) {
	t.Parallel()
	c := NewChainCache(4)
	ca := devCA(t)
	for i := range 20 {
		c.put(chainKey{byte(i)}, []*x509.Certificate{ca.Certificate})
		require.LessOrEqual(t, c.Len(), 4)
	}
	require.NotNil(t, c.get(chainKey{19}))
	require.Nil(t, c.get(chainKey{0}))
}

// BenchmarkVerifyDetached is a resident's signature verified, its chain
// to the trust set built each time or remembered.
func BenchmarkVerifyDetached(b *testing.B) {
	ca, err := NewDevCA("Hromada Dev CA")
	require.NoError(b, err)
	cert, key, err := ca.Issue(rnokppA, "Шевченко Тарас Григорович")
	require.NoError(b, err)
	cms, err := SignDetached(testData, cert, key)
	require.NoError(b, err)
	pool, id := trustSet(ca)
	for _, c := range []struct {
		name  string
		cache *ChainCache
	}{{"built", nil}, {"remembered", NewChainCache(0)}} {
		b.Run(c.name, func(b *testing.B) {
			opts := VerifyOptions{Roots: pool, TrustID: id, Chains: c.cache, WantRNOKPP: rnokppA}
			b.ReportAllocs()
			reportCPU(b, func() {
				if _, err := VerifyDetached(testData, cms, opts); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// reportCPU reports the process's CPU time per operation of a benchmark
// loop (cpu-ns/op): on a machine shared with other work the wall time
// per operation says little, the CPU time it took says more.
func reportCPU(b *testing.B, loop func()) {
	before := cpuTime()
	n := 0
	for b.Loop() {
		loop()
		n++
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(n), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
