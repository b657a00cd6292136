// Package docstore keeps documents' bytes: signed applications, results,
// attachments. Two implementations share one interface: MinIO (or any S3
// server) in production, and files in a local directory for the embedded
// default. Keys are prefixed by tenant (TenantKey), and every object's
// SHA-256 is returned on Put, so callers record it and check it on read.
//
// # Documents
//
// PutDocument stores a document as the law asks of the paper it replaces
// [K 5.11–5.12]: for no shorter than its class's retention (Retention),
// retrievable as it was created, with its provenance (origin, destination,
// time sent and received). A document is written once: PutDocument refuses
// a key that holds anything (ErrExists), and Put refuses to replace a
// document. Delete refuses while the retention lasts (ErrLocked).
// GetVerified streams a document and fails at the end, with ErrCorrupt,
// when its bytes are not the ones whose SHA-256 the caller recorded.
//
// In MinIO the guarantee is the server's: the bucket has versioning and
// object lock, and each document is written in COMPLIANCE mode, which no
// one, the root user included, can shorten or lift. Open refuses a bucket
// without object lock rather than store documents it cannot protect.
// In a directory the guarantee is this package's alone: files are created
// with O_EXCL semantics and read-only, and retention is kept in a sidecar
// file; anyone with the directory's permissions can still remove them, so
// the directory store is for development and small single-host setups.
package docstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// Store keeps objects by key.
type Store interface {
	// Put stores r under key and returns its SHA-256, hex. It replaces an
	// object Put stored before, but never a document: ErrExists.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (string, error)
	// Get opens the object at key; ErrNotFound if there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Ping checks the store is reachable and usable.
	Ping(ctx context.Context) error

	// PutDocument stores a document of meta.Class under key, kept until
	// RetainUntil(meta.Class, now). size is r's length, or -1 if unknown.
	// It returns ErrExists if key holds anything, and ErrCorrupt (storing
	// nothing) if meta.SHA256 is set and r's bytes do not match it.
	PutDocument(ctx context.Context, key string, r io.Reader, size int64, meta Meta) (Stored, error)
	// GetVerified opens the object at key like Get, but the reader's last
	// Read fails with ErrCorrupt, instead of io.EOF, when the bytes' SHA-256
	// is not wantSHA256 (hex). It fails at once with ErrCorrupt when the
	// SHA-256 stored with the document is not wantSHA256. An empty
	// wantSHA256 means the stored one; an object with neither is refused.
	// Callers must treat the bytes as unverified until they reach io.EOF.
	GetVerified(ctx context.Context, key, wantSHA256 string) (io.ReadCloser, error)
	// Stat describes the object at key: its size and, for a document, its
	// metadata, provenance and retention. ErrNotFound if there is none.
	Stat(ctx context.Context, key string) (Stored, error)
	// Delete removes the object at key for good. ErrLocked while a
	// document's retention lasts; ErrNotFound if there is nothing.
	Delete(ctx context.Context, key string) error
	// List returns the keys of the live objects whose key starts with
	// prefix, sorted: what a city's export copies and its purge removes.
	List(ctx context.Context, prefix string) ([]string, error)
}

var (
	// ErrNotFound is a key with no object.
	ErrNotFound = errors.New("docstore: no such object")
	// ErrExists is a write refused because the key already holds an
	// object: documents are written once.
	ErrExists = errors.New("docstore: key already holds an object")
	// ErrLocked is a delete refused because the document's retention has
	// not run out.
	ErrLocked = errors.New("docstore: document is under retention")
	// ErrCorrupt is a document whose bytes do not match the SHA-256 they
	// were recorded with.
	ErrCorrupt = errors.New("docstore: document does not match its SHA-256")
)

// TenantKey is the key of name in tenant id's space.
func TenantKey(id uuid.UUID, name string) string { return "tenants/" + id.String() + "/" + name }

// Open opens the store a URL names:
//
//	file:///var/lib/hromada/docs                      files in a directory
//	s3://ACCESS:SECRET@host:9000/bucket?secure=false  MinIO / S3
//
// An s3:// bucket that does not exist is created with object lock (and so
// versioning); one that exists without object lock is refused, since
// documents' retention could not be enforced in it. See OpenMinIO.
func Open(ctx context.Context, raw string) (Store, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("docstore: bad URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("docstore: file URL with host %q: want file:///absolute/dir", u.Host)
		}
		return OpenDir(u.Path)
	case "s3", "minio":
		secret, _ := u.User.Password()
		bucket := strings.Trim(u.Path, "/")
		if bucket == "" || u.User.Username() == "" || secret == "" {
			return nil, errors.New("docstore: an s3:// URL needs access key, secret and bucket: s3://ACCESS:SECRET@host:port/bucket")
		}
		return OpenMinIO(ctx, MinIOConfig{
			Endpoint: u.Host, AccessKey: u.User.Username(), SecretKey: secret, Bucket: bucket,
			Secure: u.Query().Get("secure") != "false", Region: u.Query().Get("region"),
		})
	}
	return nil, fmt.Errorf("docstore: unknown store %q (want file:// or s3://)", u.Scheme)
}
