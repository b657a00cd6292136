package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// RequestExport asks for an export of the city in ctx on behalf of its
// administrator account, and enqueues its job in the same transaction. An
// export already pending is the answer to a second request: a double
// submit makes one export.
func (s *Service) RequestExport(ctx context.Context, account uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// One request at a time per city: the lock makes the check and
		// the insert one step under concurrent submits.
		if err := tenant.LockCity(ctx, tx, "city_exports:"); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT id FROM city_exports WHERE status = 'pending' AND requested_by = 'administrator'
			ORDER BY created_at DESC LIMIT 1`).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if id, err = uuid.NewV7(); err != nil {
			return err
		}
		env, err := tenant.EnvelopeFrom(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO city_exports (tenant_id, id, requested_by, account_id)
			VALUES (app_tenant_id(), $1, 'administrator', $2)`, id, account); err != nil {
			return err
		}
		return s.insert(ctx, tx, ExportArgs{Envelope: env, ExportID: id})
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("lifecycle: request export: %w", err)
	}
	return id, nil
}

const selectExport = `SELECT id, requested_by, recipient <> '', status, size, sha256, tables, row_count, objects, error,
	created_at, completed_at, object_key FROM city_exports`

func scanExport(row pgx.Row) (Export, error) {
	var e Export
	err := row.Scan(&e.ID, &e.RequestedBy, &e.Encrypted, &e.Status, &e.Size, &e.SHA256, &e.Tables, &e.Rows, &e.Objects,
		&e.Error, &e.CreatedAt, &e.CompletedAt, &e.objectKey)
	return e, err
}

// Exports returns the city's exports, newest first.
func (s *Service) Exports(ctx context.Context) ([]Export, error) {
	var out []Export
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, selectExport+` ORDER BY created_at DESC`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Export, error) { return scanExport(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle: exports: %w", err)
	}
	return out, nil
}

// Open opens the file of the city's finished export id. ErrNoExport when
// there is none, or it is not finished.
func (s *Service) Open(ctx context.Context, id uuid.UUID) (io.ReadCloser, Export, error) {
	var e Export
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		e, err = scanExport(tx.QueryRow(ctx, selectExport+` WHERE id = $1 AND status = 'done'`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoExport
		}
		return err
	})
	if err != nil {
		return nil, e, err
	}
	r, err := s.docs.Get(ctx, e.objectKey)
	if err != nil {
		return nil, e, fmt.Errorf("lifecycle: open export %s: %w", e.ID, err)
	}
	return r, e, nil
}

// FileName is the name an export is downloaded under.
func (e Export) FileName(slug string) string {
	name := slug + "-export-" + e.CreatedAt.UTC().Format("20060102-150405") + ".zip"
	if e.Encrypted {
		name += ".age"
	}
	return name
}
