package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestLockoutInBrowser: the lockout page a locked official sees and the
// administrator's locked accounts on /admin/security, at 390 and 1280 px,
// in Chromium with axe-core. The lock comes from five counted denials
// through the journal the guard writes to (TestLockoutCatchesProbes makes
// one over HTTP).
func TestLockoutInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	var kyiv *tenant.Tenant
	for _, tn := range ts {
		if tn.Slug == "kyiv" {
			kyiv = tn
		}
	}
	require.NotNil(t, kyiv)
	var official uuid.UUID
	var transport string
	ctx := tenant.With(t.Context(), kyiv)
	require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE rnokpp = $1`, appsPersona(t, "official-transport").RNOKPP).Scan(&official); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id::text FROM providers WHERE code = 'transport'`).Scan(&transport); err != nil {
			return err
		}
		// Kyiv locks for 15 minutes (the default minute may pass before
		// the browser gets to the administrator's page on a busy machine).
		_, err := tx.Exec(ctx, `INSERT INTO lockout_policies (tenant_id, key_kind, base_delay_seconds) VALUES ($1, 'account', 900)`, kyiv.ID)
		return err
	}))
	for range 5 {
		require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return ta.audit.Denied(ctx, tx, access.Denial{Subject: access.Subject{AccountID: official},
				Perm:   access.Perm{Object: access.ObjApplications, Action: access.ActProcess},
				Method: http.MethodPost, Path: "/work/applications/" + uuid.NewString() + "/take", Route: "/work/applications/{id}/take"})
		}))
	}

	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	signIn := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{
			{Op: "goto", URL: u("/auth/login?return=" + ret)},
			{Op: "click", Selector: "button[value=" + persona + "]"},
		}
	}
	queue := "/work/applications?provider=" + transport
	locked := func(name string, vp *browsertest.Viewport, shot string) browsertest.Scenario {
		return browsertest.Scenario{Name: name, Viewport: vp, Steps: append(signIn("official-transport", "/"),
			browsertest.Step{Op: "goto", URL: u(queue)},
			browsertest.Step{Op: "text", Selector: "main"},
			browsertest.Step{Op: "screenshot", Name: shot, FullPage: true},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "goto", URL: u("/cabinet")},
			browsertest.Step{Op: "text", Selector: "h1"},
		)}
	}
	security := func(name string, vp *browsertest.Viewport, shot string) browsertest.Scenario {
		return browsertest.Scenario{Name: name, Viewport: vp, Steps: append(signIn("administrator", "/"),
			browsertest.Step{Op: "goto", URL: u("/admin/security")},
			browsertest.Step{Op: "text", Selector: "section[aria-labelledby=locked-title]"},
			browsertest.Step{Op: "text", Selector: "section[aria-labelledby=policy-title]"},
			browsertest.Step{Op: "screenshot", Name: shot, FullPage: true},
			browsertest.Step{Op: "axe"},
		)}
	}
	english := locked("LockedInEnglish", nil, "hromada-lockout-page")
	english.Steps = append(english.Steps[:len(english.Steps)-2],
		browsertest.Step{Op: "goto", URL: u(queue)},
		browsertest.Step{Op: "click", Selector: ".lang-switch button"},
		browsertest.Step{Op: "text", Selector: "main"},
		browsertest.Step{Op: "screenshot", Name: "hromada-lockout-page-en", FullPage: true},
		browsertest.Step{Op: "axe"})
	results := browsertest.Run(t, []browsertest.Scenario{
		locked("LockedPhone", phone, "hromada-lockout-page-phone"),
		english,
		security("SecurityPhone", phone, "hromada-admin-security-phone"),
		security("Security", nil, "hromada-admin-security"),
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)

	phoneLocked := results[0].Steps
	require.Equal(t, http.StatusForbidden, phoneLocked[2].Status)
	require.Contains(t, phoneLocked[3].Text, "Службові права тимчасово заблоковано")
	require.Contains(t, phoneLocked[3].Text, "заблоковано до ")
	require.Equal(t, http.StatusOK, phoneLocked[6].Status, "the resident cabinet works")
	en := results[1].Steps
	require.Contains(t, en[len(en)-3].Text, "Your staff rights are temporarily locked")
	for _, r := range results[2:] {
		text := r.Steps[3].Text
		require.Contains(t, text, "Спроб поза межами прав: 5", r.Name)
		require.Contains(t, text, "5-та зарахована спроба блокує службові права на 15 хв", r.Name)
		require.Contains(t, text, "Розблокувати", r.Name)
		require.True(t, strings.Contains(text, "/take"), r.Name)
		require.Contains(t, r.Steps[4].Text, "Правило блокування", r.Name)
	}
}
