package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"

	"hromada/modules/docstore"
	"hromada/modules/lifecycle"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestCityDeletionInBrowser (issue 13): the operator persona, in Chromium
// at 1280 px, suspends the demo's Lviv and exports it to the city's age
// key (a malformed key first); then, on a phone (390 px), downloads the
// encrypted export, deletes Lviv with its slug typed again (a wrong one
// first) and reads plainly which documents stay and until when. Every page
// passes axe and none scrolls sideways.
func TestCityDeletionInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ctx := t.Context()
	_, err := ta.loadDemo(ctx)
	require.NoError(t, err)
	lviv, err := ta.operator.Get(ctx, "lviv")
	require.NoError(t, err)
	// A decision of Lviv's under retention, and an upload that is not.
	kept := docstore.TenantKey(lviv.ID, "documents/decision.pdf")
	st, err := ta.docs.PutDocument(ctx, kept, strings.NewReader("%PDF- рішення"), -1, docstore.Meta{Class: docstore.ClassResult, ContentType: "application/pdf"})
	require.NoError(t, err)
	upload := docstore.TenantKey(lviv.ID, "uploads/draft.txt")
	_, err = ta.docs.Put(ctx, upload, strings.NewReader("чернетка"), -1, "text/plain")
	require.NoError(t, err)

	u := func(path string) string { return ta.url("localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	signIn := []browsertest.Step{
		{Op: "goto", URL: u("/signin")},
		{Op: "click", Selector: "a[href='/signin/oidc']"},
		{Op: "click", Selector: "button[value=operator]"},
	}
	key, err := age.GenerateX25519Identity()
	require.NoError(t, err)

	// Lviv's administrator takes a copy of the city's data, on a phone.
	adminPage := []browsertest.Step{
		{Op: "goto", URL: ta.url("lviv.localhost", "/auth/login?return=/admin/export")},
		{Op: "click", Selector: "button[value=administrator]"},
	}
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "AdministratorExports", Viewport: phone, Steps: append(adminPage, []browsertest.Step{
		{Op: "text", Selector: "h1"}, // 2
		{Op: "click", Selector: "form[action='/admin/export'] button"},
		{Op: "text", Selector: ".flash"}, // 4
		{Op: "axe"},
	}...)}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Equal(t, "Експорт даних громади", results[0].Steps[2].Text)
	require.Contains(t, results[0].Steps[4].Text, "Експорт готується")
	require.Eventually(t, func() bool {
		es, err := ta.lifecycle.Exports(tenant.With(ctx, lviv))
		require.NoError(t, err)
		return len(es) == 1 && es[0].Status == lifecycle.Done
	}, 5*time.Minute, 200*time.Millisecond, "the administrator's export was not made")
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "AdministratorDownloads", Viewport: phone, Steps: append(adminPage, []browsertest.Step{
		{Op: "text", Selector: "table tbody"}, // 2
		{Op: "download", Selector: "table tbody a[download]"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "hromada-lifecycle-admin-export-phone", FullPage: true},
		{Op: "axe"},
	}...)}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Contains(t, results[0].Steps[2].Text, "Готовий")
	require.Equal(t, "0", results[0].Steps[4].Text, "the export page scrolls sideways at 390 px")
	plainZip, err := os.ReadFile(results[0].Steps[3].File)
	require.NoError(t, err)
	m, files := readExport(t, plainZip, lviv.ID)
	require.Equal(t, "lviv", m.Tenant.Slug)
	require.Equal(t, "%PDF- рішення", string(files["objects/documents/decision.pdf"]))

	results = browsertest.Run(t, []browsertest.Scenario{{Name: "SuspendAndExport", Steps: append(signIn, []browsertest.Step{
		{Op: "click", Selector: "form[action='/tenants/lviv/suspend'] button"}, // 3
		{Op: "text", Selector: "#city-lviv"},
		{Op: "fill", Selector: "#recipient-lviv", Value: "age1-not-a-key"},
		{Op: "click", Selector: "form[action='/tenants/lviv/export'] button"},
		{Op: "text", Selector: "#recipient-lviv-error"}, // 7
		{Op: "attr", Selector: "#recipient-lviv", Name: "aria-invalid"},
		{Op: "screenshot", Name: "hromada-lifecycle-bad-key", FullPage: true},
		{Op: "axe"},
		{Op: "fill", Selector: "#recipient-lviv", Value: key.Recipient().String()},
		{Op: "click", Selector: "form[action='/tenants/lviv/export'] button"},
		{Op: "text", Selector: ".flash"}, // 13
		{Op: "screenshot", Name: "hromada-lifecycle-exporting", FullPage: true},
		{Op: "axe"},
	}...)}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	s := results[0].Steps
	require.Contains(t, s[4].Text, "Видалити громаду")
	require.Contains(t, s[7].Text, "Ключ громади: потрібен відкритий ключ age")
	require.Equal(t, "true", s[8].Text)
	require.Contains(t, s[13].Text, "Експорт даних громади «Львівська міська рада» готується")

	require.Eventually(t, func() bool {
		es, err := ta.operator.Exports(ctx, lviv.ID)
		require.NoError(t, err)
		return len(es) == 2 && es[0].Encrypted && es[0].Status == lifecycle.Done
	}, 5*time.Minute, 200*time.Millisecond, "Lviv's export was not made")

	results = browsertest.Run(t, []browsertest.Scenario{{Name: "DownloadAndDelete", Viewport: phone, Steps: append(signIn, []browsertest.Step{
		{Op: "goto", URL: u("/#city-lviv")}, // 3
		{Op: "text", Selector: "#city-lviv .export-ready"},
		{Op: "download", Selector: "#city-lviv .export-ready a"}, // 5
		{Op: "fill", Selector: "#confirm-lviv", Value: "Lviv"},
		{Op: "click", Selector: "form[action='/tenants/lviv/delete'] button"},
		{Op: "text", Selector: "#confirm-lviv-error"}, // 8
		{Op: "overflow"},
		{Op: "screenshot", Name: "hromada-lifecycle-confirm-phone", FullPage: true},
		{Op: "axe"},
		{Op: "fill", Selector: "#confirm-lviv", Value: "lviv"},
		{Op: "click", Selector: "form[action='/tenants/lviv/delete'] button"},
		{Op: "text", Selector: ".flash"}, // 14
		{Op: "text", Selector: "#city-lviv"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "hromada-lifecycle-deleted-phone", FullPage: true},
		{Op: "axe"},
	}...)}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	s = results[0].Steps
	require.Contains(t, s[4].Text, "Експорт готовий")
	// The file the operator got opens only with the city's key, and holds
	// Lviv's data.
	sealed, err := os.ReadFile(s[5].File)
	require.NoError(t, err)
	dec, err := age.Decrypt(bytes.NewReader(sealed), key)
	require.NoError(t, err)
	raw, err := io.ReadAll(dec)
	require.NoError(t, err)
	m, files = readExport(t, raw, lviv.ID)
	require.Equal(t, "lviv", m.Tenant.Slug)
	require.Equal(t, "чернетка", string(files["objects/uploads/draft.txt"]))

	require.Contains(t, s[8].Text, "введіть у поле «Підтвердження» її коротку назву «lviv» точно")
	require.Equal(t, "0", s[9].Text, "the page scrolls sideways at 390 px")
	require.Contains(t, s[14].Text, "Громаду «Львівська міська рада» видалено")
	until := st.RetainUntil.In(tenant.Zone).Format("02.01.2006")
	require.Contains(t, s[15].Text, "1 документ залишиться до "+until+" через вимоги зберігання")
	require.Equal(t, "0", s[16].Text, "the page scrolls sideways at 390 px")

	// What the console said is what happened.
	l, err := ta.operator.Get(ctx, "lviv")
	require.NoError(t, err)
	require.Equal(t, tenant.Deleted, l.Status)
	left, err := ta.docs.List(ctx, docstore.TenantKey(lviv.ID, ""))
	require.NoError(t, err)
	require.Equal(t, []string{kept}, left)
	ds, err := ta.operator.Deletions(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(ds[lviv.ID].DeletedBy, "console:oidc:"), ds[lviv.ID].DeletedBy)
}
