// Package lifecycle is a city's way out of the platform (issue 13; seed
// 000 on the city's ownership of its data; docs/city-lifecycle.md): the
// export of everything the city has here — one JSON Lines file per tenant
// table, the objects it stored, a manifest with counts and SHA-256s — made
// by a River job and kept in the document store under a key no one can
// guess. The city's administrator asks for one and downloads it from the
// console (/admin/export); for a suspended city the operator asks for one
// encrypted to the city's own age key (modules/operator), which the
// operator may hand over but not read.
//
// The tenant tables are found in the catalogue (Tables), not listed here,
// so a new module's table is exported, and purged, without anyone
// remembering to add it. The purge itself is purge_tenant (migration 0036)
// and modules/operator's Delete.
package lifecycle

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/docstore"
	"hromada/tenant"
)

// ObjCityData is the access object of the city's data taken out whole;
// its one action is export (access.ActExport), the administrator's.
const ObjCityData = access.ObjCityData

// Who asked for an export.
const (
	ByAdministrator = "administrator"
	ByOperator      = "operator"
)

// The states of an export.
const (
	Pending = "pending"
	Done    = "done"
	Failed  = "failed"
)

// Export is one export of the city's data.
type Export struct {
	ID          uuid.UUID
	RequestedBy string
	Encrypted   bool // to the age recipient the city gave the operator
	Status      string
	Size        int64
	SHA256      string // of the stored file, hex
	Tables      int
	Rows        int64
	Objects     int
	Error       string
	CreatedAt   time.Time
	CompletedAt *time.Time
	objectKey   string
}

// Errors of the export, for errors.Is.
var (
	ErrNoExport     = apperr.New(apperr.NotFound, "lifecycle.error_no_export")
	ErrNotSuspended = apperr.New(apperr.Conflict, "lifecycle.error_not_suspended")
)

// InsertFunc enqueues a tenant job in tx (River's InsertTx, wired by
// cmd/hromada).
type InsertFunc func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error

// Options are what New needs.
type Options struct {
	DB      *tenant.DB
	Docs    docstore.Store
	Insert  InsertFunc
	Log     *slog.Logger
	Version string // Hromada's, written in the manifest
	// Now is the clock of the manifest; nil means time.Now.
	Now func() time.Time
}

// Service makes and serves the city's exports.
type Service struct {
	db      *tenant.DB
	docs    docstore.Store
	insert  InsertFunc
	log     *slog.Logger
	version string
	now     func() time.Time
}

// New returns the Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{db: o.DB, docs: o.Docs, insert: o.Insert, log: o.Log, version: o.Version, now: o.Now}
}

// Tables returns, from the catalogue, every tenant table: the tables of
// the public schema with a tenant_id column (tenant_domains, a platform
// table keyed by domain, aside). purge_tenant (migration 0036) finds them
// with the same query.
func Tables(ctx context.Context, q tenant.Querier) ([]string, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname::text FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'tenant_domains'
		ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
