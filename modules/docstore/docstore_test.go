package docstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/docstore"
	"hromada/tenant/tenanttest"
)

var (
	_ docstore.Store = (*docstore.Dir)(nil)
	_ docstore.Store = (*docstore.MinIO)(nil)
)

// backend opens a fresh, empty store of one implementation for a test.
type backend struct {
	name string
	open func(t *testing.T) docstore.Store
}

// backends are the implementations every behaviour test runs against, both
// opened through docstore.Open as the server opens them: a directory, and a
// bucket of its own on the test binary's real MinIO server.
var backends = []backend{
	{"Dir", func(t *testing.T) docstore.Store {
		s, err := docstore.Open(t.Context(), "file://"+t.TempDir())
		require.NoError(t, err)
		return s
	}},
	{"MinIO", func(t *testing.T) docstore.Store {
		srv := tenanttest.MinIO(t)
		s, err := docstore.Open(t.Context(), srv.URL(srv.NewBucket(t)))
		require.NoError(t, err)
		return s
	}},
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func put(t *testing.T, s docstore.Store, key string, data []byte) string {
	t.Helper()
	// A plain io.Reader, not a *bytes.Reader: callers stream request bodies,
	// and a seekable reader would let an implementation take another path.
	sum, err := s.Put(t.Context(), key, io.MultiReader(bytes.NewReader(data)), int64(len(data)), "application/octet-stream")
	require.NoError(t, err, "put %s", key)
	return sum
}

func get(t *testing.T, s docstore.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), key)
	require.NoError(t, err, "get %s", key)
	defer rc.Close()
	got, err := io.ReadAll(rc)
	require.NoError(t, err, "read %s", key)
	return got
}

func TestPutGet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		size int
	}{
		{"Empty", 0},
		{"OneByte", 1},
		{"Document", 300 << 10},
		// Past minio-go's 16 MiB part size, so the upload goes multipart and
		// the SHA-256 has to cover the parts in order.
		{"LargerThanOnePart", 17<<20 + 123},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					data := randomBytes(t, tc.size)
					key := docstore.TenantKey(uuid.New(), "applications/"+tc.name+".pdf")

					sum := put(t, s, key, data)
					require.Equal(t, sha256Hex(data), sum, "Put must return the SHA-256 of the bytes")

					got := get(t, s, key)
					require.Equal(t, len(data), len(got))
					require.True(t, bytes.Equal(data, got), "Get returned other bytes than Put stored")
				})
			}
		})
	}
}

func TestPutReplaces(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			key := docstore.TenantKey(uuid.New(), "result.pdf")
			put(t, s, key, []byte("first version"))
			second := []byte("second, longer version")
			require.Equal(t, sha256Hex(second), put(t, s, key, second))
			require.Equal(t, second, get(t, s, key))
		})
	}
}

func TestGetMissing(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			owner := uuid.New()
			put(t, s, docstore.TenantKey(owner, "forms/application.pdf"), []byte("%PDF-1.7"))

			cases := []struct{ name, key string }{
				{"NeverWritten", docstore.TenantKey(uuid.New(), "nothing.pdf")},
				{"OtherTenantsName", docstore.TenantKey(uuid.New(), "forms/application.pdf")},
				{"SiblingName", docstore.TenantKey(owner, "forms/other.pdf")},
				// A "folder" is no object, in S3 or on disk.
				{"PrefixOfAKey", docstore.TenantKey(owner, "forms")},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					rc, err := s.Get(t.Context(), tc.key)
					if rc != nil {
						rc.Close()
					}
					require.ErrorIs(t, err, docstore.ErrNotFound, "get %s", tc.key)
				})
			}
		})
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, b.open(t).Ping(t.Context()))
		})
	}
}

func TestTenantKey(t *testing.T) {
	t.Parallel()
	kyiv, lviv := uuid.New(), uuid.New()

	t.Run("DifferentTenantsDifferentKeys", func(t *testing.T) {
		t.Parallel()
		a, b := docstore.TenantKey(kyiv, "decision.pdf"), docstore.TenantKey(lviv, "decision.pdf")
		require.NotEqual(t, a, b)
		require.True(t, strings.HasPrefix(a, "tenants/"+kyiv.String()+"/"), a)
		require.True(t, strings.HasPrefix(b, "tenants/"+lviv.String()+"/"), b)
		// Neither tenant's space contains the other's.
		require.False(t, strings.HasPrefix(b, strings.TrimSuffix(a, "decision.pdf")))
	})

	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			s := be.open(t)

			t.Run("SameNameKeepsTenantsApart", func(t *testing.T) {
				t.Parallel()
				name := "decisions/2025/001.pdf"
				put(t, s, docstore.TenantKey(kyiv, name), []byte("Kyiv's decision"))
				put(t, s, docstore.TenantKey(lviv, name), []byte("Lviv's decision"))
				require.Equal(t, []byte("Kyiv's decision"), get(t, s, docstore.TenantKey(kyiv, name)))
				require.Equal(t, []byte("Lviv's decision"), get(t, s, docstore.TenantKey(lviv, name)))
			})

			t.Run("NameCannotReachAnotherTenant", func(t *testing.T) {
				t.Parallel()
				victim, attacker := uuid.New(), uuid.New()
				put(t, s, docstore.TenantKey(victim, "secret.pdf"), []byte("victim's document"))
				// A name that climbs out of the attacker's space must be
				// refused or land elsewhere; it must never overwrite the
				// victim's document.
				_, _ = s.Put(t.Context(), docstore.TenantKey(attacker, "../"+victim.String()+"/secret.pdf"),
					strings.NewReader("forged"), 6, "application/pdf")
				require.Equal(t, []byte("victim's document"), get(t, s, docstore.TenantKey(victim, "secret.pdf")))
			})
		})
	}
}

