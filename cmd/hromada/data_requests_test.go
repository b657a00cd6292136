package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/registries"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestWhoAskedForMyData (issue 25; seed 000 §4.2): the resident sees the
// registry queries made about them — which register, when, why and how it
// answered — and never another person's.
func TestWhoAskedForMyData(t *testing.T) {
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
	ctx := tenant.With(t.Context(), kyiv)
	store := registries.NewStore(ta.db.App)
	me, other := appsPersona(t, "resident").RNOKPP, appsPersona(t, "legal_rep").RNOKPP
	at := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
	for _, q := range []registries.QueryLog{
		{ID: uuid.New(), At: at, ServiceCode: registries.CodeResidents, Service: "UA/GOV/1/residents", Dialect: registries.UXP,
			Purposes: []string{"KY-0004"}, Subject: me, UserID: me, Status: 200, Outcome: registries.OutcomeOK},
		{ID: uuid.New(), At: at.Add(time.Hour), ServiceCode: registries.CodeVehicles, Service: "UA/GOV/2/vehicles", Dialect: registries.UXP,
			Purposes: []string{registries.PurposeAutofill}, Subject: me, UserID: me, Status: 404, Outcome: registries.OutcomeNotFound},
		{ID: uuid.New(), At: at, ServiceCode: registries.CodeLand, Service: "UA/GOV/3/land", Dialect: registries.UXP,
			Purposes: []string{"KY-0036"}, Subject: other, UserID: other, Status: 200, Outcome: registries.OutcomeOK},
	} {
		require.NoError(t, store.LogQuery(ctx, q))
	}

	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "Mine", Viewport: &browsertest.Viewport{Width: 390, Height: 844}, Steps: []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/cabinet")},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "click", Selector: "a[href='/cabinet/data-requests']"},
		{Op: "text", Selector: "main"},
		{Op: "screenshot", Name: "hromada-data-requests-phone", FullPage: true},
		{Op: "axe"},
	}}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	page := results[0].Steps[3].Text
	require.Contains(t, page, "Хто запитував мої дані")
	require.Contains(t, page, "Реєстр територіальної громади (місце проживання) · 03.12.2026 10:30")
	require.Contains(t, page, "Щоб розглянути вашу заяву на послугу KY-0004")
	require.Contains(t, page, "Реєстр надав відомості")
	require.Contains(t, page, "Реєстр транспортних засобів · 03.12.2026 11:30")
	require.Contains(t, page, "Щоб заповнити вашу заяву вашими ж даними")
	require.Contains(t, page, "Записів про вас не знайдено")
	require.NotContains(t, page, "земельний кадастр", "another person's queries are not shown")
	require.NotContains(t, page, "KY-0036")

	// Signed out, the page asks to sign in.
	anon := ta.client(t)
	r := get(t, anon, u("/cabinet/data-requests"))
	require.NotEqual(t, http.StatusOK, r.status)
}
