package centres_test

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
	"hromada/modules/centres"
	"hromada/modules/docstore"
	"hromada/modules/uploads"
)

// staff is the env's service with the audit log and a document store, as
// the server runs it for the publications.
func (e *env) staff(t *testing.T) (*centres.Service, docstore.Store) {
	t.Helper()
	docs, err := docstore.OpenDir(t.TempDir())
	require.NoError(t, err)
	svc := centres.New(centres.Options{DB: e.db.App, Audit: audit.New(e.db.App, slog.New(slog.DiscardHandler)), Docs: docs,
		Now: func() time.Time { return e.now }})
	return svc, docs
}

// fieldErrs is err's fields with their message keys.
func fieldErrs(t *testing.T, err error) map[string]string {
	t.Helper()
	var fe centres.FieldErrors
	require.ErrorAs(t, err, &fe)
	out := map[string]string{}
	for k, v := range fe {
		out[k] = v.Key
	}
	return out
}

// TestVacancies: a vacancy is refused with each wrong field named and
// nothing written; published once however often the form is sent; on the
// public list of its centre and of all until closed or past its date;
// each publication and closure audited.
func TestVacancies(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	svc, _ := e.staff(t)
	head := e.resident(t, 1)

	bad := &centres.VacancyForm{ID: uuid.NewString(), Title: "  ", Description: "Опис", HowToApply: "", ClosesOn: "2026-03-01"}
	require.Equal(t, map[string]string{"title": "centres.error_field_required", "how_to_apply": "centres.error_field_required",
		"closes_on": "centres.error_closes_past"}, fieldErrs(t, svc.PublishVacancy(head, "cnap-t", bad)))
	require.Equal(t, map[string]string{"closes_on": "centres.error_date", "id": "centres.error_form_stale"},
		fieldErrs(t, svc.PublishVacancy(head, "cnap-t", &centres.VacancyForm{Title: "А", Description: "Б", HowToApply: "В", ClosesOn: "31.03.2026"})))
	require.Zero(t, e.count(t, `SELECT count(*) FROM centre_vacancies`))

	f := centres.VacancyForm{ID: uuid.NewString(), Title: " Адміністратор ЦНАП ", Description: "Прийом заяв.\nВища освіта.",
		HowToApply: "Резюме на hr@example.gov.ua", ClosesOn: "2026-03-10"}
	f2 := f
	require.NoError(t, svc.PublishVacancy(head, "cnap-t", &f))
	require.NoError(t, svc.PublishVacancy(head, "cnap-t", &f2), "the same form again")
	require.ErrorIs(t, svc.PublishVacancy(head, "no-such", &centres.VacancyForm{ID: uuid.NewString(), Title: "А", Description: "Б", HowToApply: "В", ClosesOn: "2026-03-10"}), centres.ErrNotFound)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM centre_vacancies`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'centre.vacancy.publish'`))

	open, err := svc.OpenVacancies(e.ctx, "")
	require.NoError(t, err)
	require.Len(t, open, 1)
	require.Equal(t, "Адміністратор ЦНАП", open[0].Title)
	require.Equal(t, "ЦНАП Тестовий", open[0].CentreName.UK)
	mine, err := svc.OpenVacancies(e.ctx, "cnap-t")
	require.NoError(t, err)
	require.Len(t, mine, 1)
	_, err = svc.OpenVacancies(e.ctx, "no-such")
	require.ErrorIs(t, err, centres.ErrNotFound)

	// Past its closing date it leaves the list by itself, not the staff's.
	e.now = at(11, 9, 0)
	open, err = svc.OpenVacancies(e.ctx, "")
	require.NoError(t, err)
	require.Empty(t, open)
	all, err := svc.CentreVacancies(e.ctx, "cnap-t")
	require.NoError(t, err)
	require.Len(t, all, 1)

	e.now = monday
	require.NoError(t, svc.CloseVacancy(head, "cnap-t", open0(t, svc, e)))
	require.NoError(t, svc.CloseVacancy(head, "cnap-t", all[0].ID), "closing again changes nothing")
	require.ErrorIs(t, svc.CloseVacancy(head, "cnap-t", uuid.New()), centres.ErrNotFound)
	open, err = svc.OpenVacancies(e.ctx, "")
	require.NoError(t, err)
	require.Empty(t, open, "a closed vacancy leaves the list")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'centre.vacancy.close'`))
}

// open0 is the id of the only open vacancy.
func open0(t *testing.T, svc *centres.Service, e *env) uuid.UUID {
	t.Helper()
	open, err := svc.OpenVacancies(e.ctx, "cnap-t")
	require.NoError(t, err)
	require.Len(t, open, 1)
	return open[0].ID
}

// TestEvents: an event is at the centre or online (then with an https
// link), in Kyiv time, ends after it starts; it is on its month's calendar
// (one that began the month before too), cancelled ones marked; its
// calendar file carries its times in UTC and its status.
func TestEvents(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	svc, _ := e.staff(t)
	head := e.resident(t, 1)

	errs := fieldErrs(t, svc.PublishEvent(head, "cnap-t", &centres.EventForm{ID: uuid.NewString(), Title: "Навчання", Description: "Опис",
		Place: "online", Link: "javascript:alert(1)", Starts: "2026-03-01T10:00", Ends: "2026-03-01T09:00"}))
	require.Equal(t, map[string]string{"link": "centres.error_link", "starts": "centres.error_starts_past", "ends": "centres.error_ends_order"}, errs)
	errs = fieldErrs(t, svc.PublishEvent(head, "cnap-t", &centres.EventForm{ID: uuid.NewString(), Title: "Навчання", Description: "Опис",
		Place: "", Starts: "завтра", Ends: "2026-03-05T11:00"}))
	require.Equal(t, map[string]string{"place": "centres.error_place", "starts": "centres.error_datetime"}, errs)
	require.Zero(t, e.count(t, `SELECT count(*) FROM centre_events`))

	day := centres.EventForm{ID: uuid.NewString(), Title: "День відкритих дверей", Description: "Екскурсія залом.", Place: "centre",
		Link: "https://ignored.example", Starts: "2026-03-20T10:00", Ends: "2026-03-20T12:30"}
	require.NoError(t, svc.PublishEvent(head, "cnap-t", &day))
	require.NoError(t, svc.PublishEvent(head, "cnap-t", &day), "the same form again")
	web := centres.EventForm{ID: uuid.NewString(), Title: "Вебінар для адміністраторів", Description: "Нові послуги.", Place: "online",
		Link: "https://meet.example.gov.ua/cnap", Starts: "2026-03-31T23:00", Ends: "2026-04-01T01:00"}
	require.NoError(t, svc.PublishEvent(head, "cnap-t", &web))
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM centre_events`))

	march, err := svc.Month(e.ctx, at(1, 0, 0))
	require.NoError(t, err)
	require.Len(t, march, 2)
	require.Equal(t, "День відкритих дверей", march[0].Title)
	require.Empty(t, march[0].Link, "an event at the centre has no link")
	require.Equal(t, time.Date(2026, 3, 20, 8, 0, 0, 0, time.UTC), march[0].Start.UTC(), "10:00 in Kyiv (UTC+2 in March)")
	april, err := svc.Month(e.ctx, time.Date(2026, 4, 1, 0, 0, 0, 0, march[0].Start.Location()))
	require.NoError(t, err)
	require.Len(t, april, 1, "the webinar runs into April")
	require.True(t, april[0].Online)

	ics := string(centres.EventICS(&march[0], "kyiv.localhost:8080", e.now))
	require.Contains(t, ics, "UID:event-"+march[0].ID.String()+"@kyiv.localhost\r\n")
	require.Contains(t, ics, "DTSTART:20260320T080000Z\r\n")
	require.Contains(t, ics, "DTEND:20260320T103000Z\r\n")
	require.Contains(t, ics, "STATUS:CONFIRMED\r\n")
	require.Contains(t, ics, "LOCATION:ЦНАП Тестовий\\, вул. Тестова\\, 1\r\n")

	require.NoError(t, svc.CancelEvent(head, "cnap-t", march[0].ID))
	require.NoError(t, svc.CancelEvent(head, "cnap-t", march[0].ID), "cancelling again changes nothing")
	ev, err := svc.EventByID(e.ctx, march[0].ID)
	require.NoError(t, err)
	require.True(t, ev.Cancelled)
	require.Contains(t, string(centres.EventICS(ev, "kyiv.localhost", e.now)), "STATUS:CANCELLED\r\n")
	_, err = svc.EventByID(e.ctx, uuid.New())
	require.ErrorIs(t, err, centres.ErrNotFound)
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'centre.event.publish'`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'centre.event.cancel'`))
}

