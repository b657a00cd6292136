package main

import (
	"context"
	"errors"
	"fmt"
)

// cmdSeal rotates a provider's electronic seal: the active one is retired
// (documents sealed with it keep verifying: each carries its certificate)
// and a new key is issued. In development the city's development CA
// issues it; in production seals come from a qualified trust service
// provider through the HSM (docs/documents.md), not from this command.
func cmdSeal(ctx context.Context, e *env, args []string) error {
	const use = "usage: hromada seal rotate --tenant SLUG --provider CODE"
	if len(args) == 0 || args[0] != "rotate" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: hromada seal rotate --tenant SLUG --provider CODE")
			return nil
		}
		return usageError{errors.New(use)}
	}
	slug := e.fs.String("tenant", "", "the tenant's slug (required)")
	code := e.fs.String("provider", "", "the provider's code (required)")
	if _, err := e.parse(args[1:]); err != nil {
		return err
	}
	if *slug == "" || *code == "" {
		return usageError{errors.New(use)}
	}
	if e.cfg.Production() {
		return configError{errors.New("in production a provider's seal is issued by a qualified trust service provider and kept in the HSM; see docs/documents.md")}
	}
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, e.stderr), openOpts{Workers: false, Web: false})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.openApplications(ctx); err != nil {
		return err
	}
	ctx, _, err = a.inTenant(ctx, *slug)
	if err != nil {
		return err
	}
	s, err := a.apps.RotateSeal(ctx, *code)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: new seal %s, valid until %s\n", *code, s.Certificate.Subject.CommonName, s.Certificate.NotAfter.Format("2006-01-02"))
	return nil
}
