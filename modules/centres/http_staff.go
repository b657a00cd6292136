package centres

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/web"
)

// The centres' publications (staff.go, materials.go): the public lists of
// vacancies and events, the staff's pages publishing them, and the
// materials only staff read.

// labels are the message keys of the forms' fields: an error names its
// field ("Назва: заповніть це поле.").
var labels = map[string]string{
	"id": "centres.form", "title": "centres.f_title", "description": "centres.f_description",
	"how_to_apply": "centres.f_how_to_apply", "closes_on": "centres.f_closes_on",
	"place": "centres.f_place", "link": "centres.f_link", "starts": "centres.f_starts", "ends": "centres.f_ends",
	"body": "centres.f_body", "file": "centres.f_file",
}

// The forms' fields in the order they show: the error summary lists them so.
var (
	vacancyOrder  = []string{"title", "description", "how_to_apply", "closes_on", "id"}
	eventOrder    = []string{"title", "description", "place", "link", "starts", "ends", "id"}
	materialOrder = []string{"title", "body", "file", "id"}
)

// Problem is a field's error as the error summary lists it.
type Problem struct{ Field, Message string }

// messages are errs in the request's language, each after its field's
// name, and the summary in the form's order.
func (h *HTTP) messages(r *http.Request, errs FieldErrors, order []string) (map[string]string, []Problem) {
	l := h.rd.Localizer(r)
	out := map[string]string{}
	for field, e := range errs {
		out[field] = l.T(labels[field]) + ": " + l.Message(e.Key, e.Args)
	}
	var sum []Problem
	for _, f := range order {
		if m, ok := out[f]; ok {
			sum = append(sum, Problem{Field: f, Message: m})
		}
	}
	return out, sum
}

// vacanciesView is the public list of vacancies, of a centre or all.
type vacanciesView struct {
	Centre    *catalog.Centre // nil: every centre's
	Centres   []catalog.Centre
	Vacancies []Vacancy
}

func (h *HTTP) handleVacancies(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	v := &vacanciesView{}
	var err error
	if code != "" {
		v.Centre, err = h.svc.Centre(r.Context(), code)
	} else {
		v.Centres, err = h.svc.CentreList(r.Context())
	}
	if err == nil {
		v.Vacancies, err = h.svc.OpenVacancies(r.Context(), code)
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "centres/vacancies", &web.Page{TitleKey: "centres.vacancies_title", Data: v})
}

// workView is a centre's staff page of vacancies or events with the form
// publishing one.
type workView struct {
	Centre    *catalog.Centre
	Vacancies []Vacancy
	Events    []Event
	Vacancy   VacancyForm
	Event     EventForm
	Errors    map[string]string
	Summary   []Problem
	Done      string
	Today     string // the closing date's and the event's least values
	Now       string
}

