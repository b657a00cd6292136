package main

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/documents/doctest"
	"hromada/modules/documents/hsm/hsmtest"
	"hromada/modules/signature"
)

// A provider's seal in an HSM, as a city's IT sets it up: `hromada seal
// request` makes the key in the token and prints the request, the CA
// (here the city's development CA) issues the certificate, `hromada seal
// install` installs it, and the next automatic-mode result is sealed by
// the token and verifies with openssl and pdfsig.
func TestSealInHSM(t *testing.T) {
	t.Parallel()
	tok := hsmtest.Token(t, "1234")
	e := newAppsEnvWith(t, testAppOpts{hsm: &tok})
	pinFile := filepath.Join(t.TempDir(), "pin")
	require.NoError(t, os.WriteFile(pinFile, []byte("1234\n"), 0o600))
	env := map[string]string{"HROMADA_DATABASE_URL": e.ta.db.AppDSN, "HROMADA_OPERATOR_DATABASE_URL": e.ta.db.OperatorDSN,
		"HROMADA_DATA_DIR": t.TempDir(), "HROMADA_OBJECT_STORE": e.ta.cfg.ObjectStore, "HROMADA_LOG_LEVEL": "warn",
		"HROMADA_SECRET_KEY": base64.StdEncoding.EncodeToString(e.ta.cfg.SecretKey),
		"HROMADA_HSM_MODULE": tok.Module, "HROMADA_HSM_TOKEN": tok.Token, "HROMADA_HSM_PIN_FILE": pinFile}

	code, out, errOut := runCLI(t, env, "seal", "request", "--city", "kyiv", "--provider", "dcnap")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, errOut, "pkcs11:"+tok.Token)
	blk, _ := pem.Decode([]byte(out))
	require.NotNil(t, blk, out)
	require.Equal(t, "CERTIFICATE REQUEST", blk.Type)
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	require.NoError(t, err)
	require.Equal(t, []string{"UA"}, csr.Subject.Country)
	require.NotEmpty(t, csr.Subject.Organization)

	ca := e.devCA()
	cert := hsmtest.Issue(t, ca, csr, hsmtest.SealUsage)
	certFile := filepath.Join(t.TempDir(), "seal.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600))
	code, out, errOut = runCLI(t, env, "seal", "install", "--city", "kyiv", "--provider", "dcnap", certFile)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "dcnap: seal")
	code, _, errOut = runCLI(t, env, "seal", "install", "--city", "kyiv", "--provider", "dcnap")
	require.Equal(t, exitUsage, code, errOut)

	c := e.as(appsKyiv, "resident")
	id := e.applyAutomatic(c, "UA80000000000093317")
	e.waitStatus(c, id, 30*time.Second, "issued")
	var pdf, p7s []byte
	for name, link := range appsFiles(get(t, c, e.u("/cabinet/applications/"+id)).body) {
		switch {
		case strings.HasSuffix(name, ".pdf.p7s"):
			p7s = []byte(get(t, c, e.u(link)).body)
		case strings.HasSuffix(name, ".pdf"):
			pdf = []byte(get(t, c, e.u(link)).body)
		}
	}
	s, err := signature.VerifyDetached(pdf, p7s, signature.VerifyOptions{Roots: ca.Pool(), Seal: true})
	require.NoError(t, err)
	require.Equal(t, cert.Raw, s.Certificate.Raw, "sealed with the certificate of the key in the HSM")
	doctest.RequireSigned(t, pdf, p7s, ca.Certificate)

	r := get(t, e.ta.client(t), e.ta.url("localhost", "/readyz")) // the machine's own address
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `"hsm":"ok"`)
}

// A wrong PIN stops the start with the setting named, instead of a
// failing seal later.
func TestHSMWrongPINAtStart(t *testing.T) {
	t.Parallel()
	tok := hsmtest.Token(t, "1234")
	e := newAppsEnv(t)
	env := map[string]string{"HROMADA_DATABASE_URL": e.ta.db.AppDSN, "HROMADA_OPERATOR_DATABASE_URL": e.ta.db.OperatorDSN,
		"HROMADA_DATA_DIR": t.TempDir(), "HROMADA_OBJECT_STORE": e.ta.cfg.ObjectStore, "HROMADA_LOG_LEVEL": "warn",
		"HROMADA_SECRET_KEY": base64.StdEncoding.EncodeToString(e.ta.cfg.SecretKey),
		"HROMADA_HSM_MODULE": tok.Module, "HROMADA_HSM_TOKEN": tok.Token, "HROMADA_HSM_PIN": "0000"}
	code, _, errOut := runCLI(t, env, "seal", "request", "--city", "kyiv", "--provider", "dcnap")
	require.Equal(t, exitConfig, code, errOut)
	require.Contains(t, errOut, "HROMADA_HSM_PIN")
	require.Contains(t, errOut, "refuses the PIN")

	env["HROMADA_HSM_PIN"] = ""
	code, _, errOut = runCLI(t, env, "seal", "request", "--city", "kyiv", "--provider", "dcnap")
	require.Equal(t, exitConfig, code, errOut)
	require.Contains(t, errOut, "HROMADA_HSM_PIN_FILE")
	require.Zero(t, e.count(`SELECT count(*) FROM seal_keys`), "nothing was made")
}
