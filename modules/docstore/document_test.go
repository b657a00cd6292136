package docstore_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"hromada/modules/docstore"
	"hromada/tenant/tenanttest"
)

// docStore is a store opened for a documents test, with the means to go
// behind its back.
type docStore struct {
	docstore.Store
	// corrupt replaces key's bytes without the store: in a directory by
	// rewriting the file, in MinIO by a raw PUT, which adds a version.
	corrupt func(t *testing.T, key string, data []byte)
	// setNow sets the store's clock.
	setNow func(now func() time.Time)
	// raw is the MinIO client and bucket, for the MinIO-only checks.
	raw    *minio.Client
	bucket string
}

type docBackend struct {
	name string
	open func(t *testing.T) *docStore
}

// docBackends are both implementations, opened through docstore.Open.
var docBackends = []docBackend{
	{"Dir", func(t *testing.T) *docStore {
		dir := t.TempDir()
		s, err := docstore.Open(t.Context(), "file://"+dir)
		require.NoError(t, err)
		return &docStore{
			Store: s,
			corrupt: func(t *testing.T, key string, data []byte) {
				p := filepath.Join(dir, filepath.FromSlash(key))
				require.NoError(t, os.Chmod(p, 0o600))
				require.NoError(t, os.WriteFile(p, data, 0o600))
			},
			setNow: func(now func() time.Time) { s.(*docstore.Dir).Now = now },
		}
	}},
	{"MinIO", func(t *testing.T) *docStore {
		srv := tenanttest.MinIO(t)
		bucket := srv.NewBucket(t)
		s, err := docstore.Open(t.Context(), srv.URL(bucket))
		require.NoError(t, err)
		raw := rawClient(t, srv)
		return &docStore{
			Store: s,
			corrupt: func(t *testing.T, key string, data []byte) {
				_, err := raw.PutObject(t.Context(), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
				require.NoError(t, err)
			},
			setNow: func(now func() time.Time) { s.(*docstore.MinIO).Now = now },
			raw:    raw, bucket: bucket,
		}
	}},
}

func rawClient(t *testing.T, srv *tenanttest.MinIOServer) *minio.Client {
	t.Helper()
	c, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	require.NoError(t, err)
	return c
}

// provenance is a document's journey, with Ukrainian names, since they
// must survive S3's ASCII headers.
func provenance() docstore.Provenance {
	sent := time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.FixedZone("EET", 2*60*60))
	return docstore.Provenance{
		Origin:      "resident:3184710691 Шевченко Тарас / заявник",
		Destination: "provider:26199097 Департамент (ЦНАП) м. Київ",
		SentAt:      sent,
		ReceivedAt:  sent.Add(1500 * time.Millisecond),
	}
}

func putDoc(t *testing.T, s docstore.Store, key string, data []byte, class docstore.Class) docstore.Stored {
	t.Helper()
	st, err := s.PutDocument(t.Context(), key, io.MultiReader(bytes.NewReader(data)), int64(len(data)), docstore.Meta{
		ContentType: "application/pdf", Class: class, SHA256: sha256Hex(data), Provenance: provenance(),
	})
	require.NoError(t, err, "put document %s", key)
	return st
}

