package docstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOConfig locates a bucket on a MinIO or S3 server.
type MinIOConfig struct {
	Endpoint, AccessKey, SecretKey, Bucket, Region string
	Secure                                         bool
}

// MinIO is a Store in a MinIO (S3) bucket with versioning and object lock.
// Documents are written in COMPLIANCE mode, and their metadata travels as
// user metadata: x-amz-meta-sha256, -class, -origin, -destination, -sent-at
// and -received-at. Origin and destination are percent-encoded, since S3
// headers are not safely UTF-8. Times are RFC 3339 in UTC.
type MinIO struct {
	c      *minio.Client
	bucket string
	// Now is the clock retention is counted from. nil means time.Now. Set
	// it before the store is used. The server's own clock decides when a
	// lock ends.
	Now func() time.Time
}

// The user metadata of a document, as minio-go canonicalises the keys.
const (
	metaSHA256      = "Sha256"
	metaClass       = "Class"
	metaOrigin      = "Origin"
	metaDestination = "Destination"
	metaSentAt      = "Sent-At"
	metaReceivedAt  = "Received-At"
)

// lockCheckWait is how long OpenMinIO waits for a bucket's object lock to
// appear. Another replica may have just created the bucket, and its lock
// configuration lands a moment after the bucket does.
const lockCheckWait = 2 * time.Second

