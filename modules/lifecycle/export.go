package lifecycle

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/jackc/pgx/v5"

	"hromada/modules/docstore"
	"hromada/tenant"
)

// Manifest is manifest.json in an export: what it holds, so the city can
// check it is whole (each file's SHA-256) and complete (each table's rows).
type Manifest struct {
	Format     int            `json:"format"` // 1
	Hromada    string         `json:"hromada_version"`
	CreatedAt  time.Time      `json:"created_at"`
	Tenant     ManifestTenant `json:"tenant"`
	Tables     []ManifestFile `json:"tables"`
	Objects    []ManifestFile `json:"objects"`
	TotalRows  int64          `json:"total_rows"`
	TotalBytes int64          `json:"total_object_bytes"`
}

// ManifestTenant names the city an export is of.
type ManifestTenant struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// ManifestFile is one file of an export: a table's rows or a stored
// object.
type ManifestFile struct {
	Name   string `json:"name"`          // the table, or the object's key in the store
	File   string `json:"file"`          // its path in the ZIP
	Rows   int64  `json:"rows"`          // a table's
	Size   int64  `json:"size"`          // bytes of the file
	SHA256 string `json:"sha256"`        // of the file, hex
	Key    string `json:"key,omitempty"` // an object's full key in the store
}

// exportsDir is where a city's exports are kept in its space of the
// store; an export does not contain the exports before it.
const exportsDir = "exports/"

// objectsPrefix is the city's space in the store.
func objectsPrefix(t *tenant.Tenant) string { return docstore.TenantKey(t.ID, "") }

// Write writes the whole export of the city in ctx to w as a ZIP, and
// returns its manifest. The tables are read in one snapshot (repeatable
// read), so their rows agree with each other; the objects are read after.
func (s *Service) Write(ctx context.Context, w io.Writer) (*Manifest, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: 1, Hromada: s.version, CreatedAt: s.now().UTC(),
		Tenant: ManifestTenant{ID: t.ID.String(), Slug: t.Slug, Name: t.Name}}
	zw := zip.NewWriter(w)
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// Before the first query: the snapshot every table is read in.
		if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
			return err
		}
		tables, err := Tables(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range tables {
			f, err := writeTable(ctx, tx, zw, name)
			if err != nil {
				return fmt.Errorf("lifecycle: export %s: %w", name, err)
			}
			m.Tables = append(m.Tables, f)
			m.TotalRows += f.Rows
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	keys, err := s.docs.List(ctx, objectsPrefix(t))
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		name := strings.TrimPrefix(key, objectsPrefix(t))
		if strings.HasPrefix(name, exportsDir) {
			continue
		}
		f, err := s.writeObject(ctx, zw, key, name)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: export object %s: %w", key, err)
		}
		m.Objects = append(m.Objects, f)
		m.TotalBytes += f.Size
	}
	if err := writeJSON(zw, "manifest.json", m); err != nil {
		return nil, err
	}
	if err := writeReadme(zw, m); err != nil {
		return nil, err
	}
	return m, zw.Close()
}

// hashWriter counts and hashes what passes through it.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newHashWriter(w io.Writer) *hashWriter { return &hashWriter{w: w, h: sha256.New()} }

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n]) //nolint:errcheck // a hash.Hash never fails to write
	hw.n += int64(n)
	return n, err
}

func (hw *hashWriter) sum() string { return hex.EncodeToString(hw.h.Sum(nil)) }

// writeTable writes every row of table the city may see (RLS: its own) as
// one JSON object a line, the columns by name as PostgreSQL's row_to_json
// writes them (bytea as "\\x…" hex, times in ISO 8601).
func writeTable(ctx context.Context, tx pgx.Tx, zw *zip.Writer, table string) (ManifestFile, error) {
	file := "tables/" + table + ".jsonl"
	zf, err := zw.Create(file)
	if err != nil {
		return ManifestFile{}, err
	}
	hw := newHashWriter(zf)
	rows, err := tx.Query(ctx, "SELECT row_to_json(x)::text FROM "+pgx.Identifier{table}.Sanitize()+" x")
	if err != nil {
		return ManifestFile{}, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return ManifestFile{}, err
		}
		if _, err := io.WriteString(hw, line+"\n"); err != nil {
			return ManifestFile{}, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Name: table, File: file, Rows: n, Size: hw.n, SHA256: hw.sum()}, nil
}

