package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

// Another city's ids in a staff page's path, query or form are no object of
// this city: the page answers 404 (never 500, never an empty 200 that
// would confirm nothing and hide a mistake), and no such request counts
// toward anyone's lockout (it is no denial).
func TestOtherCitysIDsAreNotFound(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	var kyiv, lviv *tenant.Tenant
	for _, tn := range ts {
		switch tn.Slug {
		case "kyiv":
			kyiv = tn
		case "lviv":
			lviv = tn
		}
	}
	require.NotNil(t, kyiv)
	require.NotNil(t, lviv)
	var provider, account, form, rules uuid.UUID
	var code string
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT s.code, s.provider_id FROM services s JOIN service_rules r ON r.service_id = s.id ORDER BY s.code LIMIT 1`).Scan(&code, &provider); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM accounts ORDER BY created_at LIMIT 1`).Scan(&account); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM service_forms LIMIT 1`).Scan(&form); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM service_rules LIMIT 1`).Scan(&rules)
	}))
	p := provider.String()
	for _, persona := range []string{"administrator", "dispatcher", "owner", "auditor", "provider_head"} {
		c := ta.client(t)
		r, _ := signIn(t, ta, c, appsLviv, persona)
		require.Equal(t, http.StatusOK, r.status, "signing in as %s", persona)
		for _, path := range []string{
			"/admin/services?provider=" + p,
			"/admin/officials?provider=" + p,
			"/admin/access-requests?provider=" + p,
			"/admin/access-requests/new?provider=" + p,
			"/admin/services/" + code + "/rules",
			"/admin/services/" + code + "/form",
			"/admin/services/" + code + "/edit",
		} {
			got := get(t, c, ta.url(appsLviv, path))
			require.Equal(t, http.StatusNotFound, got.status, "%s: GET %s", persona, path)
		}
		if persona == "auditor" {
			got := get(t, c, ta.url(appsLviv, "/admin/audit?actor="+account.String()))
			require.Equal(t, http.StatusNotFound, got.status, "the audit log filtered by another city's account")
		}
		for _, path := range []string{"/admin/forms/" + form.String() + "/publish", "/admin/rules/" + rules.String() + "/publish"} {
			got := do(t, c, http.MethodPost, ta.url(appsLviv, path), url.Values{}, nil)
			require.Contains(t, []int{http.StatusNotFound, http.StatusForbidden}, got.status, "%s: POST %s", persona, path)
			require.NotEqual(t, http.StatusInternalServerError, got.status)
		}
	}
}

// Starting a draft writes, so it is a POST, which the cross-origin
// protection covers: a GET of the apply address (a link on any site, an
// address typed after signing in) shows the start page or continues the
// draft there is, and creates nothing.
func TestStartingADraftIsAPost(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	r := get(t, c, e.u("/services/KY-0004/apply"))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `<form method="post" action="/services/KY-0004/apply"`)
	require.Contains(t, appsText(r), "Що знадобиться")
	require.Zero(t, e.count(`SELECT count(*) FROM applications`), "a GET made a draft")
	// Another site's form posting in the resident's name is refused.
	cross := do(t, c, http.MethodPost, e.u("/services/KY-0004/apply"), url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	require.Equal(t, http.StatusForbidden, cross.status)
	require.Zero(t, e.count(`SELECT count(*) FROM applications`), "a cross-site POST made a draft")
	// The button starts one; pressed twice, still one; the address then
	// continues it.
	id := e.start(c, "KY-0004")
	require.Equal(t, id, e.start(c, "KY-0004"))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM applications`))
	again := get(t, c, e.u("/services/KY-0004/apply"))
	require.Equal(t, http.StatusSeeOther, again.status)
	require.Contains(t, again.header.Get("Location"), id)
	// Not signed in: the button leads to sign-in, and back to the start page.
	anon := e.ta.client(t)
	r = do(t, anon, http.MethodPost, e.u("/services/KY-0004/apply"), url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, r.header.Get("Location"), "/auth/login?return=%2Fservices%2FKY-0004%2Fapply")
}