// readVerified reads key through GetVerified to the end.
func readVerified(t *testing.T, s docstore.Store, key, want string) ([]byte, error) {
	t.Helper()
	rc, err := s.GetVerified(t.Context(), key, want)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func docKey(name string) string { return docstore.TenantKey(uuid.New(), "documents/"+name) }

func requireProvenance(t *testing.T, want, got docstore.Provenance) {
	t.Helper()
	require.Equal(t, want.Origin, got.Origin)
	require.Equal(t, want.Destination, got.Destination)
	require.True(t, want.SentAt.Equal(got.SentAt), "sent at: want %s, got %s", want.SentAt, got.SentAt)
	require.True(t, want.ReceivedAt.Equal(got.ReceivedAt), "received at: want %s, got %s", want.ReceivedAt, got.ReceivedAt)
}

func TestRetention(t *testing.T) {
	t.Parallel()
	signed := []docstore.Class{docstore.ClassApplication, docstore.ClassAttachment, docstore.ClassResult}
	moments := []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC),
		// 1 January 00:30 in Kyiv, still 31 December in UTC: the year is Kyiv's.
		time.Date(2027, 12, 31, 22, 30, 0, 0, time.UTC),
		time.Date(2027, 12, 31, 21, 59, 59, 999999999, time.UTC),
	}
	for _, c := range signed {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			require.True(t, c.Valid())
			// No signed class is kept for less than the 5 years paper
			// applications and their results are kept.
			require.GreaterOrEqual(t, docstore.Retention(c), 5*365*24*time.Hour)
			for _, at := range moments {
				until := docstore.RetainUntil(c, at)
				require.False(t, until.Before(at.Add(docstore.Retention(c))), "%s: %s is sooner than the retention", at, until)
				// At most a year more, leap days aside.
				require.True(t, until.Before(at.Add(docstore.Retention(c)/365*366+367*24*time.Hour)), "%s: %s", at, until)
				kyiv := until.In(time.FixedZone("EET", 2*60*60))
				require.Equal(t, []int{1, 1, 0, 0}, []int{int(kyiv.Month()), kyiv.Day(), kyiv.Hour(), kyiv.Minute()}, "counted from 1 January, Kyiv time: %s", kyiv)
			}
		})
	}
	require.Equal(t, 2029+10, docstore.RetainUntil(docstore.ClassResult, moments[2]).In(time.FixedZone("EET", 2*60*60)).Year(),
		"New Year's night in Kyiv counts as the new year")

	t.Run("Temporary", func(t *testing.T) {
		t.Parallel()
		require.True(t, docstore.ClassTemporary.Valid())
		require.Zero(t, docstore.Retention(docstore.ClassTemporary))
		require.True(t, docstore.RetainUntil(docstore.ClassTemporary, moments[1]).IsZero())
	})
	t.Run("UnknownClassGetsTheLongest", func(t *testing.T) {
		t.Parallel()
		unknown := docstore.Class("decree")
		require.False(t, unknown.Valid())
		for _, c := range signed {
			require.GreaterOrEqual(t, docstore.Retention(unknown), docstore.Retention(c))
		}
	})
}

