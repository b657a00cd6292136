package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/monitoring"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// seedMonitoring gives Kyiv's demo a little activity: ten
// applications (five of each of its first two services with a form) —
// approved automatically, refused by an official on a ground, three
// received and overdue — and returns the first service's code.
func seedMonitoring(t *testing.T, ctx context.Context, db *tenant.DB) string {
	t.Helper()
	var code string
	require.NoError(t, db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT s.code FROM service_forms f JOIN services s ON s.id = f.service_id
			WHERE f.status = 'published' ORDER BY s.code LIMIT 1`).Scan(&code); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			WITH f AS (SELECT f.id AS form_id, s.id AS service_id, s.provider_id FROM service_forms f JOIN services s ON s.id = f.service_id
				WHERE f.status = 'published' ORDER BY s.code LIMIT 2),
			who AS (SELECT id FROM accounts ORDER BY created_at LIMIT 1),
			n AS (SELECT g, f.*, row_number() OVER () AS k FROM generate_series(1, 5) g CROSS JOIN f)
			INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status, canonical, signature,
				signer_rnokpp, signed_at, sent_at, received_at, due_on, decision, grounds, decided_by, decided_at)
			SELECT app_tenant_id(), gen_random_uuid(), 'M-' || k, service_id, provider_id, form_id, (SELECT id FROM who),
				CASE WHEN k % 3 = 1 THEN 'approved' WHEN k % 3 = 2 THEN 'refused' ELSE 'received' END, '\x01', '\x01', '3184710691',
				now() - interval '3 days', now() - interval '3 days', now() - interval '3 days',
				CASE WHEN k % 3 = 0 THEN current_date - 1 ELSE current_date + 5 END,
				CASE WHEN k % 3 = 1 THEN 'approved' WHEN k % 3 = 2 THEN 'refused' END,
				CASE WHEN k % 3 = 2 THEN 'Подано неповний пакет документів' ELSE '' END,
				CASE WHEN k % 3 = 2 THEN (SELECT id FROM who) END,
				CASE WHEN k % 3 <> 0 THEN now() - interval '1 day' END
			FROM n`)
		if err != nil {
			return err
		}
		// Three appeals about roads in Podil (the appeals' tables by
		// provider, category and district): two answered and rated.
		_, err = tx.Exec(ctx, `
			WITH who AS (SELECT id FROM accounts ORDER BY created_at LIMIT 1)
			INSERT INTO appeals (tenant_id, id, number, kind, category_id, author_id, author_name, body, district, provider_id, status,
				received_at, due_on, answered_at, answered_by, rating, idempotency_key)
			SELECT app_tenant_id(), gen_random_uuid(), 'MA-' || g, 'statement', (SELECT id FROM appeal_categories WHERE code = 'roads'),
				(SELECT id FROM who), 'Особа', 'Яма на дорозі', 'podilskyi', (SELECT id FROM providers WHERE code = 'transport'),
				CASE WHEN g < 3 THEN 'answered' ELSE 'received' END, now() - interval '4 days', current_date + 10,
				CASE WHEN g < 3 THEN now() - interval '1 day' END, CASE WHEN g < 3 THEN (SELECT id FROM who) END,
				CASE WHEN g < 3 THEN 3 + g END, 'MA-' || g
			FROM generate_series(1, 3) g`)
		return err
	}))
	return code
}

