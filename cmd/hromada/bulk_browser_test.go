package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestBulkNoticeInBrowser: a resident opts in to city news on the
// settings page; the dispatcher writes an announcement (an empty text is
// named and nothing is lost), previews it with whom it reaches, sends it,
// and the resident finds it in the cabinet. Every page at 390 px passes
// axe-core without sideways scrolling; a resident may not open the page.
func TestBulkNoticeInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	signInAs := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{{Op: "goto", URL: u("/auth/login?return=" + ret)}, {Op: "click", Selector: "button[value=" + persona + "]"}}
	}
	run := func(name string, steps ...browsertest.Step) []browsertest.StepResult {
		t.Helper()
		res := browsertest.Run(t, []browsertest.Scenario{{Name: name, Viewport: phone, Steps: steps}})
		require.Len(t, res, 1)
		require.Empty(t, res[0].Failed(), name)
		require.Len(t, res[0].Steps, len(steps), name)
		for i, st := range res[0].Steps {
			require.Empty(t, st.Violations, "%s: step %d (%s) has accessibility violations", name, i, st.Op)
			if st.Op == "overflow" {
				require.Equal(t, "0", st.Text, "%s: step %d scrolls sideways", name, i)
			}
		}
		return res[0].Steps
	}

	steps := run("ResidentOptsIn", append(signInAs("resident", "/cabinet/notifications/settings"),
		browsertest.Step{Op: "check", Selector: "#on-news-sms"},
		browsertest.Step{Op: "select", Selector: "#district", Value: "holosiivskyi"},
		browsertest.Step{Op: "click", Selector: "form[action='/cabinet/notifications/settings'] button[type=submit]"},
		browsertest.Step{Op: "text", Selector: "p.flash"},
		browsertest.Step{Op: "attr", Selector: "#district option[selected]", Name: "value"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-my-district", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "goto", URL: u("/admin/notifications/bulk")},
	)...)
	require.Contains(t, steps[5].Text, "збережено")
	require.Equal(t, "holosiivskyi", steps[6].Text, "«Мій район» saved")
	require.Equal(t, 403, steps[10].Status, "a resident may not send announcements")

	kyiv, err := tenant.BySlug(t.Context(), ta.db.App.Pool(), "kyiv")
	require.NoError(t, err)
	// The resident applied for a service a month ago: the service's
	// segment is them.
	var serviceID, serviceName string
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT s.id::text, s.content->'name'->>'uk' FROM service_forms f JOIN services s ON s.id = f.service_id
			WHERE f.status = 'published' AND s.published_at IS NOT NULL ORDER BY s.code LIMIT 1`).Scan(&serviceID, &serviceName); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status, canonical, signature,
				signer_rnokpp, signed_at, sent_at, received_at)
			SELECT app_tenant_id(), gen_random_uuid(), 'SEG-1', s.id, s.provider_id, f.id,
				(SELECT account_id FROM notify_preferences WHERE kind = 'news' AND enabled LIMIT 1),
				'received', '\x01', '\x01', '3184710691', now() - interval '30 days', now() - interval '30 days', now() - interval '30 days'
			FROM service_forms f JOIN services s ON s.id = f.service_id WHERE s.id = $1 AND f.status = 'published'`, serviceID)
		return err
	}))

	text := "Завтра з 9:00 до 13:00 на вул. Хрещатик не буде води."
	steps = run("DispatcherSends", append(signInAs("dispatcher", "/admin/notifications"),
		browsertest.Step{Op: "click", Selector: "a[href='/admin/notifications/bulk']"},
		browsertest.Step{Op: "text", Selector: "#bulk-audience"},
		// Spaces pass the browser's "required"; the server names the field.
		browsertest.Step{Op: "fill", Selector: "#text_uk", Value: "   "},
		browsertest.Step{Op: "fill", Selector: "#text_en", Value: "No water tomorrow"},
		browsertest.Step{Op: "click", Selector: "#bulk-form button[type=submit]"},
		browsertest.Step{Op: "text", Selector: "#text_uk-error"},
		browsertest.Step{Op: "attr", Selector: "#text_uk", Name: "aria-invalid"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-bulk-error", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "fill", Selector: "#text_uk", Value: text},
		browsertest.Step{Op: "check", Selector: "#segment-district"},
		browsertest.Step{Op: "select", Selector: "#district", Value: "holosiivskyi"},
		browsertest.Step{Op: "click", Selector: "#bulk-form button[type=submit]"},
		browsertest.Step{Op: "text", Selector: "#preview-uk"},
		browsertest.Step{Op: "text", Selector: "#bulk-segment"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-bulk-preview", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "click", Selector: "#bulk-send"},
		browsertest.Step{Op: "text", Selector: "p.flash"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-bulk-sent", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "overflow"},
	)...)
	require.Contains(t, steps[3].Text, "1 мешканець")
	require.Contains(t, steps[7].Text, "Текст українською")
	require.Equal(t, "true", steps[8].Text)
	require.Equal(t, text, steps[15].Text)
	require.Contains(t, steps[16].Text, "району «Голосіївський»")
	require.Contains(t, steps[16].Text, "Отримає 1 мешканець")
	require.Contains(t, steps[21].Text, "надсилається")
	// The fan-out runs in the background; the wait is bounded only so a
	// broken worker fails the test rather than hangs it.
	posted := 0
	for i := 0; posted == 0; i++ {
		require.Less(t, i, 3000, "the announcement was never posted")
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT coalesce(sum(posted), 0) FROM notify_bulk_sends WHERE done_at IS NOT NULL`).Scan(&posted)
		}))
	}
	require.Equal(t, 1, posted, "to the one resident who opted in and chose the district")
	// The same, by HTTP: what was typed comes back with the error, and
	// the confirmed form submitted twice (a double click) sends once.
	c := ta.client(t)
	signIn(t, ta, c, "kyiv.localhost", "dispatcher")
	r := do(t, c, http.MethodPost, u("/admin/notifications/bulk/preview"), url.Values{"text_uk": {" "}, "text_en": {"No water tomorrow"}}, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, ">No water tomorrow</textarea>", "what was typed is kept")
	// By service: the preview says it and whom it reaches; another
	// city's district (Lviv's) is refused naming the field, the text kept.
	r = do(t, c, http.MethodPost, u("/admin/notifications/bulk/preview"), url.Values{"text_uk": {"Про послугу"}, "segment": {"service"}, "service": {serviceID}}, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "послугу «"+html.EscapeString(serviceName)+"»")
	require.Contains(t, r.body, "Отримає 1 мешканець")
	r = do(t, c, http.MethodPost, u("/admin/notifications/bulk"), url.Values{"key": {uuid.Must(uuid.NewV7()).String()}, "text_uk": {"Чуже"}, "segment": {"district"}, "district": {"halytskyi"}}, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.body, `id="district-error">Район: оберіть`)
	require.Contains(t, r.body, ">Чуже</textarea>")
	again := url.Values{"key": {uuid.Must(uuid.NewV7()).String()}, "text_uk": {"Друге оголошення"}, "segment": {"service"}, "service": {serviceID}}
	require.Equal(t, http.StatusSeeOther, do(t, c, http.MethodPost, u("/admin/notifications/bulk"), again, nil).status)
	r = do(t, c, http.MethodPost, u("/admin/notifications/bulk"), again, nil)
	require.Equal(t, "/admin/notifications/bulk?done=already", r.header.Get("Location"))
	var sends int
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notify_bulk_sends`).Scan(&sends)
	}))
	require.Equal(t, 2, sends, "the browser's and one of the two; not the refused one")
	r = do(t, c, http.MethodGet, u("/admin/notifications/bulk"), nil, nil)
	require.Contains(t, r.body, "Тим, хто за останні 12 місяців подав заяву на послугу", "the list names each send's segment")
	require.Contains(t, r.body, "Мешканцям району «Голосіївський»")

	// The city's rate limits: the dispatcher changes them (a bad one
	// named, what was typed kept); the administrator only reads them.
	steps = run("DispatcherLimits", append(signInAs("dispatcher", "/admin/notifications"),
		browsertest.Step{Op: "click", Selector: "a[href='/admin/notifications/limits']"},
		browsertest.Step{Op: "fill", Selector: "#limit_sms", Value: "0"},
		browsertest.Step{Op: "click", Selector: "#limits-form button[type=submit]"},
		browsertest.Step{Op: "text", Selector: "#limit_sms-error"},
		browsertest.Step{Op: "attr", Selector: "#limit_sms", Name: "value"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-limits-error", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "overflow"},
		browsertest.Step{Op: "fill", Selector: "#limit_sms", Value: "60"},
		browsertest.Step{Op: "click", Selector: "#limits-form button[type=submit]"},
		browsertest.Step{Op: "text", Selector: "p.flash"},
		browsertest.Step{Op: "attr", Selector: "#limit_sms", Name: "value"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-limits", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "overflow"},
	)...)
	require.Contains(t, steps[5].Text, "SMS: ціле число від 1 до 1200")
	require.Equal(t, "0", steps[6].Text, "what was typed is kept")
	require.Contains(t, steps[12].Text, "збережено")
	require.Equal(t, "60", steps[13].Text)
	var own int
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT per_minute FROM notify_rate_limits WHERE channel = 'sms'`).Scan(&own)
	}))
	require.Equal(t, 60, own)
	admin := ta.client(t)
	signIn(t, ta, admin, "kyiv.localhost", "administrator")
	r = do(t, admin, http.MethodGet, u("/admin/notifications/limits"), nil, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.NotContains(t, r.body, `id="limits-form"`, "the administrator reads the limits, no form")
	require.Contains(t, r.body, "60 (встановлено містом)")
	require.Equal(t, http.StatusForbidden, do(t, admin, http.MethodPost, u("/admin/notifications/limits"), url.Values{"limit_sms": {"1"}}, nil).status)

	steps = run("ResidentReads", append(signInAs("resident", "/cabinet/notifications"),
		browsertest.Step{Op: "text", Selector: ".inbox > li:first-child"},
		browsertest.Step{Op: "text", Selector: ".inbox > li:nth-child(2)"},
	)...)
	require.Contains(t, steps[2].Text, "Друге оголошення")
	require.Contains(t, steps[3].Text, text)
}
