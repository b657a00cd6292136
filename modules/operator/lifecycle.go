package operator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/docstore"
	"hromada/modules/lifecycle"
	"hromada/tenant"
)

// Errors of a city's export and deletion, for errors.Is. Each has a
// message key that names what to do.
var (
	ErrNotSuspended   = apperr.New(apperr.Conflict, "lifecycle.error_not_suspended")
	ErrExportRequired = apperr.New(apperr.Conflict, "lifecycle.error_export_required")
	ErrConfirm        = apperr.New(apperr.Invalid, "lifecycle.error_confirm")
	ErrRecipient      = apperr.New(apperr.Invalid, "lifecycle.error_recipient")
)

// WithDocs gives the service the document store, which a city's
// deletion empties and the operator's download of an export reads.
func (s *Service) WithDocs(d docstore.Store) *Service {
	s.docs = d
	return s
}

// CityExport is what the operator may know of a city's export (through
// city_export_state, migration 0036): never its contents, and the key of
// its file only when it is encrypted to the city's own recipient.
type CityExport struct {
	ID          uuid.UUID
	RequestedBy string
	Encrypted   bool
	Status      string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
	CompletedAt *time.Time
	objectKey   string
}

// Exports returns the exports of the city with id, newest first.
func (s *Service) Exports(ctx context.Context, id uuid.UUID) ([]CityExport, error) {
	return cityExports(ctx, s.pool, id)
}

func cityExports(ctx context.Context, q tenant.Querier, id uuid.UUID) ([]CityExport, error) {
	rows, err := q.Query(ctx, `SELECT id, requested_by, encrypted, status, size, sha256, created_at, completed_at, object_key
		FROM city_export_state($1)`, id)
	if err != nil {
		return nil, fmt.Errorf("operator: exports: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CityExport, error) {
		var e CityExport
		return e, r.Scan(&e.ID, &e.RequestedBy, &e.Encrypted, &e.Status, &e.Size, &e.SHA256, &e.CreatedAt, &e.CompletedAt, &e.objectKey)
	})
}

// exportReady is the export a deletion needs: finished, and made since
// the city was last suspended, so it holds what the purge removes.
func exportReady(t *tenant.Tenant, es []CityExport) *CityExport {
	for i, e := range es {
		if e.Status == lifecycle.Done && t.SuspendedAt != nil && !e.CreatedAt.Before(*t.SuspendedAt) {
			return &es[i]
		}
	}
	return nil
}

