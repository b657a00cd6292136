package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/trustlist"
	"hromada/modules/trustlist/trustlisttest"
	"hromada/tenant/tenanttest"
)

// sealedList is a one-CA Trusted List numbered seq, issued an hour ago
// with its next update at next, sealed by anchor.
func sealedList(t *testing.T, anchor, ca *trustlisttest.CA, seq int64, next time.Time) []byte {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	l := &trustlisttest.List{Territory: "UA", SchemeName: "Довірчий список (ECDSA/RSA)", Sequence: seq,
		IssuedAt: now.Add(-time.Hour), NextUpdate: next,
		Providers: []trustlisttest.Provider{{Name: "КНЕДП «Тест»", Services: []trustlisttest.Service{
			{Type: trustlist.TypeCAQC, Name: "ЦСК", Cert: ca.Cert, Status: trustlist.StatusGranted, Since: now.Add(-48 * time.Hour),
				ASI: []string{trustlisttest.ForESignatures}},
		}}}}
	return anchor.Seal(t, l.XML(t))
}

// anchorFile writes the anchor's certificate where HROMADA_TRUSTED_LIST_ANCHOR
// will name it.
func anchorFile(t *testing.T, anchor *trustlisttest.CA) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "anchor.pem")
	require.NoError(t, os.WriteFile(p, anchor.PEM(), 0o600))
	return p
}

func TestTrustImportCommand(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	anchor := trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false))
	ca := trustlisttest.NewCA(t, "КНЕДП", trustlisttest.Key(t, false))
	dir := t.TempDir()
	env := map[string]string{
		"HROMADA_DATABASE_URL":        db.AppDSN,
		"HROMADA_DATA_DIR":            dir,
		"HROMADA_LOG_LEVEL":           "warn",
		"HROMADA_LANG":                "uk",
		"HROMADA_TRUSTED_LIST_ANCHOR": anchorFile(t, anchor),
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	good := sealedList(t, anchor, ca, 5, time.Now().Add(30*24*time.Hour))

	code, out, errOut := runCLI(t, env, "trust", "import", write("TL-UA.xml", good))
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "UA: Довірчий список (ECDSA/RSA): list 5 issued")
	require.Contains(t, out, "1 providers, 1 services, 1 qualified CAs")

	code, out, _ = runCLI(t, env, "trust", "import", write("TL-UA.xml", good))
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "already in force")

	tampered := bytes.Replace(sealedList(t, anchor, ca, 6, time.Now().Add(time.Hour)), []byte("Svcstatus/granted"), []byte("Svcstatus/withdrawn"), 1)
	code, _, errOut = runCLI(t, env, "trust", "import", write("tampered.xml", tampered))
	require.NotEqual(t, exitOK, code)
	require.Contains(t, errOut, "Печатка Довірчого списку недійсна")

	reg := trustlist.New(db.App.Pool(), nil)
	ls, err := reg.Lists(t.Context())
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.EqualValues(t, 5, ls[0].SequenceNumber, "the last good list stays")

	delete(env, "HROMADA_TRUSTED_LIST_ANCHOR")
	code, _, errOut = runCLI(t, env, "trust", "import", write("TL-UA.xml", good))
	require.Equal(t, exitConfig, code)
	require.Contains(t, errOut, "HROMADA_TRUSTED_LIST_ANCHOR")
}