func TestDirRefusesPathTraversal(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	s, err := docstore.OpenDir(filepath.Join(parent, "store"))
	require.NoError(t, err)
	cases := []struct{ name, key string }{
		{"ParentDir", "../x"},
		{"Absolute", "/abs"},
		{"ClimbsOutOfTheMiddle", "a/../../b"},
		{"DotDotInside", "a/../b"},
		{"Empty", ""},
		{"TrailingSlash", "a/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.Put(t.Context(), tc.key, strings.NewReader("escape"), 6, "text/plain")
			require.Error(t, err, "Put(%q) must be refused", tc.key)
			rc, err := s.Get(t.Context(), tc.key)
			if rc != nil {
				rc.Close()
			}
			require.Error(t, err, "Get(%q) must be refused", tc.key)
			require.NotErrorIs(t, err, docstore.ErrNotFound, "Get(%q): a bad key is not a missing object", tc.key)
		})
	}
	t.Cleanup(func() {
		for _, escaped := range []string{"x", "b", "abs"} {
			_, err := os.Stat(filepath.Join(parent, escaped))
			require.ErrorIs(t, err, os.ErrNotExist, "a key escaped the store's directory")
		}
	})
}

func TestDirPingFailsWhenDirectoryIsGone(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := docstore.OpenDir(dir)
	require.NoError(t, err)
	require.NoError(t, s.Ping(t.Context()))
	require.NoError(t, os.RemoveAll(dir))
	require.Error(t, s.Ping(t.Context()))
}

func TestOpenRefusesBadURLs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		url  func(host, dir string) string
	}{
		{"Empty", func(_, _ string) string { return "" }},
		{"UnknownScheme", func(h, _ string) string { return "ftp://ak:secret@" + h + "/bucket" }},
		{"HTTPScheme", func(h, _ string) string { return "http://ak:secret@" + h + "/bucket" }},
		{"NoScheme", func(_, d string) string { return d }},
		{"Unparsable", func(_, _ string) string { return "s3://ak:secret@[::1/bucket" }},
		{"S3WithoutCredentials", func(h, _ string) string { return "s3://" + h + "/bucket?secure=false" }},
		{"S3WithoutAccessKey", func(h, _ string) string { return "s3://:secret@" + h + "/bucket?secure=false" }},
		{"S3WithoutSecret", func(h, _ string) string { return "s3://ak@" + h + "/bucket?secure=false" }},
		{"S3WithEmptySecret", func(h, _ string) string { return "s3://ak:@" + h + "/bucket?secure=false" }},
		{"S3WithoutBucket", func(h, _ string) string { return "s3://ak:secret@" + h + "?secure=false" }},
		{"S3WithSlashOnly", func(h, _ string) string { return "s3://ak:secret@" + h + "/?secure=false" }},
		{"FileWithoutPath", func(_, _ string) string { return "file://" }},
		// file://var/lib/docs, a slash short, names host "var" and path
		// /lib/docs: another directory than the operator meant.
		{"FileWithHost", func(_, d string) string { return "file://docs" + d }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host, dials := countingListener(t)
			url := tc.url(host, t.TempDir())
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			s, err := docstore.Open(ctx, url)
			require.Error(t, err, "Open(%q) must be refused", url)
			require.Nil(t, s)
			// A bad URL is refused before anything goes over the network.
			require.Zero(t, dials.Load(), "Open(%q) connected to the server before refusing the URL", url)
		})
	}
}

// countingListener is an address that counts the connections made to it.
func countingListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var dials atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), &dials
}

// TestOpenSameNewBucketConcurrently is several replicas of the server
// starting at once against a fresh deployment: all of them must come up.
func TestOpenSameNewBucketConcurrently(t *testing.T) {
	t.Parallel()
	srv := tenanttest.MinIO(t)
	url := srv.URL(srv.NewBucket(t))
	const replicas = 8
	errs := make([]error, replicas)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range replicas {
		done.Go(func() {
			start.Wait()
			_, errs[i] = docstore.Open(t.Context(), url)
		})
	}
	start.Done()
	done.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}
}

