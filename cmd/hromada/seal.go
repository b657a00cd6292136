package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

const sealUsage = `usage: hromada seal rotate|request|install --city SLUG --provider CODE [CERT.pem]
  rotate   retire the provider's seal and issue one from the development CA (dev only)
  request  make the seal's key (in the HSM when HROMADA_HSM_MODULE is set) and print its PKCS#10 request
  install  install CERT.pem, the certificate the qualified provider issued for that request, as the seal`

// cmdSeal manages a provider's electronic seal. In production the key is
// made in the HSM (`request`), the request goes to a qualified trust
// service provider, and the certificate it issues is installed
// (`install`; docs/documents.md). In development `rotate` issues a seal
// from the city's development CA.
func cmdSeal(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(e.stdout, sealUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "request" && args[0] != "install") {
		return usageError{errors.New(sealUsage)}
	}
	verb := args[0]
	slug := e.fs.String("city", "", "the city's (tenant's) slug (required)")
	e.fs.StringVar(slug, "tenant", "", "the same as --city")
	code := e.fs.String("provider", "", "the provider's code (required)")
	rest, err := e.parse(args[1:])
	if err != nil {
		return err
	}
	if *slug == "" || *code == "" || (verb == "install") != (len(rest) == 1) || (verb != "install" && len(rest) > 0) {
		return usageError{errors.New(sealUsage)}
	}
	if verb == "rotate" && e.cfg.Production() {
		return configError{errors.New("in production a provider's seal is issued by a qualified trust service provider for a key in the HSM: hromada seal request, then install; see docs/documents.md")}
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
	switch verb {
	case "request":
		return a.sealRequest(ctx, e, *code)
	case "install":
		return a.sealInstall(ctx, e, *code, rest[0])
	}
	s, err := a.apps.RotateSeal(ctx, *code)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: new seal %s, valid until %s\n", *code, s.Certificate.Subject.CommonName, s.Certificate.NotAfter.Format("2006-01-02"))
	return nil
}

// sealRequest prints the PKCS#10 request on stdout (to hand to the
// qualified provider) and where the key is on stderr.
func (a *App) sealRequest(ctx context.Context, e *env, code string) error {
	ks, err := a.sealKeyStore()
	if err != nil {
		return err
	}
	r, err := a.apps.RequestSeal(ctx, code, ks)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: key %s made in %s for %s; send this request to the qualified trust service provider:\n", code, r.Label, r.Store, r.CSR.Subject)
	return pem.Encode(e.stdout, &pem.Block{Type: "CERTIFICATE REQUEST", Bytes: r.CSR.Raw})
}

// sealInstall installs the certificate in file (PEM: the seal's
// certificate first, then any intermediate CAs).
func (a *App) sealInstall(ctx context.Context, e *env, code, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return usageError{fmt.Errorf("%s holds no PEM certificate", file)}
	}
	s, err := a.apps.InstallSeal(ctx, code, certs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: seal %s installed, valid until %s\n", code, s.Certificate.Subject.CommonName, s.Certificate.NotAfter.Format("2006-01-02"))
	return nil
}
