package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestStaffConsolesInBrowser: the administrator's officials page and access
// policies on a phone, as a person uses them. The officials are one row
// each, the actions in the row's details; revoking without a reason says so
// beside that form with the focus on the field; with a reason a
// confirmation page asks, «Ні» goes back and changes nothing, «Так»
// revokes. The policies show what each role may do in words; an edit is
// shown as what it adds and removes per role before it is saved. Axe-clean
// and no sideways scrolling at 390 px; the same pages at 1280 px.
func TestStaffConsolesInBrowser(t *testing.T) {
	t.Parallel()
	e := newNavEnv(t, startApp(t, testAppOpts{baseDomain: "localhost"}), "kyiv.localhost")
	ctx := tenant.With(t.Context(), e.kyiv)
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	var grant uuid.UUID
	require.NoError(t, e.ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT g.id FROM access_grants g JOIN accounts a ON a.id = g.account_id
			WHERE a.rnokpp = $1 AND g.role = 'official' AND g.status = 'active'`, appsPersona(t, "official-transport").RNOKPP).Scan(&grant)
	}))
	g := grant.String()
	status := func() string {
		var s string
		require.NoError(t, e.ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT status FROM access_grants WHERE id = $1`, grant).Scan(&s)
		}))
		return s
	}
	rules, _, err := e.ta.access.Policies(ctx)
	require.NoError(t, err)
	const dropped = "dispatcher, identity_providers, read, tenant, allow\n"
	edited := strings.Replace(access.FormatRules(rules), dropped, "", 1) + "owner, service_revisions, read, tenant, allow\n"
	require.NotEqual(t, access.FormatRules(rules), strings.TrimSuffix(edited, "owner, service_revisions, read, tenant, allow\n"), "the line to drop is in the policy")

	row := "#grant-" + g
	revokeButton := row + " form[action$='/revoke'] button[type=submit]"
	signInAs := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{{Op: "goto", URL: e.u("/auth/login?return=" + ret)}, {Op: "click", Selector: "button[value=" + persona + "]"}}
	}
	officials := append(signInAs("administrator", "/admin/officials"),
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-officials-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "click", Selector: row + " summary"},
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-officials-details-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		// No reason: the error beside the form, the field focused.
		browsertest.Step{Op: "click", Selector: revokeButton},
		browsertest.Step{Op: "focused"},                                    // 10
		browsertest.Step{Op: "text", Selector: "#rreason-" + g + "-error"}, // 11
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-officials-error-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "fill", Selector: "#rreason-" + g, Value: "Переведено до іншого надавача, наказ № 31"},
		browsertest.Step{Op: "click", Selector: revokeButton},
		browsertest.Step{Op: "text", Selector: "h1"}, // 17
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-revoke-confirm-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "click", Selector: "text=Ні, повернутися"},
		browsertest.Step{Op: "text", Selector: "h1"}, // 22
	)
	policies := append(signInAs("administrator", "/admin/policies"),
		browsertest.Step{Op: "click", Selector: "#role-owner summary"},
		browsertest.Step{Op: "text", Selector: "#role-owner"}, // 3
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-policies-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "fill", Selector: "#rules", Value: edited},
		browsertest.Step{Op: "fill", Selector: "#summary", Value: "Власник бачить ревізії послуг; диспетчер не бачить способів входу"},
		browsertest.Step{Op: "click", Selector: "form.form-grid button[type=submit]"},
		browsertest.Step{Op: "text", Selector: ".policy-preview"}, // 10
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-policies-diff-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "click", Selector: ".policy-preview button[type=submit]"},
		browsertest.Step{Op: "text", Selector: "[role=status]"}, // 15
	)
	desk := append(signInAs("administrator", "/admin/officials"),
		browsertest.Step{Op: "click", Selector: "#grant-" + g + " summary"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-officials", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "goto", URL: e.u("/admin/policies")},
		browsertest.Step{Op: "click", Selector: "#role-official summary"},
		browsertest.Step{Op: "screenshot", Name: "hromada-staff-policies", FullPage: true},
		browsertest.Step{Op: "axe"},
	)
	results := browsertest.Run(t, []browsertest.Scenario{
		{Name: "officials", Viewport: phone, Steps: officials},
		{Name: "policies", Viewport: phone, Steps: policies},
		{Name: "desk", Steps: desk},
	})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	for _, r := range results {
		for i, s := range r.Steps {
			if s.Op == "overflow" {
				require.Equal(t, "0", s.Text, "%s: step %d scrolls sideways", r.Name, i)
			}
		}
	}
	o := results[0].Steps
	require.Contains(t, o[10].Text, "rreason-"+g, "the focus is on the reason's field")
	require.Contains(t, o[11].Text, "Вкажіть підставу")
	require.Equal(t, "Скасувати доступ?", o[17].Text)
	require.Equal(t, "Доступ посадових осіб", o[22].Text)
	p := results[1].Steps
	require.Contains(t, p[3].Text, "звіти та показники — переглядати, вивантажувати")
	require.Contains(t, p[10].Text, "Власник")
	require.Contains(t, p[10].Text, "+ Додається")
	require.Contains(t, p[10].Text, "− Прибирається")
	require.Contains(t, p[15].Text, "збережено")
	_, v, err := e.ta.access.Policies(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), v, "the confirmed edit saved once")
	require.Equal(t, "active", status(), "«Ні» revoked nothing")
}
