package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/monitoring"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// seedCases gives the demo's official of the service centre (dcnap) three
// cases of their own, received yesterday: one due today, one on this
// week's Sunday, one overdue since yesterday; and returns the official's
// account and dcnap's and transport's provider ids.
func seedCases(t *testing.T, ctx context.Context, db *tenant.DB) (official, dcnap, transport uuid.UUID) {
	t.Helper()
	today := applications.Day(time.Now())
	require.NoError(t, db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE rnokpp = '3312004777'`).Scan(&official); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = 'dcnap'`).Scan(&dcnap); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = 'transport'`).Scan(&transport); err != nil {
			return err
		}
		for i, due := range []time.Time{today, applications.WeekEnd(today), today.AddDate(0, 0, -1)} {
			if _, err := tx.Exec(ctx, `
				INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status, canonical, signature,
					signer_rnokpp, signed_at, sent_at, received_at, due_on, assignee_id)
				SELECT app_tenant_id(), gen_random_uuid(), 'D-' || $1, s.id, s.provider_id, f.id, (SELECT id FROM accounts ORDER BY created_at LIMIT 1),
					'in_review', '\x01', '\x01', '3184710691', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', $2, $3
				FROM service_forms f JOIN services s ON s.id = f.service_id
				WHERE s.provider_id = $4 AND f.status = 'published' ORDER BY s.code LIMIT 1`, strconv.Itoa(i), due, official, dcnap); err != nil {
				return err
			}
		}
		return nil
	}))
	return official, dcnap, transport
}

// TestDashboardsInBrowser (issue 12, "Dashboards"): the dispatcher's and
// the owner's dashboard show p90, the applications by status, overdue now
// and the weekly trend, each chart with its data table, and offer the CSV
// export, which the auditor (reports:read only) is not offered; the
// provider head sees the officials' workload of their provider, with the
// links to reassign, and gets 403 for another provider's; the official's
// entry page counts their cases due today, this week and overdue, each a
// link to the queue filtered so. Figures are checked against SQL run
// here; every page axe-clean at 390 and 1280 px without sideways
// scrolling.
func TestDashboardsInBrowser(t *testing.T) {
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
	seedMonitoring(t, ctx, ta.db.App)
	official, dcnap, transport := seedCases(t, ctx, ta.db.App)
	_, err = ta.monitoring.Rollup(ctx)
	require.NoError(t, err)

	// What the pages must say, counted here from the tables.
	today := applications.Day(time.Now())
	sunday := applications.WeekEnd(today)
	var overdueNow, mineToday, mineWeek, mineOverdue, headOpen int
	byStatus := map[string]int{}
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		const open = `status NOT IN ('draft', 'approved', 'refused', 'issued', 'withdrawn') AND paused_at IS NULL`
		for _, q := range []struct {
			dst  *int
			sql  string
			args []any
		}{
			{&overdueNow, `SELECT count(*) FROM applications WHERE ` + open + ` AND due_on < $1`, []any{today}},
			{&mineToday, `SELECT count(*) FROM applications WHERE ` + open + ` AND assignee_id = $1 AND due_on = $2`, []any{official, today}},
			{&mineWeek, `SELECT count(*) FROM applications WHERE ` + open + ` AND assignee_id = $1 AND due_on BETWEEN $2 AND $3`, []any{official, today, sunday}},
			{&mineOverdue, `SELECT count(*) FROM applications WHERE ` + open + ` AND assignee_id = $1 AND due_on < $2`, []any{official, today}},
			{&headOpen, `SELECT count(*) FROM applications WHERE status NOT IN ('draft', 'approved', 'refused', 'issued', 'withdrawn')
				AND assignee_id = $1 AND provider_id = $2`, []any{official, dcnap}},
		} {
			if err := tx.QueryRow(ctx, q.sql, q.args...).Scan(q.dst); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT status, count(*) FROM applications WHERE status NOT IN ('draft', 'issued')
			AND timezone('Europe/Kyiv', received_at)::date BETWEEN $1 AND $2 GROUP BY 1`, today.AddDate(0, 0, -6), today)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			byStatus[st] = n
		}
		return rows.Err()
	}))
	require.Positive(t, overdueNow)
	require.Positive(t, mineToday)
	require.Equal(t, 2, mineWeek, "today's and Sunday's (on a Sunday, both today)")
	require.Equal(t, 1, mineOverdue)

	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	signIn := func(persona, path string) []browsertest.Step {
		return []browsertest.Step{{Op: "goto", URL: u("/auth/login?return=" + strings.ReplaceAll(path, "&", "%26"))},
			{Op: "click", Selector: "button[value=" + persona + "]"}}
	}
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	step := func(op, sel string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel} }
	shot := func(name string) browsertest.Step {
		return browsertest.Step{Op: "screenshot", Name: name, FullPage: true}
	}
	axe := browsertest.Step{Op: "axe"}
	period := "?from=" + today.AddDate(0, 0, -6).Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)

	// The dashboard: the figures, the data tables (the day's one opened),
	// the export link; then the CSV itself.
	dashboard := func(name, persona string, vp *browsertest.Viewport) browsertest.Scenario {
		return browsertest.Scenario{Name: name, Viewport: vp, Steps: append(signIn(persona, "/admin/monitoring"+period),
			step("text", "[data-indicator=overdue_now]"),
			step("text", "#mon-statuses-table tbody"),
			step("text", "#mon-weeks-table tbody"),
			step("text", "[data-indicator=p90_days]"),
			step("click", "section.monitoring details.mon-data summary"),
			step("text", "#mon-days-table tbody"),
			browsertest.Step{Op: "text", Selector: ".mon-export", Optional: true, TimeoutMs: 1000},
			step("overflow", ""), axe, shot("hromada-dashboard-"+persona+map[bool]string{true: "-phone"}[vp != nil]))}
	}
	head := func(name string, vp *browsertest.Viewport) browsertest.Scenario {
		return browsertest.Scenario{Name: name, Viewport: vp, Steps: append(signIn("provider_head", "/admin"),
			step("click", "text="+"Навантаження команди"),
			step("text", "#team-table tr[data-official='"+official.String()+"']"),
			browsertest.Step{Op: "attr", Selector: "#team-table tr[data-official='" + official.String() + "'] th a", Name: "href"},
			step("overflow", ""), axe, shot("hromada-team"+map[bool]string{true: "-phone"}[vp != nil]),
			browsertest.Step{Op: "goto", URL: u("/admin/monitoring/officials?provider=" + transport.String())})}
	}
	mine := func(name string, vp *browsertest.Viewport) browsertest.Scenario {
		return browsertest.Scenario{Name: name, Viewport: vp, Steps: append(signIn("official-dcnap", "/admin"),
			step("text", ".my-cases"),
			step("overflow", ""), axe, shot("hromada-my-cases"+map[bool]string{true: "-phone"}[vp != nil]),
			step("click", ".my-cases a[href*='due=week']"),
			step("text", "table tbody"),
			browsertest.Step{Op: "attr", Selector: "#f-due option[selected]", Name: "value"},
			step("overflow", ""), axe, shot("hromada-my-cases-queue"+map[bool]string{true: "-phone"}[vp != nil]))}
	}
	export := browsertest.Scenario{Name: "DispatcherExport", Steps: append(signIn("dispatcher", "/admin/monitoring"+period),
		step("download", ".mon-export a"))}

	scenarios := []browsertest.Scenario{
		dashboard("DispatcherPhone", "dispatcher", phone), dashboard("OwnerWide", "owner", nil),
		dashboard("AuditorWide", "auditor", nil), dashboard("AdministratorPhone", "administrator", phone),
		head("HeadPhone", phone), head("HeadWide", nil), mine("OfficialPhone", phone), mine("OfficialWide", nil), export,
	}
	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)

	rep, err := ta.monitoring.Dashboard(ctx, monitoring.Filter{From: today.AddDate(0, 0, -6), To: today})
	require.NoError(t, err)
	require.EqualValues(t, overdueNow, rep.Totals.OverdueNow)
	for i, r := range results[:4] {
		s := r.Steps[2:]
		require.Equal(t, strconv.Itoa(overdueNow), s[0].Text, "%s: overdue now", r.Name)
		for st, label := range map[string]string{"received": "Отримано", "in_review": "На розгляді", "approved": "Рішення: надати",
			"refused": "Рішення: відмовити"} {
			require.Contains(t, s[1].Text, label+"\t"+strconv.Itoa(byStatus[st])+"\t", "%s: %s", r.Name, st)
		}
		require.Positive(t, byStatus["approved"])
		require.Contains(t, s[2].Text, rep.Weeks[len(rep.Weeks)-1].ISO(), r.Name)
		require.Equal(t, rep.Totals.P90Text(), s[3].Text, r.Name)
		require.Equal(t, 7, strings.Count(s[5].Text, "\n")+1, "%s: a row per day", r.Name)
		mayExport := i < 2 // the dispatcher and the owner; not the auditor nor the administrator
		require.Equal(t, mayExport, s[6].OK, "%s: the export offered only with reports:export", r.Name)
		require.Equal(t, "0", s[7].Text, "%s: no sideways scrolling", r.Name)
	}
	for _, r := range results[4:6] {
		s := r.Steps[2:]
		require.Contains(t, s[1].Text, "Тарас Олегович Мельник", r.Name)
		cells := strings.Split(s[1].Text, "\t")
		require.Len(t, cells, 6, r.Name)
		require.Equal(t, []string{strconv.Itoa(headOpen), strconv.Itoa(mineToday), strconv.Itoa(mineWeek), strconv.Itoa(mineOverdue)},
			[]string{cells[1], cells[2], cells[3], cells[4]}, "%s: the official's cases: open, today, this week, overdue", r.Name)
		require.Equal(t, "/work/applications?assignee="+official.String()+"&provider="+dcnap.String(), s[2].Text, "%s: the link to reassign", r.Name)
		require.Equal(t, "0", s[3].Text, "%s: no sideways scrolling", r.Name)
		require.Equal(t, http.StatusForbidden, s[6].Status, "%s: another provider's team", r.Name)
	}
	for _, r := range results[6:8] {
		s := r.Steps[2:]
		require.Contains(t, s[0].Text, "До сьогодні: "+strconv.Itoa(mineToday), r.Name)
		require.Contains(t, s[0].Text, "Цього тижня: "+strconv.Itoa(mineWeek), r.Name)
		require.Contains(t, s[0].Text, "Прострочено: "+strconv.Itoa(mineOverdue), r.Name)
		require.Equal(t, "0", s[1].Text, r.Name)
		require.Equal(t, mineWeek, strings.Count(s[5].Text, "\n")+1, "%s: the queue lists this week's cases", r.Name)
		require.Equal(t, "week", s[6].Text, r.Name)
		require.Equal(t, "0", s[7].Text, r.Name)
	}
	csv := results[8].Steps[2].Text
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	require.True(t, strings.HasPrefix(lines[0], "from,to,code,national_code,name,provider,term_days"), lines[0])
	require.Contains(t, lines[0], "processing_days_p90")
	require.Contains(t, lines[0], "status_granted")
	total := strings.Split(lines[len(lines)-1], ",")
	require.Equal(t, "Усього", total[4])
	head0 := strings.Split(lines[0], ",")
	for i, h := range head0 {
		if h == "overdue_now" {
			require.Equal(t, strconv.Itoa(overdueNow), total[i], "the CSV's overdue now")
		}
	}
}
