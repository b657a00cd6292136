package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"hromada/modules/documents"
	"hromada/modules/documents/hsm"
)

// validateHSM: an HSM needs its token and exactly one way to the PIN.
func (c *Config) validateHSM() error {
	if c.HSMModule == "" {
		if c.HSMToken != "" || c.HSMPIN != "" || c.HSMPINFile != "" {
			return configError{errors.New("HROMADA_HSM_TOKEN and the PIN need HROMADA_HSM_MODULE (the HSM's PKCS#11 library)")}
		}
		return nil
	}
	if c.HSMToken == "" {
		return configError{errors.New("HROMADA_HSM_MODULE needs HROMADA_HSM_TOKEN: the label of the token the seal keys are in")}
	}
	if (c.HSMPIN == "") == (c.HSMPINFile == "") {
		return configError{errors.New("HROMADA_HSM_MODULE needs the token's PIN: set HROMADA_HSM_PIN or HROMADA_HSM_PIN_FILE, not both")}
	}
	return nil
}

// openHSM logs in to the token that holds the providers' seal keys, when
// one is configured, and makes it reachable by documents.ActiveSeal. A
// wrong PIN, a missing token or library stops the start here with the
// setting named, rather than failing the first result later.
func (a *App) openHSM() error {
	c := a.cfg
	if c.HSMModule == "" {
		return nil
	}
	pin := c.HSMPIN
	if c.HSMPINFile != "" {
		b, err := os.ReadFile(c.HSMPINFile)
		if err != nil {
			return configError{fmt.Errorf("HROMADA_HSM_PIN_FILE: %w", err)}
		}
		pin = strings.TrimRight(string(b), "\r\n")
	}
	h, err := hsm.Open(hsm.Config{Module: c.HSMModule, Token: c.HSMToken, PIN: pin})
	switch {
	case errors.Is(err, hsm.ErrWrongPIN):
		return configError{fmt.Errorf("HROMADA_HSM_PIN: %w", err)}
	case errors.Is(err, hsm.ErrNoToken):
		return configError{fmt.Errorf("HROMADA_HSM_TOKEN: %w", err)}
	case errors.Is(err, hsm.ErrModule):
		return configError{fmt.Errorf("HROMADA_HSM_MODULE: %w", err)}
	case err != nil:
		return err
	}
	a.hsm, a.releaseHSM = h, documents.UseKeyStore(h)
	return nil
}

// closeHSM undoes openHSM.
func (a *App) closeHSM() {
	if a.hsm == nil {
		return
	}
	a.releaseHSM()
	if err := a.hsm.Close(); err != nil {
		a.log.Error("closing the HSM session", "error", err)
	}
}

// hsmReadiness adds the HSM to the readiness checks; a token that does not
// answer (or no longer takes the PIN) makes the server not ready, as
// results could not be sealed.
func (a *App) hsmReadiness(checks map[string]string) bool {
	if a.hsm == nil {
		return true
	}
	if err := a.hsm.Check(); err != nil {
		checks["hsm"] = "unreachable"
		a.log.Warn("not ready: HSM", "error", err)
		return false
	}
	checks["hsm"] = "ok"
	return true
}

// sealKeyStore is where `hromada seal request` makes a key: the HSM, or
// in development the database (sealed with the secret key).
func (a *App) sealKeyStore() (documents.KeyStore, error) {
	switch {
	case a.hsm != nil:
		return a.hsm, nil
	case a.cfg.Production():
		return nil, configError{errors.New("in production a seal's key is made in the HSM: set HROMADA_HSM_MODULE, HROMADA_HSM_TOKEN and the PIN (docs/documents.md)")}
	}
	return documents.DatabaseKeys{Sealer: a.sealer}, nil
}
