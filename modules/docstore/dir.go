package docstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Dir is a Store in a local directory. An object is the file at its key.
// A document also has a sidecar: a JSON file under .meta/ with its SHA-256,
// provenance and retention. Both files are read-only. The directory itself
// enforces nothing, so anyone who may write to it can still remove them.
type Dir struct {
	root string
	// Now is the clock retention is counted by. nil means time.Now. Set
	// it before the store is used.
	Now func() time.Time
}

// metaDir is the directory of documents' sidecars, under the root. Keys may
// not start with it.
const metaDir = ".meta"

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

func (d *Dir) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// path is the file of key, refusing keys that would leave the directory or
// reach the sidecars.
func (d *Dir) path(key string) (string, error) {
	clean := filepath.Clean("/" + key)
	if clean == "/" || clean != "/"+key || key == metaDir || strings.HasPrefix(key, metaDir+"/") {
		return "", fmt.Errorf("docstore: bad key %q", key)
	}
	return filepath.Join(d.root, filepath.FromSlash(clean)), nil
}

// sidecarPath is the sidecar file of key, which path has accepted.
func (d *Dir) sidecarPath(key string) string {
	return filepath.Join(d.root, metaDir, filepath.FromSlash(key)+".json")
}

// sidecar is a document's metadata on disk.
type sidecar struct {
	Class       Class     `json:"class"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Origin      string    `json:"origin,omitempty"`
	Destination string    `json:"destination,omitempty"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	ReceivedAt  time.Time `json:"received_at,omitzero"`
	StoredAt    time.Time `json:"stored_at"`
	RetainUntil time.Time `json:"retain_until,omitzero"`
}

func sidecarOf(st Stored) sidecar {
	return sidecar{
		Class: st.Class, ContentType: st.ContentType, SHA256: st.SHA256, Size: st.Size,
		Origin: st.Provenance.Origin, Destination: st.Provenance.Destination,
		SentAt: st.Provenance.SentAt, ReceivedAt: st.Provenance.ReceivedAt,
		StoredAt: st.StoredAt, RetainUntil: st.RetainUntil,
	}
}

func (s sidecar) stored(key string) Stored {
	return Stored{
		Meta: Meta{
			ContentType: s.ContentType, Class: s.Class, SHA256: s.SHA256,
			Provenance: Provenance{Origin: s.Origin, Destination: s.Destination, SentAt: s.SentAt, ReceivedAt: s.ReceivedAt},
		},
		Key: key, Size: s.Size, StoredAt: s.StoredAt, RetainUntil: s.RetainUntil,
	}
}

// readSidecar reads key's sidecar. It returns nil, nil for an object Put
// stored, which has none. A sidecar that does not parse is ErrCorrupt.
func (d *Dir) readSidecar(key string) (*sidecar, error) {
	b, err := os.ReadFile(d.sidecarPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("docstore: %s: %w", key, err)
	}
	var s sidecar
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%w: %s: metadata unreadable: %v", ErrCorrupt, key, err)
	}
	return &s, nil
}

// Put implements Store: the file appears whole or not at all. It replaces
// an object Put stored, but not a document (ErrExists).
func (d *Dir) Put(_ context.Context, key string, r io.Reader, _ int64, _ string) (string, error) {
	p, err := d.path(key)
	if err != nil {
		return "", err
	}
	if _, err := os.Lstat(d.sidecarPath(key)); err == nil {
		return "", fmt.Errorf("%w: %s is a document", ErrExists, key)
	}
	tmp, sum, _, err := writeTemp(p, r)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, p); err != nil {
		return "", err
	}
	return sum, nil
}

// writeTemp writes r to a new temporary file beside p, synced, and returns
// its name, SHA-256 and length. The caller removes it.
func writeTemp(p string, r io.Reader) (name, sum string, n int64, err error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", "", 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return "", "", 0, err
	}
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", 0, err
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), n, nil
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