// The workers fetch the list from its URL when they start; /readyz and
// /metrics tell its age, and a list past its next update degrades
// readiness without failing it.
func TestTrustedListRefreshAndReadiness(t *testing.T) {
	t.Parallel()
	anchor := trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false))
	ca := trustlisttest.NewCA(t, "КНЕДП", trustlisttest.Key(t, false))
	overdue := sealedList(t, anchor, ca, 1, time.Now().Add(-time.Minute))
	published := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(overdue) }))
	t.Cleanup(published.Close)
	ta := startApp(t, testAppOpts{trustedListURL: published.URL + "/TL-UA.xml", trustedListAnchor: anchorFile(t, anchor)})
	c := ta.client(t)

	readyz := func() map[string]string {
		t.Helper()
		r := get(t, c, ta.url("localhost", "/readyz"))
		require.Equal(t, http.StatusOK, r.status, r.body)
		var m map[string]string
		require.NoError(t, json.Unmarshal([]byte(r.body), &m))
		return m
	}
	eventually(t, func() bool { return readyz()["trusted_list"] != "none" }, "the refresh job did not import the published list")
	m := readyz()
	require.Equal(t, "stale", m["trusted_list"])
	require.Equal(t, "degraded", m["status"])
	require.Equal(t, "ok", m["database"])

	_, _, err := ta.trust.Import(t.Context(), sealedList(t, anchor, ca, 2, time.Now().Add(30*24*time.Hour)), "test")
	require.NoError(t, err)
	m = readyz()
	require.Equal(t, "ok", m["trusted_list"])
	require.Empty(t, m["status"])
	age, err := time.ParseDuration(m["trusted_list_age"])
	require.NoError(t, err)
	require.GreaterOrEqual(t, age, time.Hour)

	r := get(t, c, ta.url("localhost", "/metrics"))
	require.Contains(t, r.body, `hromada_trusted_list_sequence_number{scheme="UA: Довірчий список (ECDSA/RSA)"} 2`)
	require.Contains(t, r.body, `hromada_trusted_list_age_seconds{scheme="UA: Довірчий список (ECDSA/RSA)"}`)
	require.Contains(t, r.body, "hromada_trusted_list_refresh_failures_total 0")
}

// A list sealed with ДСТУ 4145 (TL-UA-DSTU.xml) imports by hand against a
// ДСТУ anchor; a changed one is refused, and one whose algorithm is named
// by a spelling not known here is refused naming it.
func TestTrustImportDSTUSealed(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	anchor := trustlisttest.NewDSTUCA(t, "ЦЗО (ДСТУ)")
	dir := t.TempDir()
	anchorPath := filepath.Join(dir, "anchor.pem")
	require.NoError(t, os.WriteFile(anchorPath, anchor.PEM(), 0o600))
	env := map[string]string{
		"HROMADA_DATABASE_URL":        db.AppDSN,
		"HROMADA_DATA_DIR":            dir,
		"HROMADA_LOG_LEVEL":           "warn",
		"HROMADA_LANG":                "uk",
		"HROMADA_TRUSTED_LIST_ANCHOR": anchorPath,
	}
	now := time.Now().UTC().Truncate(time.Second)
	list := func(seq int64) []byte {
		l := &trustlisttest.List{Territory: "UA", SchemeName: "Довірчий список (ДСТУ)", Sequence: seq,
			IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(30 * 24 * time.Hour),
			Providers: []trustlisttest.Provider{{Name: "КНЕДП «Тест»", Services: []trustlisttest.Service{
				{Type: trustlist.TypeCAQC, Name: "ЦСК", Cert: anchor.Certificate, Status: trustlist.StatusGranted, Since: now.Add(-48 * time.Hour),
					ASI: []string{trustlisttest.ForESignatures}},
			}}}}
		return l.XML(t)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}

	code, out, errOut := runCLI(t, env, "trust", "import", write("TL-UA-DSTU.xml", anchor.Seal(t, list(5), nil)))
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "UA: Довірчий список (ДСТУ): list 5 issued")

	tampered := bytes.Replace(anchor.Seal(t, list(6), nil), []byte("Svcstatus/granted"), []byte("Svcstatus/withdrawn"), 1)
	code, _, errOut = runCLI(t, env, "trust", "import", write("tampered.xml", tampered))
	require.NotEqual(t, exitOK, code)
	require.Contains(t, errOut, "Печатка Довірчого списку недійсна")

	const newSpelling = "http://www.w3.org/2001/04/xmldsig-more#dstu4145-kupyna"
	code, _, errOut = runCLI(t, env, "trust", "import", write("new.xml", anchor.Seal(t, list(6), &trustlisttest.DSTUSeal{SignatureMethod: newSpelling})))
	require.NotEqual(t, exitOK, code)
	require.Contains(t, errOut, "алгоритмом, який тут не перевіряється: "+newSpelling)

	ls, err := trustlist.New(db.App.Pool(), nil).Lists(t.Context())
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.EqualValues(t, 5, ls[0].SequenceNumber, "the last good list stays")
}