func TestPutDocument(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		class   docstore.Class
		size    int
		giveSHA bool // the caller passes its SHA-256
		unsized bool // the caller passes size -1
	}{
		{"Application", docstore.ClassApplication, 3000, true, false},
		{"Attachment", docstore.ClassAttachment, 3000, true, false},
		{"Result", docstore.ClassResult, 3000, true, false},
		{"Temporary", docstore.ClassTemporary, 3000, true, false},
		{"Empty", docstore.ClassResult, 0, true, false},
		{"EmptyWithoutSHA", docstore.ClassResult, 0, false, false},
		{"WithoutSHA", docstore.ClassApplication, 3000, false, false},
		{"UnknownSize", docstore.ClassApplication, 3000, true, true},
		{"UnknownSizeWithoutSHA", docstore.ClassApplication, 3000, false, true},
		// Past minio-go's 16 MiB part, so the upload goes multipart, and past
		// the 8 MiB a document without a SHA-256 is spooled in memory.
		{"LargerThanOnePart", docstore.ClassResult, 17<<20 + 123, true, false},
		{"LargerThanOnePartWithoutSHA", docstore.ClassResult, 17<<20 + 123, false, false},
	}
	for _, b := range docBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					data := randomBytes(t, tc.size)
					key := docKey(tc.name + ".pdf")
					meta := docstore.Meta{ContentType: "application/pdf", Class: tc.class, Provenance: provenance()}
					if tc.giveSHA {
						meta.SHA256 = strings.ToUpper(sha256Hex(data)) // any case will do
					}
					size := int64(len(data))
					if tc.unsized {
						size = -1
					}
					before := time.Now()
					st, err := s.PutDocument(t.Context(), key, io.MultiReader(bytes.NewReader(data)), size, meta)
					require.NoError(t, err)

					require.Equal(t, key, st.Key)
					require.Equal(t, sha256Hex(data), st.SHA256, "Stored.SHA256 is the bytes' SHA-256, in lower case")
					require.Equal(t, int64(len(data)), st.Size)
					require.Equal(t, tc.class, st.Class)
					require.Equal(t, "application/pdf", st.ContentType)
					requireProvenance(t, meta.Provenance, st.Provenance)
					if tc.class == docstore.ClassTemporary {
						require.True(t, st.RetainUntil.IsZero(), "a draft's upload has no retention")
					} else {
						require.False(t, st.RetainUntil.Before(before.Add(docstore.Retention(tc.class))), "retained until %s", st.RetainUntil)
						require.Equal(t, docstore.RetainUntil(tc.class, st.StoredAt), st.RetainUntil)
					}

					// Stat gives it all back, provenance included [K 5.12].
					got, err := s.Stat(t.Context(), key)
					require.NoError(t, err)
					require.Equal(t, st.SHA256, got.SHA256)
					require.Equal(t, st.Size, got.Size)
					require.Equal(t, st.Class, got.Class)
					require.Equal(t, st.ContentType, got.ContentType)
					require.Equal(t, st.VersionID, got.VersionID)
					require.True(t, st.RetainUntil.Equal(got.RetainUntil), "retain until: put %s, stat %s", st.RetainUntil, got.RetainUntil)
					requireProvenance(t, meta.Provenance, got.Provenance)

					// The bytes come back as they were created [K 5.12], verified.
					read, err := readVerified(t, s, key, st.SHA256)
					require.NoError(t, err)
					require.True(t, bytes.Equal(data, read), "GetVerified returned other bytes")
					read, err = readVerified(t, s, key, "")
					require.NoError(t, err, "an empty SHA-256 means the stored one")
					require.True(t, bytes.Equal(data, read))
					require.True(t, bytes.Equal(data, get(t, s, key)), "Get reads documents too")
				})
			}
		})
	}
}

// TestMinIODocumentIsLocked checks, with the server rather than the store,
// that the bucket and the objects carry the guarantees.
func TestMinIODocumentIsLocked(t *testing.T) {
	t.Parallel()
	s := docBackends[1].open(t)
	ctx := t.Context()

	lock, _, _, _, err := s.raw.GetObjectLockConfig(ctx, s.bucket)
	require.NoError(t, err)
	require.Equal(t, "Enabled", lock, "Open creates the bucket with object lock")
	versioning, err := s.raw.GetBucketVersioning(ctx, s.bucket)
	require.NoError(t, err)
	require.True(t, versioning.Enabled(), "object lock means versioning")

	data := []byte("%PDF-1.7 рішення")
	key := docKey("result.pdf")
	st := putDoc(t, s, key, data, docstore.ClassResult)
	info, err := s.raw.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "COMPLIANCE", info.Headers.Get("X-Amz-Object-Lock-Mode"))
	until, err := time.Parse(time.RFC3339, info.Headers.Get("X-Amz-Object-Lock-Retain-Until-Date"))
	require.NoError(t, err)
	require.True(t, until.Equal(st.RetainUntil), "server: %s, store: %s", until, st.RetainUntil)
	require.Equal(t, sha256Hex(data), info.Headers.Get("X-Amz-Meta-Sha256"))
	require.Equal(t, "result", info.Headers.Get("X-Amz-Meta-Class"))
	require.Equal(t, st.VersionID, info.VersionID)

	// Not even the root user removes the version.
	err = s.raw.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: info.VersionID})
	require.Error(t, err)
	err = s.raw.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: info.VersionID, GovernanceBypass: true})
	require.Error(t, err, "COMPLIANCE, unlike GOVERNANCE, cannot be bypassed")

	tmpKey := docKey("draft.pdf")
	putDoc(t, s, tmpKey, data, docstore.ClassTemporary)
	info, err = s.raw.StatObject(ctx, s.bucket, tmpKey, minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Empty(t, info.Headers.Get("X-Amz-Object-Lock-Mode"), "a draft's upload is not locked")
	require.Equal(t, sha256Hex(data), info.Headers.Get("X-Amz-Meta-Sha256"))
}

