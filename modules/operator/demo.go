package operator

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"hromada/modules/branding"
	"hromada/tenant"
)

// LoadDemo creates the demo cities (the demo folder's city.json, as
// tenant.CreateParams), or brings them back to their demo branding and
// status: running it twice changes nothing the second time.
func (s *Service) LoadDemo(ctx context.Context, cities []tenant.CreateParams) ([]*tenant.Tenant, error) {
	var out []*tenant.Tenant
	for _, p := range cities {
		t, err := s.Get(ctx, p.Slug)
		switch {
		case errors.Is(err, tenant.ErrNotFound):
			if t, err = s.Create(ctx, p); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			if err := s.syncDemo(ctx, t, p); err != nil {
				return nil, err
			}
			if t, err = s.Get(ctx, p.Slug); err != nil {
				return nil, err
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Service) syncDemo(ctx context.Context, t *tenant.Tenant, p tenant.CreateParams) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if t.Status != tenant.Active {
			if err := tenant.SetStatus(ctx, tx, t.ID, tenant.Active); err != nil {
				return err
			}
		}
		for _, d := range p.Domains {
			if !slices.Contains(t.Domains, d) {
				if err := tenant.AddDomain(ctx, tx, t.ID, d); err != nil {
					return err
				}
			}
		}
		if branding.SourceHash(t.Branding) == branding.SourceHash(p.Branding) && t.Branding == p.Branding {
			return nil
		}
		if err := tenant.UpdateBranding(ctx, tx, t.ID, p.Branding); err != nil {
			return err
		}
		t.Branding = p.Branding
		return branding.EnqueueRefresh(tenant.With(ctx, t), s.river, tx)
	})
}
