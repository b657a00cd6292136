package docstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
)

// emptySHA256 is the SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// verifiedReader streams a stored object and ends with ErrCorrupt instead
// of io.EOF when the bytes are not the ones recorded: GetVerified's reader.
type verifiedReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	key  string
	want string
	err  error
}

func newVerifiedReader(rc io.ReadCloser, key, want string) *verifiedReader {
	return &verifiedReader{rc: rc, h: sha256.New(), key: key, want: want}
}

func (v *verifiedReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			v.err = fmt.Errorf("%w: %s: its bytes hash to %s, want %s", ErrCorrupt, v.key, got, v.want)
			return n, v.err
		}
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

func (v *verifiedReader) Close() error { return v.rc.Close() }

// checkedReader passes r, of known length, on while hashing it, and keeps
// back the bytes that end the stream until they are known to complete the
// SHA-256 want. A stream that does not match never reaches its end, so the
// server never commits it: a single PUT is cut short and a multipart upload
// is aborted. Failing at io.EOF would not do: minio-go reads a stream of
// known length with a ReadFull, which need not ask for the io.EOF after the
// last byte, and which drops an error that comes with a full buffer.
type checkedReader struct {
	r    io.Reader
	h    hash.Hash
	key  string
	want string
	left int64 // bytes still to come
	err  error
}

func newCheckedReader(r io.Reader, size int64, key, want string) *checkedReader {
	return &checkedReader{r: r, h: sha256.New(), key: key, want: want, left: size}
}

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.left -= int64(n)
	switch {
	case c.left == 0:
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
			c.err = fmt.Errorf("%w: put %s: its bytes hash to %s, the caller said %s", ErrCorrupt, c.key, got, c.want)
			return 0, c.err
		}
		return n, nil // the next Read says io.EOF
	case err == io.EOF:
		c.err = fmt.Errorf("docstore: put %s: stream ended %d bytes short of its size", c.key, c.left)
		return 0, c.err
	case err != nil:
		c.err = err
	}
	return n, err
}

// spoolMemory is how much of a document without a SHA-256 is spooled in
// memory. More goes to an unlinked temporary file.
const spoolMemory = 8 << 20

// spooled is a document read ahead of its upload, so its SHA-256 can go in
// the object's metadata, which is sent before the bytes.
type spooled struct {
	io.Reader
	file *os.File // nil when the document fit in memory
	size int64
	sum  string
}

func (s *spooled) Close() {
	if s.file != nil {
		s.file.Close()
	}
}

// spool reads r to its end and hashes it. size is r's expected length, or
// -1 when it is unknown.
func spool(key string, r io.Reader, size int64) (*spooled, error) {
	h := sha256.New()
	var mem bytes.Buffer
	if size >= 0 && size <= spoolMemory {
		mem.Grow(int(size))
	}
	n, err := io.CopyN(io.MultiWriter(&mem, h), r, spoolMemory+1)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("docstore: put %s: %w", key, err)
	}
	s := &spooled{Reader: bytes.NewReader(mem.Bytes())}
	if err == nil { // more than spoolMemory: go on in a file
		f, err := os.CreateTemp("", "hromada-docstore-*")
		if err != nil {
			return nil, fmt.Errorf("docstore: put %s: %w", key, err)
		}
		// Unlinked at once: the file lives as long as it is open, and a
		// crash leaves nothing of a resident's document behind.
		_ = os.Remove(f.Name())
		s.file = f
		_, err = f.Write(mem.Bytes())
		if err == nil {
			var rest int64
			rest, err = io.Copy(io.MultiWriter(f, h), r)
			n += rest
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("docstore: put %s: %w", key, err)
		}
		s.Reader = io.NewSectionReader(f, 0, n)
	}
	if size >= 0 && n != size {
		s.Close()
		return nil, fmt.Errorf("docstore: put %s: read %d bytes, the caller said %d", key, n, size)
	}
	s.size, s.sum = n, hex.EncodeToString(h.Sum(nil))
	return s, nil
}
