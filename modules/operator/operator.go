// Package operator is the platform operator's side of Hromada: creating,
// listing, suspending and resuming tenants, from the console on the base
// domain and from `hromada tenant …`, and loading the demo cities.
//
// It connects as hromada_operator, a role with rights on the platform tables
// (and River's, to enqueue a new tenant's set-up) and none at all on tenant
// tables: the operator sees tenants, never residents' data.
package operator

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/branding"
	"hromada/modules/docstore"
	"hromada/modules/onboarding"
	"hromada/tenant"
	"hromada/ukid"
)

// Service runs the operator's actions.
type Service struct {
	pool  *pgxpool.Pool
	river *river.Client[pgx.Tx]
	docs  docstore.Store // set by WithDocs: a city's deletion empties its space
}

// New returns a Service over a pool connecting as hromada_operator. It
// makes an insert-only River client: the jobs it enqueues are worked by the
// servers' and workers' clients.
func New(pool *pgxpool.Pool) (*Service, error) {
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("operator: river: %w", err)
	}
	return &Service{pool: pool, river: rc}, nil
}

// List returns every tenant.
func (s *Service) List(ctx context.Context) ([]*tenant.Tenant, error) {
	return tenant.List(ctx, s.pool)
}

// Get returns the tenant with slug.
func (s *Service) Get(ctx context.Context, slug string) (*tenant.Tenant, error) {
	return tenant.BySlug(ctx, s.pool, slug)
}

// Errors of the operator's input, for errors.Is. Each has a message key in
// web/locales that names the field.
var (
	ErrAdministratorRequired = apperr.New(apperr.Invalid, "error.operator_admin_required")
	ErrAdministratorRNOKPP   = apperr.New(apperr.Invalid, "error.operator_admin_rnokpp")
	ErrInvalidEmail          = apperr.New(apperr.Invalid, "error.operator_email")
	ErrInvalidCoatOfArms     = apperr.New(apperr.Invalid, "error.operator_coat_of_arms")
	// ErrAppointRequired and ErrAppointRNOKPP are AppointAdministrator's.
	ErrAppointRequired = apperr.New(apperr.Invalid, "error.operator_appoint_required")
	ErrAppointRNOKPP   = apperr.New(apperr.Invalid, "error.operator_appoint_rnokpp")
)

// CreateCity makes a tenant as Create does and, in the same transaction,
// enqueues the appointment of its first administrator, the person with
// РНОКПП administrator (modules/onboarding: a job that runs in the city as
// the application role; the operator's role never touches a tenant table).
// It refuses a missing or malformed РНОКПП (ErrAdministratorRequired,
// ErrAdministratorRNOKPP) and a malformed contact e-mail before anything is
// written; and a coat of arms that is not a portal path or an https URL
// (ErrInvalidCoatOfArms).
func (s *Service) CreateCity(ctx context.Context, p tenant.CreateParams, administrator string) (*tenant.Tenant, error) {
	// The form's order: the city's slug and name are said to be wrong
	// before its administrator (tenant.Create checks them again).
	if err := tenant.ValidateSlug(p.Slug); err != nil {
		return nil, err
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, tenant.ErrInvalidName
	}
	administrator = strings.TrimSpace(administrator)
	switch {
	case administrator == "":
		return nil, ErrAdministratorRequired
	case !ukid.ValidRNOKPP(administrator):
		return nil, ErrAdministratorRNOKPP
	}
	if e := p.Branding.Contacts.Email; e != "" && !emailRE.MatchString(e) {
		return nil, ErrInvalidEmail.With(map[string]any{"Email": e})
	}
	if c := p.Branding.CoatOfArms; c != "" && !validImage(c) {
		return nil, ErrInvalidCoatOfArms
	}
	return s.create(ctx, p, administrator)
}

// validImage accepts the address of an image: a path on the portal itself
// or an https URL.
func validImage(s string) bool {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Create makes a tenant and, in the same transaction, enqueues the render
// of its theme and the installation of its default access policy. The
// tenant has no administrator: the demo cities' staff come from their
// personas; a real city is made with CreateCity.
func (s *Service) Create(ctx context.Context, p tenant.CreateParams) (*tenant.Tenant, error) {
	return s.create(ctx, p, "")
}

func (s *Service) create(ctx context.Context, p tenant.CreateParams, administrator string) (*tenant.Tenant, error) {
	var t *tenant.Tenant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if t, err = tenant.Create(ctx, tx, p); err != nil {
			return err
		}
		tctx := tenant.With(ctx, t)
		if err := branding.EnqueueRefresh(tctx, s.river, tx); err != nil {
			return err
		}
		// The tenant's own tables are out of the operator's reach: its
		// default access policy is installed by a job, as the app role.
		if _, err := tenant.InsertTx(tctx, s.river, tx, access.InstallArgs{Envelope: tenant.Envelope{TenantID: t.ID}}, nil); err != nil {
			return err
		}
		if administrator == "" {
			return nil
		}
		// So is its first administrator: the РНОКПП rides in the job's
		// args until the job's own transaction removes it (onboarding's
		// package doc says why and for how long).
		_, err = tenant.InsertTx(tctx, s.river, tx, onboarding.AppointArgs{Envelope: tenant.Envelope{TenantID: t.ID}, RNOKPP: administrator}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// AppointAdministrator enqueues the appointment of an administrator of the
// city with slug, the person with РНОКПП rnokpp, through the same job as a
// new city's first (modules/onboarding), and returns the city. It refuses a
// missing or malformed РНОКПП (ErrAppointRequired, ErrAppointRNOKPP) before
// anything is written, and a city that does
// not exist (tenant.ErrNotFound). Appointing a person who is its
// administrator already changes nothing.
func (s *Service) AppointAdministrator(ctx context.Context, slug, rnokpp string) (*tenant.Tenant, error) {
	switch rnokpp = strings.TrimSpace(rnokpp); {
	case rnokpp == "":
		return nil, ErrAppointRequired
	case !ukid.ValidRNOKPP(rnokpp):
		return nil, ErrAppointRNOKPP
	}
	var t *tenant.Tenant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if t, err = tenant.BySlug(ctx, tx, slug); err != nil {
			return err
		}
		_, err = tenant.InsertTx(tenant.With(ctx, t), s.river, tx,
			onboarding.AppointArgs{Envelope: tenant.Envelope{TenantID: t.ID}, RNOKPP: rnokpp, Later: true}, nil)
		return err
	})
	return t, err
}

// SetStatus suspends or resumes the tenant with slug.
func (s *Service) SetStatus(ctx context.Context, slug string, st tenant.Status) (*tenant.Tenant, error) {
	var t *tenant.Tenant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if t, err = tenant.BySlug(ctx, tx, slug); err != nil {
			return err
		}
		if err := tenant.SetStatus(ctx, tx, t.ID, st); err != nil {
			return err
		}
		t.Status = st
		return nil
	})
	return t, err
}

// UpdateBranding replaces the tenant's branding and enqueues its theme's
// render in the same transaction.
func (s *Service) UpdateBranding(ctx context.Context, slug string, b tenant.Branding) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := tenant.BySlug(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := tenant.UpdateBranding(ctx, tx, t.ID, b); err != nil {
			return err
		}
		t.Branding = b
		return branding.EnqueueRefresh(tenant.With(ctx, t), s.river, tx)
	})
}

// SplitDomains reads a comma- or space-separated list of domains.
func SplitDomains(s string) []string {
	var out []string
	for _, d := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == ';' }) {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}
