package centres

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/content"
	"hromada/modules/docstore"
	"hromada/modules/uploads"
)

// Templates and training materials for the city's staff (seed 001, the
// Diia Centers platform: learning for centres' administrators): Markdown
// text rendered by content's safe renderer, a file (sniffed by uploads:
// what it is, not what its name says), or both. Only staff read them: the
// routes need centre_materials:read, which policies/default.csv gives the
// officials, the provider heads and the dispatcher, never a resident.

// MaterialLimits are the files a material may carry: documents and
// spreadsheets as councils write them, PDFs and pictures.
var MaterialLimits = uploads.Limits{MaxBytes: 10 << 20, Types: []string{
	"application/pdf", "image/jpeg", "image/png",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
}}

// Material is a template or a training material.
type Material struct {
	ID          uuid.UUID
	Title       string
	Body        string
	FileKey     *string
	FileName    *string
	ContentType *string
	Size        *int64
	SHA256      *string
	CreatedAt   time.Time
}

// HTML is the material's text rendered (Markdown, raw HTML dropped).
func (m *Material) HTML() (template.HTML, error) { return content.Render(m.Body) }

// MaterialForm is a material as typed; ID is the form's own (sending the
// form twice stores one material).
type MaterialForm struct {
	ID, Title, Body string
}

// check trims f and returns its errors; hasFile: a file came with it.
func (f *MaterialForm) check(hasFile bool) (uuid.UUID, FieldErrors) {
	errs := FieldErrors{}
	id := formID(errs, f.ID)
	f.Title, f.Body = strings.TrimSpace(f.Title), strings.TrimSpace(f.Body)
	length(errs, "title", f.Title, 1, 200)
	length(errs, "body", f.Body, 0, 50000)
	if f.Body == "" && !hasFile {
		errs["body"] = apperr.New(apperr.Invalid, "centres.error_material_empty")
	}
	return id, errs
}

// CheckMaterial says what is wrong with f before its file is stored, so
// that a refused form leaves nothing in the document store.
func (s *Service) CheckMaterial(f *MaterialForm, hasFile bool) error {
	if _, errs := f.check(hasFile); len(errs) > 0 {
		return errs
	}
	return nil
}

// PublishMaterial stores the material f describes with file (nil: text
// only), by the signed-in person; the same form sent again stores nothing
// more.
func (s *Service) PublishMaterial(ctx context.Context, f *MaterialForm, file *uploads.File) error {
	sg, err := signed(ctx)
	if err != nil {
		return err
	}
	id, errs := f.check(file != nil)
	if len(errs) > 0 {
		return errs
	}
	var key, name, ctype, sum *string
	var size *int64
	if file != nil {
		key, name, ctype, sum, size = &file.Key, &file.Name, &file.ContentType, &file.SHA256, &file.Size
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO centre_materials (tenant_id, id, title, body, file_key, file_name, content_type, size, sha256, created_at, created_by)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, id) DO NOTHING`,
			id, f.Title, f.Body, key, name, ctype, size, sum, s.now(), sg.AccountID)
		if err != nil {
			return fmt.Errorf("centres: publish material: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return s.record(ctx, tx, sg, audit.Event{Action: "centre.material.publish", ObjectType: "centre_material", ObjectID: id.String(),
			Details: map[string]any{"title": f.Title, "file": name, "sha256": sum}})
	})
}

const materialColumns = `id, title, body, file_key, file_name, content_type, size, sha256, created_at FROM centre_materials `

// Materials are the city's materials, the latest first.
func (s *Service) Materials(ctx context.Context) ([]Material, error) {
	var out []Material
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+materialColumns+`ORDER BY created_at DESC, id LIMIT 500`)
		if err != nil {
			return fmt.Errorf("centres: materials: %w", err)
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Material])
		if err != nil {
			return fmt.Errorf("centres: materials: %w", err)
		}
		return nil
	})
	return out, err
}

// MaterialByID is one material.
func (s *Service) MaterialByID(ctx context.Context, id uuid.UUID) (*Material, error) {
	var out Material
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+materialColumns+`WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("centres: material: %w", err)
		}
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Material])
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("centres: material: %w", err)
		}
		return nil
	})
	return &out, err
}

// MaterialFile opens the file of material id, checked against the SHA-256
// recorded when it was uploaded.
func (s *Service) MaterialFile(ctx context.Context, id uuid.UUID) (*Material, io.ReadCloser, error) {
	m, err := s.MaterialByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if m.FileKey == nil {
		return nil, nil, ErrNotFound
	}
	if s.docs == nil {
		return nil, nil, errors.New("centres: materials' files need the document store")
	}
	rc, err := s.docs.GetVerified(ctx, *m.FileKey, *m.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("centres: material file: %w", err)
	}
	return m, rc, nil
}

// DocStore is the document store the materials' files go to (nil: none
// yet).
func (s *Service) DocStore() docstore.Store { return s.docs }
