package main

import (
	"bytes"
	"testing"

	"github.com/emersion/go-ical"
	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestCentresInBrowser: on a phone, a resident goes from a centre's page
// to its booking, picks a service, a day and a time, gets the booking's
// code and its calendar file (which parses as iCalendar), with axe on
// every page and no sideways scrolling at 390 px.
func TestCentresInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	_, err := ta.loadDemo(t.Context())
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
	results := browsertest.Run(t, []browsertest.Scenario{{Name: "Book", Viewport: phone, Steps: book}})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
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
}
