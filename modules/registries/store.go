package registries

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Store keeps the tenants' registry services and their query logs, always
// through the tenant gate: each tenant sees only its own.
type Store struct {
	db *tenant.DB
}

// NewStore returns the store over db.
func NewStore(db *tenant.DB) *Store { return &Store{db: db} }

var _ Services = (*Store)(nil)

const serviceColumns = `id, code, dialect, base_url, instance, member_class, member_code, subsystem, service_code, version,
	client_instance, client_member_class, client_member_code, client_subsystem, timeout_ms, created_at, updated_at`

func scanService(row pgx.Row) (Service, error) {
	var s Service
	var dialect string
	var timeoutMS int
	err := row.Scan(&s.ID, &s.Code, &dialect, &s.BaseURL, &s.Instance, &s.MemberClass, &s.MemberCode, &s.Subsystem,
		&s.ServiceCode, &s.Version, &s.ClientInstance, &s.ClientMemberClass, &s.ClientMemberCode, &s.ClientSubsystem,
		&timeoutMS, &s.CreatedAt, &s.UpdatedAt)
	s.Dialect, s.Timeout = Dialect(dialect), time.Duration(timeoutMS)*time.Millisecond
	return s, err
}

// Service returns ctx's tenant's service with our code, or
// ErrNotConfigured. It implements Services, so a Client finds each
// tenant's configuration here.
func (s *Store) Service(ctx context.Context, code string) (Service, error) {
	var svc Service
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		svc, err = scanService(tx.QueryRow(ctx, `SELECT `+serviceColumns+` FROM registry_services WHERE code = $1`, code))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Service{}, ErrNotConfigured.With(map[string]any{"Code": code})
	}
	if err != nil {
		return Service{}, fmt.Errorf("registries: service %q: %w", code, err)
	}
	return svc, nil
}

// List returns ctx's tenant's services, by code.
func (s *Store) List(ctx context.Context) ([]Service, error) {
	var out []Service
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+serviceColumns+` FROM registry_services ORDER BY code`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Service, error) { return scanService(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("registries: list services: %w", err)
	}
	return out, nil
}

// Upsert creates or replaces ctx's tenant's service with svc's code, and
// returns it as stored. svc must pass Validate.
func (s *Store) Upsert(ctx context.Context, svc Service) (Service, error) {
	var out Service
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = UpsertTx(ctx, tx, svc)
		return err
	})
	return out, err
}

// UpsertTx is Upsert inside the caller's tenant transaction, so that a demo
// city's services are seeded with the rest of its demo data.
func UpsertTx(ctx context.Context, tx pgx.Tx, svc Service) (Service, error) {
	if err := svc.Validate(); err != nil {
		return Service{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Service{}, err
	}
	out, err := scanService(tx.QueryRow(ctx, `
		INSERT INTO registry_services (tenant_id, id, code, dialect, base_url, instance, member_class, member_code, subsystem,
		    service_code, version, client_instance, client_member_class, client_member_code, client_subsystem, timeout_ms)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (tenant_id, code) DO UPDATE SET
		    dialect = excluded.dialect, base_url = excluded.base_url, instance = excluded.instance,
		    member_class = excluded.member_class, member_code = excluded.member_code, subsystem = excluded.subsystem,
		    service_code = excluded.service_code, version = excluded.version,
		    client_instance = excluded.client_instance, client_member_class = excluded.client_member_class,
		    client_member_code = excluded.client_member_code, client_subsystem = excluded.client_subsystem,
		    timeout_ms = excluded.timeout_ms, updated_at = now()
		RETURNING `+serviceColumns,
		id, svc.Code, string(svc.Dialect), svc.BaseURL, svc.Instance, svc.MemberClass, svc.MemberCode, svc.Subsystem,
		svc.ServiceCode, svc.Version, svc.ClientInstance, svc.ClientMemberClass, svc.ClientMemberCode, svc.ClientSubsystem,
		svc.Timeout.Milliseconds()))
	if err != nil {
		return Service{}, fmt.Errorf("registries: upsert service %q: %w", svc.Code, err)
	}
	return out, nil
}

// Delete removes ctx's tenant's service with our code; the queries' log
// stays. Deleting what is not there is no error.
func (s *Store) Delete(ctx context.Context, code string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM registry_services WHERE code = $1`, code)
		return err
	})
}

// LogQuery writes q into ctx's tenant's registry_queries: the account of a
// personal data access. A query id is logged once; a repeat is ignored.
func (s *Store) LogQuery(ctx context.Context, q QueryLog) error {
	errText := ""
	if q.Err != nil {
		errText = q.Err.Error()
	}
	purposes := q.Purposes
	if purposes == nil {
		purposes = []string{}
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO registry_queries (tenant_id, id, at, service_code, service, client, dialect, path, purposes, subject,
			    user_id, status, outcome, attempts, duration_ms, error)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT (tenant_id, id) DO NOTHING`,
			q.ID, q.At, q.ServiceCode, q.Service, q.Client, string(q.Dialect), q.Path, purposes, q.Subject,
			q.UserID, q.Status, string(q.Outcome), q.Attempts, q.Duration.Milliseconds(), errText)
		return err
	})
	if err != nil {
		return fmt.Errorf("registries: log query %s: %w", q.ID, err)
	}
	return nil
}

// OnQuery is LogQuery in the shape of Config.OnQuery: it logs with log what
// it could not write, since the query has already happened.
func (s *Store) OnQuery(log *slog.Logger) func(ctx context.Context, q QueryLog) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, q QueryLog) {
		if err := s.LogQuery(ctx, q); err != nil {
			log.ErrorContext(ctx, "registry query not logged", "query_id", q.ID, "service", q.ServiceCode, "err", err)
		}
	}
}

// QueryFilter narrows Queries.
type QueryFilter struct {
	// Subject, when set, keeps the queries about one person: what a
	// resident may ask to see (who looked at my data, and why).
	Subject string
	// Limit caps the rows, newest first; 0 means 100.
	Limit int
}

// Queries returns ctx's tenant's logged queries, newest first. Err of each
// holds the logged error's text.
func (s *Store) Queries(ctx context.Context, f QueryFilter) ([]QueryLog, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var out []QueryLog
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id, at, service_code, service, client, dialect, path, purposes, subject, user_id, status, outcome,
			       attempts, duration_ms, error
			FROM registry_queries WHERE ($1 = '' OR subject = $1) ORDER BY at DESC, id DESC LIMIT $2`, f.Subject, f.Limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueryLog, error) {
			var q QueryLog
			var dialect, outcome, errText string
			var ms int64
			err := r.Scan(&q.ID, &q.At, &q.ServiceCode, &q.Service, &q.Client, &dialect, &q.Path, &q.Purposes, &q.Subject,
				&q.UserID, &q.Status, &outcome, &q.Attempts, &ms, &errText)
			q.Dialect, q.Outcome, q.Duration = Dialect(dialect), Outcome(outcome), time.Duration(ms)*time.Millisecond
			if errText != "" {
				q.Err = errors.New(errText)
			}
			return q, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("registries: queries: %w", err)
	}
	return out, nil
}