func TestPutDocumentRefusesExistingKey(t *testing.T) {
	t.Parallel()
	for _, b := range docBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			first := []byte("the signed original")
			second := []byte("a forgery under the same name")

			for _, class := range []docstore.Class{docstore.ClassResult, docstore.ClassTemporary} {
				t.Run("OverDocument/"+string(class), func(t *testing.T) {
					t.Parallel()
					key := docKey("decision.pdf")
					st := putDoc(t, s, key, first, class)
					_, err := s.PutDocument(t.Context(), key, bytes.NewReader(second), int64(len(second)),
						docstore.Meta{Class: class, SHA256: sha256Hex(second)})
					require.ErrorIs(t, err, docstore.ErrExists)
					_, err = s.Put(t.Context(), key, bytes.NewReader(second), int64(len(second)), "application/pdf")
					require.ErrorIs(t, err, docstore.ErrExists, "Put must not replace a document either")

					read, err := readVerified(t, s, key, st.SHA256)
					require.NoError(t, err)
					require.Equal(t, first, read)
				})
			}

			t.Run("OverPutObject", func(t *testing.T) {
				t.Parallel()
				key := docKey("upload.pdf")
				put(t, s, key, first)
				_, err := s.PutDocument(t.Context(), key, bytes.NewReader(second), int64(len(second)),
					docstore.Meta{Class: docstore.ClassAttachment})
				require.ErrorIs(t, err, docstore.ErrExists)
				require.Equal(t, first, get(t, s, key))
			})

			t.Run("Concurrently", func(t *testing.T) {
				t.Parallel()
				key := docKey("race.pdf")
				const writers = 8
				errs := make([]error, writers)
				var wg sync.WaitGroup
				for i := range writers {
					wg.Go(func() {
						data := []byte(strings.Repeat("x", i+1))
						_, errs[i] = s.PutDocument(t.Context(), key, bytes.NewReader(data), int64(len(data)),
							docstore.Meta{Class: docstore.ClassApplication, SHA256: sha256Hex(data)})
					})
				}
				wg.Wait()
				won := 0
				for i, err := range errs {
					if err == nil {
						won++
						read, err := readVerified(t, s, key, sha256Hex([]byte(strings.Repeat("x", i+1))))
						require.NoError(t, err)
						require.Len(t, read, i+1, "the winner's bytes are stored")
						continue
					}
					require.ErrorIs(t, err, docstore.ErrExists, "writer %d", i)
				}
				require.Equal(t, 1, won, "exactly one writer stores the document")
			})
		})
	}
}

// TestMinIOOverwriteAddsVersion is what S3 itself does with a PUT over a
// locked document. It stores a new version and keeps the locked one. So
// PutDocument must refuse the key (the test above), GetVerified must notice
// the new bytes, and the original stays, locked, for recovery.
func TestMinIOOverwriteAddsVersion(t *testing.T) {
	t.Parallel()
	s := docBackends[1].open(t)
	ctx := t.Context()
	key := docKey("result.pdf")
	original := []byte("the signed original")
	st := putDoc(t, s, key, original, docstore.ClassResult)

	s.corrupt(t, key, []byte("the signed forgery!"))

	_, err := readVerified(t, s, key, st.SHA256)
	require.ErrorIs(t, err, docstore.ErrCorrupt)

	err = s.Delete(ctx, key)
	require.ErrorIs(t, err, docstore.ErrLocked, "a key with a locked version cannot be deleted")
	err = s.raw.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: st.VersionID})
	require.Error(t, err, "the locked version cannot be removed by its id")

	obj, err := s.raw.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{VersionID: st.VersionID})
	require.NoError(t, err)
	defer obj.Close()
	kept, err := io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, original, kept, "the original version is still there")
}

