package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/devidp"
	"hromada/modules/identity"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/tenant"
)

// demoProviders are the providers of services every demo city has; the
// development IdP's officials belong to them by code.
var demoProviders = []struct{ code, uk, en string }{
	{"dcnap", "Департамент (Центр) надання адміністративних послуг", "Administrative Services Centre Department"},
	{"transport", "Департамент транспортної інфраструктури", "Transport Infrastructure Department"},
}

// loadDemo loads the demo cities and, in each, the providers and the
// development IdP's personas with their roles, so that each persona signs in
// to a city ready to act in its role. Running it again changes nothing.
func (a *App) loadDemo(ctx context.Context) ([]*tenant.Tenant, error) {
	if err := a.needOperator(); err != nil {
		return nil, err
	}
	ts, err := a.operator.LoadDemo(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if err := a.seedDemoCity(tenant.With(ctx, t)); err != nil {
			return nil, fmt.Errorf("demo city %s: %w", t.Slug, err)
		}
	}
	return ts, nil
}

func (a *App) seedDemoCity(ctx context.Context) error {
	providers := map[string]uuid.UUID{}
	accounts := map[string]uuid.UUID{}
	err := a.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, p := range demoProviders {
			id, err := access.EnsureProvider(ctx, tx, p.code, p.uk, p.en)
			if err != nil {
				return err
			}
			providers[p.code] = id
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
		if reg, ok := demoRegisters[tenantSlug(ctx)]; ok {
			if err := catalog.LoadRegister(ctx, tx, reg); err != nil {
				return err
			}
			if err := applications.LoadDemoForms(ctx, tx); err != nil {
				return err
			}
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
		if pos, ok := demoPositions[p.ID]; ok && prov != nil {
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

// demoPositions are the demo staff's positions, recorded with decisions.
var demoPositions = map[string]string{
	"official-dcnap":     "Адміністратор ЦНАП",
	"official-transport": "Головний спеціаліст відділу паркування",
	"provider_head":      "Директор Департаменту (Центру) надання адміністративних послуг",
}

// demoRegisters are the demo cities' registers of services.
var demoRegisters = map[string]catalog.Register{"kyiv": catalog.KyivDemo, "lviv": catalog.LvivDemo}

func tenantSlug(ctx context.Context) string {
	t, err := tenant.From(ctx)
	if err != nil {
		return ""
	}
	return t.Slug
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