// RequestExport enqueues an export of the suspended city with slug,
// encrypted to recipient, the age public key the city gave ("age1…"):
// the operator fetches the file for the city but cannot read it. While
// one is queued, a second request changes nothing.
func (s *Service) RequestExport(ctx context.Context, slug, recipient string) (*tenant.Tenant, error) {
	recipient = strings.TrimSpace(recipient)
	if _, err := age.ParseX25519Recipient(recipient); err != nil {
		return nil, ErrRecipient
	}
	var t *tenant.Tenant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if t, err = tenant.BySlug(ctx, tx, slug); err != nil {
			return err
		}
		if t.Status != tenant.Suspended {
			return ErrNotSuspended.With(map[string]any{"Slug": t.Slug})
		}
		// Serialise the check with the insert, per city.
		if _, err := tx.Exec(ctx, `SELECT id FROM tenants WHERE id = $1 FOR UPDATE`, t.ID); err != nil {
			return err
		}
		var queued bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM river_job WHERE kind = $1 AND args->>'tenant_id' = $2
			AND state::text NOT IN ('completed', 'cancelled', 'discarded'))`, lifecycle.KindExport, t.ID.String()).Scan(&queued); err != nil {
			return err
		}
		if queued {
			return nil
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		_, err = tenant.InsertTx(tenant.With(ctx, t), s.river, tx,
			lifecycle.ExportArgs{Envelope: tenant.Envelope{TenantID: t.ID}, ExportID: id, Recipient: recipient}, nil)
		return err
	})
	return t, err
}

// OpenExport opens the encrypted export id of the city with slug, for the
// operator to hand over. A plain export (the administrator's) is not the
// operator's to read: ErrNotFound.
func (s *Service) OpenExport(ctx context.Context, slug string, id uuid.UUID) (io.ReadCloser, *CityExport, error) {
	t, err := tenant.BySlug(ctx, s.pool, slug)
	if err != nil {
		return nil, nil, err
	}
	es, err := s.Exports(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range es {
		if e.ID == id && e.Encrypted && e.Status == lifecycle.Done && e.objectKey != "" {
			r, err := s.docs.Get(ctx, e.objectKey)
			if err != nil {
				return nil, nil, fmt.Errorf("operator: open export: %w", err)
			}
			return r, &e, nil
		}
	}
	return nil, nil, tenant.ErrNotFound
}

// Retained is a document the purge had to leave: its retention has not
// ended.
type Retained struct {
	Key   string    `json:"key"`
	Until time.Time `json:"until"`
}

// Date is the day the document may go, in the city's time: DD.MM.YYYY.
func (r Retained) Date() string { return r.Until.In(tenant.Zone).Format("02.01.2006") }

// Deletion is the platform's record of a city's deletion.
type Deletion struct {
	Slug, Name     string
	DeletedBy      string
	DeletedAt      time.Time
	Rows           map[string]int64 // by table
	ObjectsRemoved int
	Retained       []Retained
	FinishedAt     *time.Time
}

// TotalRows is the rows the deletion removed.
func (d *Deletion) TotalRows() int64 {
	var n int64
	for _, c := range d.Rows {
		n += c
	}
	return n
}

// RetainedDate is RetainedUntil's day, DD.MM.YYYY.
func (d *Deletion) RetainedDate() string {
	return d.RetainedUntil().In(tenant.Zone).Format("02.01.2006")
}

// RetainedUntil is when the last retained document may go; zero with none.
func (d *Deletion) RetainedUntil() time.Time {
	var u time.Time
	for _, r := range d.Retained {
		if r.Until.After(u) {
			u = r.Until
		}
	}
	return u
}

// Delete deletes the city with slug: confirm must be its slug typed again
// (ErrConfirm); the city must be suspended (ErrNotSuspended) and have an
// export finished since (ErrExportRequired). In one transaction,
// purge_tenant (migration 0036) removes its rows from every tenant table
// and leaves the tenant row as a tombstone, and tenant_deletions records
// who, when and how many; then every object in the city's space of the
// store goes but the documents under retention, which are listed with the
// date each may go. A second Delete, or one after a crash, finds the
// tombstone and only tries the objects again: nothing is done twice.
func (s *Service) Delete(ctx context.Context, slug, confirm, by string) (*Deletion, error) {
	if strings.TrimSpace(confirm) != slug {
		return nil, ErrConfirm.With(map[string]any{"Slug": slug})
	}
	if s.docs == nil {
		return nil, errors.New("operator: delete: no document store")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := tenant.BySlug(ctx, tx, slug)
		if err != nil {
			return err
		}
		switch t.Status {
		case tenant.Deleted:
			return nil
		case tenant.Active:
			return ErrNotSuspended.With(map[string]any{"Slug": t.Slug})
		}
		es, err := cityExports(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		if exportReady(t, es) == nil {
			return ErrExportRequired.With(map[string]any{"Slug": t.Slug})
		}
		rows, err := tx.Query(ctx, `SELECT table_name, row_count FROM purge_tenant($1)`, t.ID)
		if err != nil {
			return fmt.Errorf("operator: purge %s: %w", t.Slug, err)
		}
		counts := map[string]int64{}
		for rows.Next() {
			var name string
			var n int64
			if err := rows.Scan(&name, &n); err != nil {
				return err
			}
			counts[name] = n
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("operator: purge %s: %w", t.Slug, err)
		}
		raw, err := json.Marshal(counts)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO tenant_deletions (city_id, slug, name, deleted_by, row_counts)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, t.ID, t.Slug, t.Name, by, raw)
		return err
	})
	if err != nil {
		return nil, err
	}
	t, err := tenant.BySlug(ctx, s.pool, slug)
	if err != nil {
		return nil, err
	}
	removed, retained, err := s.purgeObjects(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(retained)
	if err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE tenant_deletions SET objects_removed = objects_removed + $2, retained = $3,
		finished_at = coalesce(finished_at, now()) WHERE city_id = $1`, t.ID, removed, raw); err != nil {
		return nil, fmt.Errorf("operator: delete %s: %w", slug, err)
	}
	ds, err := s.deletions(ctx, "WHERE city_id = $1", t.ID)
	if err != nil {
		return nil, err
	}
	return ds[t.ID], nil
}

// purgeObjects removes every object in the city's space but the
// documents under retention, which it returns.
func (s *Service) purgeObjects(ctx context.Context, id uuid.UUID) (int, []Retained, error) {
	keys, err := s.docs.List(ctx, docstore.TenantKey(id, ""))
	if err != nil {
		return 0, nil, err
	}
	removed := 0
	retained := []Retained{}
	for _, key := range keys {
		err := s.docs.Delete(ctx, key)
		switch {
		case err == nil:
			removed++
		case errors.Is(err, docstore.ErrNotFound):
		case errors.Is(err, docstore.ErrLocked):
			st, err := s.docs.Stat(ctx, key)
			if err != nil {
				return removed, nil, fmt.Errorf("operator: purge: %s: %w", key, err)
			}
			retained = append(retained, Retained{Key: key, Until: st.RetainUntil.UTC()})
		default:
			return removed, nil, fmt.Errorf("operator: purge: %w", err)
		}
	}
	return removed, retained, nil
}

// Deletions returns the platform's record of every deleted city, by id.
func (s *Service) Deletions(ctx context.Context) (map[uuid.UUID]*Deletion, error) {
	return s.deletions(ctx, "")
}

func (s *Service) deletions(ctx context.Context, where string, args ...any) (map[uuid.UUID]*Deletion, error) {
	rows, err := s.pool.Query(ctx, `SELECT city_id, slug, name, deleted_by, deleted_at, row_counts, objects_removed, retained, finished_at
		FROM tenant_deletions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("operator: deletions: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]*Deletion{}
	for rows.Next() {
		var (
			id                uuid.UUID
			d                 Deletion
			counts, retention []byte
		)
		if err := rows.Scan(&id, &d.Slug, &d.Name, &d.DeletedBy, &d.DeletedAt, &counts, &d.ObjectsRemoved, &retention, &d.FinishedAt); err != nil {
			return nil, fmt.Errorf("operator: deletions: %w", err)
		}
		if err := json.Unmarshal(counts, &d.Rows); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(retention, &d.Retained); err != nil {
			return nil, err
		}
		out[id] = &d
	}
	return out, rows.Err()
}