func TestGetVerified(t *testing.T) {
	t.Parallel()
	for _, b := range docBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			data := randomBytes(t, 64<<10)

			t.Run("CorruptedBytes", func(t *testing.T) {
				t.Parallel()
				key := docKey("corrupted.pdf")
				st := putDoc(t, s, key, data, docstore.ClassResult)
				bad := bytes.Clone(data)
				bad[len(bad)/2] ^= 1
				s.corrupt(t, key, bad)

				rc, err := s.GetVerified(t.Context(), key, st.SHA256)
				require.NoError(t, err, "corruption shows at the end of the bytes, not before")
				read, err := io.ReadAll(rc)
				require.NoError(t, rc.Close())
				require.ErrorIs(t, err, docstore.ErrCorrupt)
				require.Len(t, read, len(bad), "the bytes stream through; the error comes instead of io.EOF")
				// Get, which does not verify, reads the corrupted bytes.
				require.Equal(t, bad, get(t, s, key))
			})

			t.Run("RecordedOtherSHA", func(t *testing.T) {
				t.Parallel()
				key := docKey("mixed-up.pdf")
				putDoc(t, s, key, data, docstore.ClassApplication)
				// The caller recorded another document's hash: the stored
				// metadata disagrees, so it fails before any bytes.
				_, err := s.GetVerified(t.Context(), key, sha256Hex([]byte("another document")))
				require.ErrorIs(t, err, docstore.ErrCorrupt)
			})

			t.Run("ObjectPutStored", func(t *testing.T) {
				t.Parallel()
				key := docKey("upload.pdf")
				sum := put(t, s, key, data)
				read, err := readVerified(t, s, key, sum)
				require.NoError(t, err, "an object without metadata is checked against the caller's SHA-256")
				require.Equal(t, data, read)
				_, err = readVerified(t, s, key, sha256Hex([]byte("other")))
				require.ErrorIs(t, err, docstore.ErrCorrupt)
				_, err = s.GetVerified(t.Context(), key, "")
				require.Error(t, err, "nothing to verify against")
			})

			t.Run("Missing", func(t *testing.T) {
				t.Parallel()
				_, err := s.GetVerified(t.Context(), docKey("nothing.pdf"), sha256Hex(data))
				require.ErrorIs(t, err, docstore.ErrNotFound)
				_, err = s.Stat(t.Context(), docKey("nothing.pdf"))
				require.ErrorIs(t, err, docstore.ErrNotFound)
			})

			t.Run("BadSHA", func(t *testing.T) {
				t.Parallel()
				key := docKey("bad-sha.pdf")
				putDoc(t, s, key, data, docstore.ClassApplication)
				_, err := s.GetVerified(t.Context(), key, "not-a-sha")
				require.Error(t, err)
				require.NotErrorIs(t, err, docstore.ErrCorrupt, "a bad argument is not a corrupt document")
			})
		})
	}
}

func TestDirSidecarTampered(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := docstore.OpenDir(dir)
	require.NoError(t, err)
	data := []byte("%PDF-1.7")
	key := docKey("result.pdf")
	st := putDoc(t, s, key, data, docstore.ClassResult)

	side := filepath.Join(dir, ".meta", filepath.FromSlash(key)+".json")
	raw, err := os.ReadFile(side)
	require.NoError(t, err)
	require.Contains(t, string(raw), st.SHA256)
	fi, err := os.Stat(side)
	require.NoError(t, err)
	require.Zero(t, fi.Mode().Perm()&0o222, "the sidecar is read-only")
	fi, err = os.Stat(filepath.Join(dir, filepath.FromSlash(key)))
	require.NoError(t, err)
	require.Zero(t, fi.Mode().Perm()&0o222, "the document is read-only")

	require.NoError(t, os.Chmod(side, 0o600))
	require.NoError(t, os.WriteFile(side, []byte(strings.Replace(string(raw), st.SHA256, sha256Hex([]byte("x")), 1)), 0o600))
	_, err = s.GetVerified(t.Context(), key, st.SHA256)
	require.ErrorIs(t, err, docstore.ErrCorrupt)

	require.NoError(t, os.WriteFile(side, []byte("{not json"), 0o600))
	_, err = s.GetVerified(t.Context(), key, st.SHA256)
	require.ErrorIs(t, err, docstore.ErrCorrupt)
	require.ErrorIs(t, s.Delete(t.Context(), key), docstore.ErrCorrupt, "unreadable metadata: no delete")

	_, err = s.Put(t.Context(), ".meta/"+key+".json", strings.NewReader("{}"), 2, "application/json")
	require.Error(t, err, "keys cannot reach the sidecars")
}

