package trustlist_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/trustlist"
	"hromada/modules/trustlist/trustlisttest"
)

// The lists the tests seal are in the real format: xmlsec1, an XML-DSig
// implementation that is not ours (installed by .ci/deps.sh), verifies them
// with the anchor, and refuses one with a changed status.
func TestSealedListsVerifyWithXmlsec1(t *testing.T) {
	t.Parallel()
	xmlsec, err := exec.LookPath("xmlsec1")
	require.NoError(t, err, "xmlsec1 is missing: run make deps")
	for name, anchor := range map[string]*trustlisttest.CA{
		"ECDSA": trustlisttest.NewCA(t, "ЦЗО (ECDSA)", trustlisttest.Key(t, false)),
		"RSA":   trustlisttest.NewCA(t, "ЦЗО (RSA)", trustlisttest.Key(t, true)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := time.Now().UTC().Truncate(time.Second)
			b := &testBundle{anchor: anchor, now: now, t0: now.Add(-48 * time.Hour), t1: now.Add(-time.Hour)}
			ca := trustlisttest.NewCA(t, "КНЕДП", trustlisttest.Key(t, false))
			b.signatures, b.seals, b.withdrawn, b.ocsp, b.tsa = ca, ca, ca, ca, ca
			dir := t.TempDir()
			pemFile := filepath.Join(dir, "anchor.pem")
			require.NoError(t, os.WriteFile(pemFile, anchor.PEM(), 0o600))
			verify := func(list []byte) error {
				f := filepath.Join(dir, "tl.xml")
				require.NoError(t, os.WriteFile(f, list, 0o600))
				out, err := exec.CommandContext(t.Context(), xmlsec, "--verify",
					"--id-attr:Id", "http://uri.etsi.org/02231/v2#:TrustServiceStatusList",
					"--pubkey-cert-pem", pemFile, f).CombinedOutput()
				if err != nil {
					t.Log(string(out))
				}
				return err
			}
			sealed := b.sealed(t, 1)
			require.NoError(t, verify(sealed))
			require.Error(t, verify(bytes.Replace(sealed, []byte(trustlist.StatusGranted), []byte(trustlist.StatusWithdrawn), 1)))
		})
	}
}