// TestMaterials: a material is text (rendered without raw HTML), a file
// (sniffed: a ".pdf" that is HTML is refused), or both; the file comes
// back as stored.
func TestMaterials(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	svc, docs := e.staff(t)
	head := e.resident(t, 1)

	require.Equal(t, map[string]string{"title": "centres.error_field_required", "body": "centres.error_material_empty"},
		fieldErrs(t, svc.PublishMaterial(head, &centres.MaterialForm{ID: uuid.NewString()}, nil)))
	require.Equal(t, map[string]string{"title": "centres.error_field_required"},
		fieldErrs(t, svc.CheckMaterial(&centres.MaterialForm{ID: uuid.NewString()}, true)))

	text := centres.MaterialForm{ID: uuid.NewString(), Title: "Порядок прийому заяв", Body: "## Крок 1\n\nПеревірте **паспорт**.<script>alert(1)</script>"}
	require.NoError(t, svc.PublishMaterial(head, &text, nil))
	require.NoError(t, svc.PublishMaterial(head, &text, nil), "the same form again")

	_, err := uploads.Accept(e.ctx, docs, e.tn.ID, "centre-materials", "template.pdf", strings.NewReader("<html><body>not a pdf</body></html>"), centres.MaterialLimits)
	require.ErrorIs(t, err, uploads.ErrType)
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	up, err := uploads.Accept(e.ctx, docs, e.tn.ID, "centre-materials", "Шаблон заяви.pdf", bytes.NewReader(pdf), centres.MaterialLimits)
	require.NoError(t, err)
	file := centres.MaterialForm{ID: uuid.NewString(), Title: "Шаблон заяви"}
	require.NoError(t, svc.PublishMaterial(head, &file, up))

	ms, err := svc.Materials(e.ctx)
	require.NoError(t, err)
	require.Len(t, ms, 2)
	m, err := svc.MaterialByID(e.ctx, uuid.MustParse(text.ID))
	require.NoError(t, err)
	html, err := m.HTML()
	require.NoError(t, err)
	require.Contains(t, string(html), "<strong>паспорт</strong>")
	require.NotContains(t, string(html), "<script>")

	fm, rc, err := svc.MaterialFile(e.ctx, uuid.MustParse(file.ID))
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, pdf, got)
	require.Equal(t, "application/pdf", *fm.ContentType)
	require.Equal(t, "Шаблон заяви.pdf", *fm.FileName)
	_, _, err = svc.MaterialFile(e.ctx, m.ID)
	require.ErrorIs(t, err, centres.ErrNotFound, "a text material has no file")
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'centre.material.publish'`))
}

// TestNearest: a typed point is read in either order of separators, a
// wrong one refused; the distance is the great circle's.
func TestNearest(t *testing.T) {
	t.Parallel()
	lat, lon, ok := centres.ParsePoint(" 50.4501, 30.5234 ")
	require.True(t, ok)
	require.InDelta(t, 50.4501, lat, 1e-9)
	require.InDelta(t, 30.5234, lon, 1e-9)
	_, _, ok = centres.ParsePoint("50.45 30.52")
	require.True(t, ok)
	for _, bad := range []string{"", "50.45", "Хрещатик, 1", "91, 30", "50, 181", "NaN, 1", "1, 2, 3"} {
		_, _, ok := centres.ParsePoint(bad)
		require.False(t, ok, bad)
	}
	// Kyiv's Maidan to Lviv's Rynok square: about 469 km.
	require.InDelta(t, 469, centres.DistanceKm(50.4501, 30.5234, 49.8419, 24.0316), 3)
	require.Zero(t, centres.DistanceKm(50, 30, 50, 30))
}
