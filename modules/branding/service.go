package branding

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/tenant"
)

// Service serves tenants' themes.
type Service struct {
	db  *tenant.DB
	log *slog.Logger
	// audit and insert are set by Editing: saving a change needs them.
	audit  *audit.Service
	insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
}

// NewService returns a Service over db; log (nil: discard) hears of the
// failures a stylesheet request can only answer with a bare 500.
func NewService(db *tenant.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, log: log}
}

// Theme returns the theme of the tenant in ctx: the cached one when it was
// rendered from the current branding, else one rendered now (a new tenant
// whose job has not run yet, or a branding change in flight). It never
// writes: rendering and storing are the job's.
func (s *Service) Theme(ctx context.Context) (*Cached, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	var c *Cached
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		c, err = latest(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c != nil && c.SourceHash == SourceHash(t.Branding) {
		return c, nil
	}
	th := Render(t.Branding)
	return &Cached{SourceHash: th.SourceHash, CSS: th.CSS, Warnings: th.Warnings}, nil
}

// ThemeURL is the address of the tenant's stylesheet; it changes with the
// branding, so the stylesheet can be cached for long.
func ThemeURL(t *tenant.Tenant) string {
	return "/theme.css?v=" + SourceHash(t.Branding)[:12]
}
