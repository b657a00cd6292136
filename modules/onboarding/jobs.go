package onboarding

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/tenant"
	"hromada/ukid"
)

// KindAppoint is the kind of AppointArgs' jobs.
const KindAppoint = "onboarding.appoint_administrator"

// AppointArgs appoints an administrator of the tenant: its first, inserted
// by the operator's transaction that creates the tenant, or a later one
// (Later), inserted by the operator's appointment for a city that exists.
// It runs as the application role in the tenant. RNOKPP is emptied from the
// stored args by the transaction that completes the job (see the package
// doc).
type AppointArgs struct {
	tenant.Envelope
	RNOKPP string `json:"rnokpp,omitempty"`
	Later  bool   `json:"later,omitempty"`
}

// Kind implements river.JobArgs.
func (AppointArgs) Kind() string { return KindAppoint }

// InsertOpts keeps the job to a handful of attempts: what fails here (the
// database) fails fast or not at all, and every retry is time the РНОКПП
// spends in a platform table.
func (AppointArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// ErrNoRNOKPP is a job whose args carry no valid РНОКПП: it is cancelled,
// never retried.
var ErrNoRNOKPP = errors.New("onboarding: the appointment names no valid РНОКПП")

// NewAppointWorker returns the worker of AppointArgs.
func NewAppointWorker(db *tenant.DB, s *Service) *tenant.Worker[AppointArgs] {
	return tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, job *river.Job[AppointArgs]) error {
		reason := AppointReason
		if job.Args.Later {
			reason = AppointLaterReason
		}
		return s.appoint(ctx, tx, job.ID, job.Args.RNOKPP, reason)
	})
}

// appoint registers the account of rnokpp and grants it the administrator
// role for reason, then scrubs the РНОКПП from job id's args, in tx. A
// grant that exists already (the same person appointed twice) is not an
// error.
func (s *Service) appoint(ctx context.Context, tx pgx.Tx, jobID int64, rnokpp, reason string) error {
	if !ukid.ValidRNOKPP(rnokpp) {
		return river.JobCancel(ErrNoRNOKPP)
	}
	acc, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: rnokpp})
	if err != nil {
		return fmt.Errorf("onboarding: account: %w", err)
	}
	c, err := s.access.BootstrapTx(ctx, tx, acc.ID, access.RoleAdministrator, nil, reason)
	switch {
	case errors.Is(err, access.ErrGrantExists):
		s.log.InfoContext(ctx, "onboarding: the administrator was appointed already", "account", acc.ID)
	case err != nil:
		return fmt.Errorf("onboarding: grant: %w", err)
	default:
		s.log.InfoContext(ctx, "onboarding: administrator appointed", "account", acc.ID, "grant", c.After.ID, "reason", reason)
	}
	return scrubArgs(ctx, tx, jobID)
}