// TestMonitoringInBrowser (issue 21): card views counted from the
// catalog's page and activity rolled up; the owner's dashboard and the
// public statistics show the same numbers for the same period, the open
// data too; both pages axe-clean at 390 and 1280 px without sideways
// scrolling; a wrong date is named and kept.
func TestMonitoringInBrowser(t *testing.T) {
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
	code := seedMonitoring(t, ctx, ta.db.App)

	// Three views of the service's card, through the portal itself.
	client := ta.client(t)
	for range 3 {
		resp, err := client.Get(ta.url("kyiv.localhost", "/services/"+code))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	require.NoError(t, ta.views.Flush(t.Context()))
	_, err = ta.monitoring.Rollup(ctx)
	require.NoError(t, err)

	now := time.Now().In(tenant.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	period := "?from=" + today.AddDate(0, 0, -6).Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)
	rep, err := ta.monitoring.Report(ctx, monitoring.Filter{From: today.AddDate(0, 0, -6), To: today})
	require.NoError(t, err)
	require.EqualValues(t, 3, rep.Totals.CardViews)
	require.EqualValues(t, 10, rep.Totals.Submitted)
	require.EqualValues(t, 3, rep.Totals.OverdueOpen)
	require.Len(t, rep.AppealsByDistrict, 1)
	podil := rep.AppealsByDistrict[0]
	require.Equal(t, "podilskyi", podil.Code)
	require.Equal(t, [3]int64{3, 2, 0}, [3]int64{podil.Received, podil.Answered, podil.Late})
	require.InDelta(t, 3.0, *podil.MedianDays, 1e-9, "received four days ago, answered yesterday")
	satisfaction, ok := podil.Satisfaction()
	require.True(t, ok)
	require.InDelta(t, 4.5, satisfaction, 1e-9)

	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	step := func(op, sel string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel} }
	shot := func(name string) browsertest.Step {
		return browsertest.Step{Op: "screenshot", Name: name, FullPage: true}
	}
	axe := browsertest.Step{Op: "axe"}
	look := []browsertest.Step{step("text", ".mon-totals"), step("text", "#mon-services-caption + thead + tbody"), step("overflow", ""), axe,
		step("text", "#mon-appeals-district + thead + tbody")}

	public := browsertest.Scenario{Name: "PublicStatisticsPhone", Viewport: phone, Steps: append([]browsertest.Step{
		{Op: "goto", URL: u("/statistics" + period)}}, append(look, shot("hromada-monitoring-statistics-phone"))...)}
	publicWide := browsertest.Scenario{Name: "PublicStatisticsWide", Steps: append([]browsertest.Step{
		{Op: "goto", URL: u("/statistics" + period)}}, append(look, shot("hromada-monitoring-statistics"))...)}
	owner := browsertest.Scenario{Name: "OwnerDashboard", Steps: append([]browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=" + strings.ReplaceAll("/admin/monitoring"+period, "&", "%26"))},
		{Op: "click", Selector: "button[value=owner]"}}, append(look, shot("hromada-monitoring-dashboard"))...)}
	adminPhone := browsertest.Scenario{Name: "AdministratorDashboardPhone", Viewport: phone, Steps: append([]browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=" + strings.ReplaceAll("/admin/monitoring"+period, "&", "%26"))},
		{Op: "click", Selector: "button[value=administrator]"}}, append(look, shot("hromada-monitoring-dashboard-phone"))...)}
	wrong := browsertest.Scenario{Name: "WrongDate", Viewport: phone, Steps: []browsertest.Step{
		{Op: "goto", URL: u("/statistics?from=2026-13-40&provider=dcnap&to=" + today.Format(time.DateOnly))},
		step("text", ".field.invalid"), {Op: "attr", Selector: "#f-from", Name: "value"}, axe,
		{Op: "attr", Selector: "#f-provider option[selected]", Name: "value"},
		shot("hromada-monitoring-wrong-date-phone")}}

	results := browsertest.Run(t, []browsertest.Scenario{public, publicWide, owner, adminPhone, wrong})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)

	totals := results[0].Steps[1].Text
	require.Contains(t, totals, "Заяв подано\n10")
	require.Contains(t, totals, "Переглядів картки\n3")
	require.Contains(t, totals, "Прострочених на кінець періоду\n3")
	for _, r := range results[1:4] {
		n := len(r.Steps) - len(look) - 1
		require.Equal(t, totals, r.Steps[n].Text, "%s: the same totals", r.Name)
		require.Equal(t, results[0].Steps[2].Text, r.Steps[n+1].Text, "%s: the same services", r.Name)
		require.Equal(t, "0", r.Steps[n+2].Text, "%s: no sideways scrolling", r.Name)
	}
	require.Equal(t, "0", results[0].Steps[3].Text, "no sideways scrolling on a phone")
	for _, r := range results[:4] {
		districts := r.Steps[len(r.Steps)-2].Text
		require.Contains(t, districts, "Подільський", r.Name)
		require.Contains(t, districts, "100 %", "%s: both answers on time", r.Name)
		require.Contains(t, districts, "4,5", "%s: the mean rating", r.Name)
	}
	require.Contains(t, results[4].Steps[1].Text, "Поле «З дати»: введіть дату у форматі РРРР-ММ-ДД.")
	require.Equal(t, "2026-13-40", results[4].Steps[2].Text, "what was typed is kept")
	require.Equal(t, "dcnap", results[4].Steps[4].Text, "the provider chosen stays chosen")

	// The open data says the same.
	resp, err := client.Get(u("/opendata/indicators.json" + period))
	require.NoError(t, err)
	defer resp.Body.Close()
	var open struct {
		Totals struct {
			CardViews int64 `json:"card_views"`
			Submitted int64 `json:"applications_submitted"`
			Refused   int64 `json:"refused"`
		} `json:"totals"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&open))
	require.EqualValues(t, 3, open.Totals.CardViews)
	require.EqualValues(t, 10, open.Totals.Submitted)
	require.Equal(t, rep.Totals.Refused, open.Totals.Refused)
}
