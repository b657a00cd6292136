package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/appeals"
	"hromada/modules/cityapi"
	"hromada/modules/participation"
	"hromada/tenant"
)

// Issue 22's last part: the resident's payments, bookings, appeals,
// petitions and polls by the API. What the resident does on the portal (a
// fee paid, a booking, an appeal) the app reads; it cancels the booking
// and signs a petition, a retried POST changing nothing; another
// resident's token finds none of it. Every exchange is validated against
// openapi.json by the test client.
func TestCityAppParticipationAndMore(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")
	e.as(appsKyiv, "dispatcher")
	tk, _ := appSignIn(t, e, c, "payments appointments appeals participation")
	app := &cityClient{t: t, e: e, token: tk.AccessToken}
	other, _ := appSignIn(t, e, e.as(appsKyiv, "legal_rep"), "payments appointments appeals participation")
	stranger := &cityClient{t: t, e: e, token: other.AccessToken}
	narrow, _ := appSignIn(t, e, e.as(appsKyiv, "resident"), "profile")
	profileOnly := &cityClient{t: t, e: e, token: narrow.AccessToken}
	me := e.signedAs("resident")
	// The consent page says in words what the new scopes give.
	_, challenge := pkce()
	q := url.Values{"response_type": {"code"}, "client_id": {cityapi.AppClientID}, "redirect_uri": {appRedirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "scope": {"payments appointments appeals participation"}, "state": {"s"}}
	consent := appsText(get(t, c, e.u("/oauth/authorize?"+q.Encode())))
	for _, want := range []string{"показувати ваші рахунки, платежі та квитанції", "показувати та скасовувати ваші записи до ЦНАП",
		"показувати ваші звернення та відповіді на них", "показувати петиції й опитування та підписувати петиції від вашого імені"} {
		require.Contains(t, consent, want)
	}

	// Made on the portal: a fee paid, a booking, an appeal.
	application := e.applyResidence(c, resident)
	invoice := e.payInvoice(c, application)
	monday := time.Now().In(tenant.Zone)
	for monday = monday.AddDate(0, 0, 2); monday.Weekday() != time.Monday; monday = monday.AddDate(0, 0, 1) {
	}
	day := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, tenant.Zone)
	pk, err := e.ta.centres.Picker(me, "cnap-main", "", time.Time{}, uuid.Nil)
	require.NoError(t, err)
	require.NotEmpty(t, pk.Services)
	pk, err = e.ta.centres.Picker(me, "cnap-main", pk.Services[0].Content.Code, day, uuid.Nil)
	require.NoError(t, err)
	require.NotEmpty(t, pk.Slots, "Monday's times at the main centre")
	booking, err := e.ta.centres.Book(me, "cnap-main", pk.Services[0].Content.Code, pk.Slots[0].Start, uuid.Nil)
	require.NoError(t, err)
	appeal := e.fileAppeal("resident", appeals.Filing{Kind: appeals.Complaint, Category: "roads", Key: "api-appeal",
		Body: "Яма біля мого під’їзду, прошу залатати", Address: "вул. Хрещатик, 1"})

	// Payments: the fee, paid, with its receipt.
	type page[T any] struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	var pays page[struct {
		ID            string `json:"id"`
		ApplicationID string `json:"application_id"`
		Number        string `json:"number"`
		AmountKopecks int64  `json:"amount_kopecks"`
		Status        string `json:"status"`
		PaidAt        string `json:"paid_at"`
		Receipt       string `json:"receipt"`
		Payments      []struct {
			Gateway string `json:"gateway"`
		} `json:"payments"`
	}]
	r := app.get("/api/v1/payments", &pays)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Len(t, pays.Items, 1, r.body)
	pay := pays.Items[0]
	require.Equal(t, application, pay.ApplicationID)
	require.NotEmpty(t, pay.Number)
	require.Equal(t, int64(2574), pay.AmountKopecks)
	require.Equal(t, "paid", pay.Status)
	require.NotEmpty(t, pay.PaidAt)
	require.Equal(t, invoice+"/receipt.pdf", pay.Receipt)
	require.NotEmpty(t, pay.Payments)
	require.Equal(t, "liqpay", pay.Payments[0].Gateway)
	require.Equal(t, http.StatusOK, get(t, c, e.u(pay.Receipt)).status, "the receipt's link opens in the resident's browser")
	r = stranger.get("/api/v1/payments", &pays)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Empty(t, pays.Items, "another resident sees none of them")
	r = profileOnly.get("/api/v1/payments", nil)
	require.Equal(t, http.StatusForbidden, r.status, "a token without the scope: %s", r.body)

	// Appointments: the booking, cancelled by the app; the retry replays.
	type appointment struct {
		ID       string `json:"id"`
		Code     string `json:"code"`
		Status   string `json:"status"`
		StartsAt string `json:"starts_at"`
		Centre   struct {
			UK string `json:"uk"`
		} `json:"centre"`
	}
	var bookings page[appointment]
	r = app.get("/api/v1/appointments", &bookings)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Len(t, bookings.Items, 1, r.body)
	require.Equal(t, booking.ID.String(), bookings.Items[0].ID)
	require.Equal(t, booking.Code, bookings.Items[0].Code)
	require.Equal(t, "booked", bookings.Items[0].Status)
	require.NotEmpty(t, bookings.Items[0].Centre.UK)
	cancel := "/api/v1/appointments/" + booking.ID.String() + "/cancel"
	r = stranger.json(cancel, "c1", nil, nil)
	require.Equal(t, http.StatusNotFound, r.status, "another's booking: %s", r.body)
	var cancelled appointment
	r = app.json(cancel, "c1", nil, &cancelled)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, "cancelled", cancelled.Status)
	notices := e.count(`SELECT count(*) FROM notifications WHERE key = 'centres.notice_cancelled' AND args->>'Code' = $1`, booking.Code)
	require.Equal(t, 1, notices)
	r = app.json(cancel, "c1", nil, &cancelled)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	r = app.json(cancel, "c2", nil, &cancelled)
	require.Equal(t, http.StatusOK, r.status, "cancelling again changes nothing: %s", r.body)
	require.Equal(t, notices, e.count(`SELECT count(*) FROM notifications WHERE key = 'centres.notice_cancelled' AND args->>'Code' = $1`, booking.Code))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM visits WHERE id = $1 AND status = 'cancelled'`, booking.ID))
	r = app.json("/api/v1/appointments/"+uuid.NewString()+"/cancel", "c3", nil, nil)
	require.Equal(t, http.StatusNotFound, r.status, r.body)

	// Appeals: the list and the one, with its thread; another's is 404.
	var mine page[struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Kind   string `json:"kind"`
		Status string `json:"status"`
		DueOn  string `json:"due_on"`
	}]
	r = app.get("/api/v1/appeals", &mine)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Len(t, mine.Items, 1, r.body)
	require.Equal(t, appeal, mine.Items[0].ID)
	require.Equal(t, "complaint", mine.Items[0].Kind)
	require.NotEmpty(t, mine.Items[0].Number)
	require.NotEmpty(t, mine.Items[0].DueOn)
	var one struct {
		Number string `json:"number"`
		Body   string `json:"body"`
	}
	r = app.get("/api/v1/appeals/"+appeal, &one)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, mine.Items[0].Number, one.Number)
	require.Equal(t, "Яма біля мого під’їзду, прошу залатати", one.Body)
	r = stranger.get("/api/v1/appeals/"+appeal, nil)
	require.Equal(t, http.StatusNotFound, r.status, r.body)
	require.Regexp(t, `[А-Яа-яІіЇїЄє]`, problemOf(t, r).Detail)
	r = stranger.get("/api/v1/appeals", &mine)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Empty(t, mine.Items)

	// Petitions: one published, signed by the app once whatever the retries.
	// (The city's КАТОТТГ code gives the polls their areas.)
	require.NoError(t, e.ta.particip.SetSettings(e.signedAs("dispatcher"), participation.SettingsForm{PetitionDays: "60", Threshold: "6000",
		ConsiderationDays: "10", City: "UA80000000000093317"}))
	pid, err := e.ta.particip.Draft(e.signedAs("legal_rep"), participation.PetitionForm{Token: uuid.NewString(),
		Title: "Облаштувати велодоріжку на вулиці Васильківській", Body: "Просимо облаштувати захищену велодоріжку.", Competence: true})
	require.NoError(t, err)
	require.NoError(t, e.ta.particip.Publish(e.signedAs("dispatcher"), pid))
	type petition struct {
		ID         string `json:"id"`
		Title      string `json:"title"`
		Status     string `json:"status"`
		Signatures int    `json:"signatures"`
		Signed     bool   `json:"signed"`
	}
	var pets page[petition]
	r = app.get("/api/v1/petitions", &pets)
	require.Equal(t, http.StatusOK, r.status, r.body)
	var found *petition
	for i := range pets.Items {
		if pets.Items[i].ID == pid.String() {
			found = &pets.Items[i]
		}
	}
	require.NotNil(t, found, r.body)
	require.Equal(t, "collecting", found.Status)
	require.False(t, found.Signed)
	before := found.Signatures
	sign := "/api/v1/petitions/" + pid.String() + "/signatures"
	var signed petition
	r = app.json(sign, "p1", nil, &signed)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.True(t, signed.Signed)
	require.Equal(t, before+1, signed.Signatures)
	r = app.json(sign, "p1", nil, &signed)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	r = app.json(sign, "p2", nil, nil)
	require.Equal(t, http.StatusConflict, r.status, "a second signature: %s", r.body)
	require.Regexp(t, `[А-Яа-яІіЇїЄє]`, problemOf(t, r).Detail)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM petition_signatures WHERE petition_id = $1 AND rnokpp = $2`, pid, resident.RNOKPP))
	r = app.json("/api/v1/petitions/"+uuid.NewString()+"/signatures", "p3", nil, nil)
	require.Equal(t, http.StatusNotFound, r.status, r.body)
	// A petition not published yet is not there to sign, not even for its author.
	draft, err := e.ta.particip.Draft(me, participation.PetitionForm{Token: uuid.NewString(),
		Title: "Відремонтувати сходи в парку", Body: "Просимо відремонтувати сходи.", Competence: true})
	require.NoError(t, err)
	r = app.json("/api/v1/petitions/"+draft.String()+"/signatures", "p4", nil, nil)
	require.Equal(t, http.StatusNotFound, r.status, r.body)
	r = app.get("/api/v1/petitions", &pets)
	require.Equal(t, http.StatusOK, r.status, r.body)
	for _, p := range pets.Items {
		require.NotEqual(t, draft.String(), p.ID, "a draft is not listed")
		if p.ID == pid.String() {
			require.True(t, p.Signed)
			require.Equal(t, before+1, p.Signatures)
		}
	}

	// Polls: a published one with its options; a draft is not listed.
	closes := time.Now().In(tenant.Zone).AddDate(0, 0, 14).Format(time.DateOnly)
	poll, err := e.ta.particip.CreatePoll(e.signedAs("dispatcher"), access.RoleDispatcher, participation.PollForm{Title: "Нова зупинка",
		Question: "Де облаштувати зупинку?", Options: "біля школи\nбіля ринку", Area: "UA80000000000093317", MinAge: "16", ClosesOn: closes})
	require.NoError(t, err)
	require.NoError(t, e.ta.particip.PublishPoll(e.signedAs("dispatcher"), access.RoleDispatcher, poll))
	draftPoll, err := e.ta.particip.CreatePoll(e.signedAs("dispatcher"), access.RoleDispatcher, participation.PollForm{Title: "Чернетка",
		Question: "?", Options: "так\nні", Area: "UA80000000000093317", MinAge: "16", ClosesOn: closes})
	require.NoError(t, err)
	var polls page[struct {
		ID       string `json:"id"`
		Question string `json:"question"`
		Status   string `json:"status"`
		Options  []struct {
			Position int    `json:"position"`
			Label    string `json:"label"`
		} `json:"options"`
	}]
	r = app.get("/api/v1/polls", &polls)
	require.Equal(t, http.StatusOK, r.status, r.body)
	seen := false
	for _, p := range polls.Items {
		require.NotEqual(t, draftPoll.String(), p.ID, "a draft poll is not listed")
		if p.ID == poll.String() {
			seen = true
			require.Equal(t, "published", p.Status)
			require.Equal(t, "Де облаштувати зупинку?", p.Question)
			require.Len(t, p.Options, 2)
			require.Equal(t, "біля ринку", p.Options[1].Label)
			require.Equal(t, 2, p.Options[1].Position)
		}
	}
	require.True(t, seen, r.body)
	r = profileOnly.get("/api/v1/polls", nil)
	require.Equal(t, http.StatusForbidden, r.status, r.body)
}
