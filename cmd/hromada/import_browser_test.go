package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/demo"
	"hromada/modules/catalog"
	"hromada/web/browsertest"
)

// The administrator imports a register in the console, on a desktop and on
// a phone: the dry run's table names the refused row's code, field and
// reason in Ukrainian; the apply (skipping it) leaves the services
// unpublished until they are published in bulk.
func TestImportConsoleInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)

	d, err := demo.Load()
	require.NoError(t, err)
	kyiv, ok := d.City("kyiv")
	require.True(t, ok)
	reg := kyiv.Register
	reg.Services = append([]catalog.RegisteredService(nil), reg.Services...)
	changed, added := reg.Services[0], reg.Services[1]
	changed.Content.Name.UK += " (уточнено)"
	added.Content.Code, added.Content.Name.UK = "KY-9001", "Нова послуга з імпорту"
	bad := reg.Services[2]
	bad.Content.LifeSituations = append(bad.Content.LifeSituations, "wedding")
	reg.Services = []catalog.RegisteredService{changed, added, bad}
	var b strings.Builder
	require.NoError(t, catalog.WriteRegister(&b, reg))
	file := filepath.Join(t.TempDir(), "register.json")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))

	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	signIn := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/admin/import")},
		{Op: "click", Selector: "button[value=administrator]"},
		{Op: "text", Selector: "h1"},
		{Op: "upload", Selector: "#file", Value: file},
		{Op: "click", Selector: "form[action='/admin/import/check'] button"},
		{Op: "text", Selector: "caption"},
	}
	desktop := append(append([]browsertest.Step(nil), signIn...),
		browsertest.Step{Op: "text", Selector: "tbody"},
		browsertest.Step{Op: "screenshot", Name: "hromada-admin-import-plan", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "click", Selector: "form[action='/admin/import/apply'] button"},
		browsertest.Step{Op: "text", Selector: ".error-summary"},
		browsertest.Step{Op: "check", Selector: "input[name=skip_refused]"},
		browsertest.Step{Op: "click", Selector: "form[action='/admin/import/apply'] button"},
		browsertest.Step{Op: "text", Selector: ".flash"},
		browsertest.Step{Op: "screenshot", Name: "hromada-admin-import-applied", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "click", Selector: "form[action='/admin/import/publish'] button"},
		browsertest.Step{Op: "text", Selector: ".flash"},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "goto", URL: u("/services/KY-9001")},
		browsertest.Step{Op: "text", Selector: "h1"},
	)
	phone := append(append([]browsertest.Step(nil), signIn...),
		browsertest.Step{Op: "screenshot", Name: "hromada-admin-import-plan-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
	)
	results := browsertest.Run(t, []browsertest.Scenario{
		{Name: "ImportDesktop", Steps: desktop},
		{Name: "ImportPhone", Viewport: &browsertest.Viewport{Width: 390, Height: 844}, Steps: phone},
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	steps := results[0].Steps
	require.Contains(t, steps[5].Text, "відхилено 1; без змін 25")
	require.Contains(t, steps[6].Text, "Життєвої ситуації «wedding» немає")
	require.Contains(t, steps[6].Text, reg.Services[2].Content.Code)
	require.Contains(t, steps[10].Text, "Імпорт не виконано")
	require.Contains(t, steps[13].Text, "Імпорт застосовано: створено 1, змінено 1, пропущено 1")
	require.Contains(t, steps[17].Text, "Опубліковано послуг: 2.")
	require.Equal(t, 200, steps[19].Status)
	require.Equal(t, "Нова послуга з імпорту", steps[20].Text)
}
