package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"hromada/tenant"
)

// KindExport is the export job's kind.
const KindExport = "lifecycle.export"

// ExportArgs make one export of a city.
type ExportArgs struct {
	tenant.Envelope
	ExportID uuid.UUID `json:"export_id"`
	// Recipient is the age recipient (a public key, "age1…") the city
	// gave the operator; set for the operator's exports only, whose row
	// the job makes (the operator may not write the city's tables).
	Recipient string `json:"recipient,omitempty"`
}

// Kind implements river.JobArgs.
func (ExportArgs) Kind() string { return KindExport }

// ExportWorker makes exports. Unlike tenant.Worker it works for a
// suspended city too: that is when the operator's export is made. The
// work happens outside any transaction (the export reads in its own
// snapshot and writes to the store); a crash repeats it, leaving at most
// an unreferenced file in the city's space that its purge removes.
type ExportWorker struct {
	river.WorkerDefaults[ExportArgs]
	svc *Service
}

// NewExportWorker returns the worker over svc.
func NewExportWorker(svc *Service) *ExportWorker { return &ExportWorker{svc: svc} }

// Timeout implements river.Worker: a large city takes a while.
func (w *ExportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return time.Hour }

// NextRetry implements river.Worker: a failed export is tried again soon
// (5 s, 10 s, 15 s …, at most a minute apart) — the city or the operator
// is waiting for it, and River's own back-off would wait minutes.
func (w *ExportWorker) NextRetry(job *river.Job[ExportArgs]) time.Time {
	return time.Now().Add(min(time.Duration(job.Attempt)*5*time.Second, time.Minute))
}

// Work implements river.Worker.
func (w *ExportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	s := w.svc
	t, err := tenant.ByID(ctx, s.db.Pool(), job.Args.TenantID)
	if errors.Is(err, tenant.ErrNotFound) || err == nil && t.Status == tenant.Deleted {
		return river.JobCancel(errors.New("lifecycle: the city is gone"))
	}
	if err != nil {
		return err
	}
	ctx = tenant.With(ctx, t)
	a := job.Args
	var status string
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if a.Recipient != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO city_exports (tenant_id, id, requested_by, recipient)
				VALUES (app_tenant_id(), $1, 'operator', $2) ON CONFLICT DO NOTHING`, a.ExportID, a.Recipient); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `SELECT status FROM city_exports WHERE id = $1`, a.ExportID).Scan(&status)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(errors.New("lifecycle: no such export"))
	}
	if err != nil {
		return err
	}
	if status != Pending {
		return nil
	}
	stored, err := s.Store(ctx, a.Recipient)
	if err != nil {
		s.log.ErrorContext(ctx, "lifecycle: export failed", "tenant", t.Slug, "export", a.ExportID, "attempt", job.Attempt, "err", err)
		final := job.Attempt >= job.MaxAttempts
		if rerr := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE city_exports SET error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END WHERE id = $1`,
				a.ExportID, err.Error(), final)
			return err
		}); rerr != nil {
			s.log.ErrorContext(ctx, "lifecycle: recording an export's failure", "err", rerr)
		}
		return err
	}
	m := stored.Manifest
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE city_exports SET status = 'done', object_key = $2, size = $3, sha256 = $4,
			tables = $5, row_count = $6, objects = $7, error = '', completed_at = now() WHERE id = $1`,
			a.ExportID, stored.Key, stored.Size, stored.SHA256, len(m.Tables), m.TotalRows, len(m.Objects)); err != nil {
			return err
		}
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
}
