package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/modules/appeals"
	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/centres"
	"hromada/modules/identity"
	"hromada/modules/registries"
	"hromada/tenant"
)

// Seed fills the city in ctx (a tenant the operator has created from
// city.Params) with d's providers and staff personas and the city's
// register, forms and rule sets, through the modules' own functions, so
// that each persona signs in ready to act in its role. regs are the
// registry services the city's automatic mode asks (the simulator's, in
// development; none elsewhere). Running it again changes nothing.
//
// The content and the register go in one transaction; each persona's grant
// goes through access.Service.Bootstrap, which audits it in a transaction of
// its own, as the operator's appointment of a city's first staff would.
func (d *Data) Seed(ctx context.Context, db *tenant.DB, acc *access.Service, city City, regs []registries.Service) error {
	providers := map[string]uuid.UUID{}
	accounts := map[string]uuid.UUID{}
	err := db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, p := range d.Providers {
			id, err := access.EnsureProvider(ctx, tx, p.Code, p.Name.UK, p.Name.EN)
			if err != nil {
				return err
			}
			providers[p.Code] = id
		}
		for _, p := range d.Personas {
			if !cityRole(p.Role) {
				continue
			}
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{
				RNOKPP: p.RNOKPP, FamilyName: p.FamilyName, GivenName: p.GivenName, MiddleName: p.MiddleName,
				FullName: strings.Join(strings.Fields(p.GivenName+" "+p.MiddleName+" "+p.FamilyName), " "), Email: p.Email, Phone: p.Phone,
			})
			if err != nil {
				return err
			}
			accounts[p.ID] = a.ID
		}
		if err := acc.InstallDefaults(ctx, tx); err != nil {
			return err
		}
		if err := catalog.LoadRegister(ctx, tx, city.Register); err != nil {
			return err
		}
		if err := applications.LoadDemoForms(ctx, tx, city.Forms, city.Rules); err != nil {
			return err
		}
		if err := appeals.LoadClassifier(ctx, tx, city.Appeals); err != nil {
			return err
		}
		for _, svc := range regs {
			if _, err := registries.UpsertTx(ctx, tx, svc); err != nil {
				return err
			}
		}
		for _, c := range city.Centres {
			if err := centres.Configure(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range d.Personas {
		if !cityRole(p.Role) {
			continue
		}
		var prov *uuid.UUID
		if p.Provider != "" {
			id := providers[p.Provider]
			prov = &id
		}
		_, err := acc.Bootstrap(ctx, accounts[p.ID], p.Role, prov, "Демонстраційні дані: роль персони для входу в режимі розробки")
		if err != nil && !errors.Is(err, access.ErrGrantExists) {
			return fmt.Errorf("persona %s: %w", p.ID, err)
		}
		if p.Position != "" && prov != nil {
			err := db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
				return access.SetPosition(ctx, tx, accounts[p.ID], *prov, p.Position)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// cityRole says whether a persona's role is a role inside a city: the
// resident needs no grant; the operator is outside cities.
func cityRole(role string) bool {
	switch role {
	case access.RoleOfficial, access.RoleProviderHead, access.RoleAdministrator, access.RoleDispatcher, access.RoleOwner, access.RoleAuditor:
		return true
	}
	return false
}
