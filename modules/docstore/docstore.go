// Package docstore keeps documents' bytes: signed applications, results,
// attachments. Two implementations share one interface: MinIO (or any S3
// server) in production, and files in a local directory for the embedded
// default. Keys are prefixed by tenant (TenantKey), and every object's
// SHA-256 is returned on Put, so callers record it and check it on read.
//
// This package is the foundation's part: open, ping, put, get. Retention,
// object lock and provenance come with the documents module.
package docstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Store keeps objects by key.
type Store interface {
	// Put stores r under key and returns its SHA-256, hex.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (string, error)
	// Get opens the object at key; ErrNotFound if there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Ping checks the store is reachable and usable.
	Ping(ctx context.Context) error
}

// ErrNotFound is a key with no object.
var ErrNotFound = errors.New("docstore: no such object")

// TenantKey is the key of name in tenant id's space.
func TenantKey(id uuid.UUID, name string) string { return "tenants/" + id.String() + "/" + name }

// Open opens the store a URL names:
//
//	file:///var/lib/hromada/docs                      files in a directory
//	s3://ACCESS:SECRET@host:9000/bucket?secure=false  MinIO / S3
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

// Dir is a Store in a local directory.
type Dir struct{ root string }

// OpenDir returns the Store in dir, creating dir if needed.
func OpenDir(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("docstore: no directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("docstore: %w", err)
	}
	return &Dir{root: dir}, nil
}

func (d *Dir) path(key string) (string, error) {
	clean := filepath.Clean("/" + key)
	if clean == "/" || clean != "/"+key {
		return "", fmt.Errorf("docstore: bad key %q", key)
	}
	return filepath.Join(d.root, filepath.FromSlash(clean)), nil
}

// Put implements Store: the file appears whole or not at all.
func (d *Dir) Put(_ context.Context, key string, r io.Reader, _ int64, _ string) (string, error) {
	p, err := d.path(key)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Get implements Store.
func (d *Dir) Get(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	return f, nil
}

// Ping implements Store: the directory is there and writable.
func (d *Dir) Ping(context.Context) error {
	f, err := os.CreateTemp(d.root, ".ping-*")
	if err != nil {
		return fmt.Errorf("docstore: %s not writable: %w", d.root, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// MinIOConfig locates a bucket on a MinIO or S3 server.
type MinIOConfig struct {
	Endpoint, AccessKey, SecretKey, Bucket, Region string
	Secure                                         bool
}

// MinIO is a Store in a MinIO (S3) bucket.
type MinIO struct {
	c      *minio.Client
	bucket string
}

// OpenMinIO connects to the bucket, creating it (versioned, so no write
// ever destroys a document) when it does not exist.
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
	return m, nil
}

// Put implements Store.
func (m *MinIO) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (string, error) {
	h := sha256.New()
	_, err := m.c.PutObject(ctx, m.bucket, key, io.TeeReader(r, h), size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return "", fmt.Errorf("docstore: put %s: %w", key, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return sum, nil
}

// Get implements Store.
func (m *MinIO) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if _, err := m.c.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
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