func TestPutDocumentVerifiesCallerSHA(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		size    int
		unsized bool
	}{
		{"Small", 3000, false},
		{"Empty", 0, false},
		{"UnknownSize", 3000, true},
		// A multipart upload must be aborted, not completed.
		{"LargerThanOnePart", 17<<20 + 123, false},
	}
	for _, b := range docBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					data := randomBytes(t, tc.size)
					key := docKey(tc.name + ".pdf")
					size := int64(len(data))
					if tc.unsized {
						size = -1
					}
					meta := docstore.Meta{Class: docstore.ClassResult, SHA256: sha256Hex([]byte("what the caller meant to send"))}
					_, err := s.PutDocument(t.Context(), key, io.MultiReader(bytes.NewReader(data)), size, meta)
					require.ErrorIs(t, err, docstore.ErrCorrupt)

					_, err = s.Stat(t.Context(), key)
					require.ErrorIs(t, err, docstore.ErrNotFound, "nothing is stored")
					if s.raw != nil {
						for o := range s.raw.ListObjectsIter(t.Context(), s.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
							require.NoError(t, o.Err)
							t.Fatalf("a version was stored: %+v", o)
						}
						for u := range s.raw.ListIncompleteUploads(t.Context(), s.bucket, key, true) {
							require.NoError(t, u.Err)
							t.Fatalf("a multipart upload was left behind: %+v", u)
						}
					}
					// The key is free for the right bytes.
					putDoc(t, s, key, data, docstore.ClassResult)
				})
			}
		})
	}
}