// TestMinIOUnreachable checks the store fails, rather than hangs, when the
// server goes away. The server is reached through a TCP relay the test
// can cut, since the real server is shared by all tests.
func TestMinIOUnreachable(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	// minio-go retries network errors with back-off; the context must cut
	// that short. The slack covers a slow machine.
	const slack = 5 * time.Second

	t.Run("OpenNothingListens", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		start := time.Now()
		_, err := docstore.Open(ctx, "s3://ak:secretsecret@"+deadAddr(t)+"/bucket?secure=false")
		require.Error(t, err)
		require.Less(t, time.Since(start), timeout+slack)
	})

	for _, tc := range []struct {
		name string
		cut  func(*relay)
	}{
		{"PingNothingListens", (*relay).Close},
		{"PingNoAnswer", (*relay).Silence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tenanttest.MinIO(t)
			r := newRelay(t, srv.Endpoint)
			via := *srv
			via.Endpoint = r.Addr()
			s, err := docstore.Open(t.Context(), via.URL(srv.NewBucket(t)))
			require.NoError(t, err)
			require.NoError(t, s.Ping(t.Context()))

			tc.cut(r)
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			start := time.Now()
			require.Error(t, s.Ping(ctx))
			require.Less(t, time.Since(start), timeout+slack)
		})
	}
}

// deadAddr is an address on which nothing listens.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// relay forwards TCP connections to the real server until the test cuts
// it: Close stops listening (connection refused), Silence keeps accepting
// but never answers (a server that hangs).
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	silent bool
}

func newRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &relay{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go r.serve()
	t.Cleanup(r.Close)
	return r
}

func (r *relay) Addr() string { return r.ln.Addr().String() }

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.conns[c] = true
		silent := r.silent
		r.mu.Unlock()
		if !silent {
			go r.forward(c)
		}
	}
}

func (r *relay) forward(c net.Conn) {
	u, err := net.Dial("tcp", r.target)
	if err != nil {
		c.Close()
		return
	}
	r.mu.Lock()
	r.conns[u] = true
	r.mu.Unlock()
	go func() { _, _ = io.Copy(u, c); u.Close() }()
	_, _ = io.Copy(c, u)
	c.Close()
}

// drop closes every connection, so the client's pooled ones go too.
func (r *relay) drop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		c.Close()
		delete(r.conns, c)
	}
}

func (r *relay) Close() {
	r.ln.Close()
	r.drop()
}

func (r *relay) Silence() {
	r.mu.Lock()
	r.silent = true
	r.mu.Unlock()
	r.drop()
}

func TestMinIOServerNames(t *testing.T) {
	t.Parallel()
	srv := tenanttest.MinIO(t)
	seen := map[string]bool{}
	for i := range 50 {
		name := srv.NewBucket(t)
		require.False(t, seen[name], "bucket %s handed out twice", name)
		seen[name] = true
		require.GreaterOrEqual(t, len(name), 3, name)
		require.LessOrEqual(t, len(name), 63, name)
		require.Regexp(t, `^[a-z0-9][a-z0-9-]*[a-z0-9]$`, name, "iteration "+strconv.Itoa(i))
	}
	require.True(t, strings.HasPrefix(srv.URL("b"), "s3://"), srv.URL("b"))
	require.True(t, strings.HasSuffix(srv.URL("b"), "/b?secure=false"), srv.URL("b"))
}

// List finds a tenant's objects and documents, nested at any depth, and
// nothing of another tenant's nor a deleted object.
func TestList(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			ctx := t.Context()
			a, other := uuid.New(), uuid.New()
			want := []string{
				docstore.TenantKey(a, "applications/1/form.pdf"),
				docstore.TenantKey(a, "exports/x.zip"),
				docstore.TenantKey(a, "top.txt"),
			}
			for _, k := range want {
				put(t, s, k, []byte(k))
			}
			doc := docstore.TenantKey(a, "results/r.pdf")
			_, err := s.PutDocument(ctx, doc, bytes.NewReader([]byte("doc")), 3, docstore.Meta{Class: docstore.ClassResult})
			require.NoError(t, err)
			gone := docstore.TenantKey(a, "gone.txt")
			put(t, s, gone, []byte("x"))
			require.NoError(t, s.Delete(ctx, gone))
			put(t, s, docstore.TenantKey(other, "top.txt"), []byte("other"))

			got, err := s.List(ctx, docstore.TenantKey(a, ""))
			require.NoError(t, err)
			require.Equal(t, []string{want[0], want[1], doc, want[2]}, got)
			got, err = s.List(ctx, docstore.TenantKey(a, "exports/"))
			require.NoError(t, err)
			require.Equal(t, []string{want[1]}, got)
			got, err = s.List(ctx, docstore.TenantKey(uuid.New(), ""))
			require.NoError(t, err)
			require.Empty(t, got)
		})
	}
}