// PutDocument implements Store. The sidecar is created first, and only if
// it does not exist yet: that claims the key, so two writers cannot both
// succeed. The document's file then appears whole, and only if nothing is
// there: a link never replaces a file as a rename would. A crash between
// the two leaves a sidecar without a file. The key then stays claimed, and
// Get reports ErrNotFound.
func (d *Dir) PutDocument(_ context.Context, key string, r io.Reader, size int64, meta Meta) (Stored, error) {
	meta, err := meta.normalize()
	if err != nil {
		return Stored{}, err
	}
	p, err := d.path(key)
	if err != nil {
		return Stored{}, err
	}
	sp := d.sidecarPath(key)
	for _, f := range []string{sp, p} {
		if _, err := os.Lstat(f); err == nil {
			return Stored{}, fmt.Errorf("%w: %s", ErrExists, key)
		}
	}

	tmp, sum, n, err := writeTemp(p, r)
	if err != nil {
		return Stored{}, fmt.Errorf("docstore: put %s: %w", key, err)
	}
	defer os.Remove(tmp)
	if size >= 0 && n != size {
		return Stored{}, fmt.Errorf("docstore: put %s: read %d bytes, the caller said %d", key, n, size)
	}
	if meta.SHA256 != "" && sum != meta.SHA256 {
		return Stored{}, fmt.Errorf("%w: put %s: its bytes hash to %s, the caller said %s", ErrCorrupt, key, sum, meta.SHA256)
	}
	meta.SHA256 = sum
	now := d.now().UTC().Round(0)
	st := Stored{Meta: meta, Key: key, Size: n, StoredAt: now, RetainUntil: RetainUntil(meta.Class, now)}

	b, err := json.MarshalIndent(sidecarOf(st), "", "\t")
	if err != nil {
		return Stored{}, err
	}
	tmpSide, _, _, err := writeTemp(sp, strings.NewReader(string(b)+"\n"))
	if err != nil {
		return Stored{}, fmt.Errorf("docstore: put %s: metadata: %w", key, err)
	}
	defer os.Remove(tmpSide)
	for _, f := range []string{tmp, tmpSide} {
		if err := os.Chmod(f, 0o400); err != nil {
			return Stored{}, fmt.Errorf("docstore: put %s: %w", key, err)
		}
	}
	if err := os.Link(tmpSide, sp); err != nil {
		return Stored{}, linkErr(key, err)
	}
	if err := os.Link(tmp, p); err != nil {
		os.Remove(sp)
		return Stored{}, linkErr(key, err)
	}
	for _, dir := range []string{filepath.Dir(sp), filepath.Dir(p)} {
		if err := syncDir(dir); err != nil {
			return Stored{}, fmt.Errorf("docstore: put %s: %w", key, err)
		}
	}
	return st, nil
}

func linkErr(key string, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrExists, key)
	}
	return fmt.Errorf("docstore: put %s: %w", key, err)
}

// syncDir makes a directory's new entries durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// GetVerified implements Store.
func (d *Dir) GetVerified(ctx context.Context, key, wantSHA256 string) (io.ReadCloser, error) {
	rc, err := d.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	side, err := d.readSidecar(key)
	if err != nil {
		rc.Close()
		return nil, err
	}
	stored := ""
	if side != nil {
		stored = side.SHA256
	}
	want, err := wantSum(key, wantSHA256, stored)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return newVerifiedReader(rc, key, want), nil
}

// wantSum is the SHA-256 GetVerified checks against: the caller's, which
// must agree with the stored one if both are known.
func wantSum(key, want, stored string) (string, error) {
	if want == "" {
		if stored == "" {
			return "", fmt.Errorf("docstore: get %s: no SHA-256 to verify against", key)
		}
		return stored, nil
	}
	want, err := normalizeSHA256(want)
	if err != nil {
		return "", err
	}
	if stored != "" && stored != want {
		return "", fmt.Errorf("%w: %s: recorded as %s, stored as %s", ErrCorrupt, key, want, stored)
	}
	return want, nil
}

// Stat implements Store.
func (d *Dir) Stat(_ context.Context, key string) (Stored, error) {
	p, err := d.path(key)
	if err != nil {
		return Stored{}, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.IsDir() {
		return Stored{}, ErrNotFound
	}
	if err != nil {
		return Stored{}, err
	}
	side, err := d.readSidecar(key)
	if err != nil {
		return Stored{}, err
	}
	if side == nil {
		return Stored{Key: key, Size: fi.Size(), StoredAt: fi.ModTime().UTC()}, nil
	}
	return side.stored(key), nil
}

// Delete implements Store. A document goes with its sidecar, file first,
// so an interrupted Delete leaves a sidecar that the next Delete clears.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	side, err := d.readSidecar(key)
	if err != nil {
		return err
	}
	if side != nil && d.now().Before(side.RetainUntil) {
		return fmt.Errorf("%w: %s is kept until %s", ErrLocked, key, side.RetainUntil.Format(time.RFC3339))
	}
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist) && side == nil, err == nil && fi.IsDir():
		return ErrNotFound
	case err == nil:
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("docstore: delete %s: %w", key, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("docstore: delete %s: %w", key, err)
	}
	if side != nil {
		if err := os.Remove(d.sidecarPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("docstore: delete %s: metadata: %w", key, err)
		}
	}
	return nil
}

// List implements Store. It walks the files under the prefix's directory,
// leaving out the sidecars and the temporary files of writes in flight.
func (d *Dir) List(_ context.Context, prefix string) ([]string, error) {
	var keys []string
	err := filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			// Only the directories the prefix may lie in are walked.
			if key == metaDir || key != "." && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(e.Name(), ".put-") || !strings.HasPrefix(key, prefix) {
			return nil
		}
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("docstore: list %s: %w", prefix, err)
	}
	slices.Sort(keys)
	return keys, nil
}