// OpenMinIO connects to the bucket. When the bucket does not exist, it
// creates it with object lock, which turns versioning on for good, so no
// write ever destroys a document. When the bucket exists without object
// lock, it refuses with an error that says so. This is a refusal, not a
// degraded mode: documents' retention could not be enforced there. MinIO
// cannot add object lock to an existing bucket, so the operator must
// create a new bucket with lock (mc mb --with-lock) and copy the objects
// over. The credentials need the s3:GetBucketObjectLockConfiguration
// permission for that check.
//
// A bucket this package creates has no default retention, so objects
// stored with Put, and documents of ClassTemporary, stay deletable. An
// operator's default retention on the bucket would lock them too.
func OpenMinIO(ctx context.Context, cfg MinIOConfig) (*MinIO, error) {
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: cfg.Secure, Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("docstore: minio: %w", err)
	}
	m := &MinIO{c: c, bucket: cfg.Bucket}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("docstore: minio: %w", err)
	}
	if !ok {
		err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: true})
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" {
			err = nil // another replica made it first
		}
		if err != nil {
			return nil, fmt.Errorf("docstore: minio: make bucket: %w", err)
		}
	}
	if err := m.checkObjectLock(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// checkObjectLock makes sure the bucket has object lock enabled.
func (m *MinIO) checkObjectLock(ctx context.Context) error {
	deadline := time.Now().Add(lockCheckWait)
	for {
		enabled, _, _, _, err := m.c.GetObjectLockConfig(ctx, m.bucket)
		if err == nil && enabled == "Enabled" {
			return nil
		}
		if err != nil && minio.ToErrorResponse(err).Code != "ObjectLockConfigurationNotFoundError" {
			return fmt.Errorf("docstore: minio: bucket %q: reading its object lock configuration: %w", m.bucket, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("docstore: minio: bucket %q has no object lock, so documents' retention cannot be enforced in it; "+
				"create a bucket with object lock (mc mb --with-lock) and point the store at it", m.bucket)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("docstore: minio: bucket %q: %w", m.bucket, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (m *MinIO) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Unavailable reports whether err is the document store out of reach: a
// network error on the way to it (the server down or restarting), or its
// answer that it cannot serve now (503, e.g. not initialised yet after a
// start). Such a failure passes by itself; the caller waits and tries
// again rather than giving up.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var er minio.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusServiceUnavailable
}

// notFound reports whether err is S3's answer for a missing object.
func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NoSuchVersion"
}

// Put implements Store. In the versioned bucket a Put over an object adds
// a version: Get then reads the new one. Put refuses a key that holds a
// document (ErrExists), checking first. That check races another writer,
// but it catches the mistake of Put where PutDocument was meant.
func (m *MinIO) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (string, error) {
	info, err := m.c.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{})
	switch {
	case err == nil && isDocument(info.Headers):
		return "", fmt.Errorf("%w: %s is a document", ErrExists, key)
	case err != nil && !notFound(err):
		return "", fmt.Errorf("docstore: put %s: %w", key, err)
	}
	h := sha256.New()
	_, err = m.c.PutObject(ctx, m.bucket, key, io.TeeReader(r, h), size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return "", fmt.Errorf("docstore: put %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isDocument(h http.Header) bool {
	return h.Get("X-Amz-Meta-"+metaClass) != "" || h.Get("X-Amz-Object-Lock-Mode") != ""
}

// Get implements Store.
func (m *MinIO) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if _, err := m.c.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{}); err != nil {
		if notFound(err) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("docstore: get %s: %w", key, err)
	}
	return m.c.GetObject(ctx, m.bucket, key, minio.GetObjectOptions{})
}

// Ping implements Store: the bucket answers.
func (m *MinIO) Ping(ctx context.Context) error {
	ok, err := m.c.BucketExists(ctx, m.bucket)
	if err != nil {
		return fmt.Errorf("docstore: minio unreachable: %w", err)
	}
	if !ok {
		return fmt.Errorf("docstore: bucket %q is gone", m.bucket)
	}
	return nil
}

// PutDocument implements Store. The write is conditional (If-None-Match: *),
// so the server refuses it if the key holds an object, even one another
// writer stored a moment ago. A cheap check first refuses before any bytes
// are read. A document of a class with retention is written with retention
// mode COMPLIANCE until RetainUntil(class, now).
//
// The SHA-256 goes in the metadata, which is sent before the bytes. So a
// document without meta.SHA256, or of unknown size, is read ahead to hash
// and measure it: up to 8 MiB in memory, the rest in an unlinked temporary
// file. A document with meta.SHA256 and a size streams through, and it is
// cut off before its end if it does not match.
func (m *MinIO) PutDocument(ctx context.Context, key string, r io.Reader, size int64, meta Meta) (Stored, error) {
	meta, err := meta.normalize()
	if err != nil {
		return Stored{}, err
	}
	switch _, err := m.c.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{}); {
	case err == nil:
		return Stored{}, fmt.Errorf("%w: %s", ErrExists, key)
	case !notFound(err):
		return Stored{}, fmt.Errorf("docstore: put %s: %w", key, err)
	}

	var body io.Reader
	var check *checkedReader
	switch {
	case meta.SHA256 == "" || size < 0:
		s, err := spool(key, r, size)
		if err != nil {
			return Stored{}, err
		}
		defer s.Close()
		if meta.SHA256 != "" && s.sum != meta.SHA256 {
			return Stored{}, fmt.Errorf("%w: put %s: its bytes hash to %s, the caller said %s", ErrCorrupt, key, s.sum, meta.SHA256)
		}
		body, size, meta.SHA256 = s.Reader, s.size, s.sum
	case size == 0 && meta.SHA256 != emptySHA256:
		return Stored{}, fmt.Errorf("%w: put %s: it is empty, the caller said %s", ErrCorrupt, key, meta.SHA256)
	default:
		check = newCheckedReader(r, size, key, meta.SHA256)
		body = check
	}

	now := m.now().UTC().Round(0)
	until := RetainUntil(meta.Class, now)
	opts := minio.PutObjectOptions{ContentType: meta.ContentType, UserMetadata: userMetadata(meta)}
	if !until.IsZero() {
		opts.Mode, opts.RetainUntilDate = minio.Compliance, until
	}
	opts.SetMatchETagExcept("*")
	info, err := m.c.PutObject(ctx, m.bucket, key, body, size, opts)
	if check != nil && check.err != nil {
		return Stored{}, check.err
	}
	if err != nil {
		if minio.ToErrorResponse(err).Code == "PreconditionFailed" {
			return Stored{}, fmt.Errorf("%w: %s", ErrExists, key)
		}
		return Stored{}, fmt.Errorf("docstore: put %s: %w", key, err)
	}
	return Stored{Meta: meta, Key: key, Size: info.Size, VersionID: info.VersionID, StoredAt: now, RetainUntil: until}, nil
}

func userMetadata(meta Meta) map[string]string {
	md := map[string]string{metaSHA256: meta.SHA256, metaClass: string(meta.Class)}
	p := meta.Provenance
	if p.Origin != "" {
		md[metaOrigin] = url.PathEscape(p.Origin)
	}
	if p.Destination != "" {
		md[metaDestination] = url.PathEscape(p.Destination)
	}
	if !p.SentAt.IsZero() {
		md[metaSentAt] = p.SentAt.Format(time.RFC3339Nano)
	}
	if !p.ReceivedAt.IsZero() {
		md[metaReceivedAt] = p.ReceivedAt.Format(time.RFC3339Nano)
	}
	return md
}

// stat reads the object's description: the latest version, or versionID.
func (m *MinIO) stat(ctx context.Context, key, versionID string) (Stored, error) {
	info, err := m.c.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{VersionID: versionID})
	if err != nil {
		if notFound(err) {
			return Stored{}, ErrNotFound
		}
		return Stored{}, fmt.Errorf("docstore: stat %s: %w", key, err)
	}
	return storedOf(key, info)
}

// storedOf reads a Stored back from an object's headers.
func storedOf(key string, info minio.ObjectInfo) (Stored, error) {
	h := info.Headers
	meta := func(name string) string { return h.Get("X-Amz-Meta-" + name) }
	st := Stored{
		Meta: Meta{
			ContentType: info.ContentType,
			Class:       Class(meta(metaClass)),
			SHA256:      meta(metaSHA256),
		},
		Key: key, Size: info.Size, VersionID: info.VersionID, StoredAt: info.LastModified.UTC(),
	}
	var err error
	p := &st.Provenance
	if p.Origin, err = url.PathUnescape(meta(metaOrigin)); err == nil {
		p.Destination, err = url.PathUnescape(meta(metaDestination))
	}
	for _, t := range []struct {
		dst *time.Time
		raw string
	}{
		{&p.SentAt, meta(metaSentAt)},
		{&p.ReceivedAt, meta(metaReceivedAt)},
		{&st.RetainUntil, h.Get("X-Amz-Object-Lock-Retain-Until-Date")},
	} {
		if t.raw != "" && err == nil {
			*t.dst, err = time.Parse(time.RFC3339Nano, t.raw)
			*t.dst = t.dst.UTC()
		}
	}
	if err != nil {
		return Stored{}, fmt.Errorf("%w: %s: metadata unreadable: %v", ErrCorrupt, key, err)
	}
	return st, nil
}

// Stat implements Store.
func (m *MinIO) Stat(ctx context.Context, key string) (Stored, error) {
	return m.stat(ctx, key, "")
}

// GetVerified implements Store. It reads the version it checked the
// metadata of, whatever is written under the key meanwhile.
func (m *MinIO) GetVerified(ctx context.Context, key, wantSHA256 string) (io.ReadCloser, error) {
	st, err := m.stat(ctx, key, "")
	if err != nil {
		return nil, err
	}
	want, err := wantSum(key, wantSHA256, st.SHA256)
	if err != nil {
		return nil, err
	}
	obj, err := m.c.GetObject(ctx, m.bucket, key, minio.GetObjectOptions{VersionID: st.VersionID})
	if err != nil {
		return nil, fmt.Errorf("docstore: get %s: %w", key, err)
	}
	return newVerifiedReader(obj, key, want), nil
}

// Delete implements Store: it removes every version of key, oldest first,
// delete markers included, so nothing of the object is left. It refuses
// with ErrLocked, before removing anything, if any version is under
// retention. The server refuses too, and that is ErrLocked as well:
// another writer may add a locked version meanwhile, and then the older
// versions are gone but the newest stays.
func (m *MinIO) Delete(ctx context.Context, key string) error {
	var versions []minio.ObjectInfo
	live := false
	for o := range m.c.ListObjectsIter(ctx, m.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if o.Err != nil {
			return fmt.Errorf("docstore: delete %s: %w", key, o.Err)
		}
		if o.Key != key {
			continue
		}
		versions = append(versions, o)
		live = live || !o.IsDeleteMarker
	}
	if !live {
		return ErrNotFound
	}
	now := m.now()
	for _, v := range versions {
		if v.IsDeleteMarker {
			continue
		}
		st, err := m.stat(ctx, key, v.VersionID)
		if err != nil {
			return fmt.Errorf("docstore: delete %s: %w", key, err)
		}
		if now.Before(st.RetainUntil) {
			return fmt.Errorf("%w: %s is kept until %s", ErrLocked, key, st.RetainUntil.Format(time.RFC3339))
		}
	}
	// S3 lists a key's versions newest first.
	for _, v := range slices.Backward(versions) {
		err := m.c.RemoveObject(ctx, m.bucket, key, minio.RemoveObjectOptions{VersionID: v.VersionID})
		if err != nil {
			if locked(err) {
				return fmt.Errorf("%w: %s: %v", ErrLocked, key, err)
			}
			return fmt.Errorf("docstore: delete %s: %w", key, err)
		}
	}
	return nil
}

// locked reports whether err is the server refusing to remove a locked
// version. MinIO says InvalidRequest ("Object is WORM protected"), and
// AWS says AccessDenied.
func locked(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == "AccessDenied" || r.Code == "InvalidRequest" || r.Code == "ObjectLocked"
}

// List implements Store: the keys whose latest version is not a delete
// marker.
func (m *MinIO) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	for o := range m.c.ListObjectsIter(ctx, m.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("docstore: list %s: %w", prefix, o.Err)
		}
		keys = append(keys, o.Key)
	}
	slices.Sort(keys)
	return keys, nil
}