func (h *HTTP) renderWork(w http.ResponseWriter, r *http.Request, status int, page string, v *workView) {
	code := chi.URLParam(r, "code")
	c, err := h.svc.Centre(r.Context(), code)
	if err == nil && page == "vacancies" {
		v.Vacancies, err = h.svc.CentreVacancies(r.Context(), code)
	} else if err == nil {
		v.Events, err = h.svc.CentreEvents(r.Context(), code)
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	v.Centre = c
	if v.Vacancy.ID == "" {
		v.Vacancy.ID = uuid.NewString()
	}
	if v.Event.ID == "" {
		v.Event = EventForm{ID: uuid.NewString(), Place: "centre"}
	}
	now := h.svc.now().In(tenant.Zone)
	v.Today, v.Now = now.Format(time.DateOnly), now.Format(LocalTime)
	h.rd.Render(w, r, status, "centres/work_"+page, &web.Page{TitleKey: "centres.work_" + page + "_title", Data: v})
}

func (h *HTTP) handleWorkVacancies(w http.ResponseWriter, r *http.Request) {
	h.renderWork(w, r, http.StatusOK, "vacancies", &workView{Done: r.URL.Query().Get("done")})
}

func (h *HTTP) handlePublishVacancy(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	pf := func(k string) string { return r.PostFormValue(k) }
	f := VacancyForm{ID: pf("id"), Title: pf("title"), Description: pf("description"), HowToApply: pf("how_to_apply"), ClosesOn: pf("closes_on")}
	err := h.svc.PublishVacancy(r.Context(), code, &f)
	var errs FieldErrors
	if errors.As(err, &errs) {
		msgs, sum := h.messages(r, errs, vacancyOrder)
		h.renderWork(w, r, http.StatusUnprocessableEntity, "vacancies", &workView{Vacancy: f, Errors: msgs, Summary: sum})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/work/centres/"+code+"/vacancies?done=published", http.StatusSeeOther)
}

func (h *HTTP) handleCloseVacancy(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	if err := h.svc.CloseVacancy(r.Context(), code, id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/work/centres/"+code+"/vacancies?done=closed", http.StatusSeeOther)
}

func (h *HTTP) handleWorkEvents(w http.ResponseWriter, r *http.Request) {
	h.renderWork(w, r, http.StatusOK, "events", &workView{Done: r.URL.Query().Get("done")})
}

func (h *HTTP) handlePublishEvent(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	pf := func(k string) string { return r.PostFormValue(k) }
	f := EventForm{ID: pf("id"), Title: pf("title"), Description: pf("description"), Place: pf("place"), Link: pf("link"), Starts: pf("starts"), Ends: pf("ends")}
	err := h.svc.PublishEvent(r.Context(), code, &f)
	var errs FieldErrors
	if errors.As(err, &errs) {
		msgs, sum := h.messages(r, errs, eventOrder)
		h.renderWork(w, r, http.StatusUnprocessableEntity, "events", &workView{Event: f, Errors: msgs, Summary: sum})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/work/centres/"+code+"/events?done=published", http.StatusSeeOther)
}

func (h *HTTP) handleCancelEvent(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	if err := h.svc.CancelEvent(r.Context(), code, id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/work/centres/"+code+"/events?done=cancelled", http.StatusSeeOther)
}

// eventsView is the public calendar: a month's events as a list by day.
type eventsView struct {
	Month      time.Time
	Prev, Next string // ?month= of the months around
	Days       []eventDay
	Centres    []catalog.Centre
}

// eventDay is a day's events.
type eventDay struct {
	Day    time.Time
	Events []Event
}

func (h *HTTP) handleEvents(w http.ResponseWriter, r *http.Request) {
	now := h.svc.now().In(tenant.Zone)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, tenant.Zone)
	if m := r.URL.Query().Get("month"); m != "" {
		t, err := time.ParseInLocation("2006-01", m, tenant.Zone)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			h.rd.Error(w, r, apperr.New(apperr.Invalid, "centres.error_month"))
			return
		}
		first = t
	}
	es, err := h.svc.Month(r.Context(), first)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	v := &eventsView{Month: first, Prev: first.AddDate(0, -1, 0).Format("2006-01"), Next: first.AddDate(0, 1, 0).Format("2006-01")}
	if v.Centres, err = h.svc.CentreList(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	for _, e := range es {
		day := time.Date(e.Start.Year(), e.Start.Month(), e.Start.Day(), 0, 0, 0, 0, tenant.Zone)
		if day.Before(first) {
			day = first // began the month before: listed on the 1st
		}
		if n := len(v.Days); n == 0 || !v.Days[n-1].Day.Equal(day) {
			v.Days = append(v.Days, eventDay{Day: day})
		}
		v.Days[len(v.Days)-1].Events = append(v.Days[len(v.Days)-1].Events, e)
	}
	h.rd.Render(w, r, http.StatusOK, "centres/events", &web.Page{TitleKey: "centres.events_title", Data: v})
}

// handleEventICS sends an event as a calendar file.
func (h *HTTP) handleEventICS(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	e, err := h.svc.EventByID(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="event-`+e.ID.String()+`.ics"`)
	_, _ = w.Write(EventICS(e, r.Host, h.svc.now()))
}

// materialsView is the staff's list of materials, with the form adding
// one for those who may.
type materialsView struct {
	Provider  string // the ?provider= the page was opened with (officials, heads)
	Materials []Material
	Form      MaterialForm
	Errors    map[string]string
	Summary   []Problem
	Done      bool
}

func (h *HTTP) renderMaterials(w http.ResponseWriter, r *http.Request, status int, v *materialsView) {
	ms, err := h.svc.Materials(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	v.Materials = ms
	if v.Form.ID == "" {
		v.Form.ID = uuid.NewString()
	}
	h.rd.Render(w, r, status, "centres/materials", &web.Page{TitleKey: "centres.materials_title", Data: v})
}

func (h *HTTP) handleMaterials(w http.ResponseWriter, r *http.Request) {
	h.renderMaterials(w, r, http.StatusOK, &materialsView{Provider: access.QueryProvider(r), Done: r.URL.Query().Get("done") == "1"})
}

// handlePublishMaterial checks the form before its file is stored, so a
// refused form leaves nothing behind; a refused file is the file field's
// error, with what was typed kept.
func (h *HTTP) handlePublishMaterial(w http.ResponseWriter, r *http.Request) {
	provider := access.FormProvider(r) // parses the multipart form
	f := MaterialForm{ID: r.PostFormValue("id"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	_, _, ferr := r.FormFile("file")
	hasFile := ferr == nil
	err := h.svc.CheckMaterial(&f, hasFile)
	var up *uploads.File
	if err == nil && hasFile {
		var t *tenant.Tenant
		if t, err = tenant.From(r.Context()); err == nil {
			if h.svc.DocStore() == nil {
				err = errors.New("centres: materials' files need the document store")
			} else {
				up, err = uploads.FromRequest(r, h.svc.DocStore(), t.ID, "centre-materials", "file", MaterialLimits)
			}
		}
		if ae := apperr.As(err); err != nil && (ae.Code == apperr.Invalid || ae.Code == apperr.TooLarge) {
			err = FieldErrors{"file": ae}
		}
	}
	if err == nil {
		err = h.svc.PublishMaterial(r.Context(), &f, up)
	}
	var errs FieldErrors
	if errors.As(err, &errs) {
		msgs, sum := h.messages(r, errs, materialOrder)
		h.renderMaterials(w, r, http.StatusUnprocessableEntity, &materialsView{Provider: provider, Form: f, Errors: msgs, Summary: sum})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	q := url.Values{"done": {"1"}}
	if provider != "" {
		q.Set("provider", provider)
	}
	http.Redirect(w, r, "/work/materials?"+q.Encode(), http.StatusSeeOther)
}

// materialView is one material's page.
type materialView struct {
	Provider string
	Material *Material
}

func (h *HTTP) handleMaterial(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	m, err := h.svc.MaterialByID(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "centres/material", &web.Page{Title: m.Title, Data: &materialView{Provider: access.QueryProvider(r), Material: m}})
}

// handleMaterialFile sends a material's file, as an attachment (never
// shown inline: it is a staff member's upload, whatever it is).
func (h *HTTP) handleMaterialFile(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	m, rc, err := h.svc.MaterialFile(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", *m.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(*m.FileName))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		h.svc.log.ErrorContext(r.Context(), "centres: sending a material's file", "error", err)
	}
}
