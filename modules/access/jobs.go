package access

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// InstallArgs installs the default policy of a new tenant. The operator's
// role may not touch tenant tables, so the tenant's creation enqueues this
// job, which runs as the application role inside the tenant's transaction.
type InstallArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (InstallArgs) Kind() string { return "access.install_defaults" }

// NewInstallWorker returns the worker of InstallArgs.
func NewInstallWorker(db *tenant.DB, s *Service) *tenant.Worker[InstallArgs] {
	return tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, _ *river.Job[InstallArgs]) error {
		return s.InstallDefaults(ctx, tx)
	})
}
