package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// Forms people can fill, through the portal's own requests (no browser):
// the settlement picked by name without JavaScript, phones and plates as
// people type them, markup refused, the service's documents required
// before signing whatever sends the request, and upload refusals on the
// documents step itself.
func TestFormsByDirectPosts(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")

	t.Run("PlacesAnswerTheCombobox", func(t *testing.T) {
		t.Parallel()
		r := get(t, c, e.u("/places?q="+url.QueryEscape("бровар")))
		require.Equal(t, http.StatusOK, r.status)
		var got []struct{ Code, Label string }
		require.NoError(t, json.Unmarshal([]byte(r.body), &got))
		require.Equal(t, []struct{ Code, Label string }{{"UA32060050010081797", "м. Бровари, Броварська громада, Броварський район, Київська область"}}, got)
		r = get(t, c, e.u("/places?q=%25"))
		require.Equal(t, "[]\n", r.body)
	})

	id := e.start(c, "KY-0001")
	applicant := appsApplicantStep(resident)
	applicant.Set("phone", "(067) 100-00-01")
	e.next(c, id, 0, applicant)
	r := get(t, c, e.u("/cabinet/applications/"+id+"/steps/0"))
	require.Contains(t, r.body, `value="&#43;380671000001"`, "the phone as kept is shown back")

	// A name of several places, without JavaScript: the step lists them.
	step1 := url.Values{"katottg__search": {"Михайлівка"}, "katottg": {""}, "address": {"вул. Шкільна, 1"}, "basis": {"owner"}, "moved_on": {"2024-05-01"}}
	r = e.step(c, id, 1, step1, "find")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "«Населений пункт»: оберіть населений пункт зі списку під полем.")
	require.Contains(t, appsText(r), `<input type="radio" name="katottg" value="UA46120010140046889"> с. Михайлівка, Белзька громада, Червоноградський район, Львівська область`)
	require.Contains(t, appsText(r), `value="Михайлівка"`, "what was typed is kept")
	// Picking one by its radio button.
	step1.Set("katottg", "UA46120010140046889")
	e.next(c, id, 1, step1)
	require.Equal(t, "UA46120010140046889", e.data(id)["katottg"])
	// Markup in the free text: refused, the field named.
	step1.Set("address", "<b>вул. Шкільна</b>, 1")
	r = e.step(c, id, 1, step1, "next")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, appsText(r), "«Вулиця, будинок, квартира»: приберіть теги HTML")
	// A name of one place: taken as it is typed.
	e.next(c, id, 1, url.Values{"katottg__search": {"м. Бровари"}, "katottg": {""}, "address": {"вул. Шевченка, 2"}, "basis": {"owner"}, "moved_on": {"2024-05-01"}})
	require.Equal(t, "UA32060050010081797", e.data(id)["katottg"])
	e.next(c, id, 2, url.Values{"previous_address": {"м. Львів, вул. Зелена, 3"}})

	// The documents: the register's list with each one's need.
	files := e.u("/cabinet/applications/" + id + "/files")
	r = get(t, c, files)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "Документ, що підтверджує право на проживання в житлі")
	require.Contains(t, appsText(r), "обов’язковий")
	// No file chosen: said so, with no «<no value>».
	r = appsMultipart(t, c, files, url.Values{"document": {"4"}}, appsFile{"file", "", nil})
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), "Оберіть файл документа")
	require.NotContains(t, r.body, "no value")
	// A file but no document: said so.
	r = appsMultipart(t, c, files, nil, appsFile{"file", "a.pdf", appsPDF})
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), "Оберіть, який це документ.")
	// 12 MB: over the server's limit for an upload's body; the step says
	// the limit, in the portal, with the page's own links.
	r = appsMultipart(t, c, files, url.Values{"document": {"4"}}, appsFile{"file", "big.pdf", bytes.Repeat(appsPDF, 12<<20/len(appsPDF))})
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	require.Contains(t, appsText(r), "Файл завеликий: найбільший дозволений розмір — 10 МБ.")
	require.Contains(t, r.body, `href="/cabinet/applications/`+id+`/review"`, "the way on is on the page")
	require.Zero(t, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1`, id))

	// Signing without the required document: the review lists it, and a
	// direct POST of the signing is refused.
	r = get(t, c, e.u("/cabinet/applications/"+id+"/review"))
	require.Contains(t, appsText(r), "Додайте файл документа «Документ, що підтверджує право на проживання в житлі")
	require.NotContains(t, r.body, `action="/cabinet/applications/`+id+`/sign"`, "no signing while it is missing")
	r = e.signOnline(c, id, "key-1")
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), "Додайте файл документа «Документ, що підтверджує право на проживання в житлі")
	require.Equal(t, "draft", e.row(id).Status)

	r = appsMultipart(t, c, files, url.Values{"document": {"4"}}, appsFile{"file", "pravo.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	r = e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, "received", e.row(id).Status)
	r = get(t, c, e.u("/cabinet/applications/"+id))
	require.Contains(t, appsText(r), "м. Бровари, Броварська громада, Броварський район, Київська область (UA32060050010081797)")

	// A number plate as people type it: Latin look-alikes, spaces, case.
	park := e.start(c, "KY-0047")
	e.next(c, park, 0, appsApplicantStep(resident))
	r = e.step(c, park, 1, url.Values{"plate": {"ka 0001-ix"}, "make": {""}, "zone": {"A"}, "start": {"2099-01-01"}, "end": {"2099-06-01"}}, "next")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, appsText(r), `value="КА0001ІХ"`, "the plate as kept is shown back")
	require.Contains(t, appsText(r), "Заповніть поле «Марка і модель».")
	r = e.step(c, park, 1, url.Values{"plate": {"ЖЖ 1234 ЖЖ"}, "make": {"Renault Zoe"}, "zone": {"A"}, "start": {"2099-01-01"}, "end": {"2099-06-01"}}, "next")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, appsText(r), "«Номерний знак»: номерний знак має вигляд АА1234ВВ")
	e.next(c, park, 1, url.Values{"plate": {"аа1234вв"}, "make": {"Renault Zoe"}, "zone": {"A"}, "start": {"2099-01-01"}, "end": {"2099-06-01"}})
	require.Equal(t, "АА1234ВВ", e.data(park)["plate"])
}

// data is a draft's data as the database holds it.
func (e *appsEnv) data(id string) map[string]any {
	e.t.Helper()
	var d map[string]any
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT data FROM applications WHERE id = $1`, id).Scan(&d)
	})
	return d
}
