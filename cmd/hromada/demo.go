package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/demo"
	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/devidp"
	"hromada/modules/identity"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/tenant"
)

// loadDemo loads the demo cities of the demo folder and, in each, the
// providers and the development IdP's personas with their roles, so that
// each persona signs in to a city ready to act in its role. Running it again
// changes nothing.
func (a *App) loadDemo(ctx context.Context) ([]*tenant.Tenant, error) {
	if err := a.needOperator(); err != nil {
		return nil, err
	}
	d, err := demo.Load()
	if err != nil {
		return nil, err
	}
	var cities []tenant.CreateParams
	for _, c := range d.Cities {
		cities = append(cities, c.Params())
	}
	ts, err := a.operator.LoadDemo(ctx, cities)
	if err != nil {
		return nil, err
	}
	for i, t := range ts {
		if err := a.seedDemoCity(tenant.With(ctx, t), d, d.Cities[i]); err != nil {
			return nil, fmt.Errorf("demo city %s: %w", t.Slug, err)
		}
	}
	return ts, nil
}

// seedDemoCity seeds the city in ctx: d's providers and personas, and the
// city's register, forms and rule sets.
func (a *App) seedDemoCity(ctx context.Context, d *demo.Data, city demo.City) error {
	providers := map[string]uuid.UUID{}
	accounts := map[string]uuid.UUID{}
	err := a.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, p := range d.Providers {
			id, err := access.EnsureProvider(ctx, tx, p.Code, p.Name.UK, p.Name.EN)
			if err != nil {
				return err
			}
			providers[p.Code] = id
		}
		for _, p := range devidp.Personas {
			if !tenantRole(p.Role) {
				continue
			}
			acc, err := identity.EnsureAccount(ctx, tx, identity.Profile{
				RNOKPP: p.RNOKPP, FamilyName: p.FamilyName, GivenName: p.GivenName, MiddleName: p.MiddleName,
				FullName: p.FullName(), Email: p.Email, Phone: p.Phone,
			})
			if err != nil {
				return err
			}
			accounts[p.ID] = acc.ID
		}
		if err := a.access.InstallDefaults(ctx, tx); err != nil {
			return err
		}
		if err := catalog.LoadRegister(ctx, tx, city.Register); err != nil {
			return err
		}
		if err := applications.LoadDemoForms(ctx, tx, city.Forms, city.Rules); err != nil {
			return err
		}
		if a.regsim != nil {
			// The demo registries on this server (dev only).
			for _, svc := range simulator.DemoServices("http://127.0.0.1" + portOf(a.cfg.Addr) + simulator.Prefix) {
				if _, err := registries.UpsertTx(ctx, tx, svc); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range devidp.Personas {
		if !tenantRole(p.Role) {
			continue
		}
		var prov *uuid.UUID
		if p.Provider != "" {
			id := providers[p.Provider]
			prov = &id
		}
		_, err := a.access.Bootstrap(ctx, accounts[p.ID], p.Role, prov, "Демонстраційні дані: роль персони для входу в режимі розробки")
		if err != nil && !errors.Is(err, access.ErrGrantExists) {
			return fmt.Errorf("persona %s: %w", p.ID, err)
		}
		if pos := position(d, p.ID); pos != "" && prov != nil {
			err := a.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
				return access.SetPosition(ctx, tx, accounts[p.ID], *prov, pos)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// position is the demo position of the persona with id, "" if none.
func position(d *demo.Data, id string) string {
	for _, p := range d.Personas {
		if p.ID == id {
			return p.Position
		}
	}
	return ""
}

// tenantRole says whether a persona's role is a role inside a city (the
// resident needs no grant; the operator is outside cities).
func tenantRole(role string) bool {
	switch role {
	case access.RoleOfficial, access.RoleProviderHead, access.RoleAdministrator, access.RoleDispatcher, access.RoleOwner, access.RoleAuditor:
		return true
	}
	return false
}
