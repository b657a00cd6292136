package main

import (
	"context"
	"fmt"

	"hromada/demo"
	"hromada/modules/payments"
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
	var regs []registries.Service
	if a.regsim != nil {
		// The demo registries on this server (dev only).
		regs = simulator.DemoServices("http://127.0.0.1" + portOf(a.cfg.Addr) + simulator.Prefix)
	}
	for i, t := range ts {
		if err := d.Seed(tenant.With(ctx, t), a.db, a.access, d.Cities[i], regs); err != nil {
			return nil, fmt.Errorf("demo city %s: %w", t.Slug, err)
		}
		if err := a.demoPayments(tenant.With(ctx, t)); err != nil {
			return nil, fmt.Errorf("demo city %s: payments: %w", t.Slug, err)
		}
	}
	return ts, nil
}

// demoPayments gives a demo city the simulators' keys: Lviv takes fees
// through monobank, the others through LiqPay (dev only).
func (a *App) demoPayments(ctx context.Context) error {
	t, err := tenant.From(ctx)
	if err != nil || a.payments == nil {
		return err
	}
	switch {
	case t.Slug == "lviv" && a.monosim != nil:
		return a.payments.SaveSettings(ctx, payments.Settings{Gateway: payments.Monobank, Secret: a.monosim.Token(t.Slug)})
	case a.liqpaysim != nil:
		pub := "sandbox_i" + t.Slug
		return a.payments.SaveSettings(ctx, payments.Settings{Gateway: payments.LiqPay, PublicKey: pub, Secret: a.liqpaysim.PrivateKey(pub)})
	}
	return nil
}
