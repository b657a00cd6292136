package main

import (
	"context"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/web/browsertest"
)

// The audit log as the auditor reads it, with real events (an
// administrator's block and unblock, a refused request), on a desktop and
// on a phone: axe-clean, the table scrolling inside its labelled region,
// the denied filter and a reversed range's error.
func TestAuditPageInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	host := "kyiv.localhost"

	admin, resident := ta.client(t), ta.client(t)
	signIn(t, ta, admin, host, "administrator")
	signIn(t, ta, resident, host, "resident")
	require.Equal(t, http.StatusForbidden, get(t, resident, ta.url(host, "/admin/audit")).status)
	var grant string
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), ts[0]), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT g.id::text FROM access_grants g JOIN accounts a ON a.id = g.account_id
			WHERE a.rnokpp = $1 AND g.role = 'official'`, appsPersona(t, "official-transport").RNOKPP).Scan(&grant)
	}))
	r := do(t, admin, http.MethodPost, ta.url(host, "/admin/officials/"+grant+"/block"), url.Values{"reason": {"Службова перевірка, наказ № 7"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = do(t, admin, http.MethodPost, ta.url(host, "/admin/officials/"+grant+"/unblock"), url.Values{"reason": {"Перевірку завершено"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)

	u := func(path string) string { return ta.url(host, path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	steps := func(shot string) []browsertest.Step {
		return []browsertest.Step{
			{Op: "goto", URL: u("/auth/login?return=/admin/audit")},
			{Op: "click", Selector: "button[value=auditor]"},
			{Op: "waitText", Selector: "table", Value: "Доступ розблоковано"},
			{Op: "screenshot", Name: "hromada-audit-" + shot, FullPage: true},
			{Op: "axe"},
			{Op: "goto", URL: u("/admin/audit?result=denied")},
			{Op: "waitText", Selector: "table", Value: "Відмовлено в доступі"},
			{Op: "screenshot", Name: "hromada-audit-denied-" + shot, FullPage: true},
			{Op: "axe"},
			{Op: "goto", URL: u("/admin/audit?from=2026-12-05&to=2026-12-01")},
			{Op: "waitText", Selector: ".error-summary", Value: "«По дату» не може бути раніше за «З дати»"},
			{Op: "screenshot", Name: "hromada-audit-reversed-" + shot, FullPage: true},
			{Op: "axe"},
		}
	}
	results := browsertest.Run(t, []browsertest.Scenario{
		{Name: "AuditDesktop", Steps: steps("desktop")},
		{Name: "AuditPhone", Viewport: phone, Steps: steps("phone")},
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	// No sideways scroll on the phone: a full-page screenshot is as wide
	// as the viewport (the table scrolls inside its region).
	for _, s := range results[1].Steps {
		if s.Op != "screenshot" {
			continue
		}
		f, err := os.Open(s.File)
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(f)
		require.NoError(t, f.Close())
		require.NoError(t, err)
		require.Equal(t, phone.Width, cfg.Width, "%s scrolls sideways at %d px", s.File, phone.Width)
	}
}
