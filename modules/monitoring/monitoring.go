// Package monitoring is the quality of a city's services measured (issue
// 21; seed 003 §3.1.11–3.1.12, §7.3(3); seed 000 §4.11, §5.10; CMU 864
// (2021) and the Ministry's order 145, seed 004): indicators defined once —
// the SQL of rollup.go, written out in docs/monitoring.md — per service
// (with its national code), provider and centre, per day.
//
// The data they count is the other modules' (applications, payments,
// appeals, centres' visits and ratings, the register); a periodic job
// (jobs.go) rolls each city's changed days up into the tables of migration
// 0028, so a dashboard or the open statistics read a few hundred rows, not
// every application. Views of a service's card are counted in memory
// (views.go) and flushed now and then: the catalog's page never waits on a
// write. Nothing here names a person.
package monitoring

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/modules/documents"
	"hromada/tenant"
)

// Service is the city's indicators. Each exported method is one
// transaction in the tenant in ctx (or, for the job, in its own); the
// unexported functions of store files take that transaction.
type Service struct {
	db       *tenant.DB
	log      *slog.Logger
	now      func() time.Time
	seals    documents.Sealer
	insert   func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
	national *National
	format   Format
}

// Options configure the Service.
type Options struct {
	DB  *tenant.DB
	Log *slog.Logger // nil: discarded
	// Now is the clock: a report's "today" (tests); nil: time.Now.
	Now func() time.Time
	// Seals opens the providers' seals that sign the national messages
	// (documents.ActiveSeal).
	Seals documents.Sealer
	// Insert enqueues a job in the caller's transaction (the send jobs of
	// the national messages); nil: the messages wait in the outbox.
	Insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
	// National is the national receiver; nil: nothing is sent.
	National *National
	// Format is the national messages' structure; nil: FormatV1.
	Format Format
}

// New returns the indicators' Service.
func New(o Options) *Service {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	format := o.Format
	if format == nil {
		format = FormatV1
	}
	return &Service{db: o.DB, log: log, now: now, seals: o.Seals, insert: o.Insert, national: o.National, format: format}
}
