package operator

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"hromada/modules/branding"
	"hromada/tenant"
)

// DemoCities are the tenants `hromada demo` loads: two real cities, with
// their councils' public contacts and their colours.
var DemoCities = []tenant.CreateParams{
	{
		Slug: "kyiv",
		Name: "Київська міська рада",
		Branding: tenant.Branding{
			DisplayName:  tenant.Text{UK: "Київ", EN: "Kyiv"},
			Tagline:      tenant.Text{UK: "Портал електронних послуг столиці", EN: "The capital's e-services portal"},
			CoatOfArms:   "/static/demo/kyiv.svg",
			PrimaryColor: "#1d5fb4",
			AccentColor:  "#ffd500",
			Contacts: tenant.Contacts{
				Hotline: "1551",
				Phone:   "+380 44 202 70 00",
				Email:   "kmr@kyivcity.gov.ua",
				Address: tenant.Text{UK: "вул. Хрещатик, 36, Київ, 01044", EN: "36 Khreshchatyk St, Kyiv, 01044"},
				Website: "https://kyivcity.gov.ua",
			},
		},
	},
	{
		Slug: "lviv",
		Name: "Львівська міська рада",
		Branding: tenant.Branding{
			DisplayName:  tenant.Text{UK: "Львів", EN: "Lviv"},
			Tagline:      tenant.Text{UK: "Електронні послуги Львівської громади", EN: "E-services of the Lviv community"},
			CoatOfArms:   "/static/demo/lviv.svg",
			PrimaryColor: "#1a57a8",
			AccentColor:  "#f2c200",
			Contacts: tenant.Contacts{
				Hotline: "1580",
				Phone:   "+380 32 297 57 95",
				Email:   "info@lvivcity.gov.ua",
				Address: tenant.Text{UK: "пл. Ринок, 1, Львів, 79008", EN: "1 Rynok Sq, Lviv, 79008"},
				Website: "https://city-adm.lviv.ua",
			},
		},
	},
}

// LoadDemo creates the demo cities, or brings them back to their demo
// branding and status: running it twice changes nothing the second time.
func (s *Service) LoadDemo(ctx context.Context) ([]*tenant.Tenant, error) {
	var out []*tenant.Tenant
	for _, p := range DemoCities {
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
