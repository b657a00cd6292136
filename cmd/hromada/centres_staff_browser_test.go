package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/centres"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestCentresPublishInBrowser (issue 19, "vacancies, events and materials
// published and visible to whom they should be"): on a phone, the head of
// the provider running a centre publishes a vacancy (first with nothing
// filled in: each field's error named), an online event and a training
// material with a PDF; anyone sees the vacancy and the event on the
// public lists, with the event's calendar file; an official reads the
// material and gets its file; a resident is refused the materials (403)
// and an anonymous visitor is sent to sign in; the head closes the
// vacancy and it leaves the list. axe on every page, no sideways
// scrolling at 390 px.
func TestCentresPublishInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	var provider uuid.UUID
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), ts[0]), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT s.provider_id FROM centre_settings s JOIN centres c ON c.tenant_id = s.tenant_id AND c.id = s.centre_id
			WHERE c.code = 'cnap-main'`).Scan(&provider)
	}))
	// An ASCII name: the harness keeps downloads under their name made ASCII
	// (a Cyrillic one would be left as an untracked "pdf"); Cyrillic names
	// are TestMaterials'.
	pdf := filepath.Join(t.TempDir(), "shablon-zaiavy.pdf")
	require.NoError(t, os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600))
	now := time.Now().In(tenant.Zone)
	closes := now.AddDate(0, 0, 14).Format(time.DateOnly)
	starts := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, tenant.Zone).AddDate(0, 0, 7)
	month := starts.Format("2006-01")

	head := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/work/centres?provider=" + provider.String())},
		{Op: "click", Selector: "button[value=provider_head]"},
		{Op: "click", Selector: "a[href='/work/centres/cnap-main/vacancies']"},
		{Op: "click", Selector: "form[action='/work/centres/cnap-main/vacancies'] button[type=submit]"},
		{Op: "text", Selector: ".error-summary"},
		{Op: "screenshot", Name: "centres-vacancy-errors", FullPage: true},
		{Op: "axe"},
		{Op: "fill", Selector: "#f-title", Value: "Адміністратор ЦНАП"},
		{Op: "fill", Selector: "#f-description", Value: "Прийом і видача документів.\nВища освіта, знання державної мови."},
		{Op: "fill", Selector: "#f-how_to_apply", Value: "Резюме на hr@kyiv.example.gov.ua"},
		{Op: "fill", Selector: "#f-closes_on", Value: closes},
		{Op: "click", Selector: "form[action='/work/centres/cnap-main/vacancies'] button[type=submit]"},
		{Op: "text", Selector: ".flash"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-vacancies-work", FullPage: true},
		{Op: "axe"},
		// an online event
		{Op: "goto", URL: u("/work/centres/cnap-main/events")},
		{Op: "fill", Selector: "#f-title", Value: "Вебінар: нові послуги ЦНАП"},
		{Op: "fill", Selector: "#f-description", Value: "Розповідаємо про послуги, що з’явилися цього місяця."},
		{Op: "check", Selector: "input[name=place][value=online]"},
		{Op: "fill", Selector: "#f-link", Value: "https://meet.kyiv.example.gov.ua/cnap"},
		{Op: "fill", Selector: "#f-starts", Value: starts.Format("2006-01-02T15:04")},
		{Op: "fill", Selector: "#f-ends", Value: starts.Add(90 * time.Minute).Format("2006-01-02T15:04")},
		{Op: "click", Selector: "form[action='/work/centres/cnap-main/events'] button[type=submit]"},
		{Op: "text", Selector: ".flash"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-events-work", FullPage: true},
		{Op: "axe"},
		// a training material with a file
		{Op: "goto", URL: u("/work/materials?provider=" + provider.String())},
		{Op: "fill", Selector: "#f-title", Value: "Шаблон заяви про реєстрацію місця проживання"},
		{Op: "fill", Selector: "#f-body", Value: "Заповніть **усі** поля.\n\n- паспорт\n- довідка"},
		{Op: "upload", Selector: "#f-file", Value: pdf},
		{Op: "click", Selector: "form[action='/work/materials'] button[type=submit]"},
		{Op: "text", Selector: ".flash"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-materials", FullPage: true},
		{Op: "axe"},
	}
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "Head", Viewport: phone, Steps: head}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	steps := results[0].Steps
	for _, field := range []string{"Назва: заповніть це поле.", "Опис: заповніть це поле.", "Як подати заявку: заповніть це поле.", "Приймаємо заявки до: вкажіть дату"} {
		require.Contains(t, steps[4].Text, field)
	}
	require.Contains(t, steps[12].Text, "Вакансію опубліковано")
	require.Equal(t, "0", steps[13].Text, "the vacancies' page fits the phone")
	require.Contains(t, steps[24].Text, "Подію опубліковано")
	require.Equal(t, "0", steps[25].Text, "the events' page fits the phone")
	require.Contains(t, steps[33].Text, "Матеріал додано")
	require.Equal(t, "0", steps[34].Text, "the materials' page fits the phone")

	public := []browsertest.Step{
		{Op: "goto", URL: u("/centres")},
		{Op: "click", Selector: "a[href='/centres/vacancies']"},
		{Op: "text", Selector: ".vacancy-list"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-vacancies", FullPage: true},
		{Op: "axe"},
		{Op: "goto", URL: u("/centres/events?month=" + month)},
		{Op: "text", Selector: ".event-days"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-events", FullPage: true},
		{Op: "axe"},
		{Op: "download", Selector: "a[href$='calendar.ics']"},
		{Op: "goto", URL: u("/work/materials")},
		// The nearest centre to a point typed, from the keyboard.
		{Op: "goto", URL: u("/centres/map")},
		{Op: "fill", Selector: "#near", Value: "50.4010, 30.6330"},
		{Op: "press", Selector: "#near", Key: "Enter"},
		{Op: "text", Selector: "#near-status"},
		{Op: "attr", Selector: ".centre-list li >> nth=0", Name: "id"},
		{Op: "text", Selector: ".centre-list li >> nth=0"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-map-nearest", FullPage: true},
		{Op: "axe"},
		{Op: "fill", Selector: "#near", Value: "Хрещатик"},
		{Op: "press", Selector: "#near", Key: "Enter"},
		{Op: "text", Selector: "#near-error"},
	}
	official := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/work/materials?provider=" + provider.String())},
		{Op: "click", Selector: "button[value=official-dcnap]"},
		{Op: "click", Selector: ".material-list a"},
		{Op: "text", Selector: ".prose"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-material", FullPage: true},
		{Op: "axe"},
		{Op: "download", Selector: "a[href*='/file']"},
	}
	resident := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/cabinet")},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "goto", URL: u("/work/materials")},
		{Op: "goto", URL: u("/work/materials?provider=" + provider.String())},
		{Op: "goto", URL: u("/work/centres/cnap-main/vacancies")},
	}
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "Public", Viewport: phone, Steps: public},
		{Name: "Official", Viewport: phone, Steps: official}, {Name: "Resident", Steps: resident}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	steps = results[0].Steps
	require.Contains(t, steps[2].Text, "Адміністратор ЦНАП")
	require.Contains(t, steps[2].Text, "hr@kyiv.example.gov.ua")
	require.Equal(t, "0", steps[3].Text, "the vacancies fit the phone")
	require.Contains(t, steps[7].Text, "Вебінар: нові послуги ЦНАП")
	require.Contains(t, steps[7].Text, "https://meet.kyiv.example.gov.ua/cnap")
	require.Equal(t, "0", steps[8].Text, "the calendar fits the phone")
	cal, err := ical.NewDecoder(bytes.NewReader([]byte(steps[11].Text))).Decode()
	require.NoError(t, err)
	require.Len(t, cal.Events(), 1)
	summary, err := cal.Events()[0].Props.Text(ical.PropSummary)
	require.NoError(t, err)
	require.Equal(t, "Вебінар: нові послуги ЦНАП", summary)
	start, err := cal.Events()[0].DateTimeStart(time.UTC)
	require.NoError(t, err)
	require.True(t, start.Equal(starts), "the event starts at 10:00 in Kyiv: %s", start)
	require.Contains(t, steps[12].URL, "/devidp/login", "an anonymous visitor is sent to sign in (the dev identity provider here)")
	nearest, best := "", 1e9
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), ts[0]), func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT code, lat, lon FROM centres WHERE retired_at IS NULL AND (lat <> 0 OR lon <> 0)`)
		if err != nil {
			return err
		}
		var code string
		var lat, lon float64
		_, err = pgx.ForEachRow(rows, []any{&code, &lat, &lon}, func() error {
			if d := centres.DistanceKm(50.4010, 30.6330, lat, lon); d < best {
				nearest, best = code, d
			}
			return nil
		})
		return err
	}))
	require.Contains(t, steps[16].Text, "Центри впорядковано від найближчого")
	require.Equal(t, "c-"+nearest, steps[17].Text, "the nearest centre first")
	require.Contains(t, steps[18].Text, " км")
	require.Equal(t, "0", steps[19].Text, "the map page fits the phone")
	require.Contains(t, steps[24].Text, "вкажіть широту й довготу")
	hc := ta.client(t)
	res, err := hc.Get(u("/centres/map"))
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, "camera=(), microphone=(), geolocation=(self), payment=()", res.Header.Get("Permissions-Policy"),
		"the map alone may ask where the person is, on their click")
	res, err = hc.Get(u("/centres/vacancies"))
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Contains(t, res.Header.Get("Permissions-Policy"), "geolocation=()", "every other page refuses it")

	steps = results[1].Steps
	require.Contains(t, steps[3].Text, "усі")
	require.Equal(t, "0", steps[4].Text, "a material fits the phone")
	require.True(t, strings.HasPrefix(steps[7].Text, "%PDF-1.4"), "the file as uploaded")

	steps = results[2].Steps
	require.Equal(t, 403, steps[2].Status, "a resident may not read the staff's materials")
	require.Equal(t, 403, steps[3].Status, "not even naming a provider")
	require.Equal(t, 403, steps[4].Status, "nor publish vacancies")

	// The head closes the vacancy: it leaves the public list.
	closing := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/work/centres/cnap-main/vacancies")},
		{Op: "click", Selector: "button[value=provider_head]"},
		{Op: "click", Selector: "form[action$='/close'] button"},
		{Op: "text", Selector: ".flash"},
		{Op: "goto", URL: u("/centres/vacancies")},
		{Op: "text", Selector: "main"},
		// The hours' editor: Monday closing before its opening is named.
		{Op: "goto", URL: u("/work/centres?provider=" + provider.String())},
		{Op: "click", Selector: "a[href='/work/centres/cnap-main/setup']"},
		{Op: "attr", Selector: "#f-closes_1", Name: "value"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-setup", FullPage: true},
		{Op: "axe"},
		{Op: "fill", Selector: "#f-closes_1", Value: "07:00"},
		{Op: "click", Selector: "form[action='/work/centres/cnap-main/setup'] button[type=submit]"},
		{Op: "text", Selector: ".error-summary"},
		{Op: "screenshot", Name: "centres-setup-error", FullPage: true},
		{Op: "axe"},
	}
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "Close", Viewport: phone, Steps: closing}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	steps = results[0].Steps
	require.Contains(t, steps[3].Text, "Вакансію закрито")
	require.NotContains(t, steps[5].Text, "Адміністратор ЦНАП")
	require.Contains(t, steps[5].Text, "Зараз відкритих вакансій немає")
	closesMonday := steps[8].Text
	require.NotEmpty(t, closesMonday, "Monday's hours as the demo set them")
	require.Equal(t, "0", steps[9].Text, "the editor fits the phone")
	require.Contains(t, steps[14].Text, "Понеділок, кінець: кінець має бути пізніше за початок.")

	// Saved as it was, with a new window: the demo's bookings are kept.
	save := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/work/centres/cnap-main/setup")},
		{Op: "click", Selector: "button[value=provider_head]"},
		{Op: "fill", Selector: "#f-window_new", Value: "9"},
		{Op: "click", Selector: "text=Послуги нового вікна"},
		{Op: "check", Selector: "input[name=window_new_services] >> nth=0"},
		{Op: "click", Selector: "form[action='/work/centres/cnap-main/setup'] button[type=submit]"},
		{Op: "text", Selector: ".flash"},
		{Op: "attr", Selector: "#f-closes_1", Name: "value"},
		{Op: "text", Selector: "form[action='/work/centres/cnap-main/setup']"},
	}
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "Setup", Viewport: phone, Steps: save}})
	browsertest.RequireOK(t, results)
	steps = results[0].Steps
	require.Contains(t, steps[6].Text, "Зміни збережено")
	require.Equal(t, closesMonday, steps[7].Text)
	require.Contains(t, steps[8].Text, "Вікно 9")
}
