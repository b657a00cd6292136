// Package hsmtest gives a test its own SoftHSM2 token: a real PKCS#11
// token in files, so the seal keys are made and used by an HSM library,
// not by Go. Test-only.
//
// SoftHSM reads its configuration (SOFTHSM2_CONF, the token directory)
// once per process, when the library is initialised, and does not see a
// token another process makes after that. So the first call points
// SOFTHSM2_CONF at a temporary directory of this test process, and each
// test initialises its own token in it through the library itself
// (C_InitToken on the free slot, then C_InitPIN), with its own label.
package hsmtest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/miekg/pkcs11"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents/hsm"
)

// SOPIN is the security officer's PIN of every test token.
const SOPIN = "87654321"

var (
	setup     sync.Once
	setupErr  error
	module    string
	lib       *pkcs11.Ctx
	initToken sync.Mutex // one free slot at a time
)

// Module returns the path of SoftHSM2's PKCS#11 library, failing the test
// when softhsm2 is not installed (make test-deps installs it).
func Module(t testing.TB) string {
	t.Helper()
	setup.Do(func() {
		libs, _ := filepath.Glob("/usr/lib/*/softhsm/libsofthsm2.so")
		if len(libs) == 0 {
			setupErr = os.ErrNotExist
			return
		}
		module = libs[0]
		dir, err := os.MkdirTemp("", "hromada-softhsm-")
		if err != nil {
			setupErr = err
			return
		}
		conf := filepath.Join(dir, "softhsm2.conf")
		setupErr = os.WriteFile(conf, []byte("directories.tokendir = "+dir+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
		if setupErr == nil {
			setupErr = os.Setenv("SOFTHSM2_CONF", conf)
		}
		if setupErr != nil {
			return
		}
		// Initialised here, once, before any test uses the library:
		// SoftHSM's C_Initialize is not safe against calls running at
		// the same time.
		if lib = pkcs11.New(module); lib == nil {
			setupErr = os.ErrInvalid
			return
		}
		setupErr = lib.Initialize()
	})
	require.NoError(t, setupErr, "SoftHSM2 (libsofthsm2.so) is needed: make test-deps installs softhsm2")
	return module
}

// Token initialises a new token with user PIN pin and returns the
// configuration that opens it.
func Token(t testing.TB, pin string) hsm.Config {
	t.Helper()
	mod := Module(t)
	label := "t-" + uuid.NewString()[:23] // a token label has at most 32 bytes
	p := lib
	initToken.Lock()
	defer initToken.Unlock()
	slots, err := p.GetSlotList(true)
	require.NoError(t, err)
	for _, s := range slots {
		ti, err := p.GetTokenInfo(s)
		require.NoError(t, err)
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
			continue
		}
		require.NoError(t, p.InitToken(s, SOPIN, label))
		sh, err := p.OpenSession(s, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
		require.NoError(t, err)
		defer func() { _ = p.CloseSession(sh) }()
		require.NoError(t, p.Login(sh, pkcs11.CKU_SO, SOPIN))
		require.NoError(t, p.InitPIN(sh, pin))
		require.NoError(t, p.Logout(sh))
		return hsm.Config{Module: mod, Token: label, PIN: pin}
	}
	t.Fatal("SoftHSM has no free slot")
	return hsm.Config{}
}
