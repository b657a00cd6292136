package main

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestCentresInBrowser: on a phone, a resident goes from a centre's page
// to its booking, picks a service, a day and a time, gets the booking's
// code and its calendar file (which parses as iCalendar); on the day, the
// clerk checks them in and calls them to a window, the hall display shows
// their ticket, the clerk marks them served; the resident rates the
// visit «добре» with a reason and the provider's head answers publicly.
// axe on every page, no
// sideways scrolling at 390 px. The centres' clock is the test's: first
// a Monday morning before opening, then ten minutes before the booking.
func TestCentresInBrowser(t *testing.T) {
	t.Parallel()
	var clock atomic.Pointer[time.Time]
	monday := time.Now().In(tenant.Zone)
	for monday = monday.AddDate(0, 0, 1); monday.Weekday() != time.Monday; monday = monday.AddDate(0, 0, 1) {
	}
	monday = time.Date(monday.Year(), monday.Month(), monday.Day(), 7, 0, 0, 0, tenant.Zone)
	clock.Store(&monday)
	ta := startApp(t, testAppOpts{baseDomain: "localhost", centresNow: func() time.Time { return *clock.Load() }})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}

	book := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/centres/cnap-main")},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "click", Selector: "a[href='/book?centre=cnap-main']"},
		{Op: "screenshot", Name: "centres-book-service", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "form[action='/book'] button[type=submit]"},
		{Op: "click", Selector: ".days li:first-child a"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-book-time", FullPage: true},
		{Op: "axe"},
		{Op: "check", Selector: "#t-0"},
		{Op: "click", Selector: "form[action='/book'] button[type=submit]"},
		{Op: "text", Selector: "#booking-code"},
		{Op: "text", Selector: ".flash"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-booking", FullPage: true},
		{Op: "axe"},
		{Op: "download", Selector: "a[href$='calendar.ics']"},
	}
	// The map: every centre, a marker opened with the keyboard, the list
	// beside it with the next free time.
	mapSteps := []browsertest.Step{
		{Op: "goto", URL: u("/centres")},
		{Op: "click", Selector: "a[href='/centres/map']"},
		{Op: "attr", Selector: ".leaflet-marker-icon >> nth=0", Name: "title"},
		{Op: "press", Selector: ".leaflet-marker-icon >> nth=0", Key: "Enter"},
		{Op: "text", Selector: ".leaflet-popup-content"},
		{Op: "text", Selector: "#c-cnap-main"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-map", FullPage: true},
		{Op: "axe"},
	}
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "Book", Viewport: phone, Steps: book}, {Name: "Map", Viewport: phone, Steps: mapSteps}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	ms := results[1].Steps
	require.NotEmpty(t, ms[2].Text, "a marker has the centre's name")
	require.Contains(t, ms[4].Text, ms[2].Text, "Enter on the marker opens its popup")
	require.Contains(t, ms[5].Text, "Найближчий вільний час")
	require.Equal(t, "0", ms[6].Text, "the map page fits the phone")
	steps := results[0].Steps
	require.Equal(t, "0", steps[7].Text, "the times fit the phone")
	code := steps[12].Text
	require.Regexp(t, `^[2-9A-Z]{4}-[2-9A-Z]{4}$`, code)
	require.Contains(t, steps[13].Text, "Вас записано")
	require.Equal(t, "0", steps[14].Text, "the booking fits the phone")

	cal, err := ical.NewDecoder(bytes.NewReader([]byte(steps[17].Text))).Decode()
	require.NoError(t, err)
	require.Len(t, cal.Events(), 1)
	uid, err := cal.Events()[0].Props.Text(ical.PropUID)
	require.NoError(t, err)
	require.Equal(t, code+"@kyiv.localhost", uid)

	// The day of the booking, ten minutes before its time.
	var start time.Time
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), ts[0]), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT starts_at FROM visits WHERE code = $1`, code).Scan(&start)
	}))
	before := start.Add(-10 * time.Minute)
	clock.Store(&before)

	clerk := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/work/centres/cnap-main/queue")},
		{Op: "click", Selector: "button[value=official-dcnap]"},
		{Op: "click", Selector: "form[action$='/checkin'] button"},
		{Op: "text", Selector: ".flash"},
		{Op: "click", Selector: "#call-next"},
		{Op: "text", Selector: "#at-window"},
		{Op: "attr", Selector: "a[href^='/centres/cnap-main/display']", Name: "href"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-queue", FullPage: true},
		{Op: "axe"},
	}
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "Clerk", Viewport: phone, Steps: clerk}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	steps = results[0].Steps
	require.Contains(t, steps[3].Text, "З-001")
	require.Equal(t, "З-001", steps[5].Text)
	require.Equal(t, "0", steps[7].Text, "the queue fits the phone")

	display := []browsertest.Step{
		{Op: "goto", URL: u(steps[6].Text)},
		{Op: "text", Selector: ".board tbody tr:first-child .ticket"},
		{Op: "text", Selector: ".board tbody tr:first-child .window"},
		{Op: "screenshot", Name: "centres-display"},
		{Op: "axe"},
		{Op: "goto", URL: u("/centres/cnap-main/display?key=wrong")},
	}
	served := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/work/centres/cnap-main/queue")},
		{Op: "click", Selector: "button[value=official-dcnap]"},
		{Op: "click", Selector: "form[action$='/served'] button"},
		{Op: "text", Selector: ".flash"},
		{Op: "goto", URL: u("/work/centres/cnap-main/queue")},
		{Op: "click", Selector: "#call-next"},
		{Op: "text", Selector: ".error-summary"},
	}
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "Display", Steps: display}, {Name: "Served", Steps: served}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Equal(t, "З-001", results[0].Steps[1].Text)
	require.Equal(t, "1", results[0].Steps[2].Text)
	require.Equal(t, 404, results[0].Steps[5].Status, "a wrong key shows nothing")
	require.Contains(t, results[1].Steps[3].Text, "З-001 обслуговано")
	require.Contains(t, results[1].Steps[6].Text, "Немає кого викликати")

	// The resident rates the visit «добре» with a reason; the provider's
	// head answers; the centre's public page shows both.
	rate := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/cabinet/bookings/" + code)},
		{Op: "click", Selector: "button[value=resident]"},
		{Op: "check", Selector: "#score-3"},
		{Op: "check", Selector: "#reason-waiting"},
		{Op: "fill", Selector: "#comment", Value: "Прийняли вчасно, але в залі тісно."},
		{Op: "screenshot", Name: "centres-rate", FullPage: true},
		{Op: "axe"},
		{Op: "click", Selector: "form[action$='/rating'] button"},
		{Op: "text", Selector: ".flash"},
		{Op: "text", Selector: "#rated"},
	}
	answer := []browsertest.Step{
		{Op: "goto", URL: u("/auth/login?return=/work/centres/cnap-main/ratings")},
		{Op: "click", Selector: "button[value=provider_head]"},
		{Op: "fill", Selector: "textarea[name=answer]", Value: "Дякуємо! З наступного місяця відкриваємо другу залу."},
		{Op: "click", Selector: "form[action$='/answer'] button"},
		{Op: "text", Selector: ".flash"},
		{Op: "screenshot", Name: "centres-answers", FullPage: true},
		{Op: "axe"},
		{Op: "goto", URL: u("/centres/cnap-main/ratings")},
		{Op: "text", Selector: "#average"},
		{Op: "text", Selector: ".rating-list .answer"},
		{Op: "overflow"},
		{Op: "screenshot", Name: "centres-ratings", FullPage: true},
		{Op: "axe"},
	}
	results = browsertest.Run(t, []browsertest.Scenario{{Name: "Rate", Viewport: phone, Steps: rate}})
	browsertest.RequireOK(t, results)
	require.Contains(t, results[0].Steps[8].Text, "Дякуємо за оцінку")
	require.Equal(t, "Добре", results[0].Steps[9].Text)
	results2 := browsertest.Run(t, []browsertest.Scenario{{Name: "Answer", Viewport: phone, Steps: answer}})
	browsertest.RequireOK(t, results2)
	browsertest.RequireNoViolations(t, append(results, results2...))
	steps = results2[0].Steps
	require.Contains(t, steps[4].Text, "Відповідь опубліковано")
	require.Equal(t, "3.0", steps[8].Text)
	require.Contains(t, steps[9].Text, "відкриваємо другу залу")
	require.Equal(t, "0", steps[10].Text, "the ratings fit the phone")
}
