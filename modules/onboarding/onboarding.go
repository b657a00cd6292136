// Package onboarding brings a new city to life: the appointment of its first
// administrator, on the platform operator's word, inside the city.
//
// The operator creates a city (modules/operator) and names its first
// administrator by РНОКПП. hromada_operator has no privilege on any tenant
// table, so the operator's transaction only enqueues an AppointArgs job
// beside the tenant's row; the job runs as hromada_app in the new tenant:
// it registers an account by РНОКПП with no name yet (the name comes from
// the identity provider at the person's first sign-in), grants it the
// administrator role through access.Service.BootstrapTx, which records the
// grant in the city's own audit log as the platform operator's act, and
// completes — all in one transaction.
//
// # Where the РНОКПП lives, and for how long
//
// A РНОКПП is personal data, and River's river_job is a platform table. The
// job's args are the only place outside the city where it is written, and
// the transaction that appoints the administrator also removes it from
// them (scrubArgs), together with the job's completion: a completed job,
// which River keeps for a day, holds the tenant's id only. Until then — the
// seconds before a worker picks it up, or while it is retried — the РНОКПП
// is in the args; a job that exhausts its attempts (discarded, kept by
// River for 7 days) keeps it until River's cleaner deletes the row. We
// chose this over a hash plus a one-time reference because the reference
// would need a store the operator may write and the city may read, which
// would be either a platform table holding the same РНОКПП or a grant to
// the operator on a tenant table; scrubbing in the completing transaction
// bounds the exposure to the job's time in the queue.
//
// What the operator sees afterwards is a yes or no per city
// (tenant_has_administrator, migration 0015), never who.
package onboarding

import (
	"log/slog"

	"hromada/modules/access"
	"hromada/tenant"
)

// Service is the city's side of onboarding. Each exported method is one
// transaction in the tenant in ctx; the job's work runs in the worker's.
type Service struct {
	db     *tenant.DB
	access *access.Service
	log    *slog.Logger
}

// New returns the Service; log nil discards.
func New(db *tenant.DB, acc *access.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, access: acc, log: log}
}

// AppointReason is the reason recorded on the first administrator's grant
// (and so in the city's audit log); AppointLaterReason on the grant of one
// the operator appoints to a city that exists (its administrator left, or
// a second one).
const (
	AppointReason      = "Призначення першого адміністратора громади оператором платформи під час її створення"
	AppointLaterReason = "Призначення адміністратора громади оператором платформи"
)