func TestPutDocumentRefusesBadMeta(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		meta docstore.Meta
	}{
		{"NoClass", docstore.Meta{}},
		{"UnknownClass", docstore.Meta{Class: "decree"}},
		{"ShortSHA", docstore.Meta{Class: docstore.ClassResult, SHA256: "abcd"}},
		{"NotHexSHA", docstore.Meta{Class: docstore.ClassResult, SHA256: strings.Repeat("z", 64)}},
		{"LongOrigin", docstore.Meta{Class: docstore.ClassResult, Provenance: docstore.Provenance{Origin: strings.Repeat("я", 200)}}},
		{"BadUTF8Destination", docstore.Meta{Class: docstore.ClassResult, Provenance: docstore.Provenance{Destination: "\xff"}}},
	}
	for _, b := range docBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					key := docKey("x.pdf")
					_, err := s.PutDocument(t.Context(), key, strings.NewReader("x"), 1, tc.meta)
					require.Error(t, err)
					_, err = s.Stat(t.Context(), key)
					require.ErrorIs(t, err, docstore.ErrNotFound)
				})
			}
		})
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	for _, b := range docBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			data := []byte("%PDF-1.7 довідка")

			for _, class := range []docstore.Class{docstore.ClassApplication, docstore.ClassAttachment, docstore.ClassResult} {
				t.Run("Locked/"+string(class), func(t *testing.T) {
					t.Parallel()
					key := docKey("locked.pdf")
					st := putDoc(t, s, key, data, class)
					require.ErrorIs(t, s.Delete(t.Context(), key), docstore.ErrLocked)
					read, err := readVerified(t, s, key, st.SHA256)
					require.NoError(t, err, "still there, whole")
					require.Equal(t, data, read)
				})
			}

			t.Run("Temporary", func(t *testing.T) {
				t.Parallel()
				key := docKey("draft.pdf")
				putDoc(t, s, key, data, docstore.ClassTemporary)
				require.NoError(t, s.Delete(t.Context(), key))
				_, err := s.Stat(t.Context(), key)
				require.ErrorIs(t, err, docstore.ErrNotFound)
				rc, err := s.Get(t.Context(), key)
				if rc != nil {
					rc.Close()
				}
				require.ErrorIs(t, err, docstore.ErrNotFound)
				require.ErrorIs(t, s.Delete(t.Context(), key), docstore.ErrNotFound)
				// Gone for good: the key takes a new document.
				putDoc(t, s, key, []byte("another draft"), docstore.ClassTemporary)
			})

			t.Run("PutObjectEveryVersion", func(t *testing.T) {
				t.Parallel()
				key := docKey("upload.pdf")
				put(t, s, key, []byte("first"))
				put(t, s, key, []byte("second"))
				require.NoError(t, s.Delete(t.Context(), key))
				_, err := s.Stat(t.Context(), key)
				require.ErrorIs(t, err, docstore.ErrNotFound)
				if s.raw != nil {
					for o := range s.raw.ListObjectsIter(t.Context(), s.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
						require.NoError(t, o.Err)
						t.Fatalf("a version is left: %+v", o)
					}
				}
			})

			t.Run("Missing", func(t *testing.T) {
				t.Parallel()
				require.ErrorIs(t, s.Delete(t.Context(), docKey("nothing.pdf")), docstore.ErrNotFound)
			})
		})
	}
}

// TestDirDeleteAfterRetention moves the directory store's clock past the
// retention: then the document may go.
func TestDirDeleteAfterRetention(t *testing.T) {
	t.Parallel()
	s := docBackends[0].open(t)
	key := docKey("old.pdf")
	st := putDoc(t, s, key, []byte("%PDF"), docstore.ClassResult)

	s.setNow(func() time.Time { return st.RetainUntil.Add(-time.Second) })
	require.ErrorIs(t, s.Delete(t.Context(), key), docstore.ErrLocked, "a second before the end")
	s.setNow(func() time.Time { return st.RetainUntil })
	require.NoError(t, s.Delete(t.Context(), key))
	_, err := s.Stat(t.Context(), key)
	require.ErrorIs(t, err, docstore.ErrNotFound)
}

// TestMinIODeleteAfterRetention locks a version for two seconds, by the
// raw client, since the server's clock decides. Delete refuses before and
// removes it after.
func TestMinIODeleteAfterRetention(t *testing.T) {
	t.Parallel()
	s := docBackends[1].open(t)
	ctx := t.Context()
	key := docKey("short.pdf")
	until := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
	_, err := s.raw.PutObject(ctx, s.bucket, key, strings.NewReader("%PDF"), 4, minio.PutObjectOptions{
		Mode: minio.Compliance, RetainUntilDate: until, UserMetadata: map[string]string{"class": "result"},
	})
	require.NoError(t, err)
	require.ErrorIs(t, s.Delete(ctx, key), docstore.ErrLocked)

	time.Sleep(time.Until(until) + 500*time.Millisecond)
	require.NoError(t, s.Delete(ctx, key))
	_, err = s.Stat(ctx, key)
	require.ErrorIs(t, err, docstore.ErrNotFound)
}

func TestOpenRefusesBucketWithoutObjectLock(t *testing.T) {
	t.Parallel()
	srv := tenanttest.MinIO(t)
	bucket := srv.NewBucket(t)
	require.NoError(t, rawClient(t, srv).MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{}))
	_, err := docstore.Open(t.Context(), srv.URL(bucket))
	require.Error(t, err)
	require.Contains(t, err.Error(), "no object lock")
	require.False(t, errors.Is(err, docstore.ErrNotFound))
}