func (s *Service) writeObject(ctx context.Context, zw *zip.Writer, key, name string) (ManifestFile, error) {
	r, err := s.docs.Get(ctx, key)
	if err != nil {
		return ManifestFile{}, err
	}
	defer r.Close()
	file := "objects/" + name
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: file, Method: zip.Store})
	if err != nil {
		return ManifestFile{}, err
	}
	hw := newHashWriter(zf)
	if _, err := io.Copy(hw, r); err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Name: name, File: file, Size: hw.n, SHA256: hw.sum(), Key: key}, nil
}

func writeJSON(zw *zip.Writer, name string, v any) error {
	zf, err := zw.Create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(zf)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeReadme says, in Ukrainian and English, what the export is and how
// to check it.
func writeReadme(zw *zip.Writer, m *Manifest) error {
	zf, err := zw.Create("README.txt")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(zf, `Експорт даних громади «%[1]s» (%[2]s) з порталу Hromada %[3]s, створено %[4]s (UTC).

tables/ТАБЛИЦЯ.jsonl  — усі рядки кожної таблиці громади, один JSON-об'єкт на рядок (%[5]d таблиць, %[6]d рядків).
objects/…            — збережені документи і файли громади під їхніми ключами (%[7]d об'єктів).
manifest.json        — перелік файлів: кількість рядків, розмір і SHA-256 кожного (перевірка: sha256sum).

Export of the data of «%[1]s» (%[2]s) from Hromada %[3]s, made %[4]s (UTC).

tables/TABLE.jsonl   — every row of each of the city's tables, one JSON object a line (%[5]d tables, %[6]d rows).
objects/…            — the city's stored documents and files under their keys (%[7]d objects).
manifest.json        — the list of files: rows, size and SHA-256 of each (check with sha256sum).
`, m.Tenant.Name, m.Tenant.Slug, m.Hromada, m.CreatedAt.Format(time.RFC3339), len(m.Tables), m.TotalRows, len(m.Objects))
	return err
}

// Stored is an export written to the store.
type Stored struct {
	Key      string
	Size     int64
	SHA256   string
	Manifest *Manifest
}

// Store writes the export of the city in ctx to the document store, under
// a random key in the city's space (exports/<128 random bits>.zip), and,
// when recipient is an age recipient ("age1…"), encrypted to it
// (.zip.age, which `age -d -i KEY` opens). The ZIP is spooled to a
// temporary file first: a city's export may be larger than memory.
func (s *Service) Store(ctx context.Context, recipient string) (*Stored, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "hromada-export-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	hw := newHashWriter(tmp)
	var out io.Writer = hw
	var enc io.WriteCloser
	if recipient != "" {
		r, err := age.ParseX25519Recipient(recipient)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: recipient: %w", err)
		}
		if enc, err = age.Encrypt(hw, r); err != nil {
			return nil, err
		}
		out = enc
	}
	m, err := s.Write(ctx, out)
	if err != nil {
		return nil, err
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		return nil, err
	}
	name := exportsDir + hex.EncodeToString(random[:]) + ".zip"
	if recipient != "" {
		name += ".age"
	}
	key := docstore.TenantKey(t.ID, name)
	sum, err := s.docs.Put(ctx, key, tmp, hw.n, "application/zip")
	if err != nil {
		return nil, err
	}
	if sum != hw.sum() {
		return nil, fmt.Errorf("lifecycle: export %s stored with SHA-256 %s, written %s", key, sum, hw.sum())
	}
	return &Stored{Key: key, Size: hw.n, SHA256: sum, Manifest: m}, nil
}
