package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// trustUsage is the trust command's usage line.
const trustUsage = "usage: hromada trust import FILE (a Trusted List in ETSI TS 119 612 XML, sealed; HROMADA_TRUSTED_LIST_ANCHOR names its anchor)"

// cmdTrust imports a national Trusted List from a file: its seal is
// verified against the pinned anchor and it replaces the list of the same
// scheme only if it is newer; otherwise nothing changes.
func cmdTrust(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, trustUsage)
			return nil
		}
		return usageError{errors.New(trustUsage)}
	}
	rest, err := e.parse(args[1:])
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{errors.New(trustUsage)}
	}
	if e.cfg.TrustedListAnchor == "" {
		return configError{errors.New("trust import needs HROMADA_TRUSTED_LIST_ANCHOR: the certificate the list must be sealed with")}
	}
	raw, err := os.ReadFile(rest[0])
	if err != nil {
		return err
	}
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, e.stderr), openOpts{})
	if err != nil {
		return err
	}
	defer a.Close()
	info, changed, err := a.trust.Import(ctx, raw, "file:"+filepath.Base(rest[0]))
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(e.stdout, "%s: list %d is already in force; nothing changed.\n", info.Scheme, info.SequenceNumber)
		return nil
	}
	next := "none (closed list)"
	if !info.NextUpdate.IsZero() {
		next = info.NextUpdate.Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(e.stdout, "%s: list %d issued %s is in force (next update %s): %d providers, %d services, %d qualified CAs.\n",
		info.Scheme, info.SequenceNumber, info.IssuedAt.Format("2006-01-02 15:04 MST"), next, info.Providers, info.Services, info.QualifiedCAs)
	return nil
}
