package centres

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/catalog"
	"hromada/tenant"
	"hromada/web"
)

// pickerView is the booking page: a step at a time (centre, service, day,
// time), each step's choices links or a form, so it works without script.
type pickerView struct {
	Centre   *catalog.Centre
	Centres  []catalog.Centre // when coming from a service's page
	Service  *catalog.Published
	ForName  tenant.Text // the service's name while its centre is picked
	Services []catalog.Published
	Minutes  int
	Days     []dayView
	Day      *dayView
	Slots    []slotView
	Key      string // the form's id (Book's key)
	Error    string
	Move     *Visit // the booking being moved, if any
	Action   string // where the time's form posts
}

type dayView struct {
	Href, Label string
	Free        int
	Current     bool
}

type slotView struct {
	Value, Label string
}

// handlePicker shows the booking's next step from the query: ?service=
// alone lists the centres where it may be booked; ?centre= the services
// there; both, the days; and ?day= the times.
func (h *HTTP) handlePicker(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	centre, service := q.Get("centre"), q.Get("service")
	if centre == "" {
		h.pickCentre(w, r, service)
		return
	}
	day, err := parseDay(q.Get("day"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.renderPicker(w, r, http.StatusOK, centre, service, day, nil, "")
}

// pickCentre lists the centres where the service may be booked.
func (h *HTTP) pickCentre(w http.ResponseWriter, r *http.Request, service string) {
	if service == "" {
		http.Redirect(w, r, "/centres", http.StatusSeeOther)
		return
	}
	cs, page, err := h.svc.CentresFor(r.Context(), service)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	v := &pickerView{Centres: cs, ForName: page.Content.Name, Service: &catalog.Published{ID: page.ID, Content: page.Content}}
	h.rd.Render(w, r, http.StatusOK, "centres/book", &web.Page{TitleKey: "centres.book_title", Data: v})
}

// renderPicker renders the picker of centre, service and day; move is the
// booking being moved; problem an error message to show above the times.
func (h *HTTP) renderPicker(w http.ResponseWriter, r *http.Request, status int, centre, service string, day time.Time, move *Visit, problem string) {
	except := uuid.Nil
	if move != nil {
		except = move.ID
	}
	p, err := h.svc.Picker(r.Context(), centre, service, day, except)
	if err != nil && !errors.Is(err, ErrNoSlot) {
		h.rd.Error(w, r, err)
		return
	}
	l := h.rd.Localizer(r)
	if errors.Is(err, ErrNoSlot) && problem == "" {
		problem = l.T("centres.error_slot")
	}
	v := &pickerView{Centre: p.Centre, Services: p.Services, Service: p.Service, Minutes: p.Minutes, Key: uuid.NewString(), Error: problem, Move: move, Action: "/book"}
	base := "/book?centre=" + url.QueryEscape(centre) + "&service=" + url.QueryEscape(service) + "&day="
	if move != nil {
		base, v.Action = "/cabinet/bookings/"+move.Code+"/move?day=", "/cabinet/bookings/"+move.Code+"/move"
	}
	for _, d := range p.Days {
		dv := dayView{Href: base + d.Date.Format(time.DateOnly), Label: dayLabel(l, d.Date), Free: d.Free, Current: d.Date.Equal(p.Day)}
		v.Days = append(v.Days, dv)
		if dv.Current {
			v.Day = &v.Days[len(v.Days)-1]
		}
	}
	for _, s := range p.Slots {
		v.Slots = append(v.Slots, slotView{Value: s.Start.Format(time.RFC3339), Label: s.Start.In(tenant.Zone).Format("15:04")})
	}
	h.rd.Render(w, r, status, "centres/book", &web.Page{TitleKey: "centres.book_title", Data: v})
}

// handleBook books the time chosen, then shows the booking; a time taken
// meanwhile shows the day's times again with what happened.
func (h *HTTP) handleBook(w http.ResponseWriter, r *http.Request) {
	centre, service := r.PostFormValue("centre"), r.PostFormValue("service")
	start, err := time.Parse(time.RFC3339, r.PostFormValue("start"))
	key, kerr := uuid.Parse(r.PostFormValue("key"))
	if err != nil || kerr != nil {
		day, _ := parseDay(r.PostFormValue("day"))
		h.renderPicker(w, r, http.StatusUnprocessableEntity, centre, service, day, nil, h.rd.Localizer(r).T("centres.error_pick_time"))
		return
	}
	v, err := h.svc.Book(r.Context(), centre, service, start, key)
	if problem, ok := h.slotProblem(r, err); ok {
		h.renderPicker(w, r, http.StatusConflict, centre, service, start, nil, problem)
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/bookings/"+v.Code+"?done=booked", http.StatusSeeOther)
}

// slotProblem is the message for an error a new choice of time fixes.
func (h *HTTP) slotProblem(r *http.Request, err error) (string, bool) {
	for _, e := range []error{ErrSlotTaken, ErrNoSlot, ErrTooMany} {
		if errors.Is(err, e) {
			var ae *apperr.Error
			errors.As(e, &ae)
			return h.rd.Localizer(r).T(ae.Key), true
		}
	}
	return "", false
}

// bookingView is a booking's page.
type bookingView struct {
	V      *Visit
	When   string
	Done   string
	Active bool
	// A served visit's rating, or the form to rate it.
	Rating  *Rating
	Form    *rateForm
	Scores  []int
	Reasons []string
}

func (h *HTTP) handleMine(w http.ResponseWriter, r *http.Request) {
	vs, err := h.svc.Mine(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	l := h.rd.Localizer(r)
	out := make([]bookingView, len(vs))
	for i := range vs {
		out[i] = bookingView{V: &vs[i], When: whenLabel(l, vs[i].Start), Active: vs[i].Active() && vs[i].Start.After(h.svc.now())}
	}
	h.rd.Render(w, r, http.StatusOK, "centres/mine", &web.Page{TitleKey: "centres.mine_title", Data: out})
}

func (h *HTTP) handleBooking(w http.ResponseWriter, r *http.Request) {
	done := r.URL.Query().Get("done")
	switch done {
	case "booked", "moved", "cancelled", "rated":
	default:
		done = ""
	}
	h.renderBooking(w, r, http.StatusOK, chi.URLParam(r, "code"), done, nil)
}

// renderBooking shows the booking with code; served, its rating or the
// form to rate it (form: as typed, with its error).
func (h *HTTP) renderBooking(w http.ResponseWriter, r *http.Request, status int, code, done string, form *rateForm) {
	v, err := h.svc.Booking(r.Context(), code)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	bv := &bookingView{V: v, When: whenLabel(h.rd.Localizer(r), v.Start), Done: done, Active: v.Active() && v.Start.After(h.svc.now()),
		Form: form, Scores: Scores, Reasons: Reasons}
	if v.Status == Served {
		if bv.Rating, err = h.svc.RatingOf(r.Context(), code); err != nil {
			h.rd.Error(w, r, err)
			return
		}
		if bv.Form == nil {
			bv.Form = &rateForm{}
		}
	}
	h.rd.Render(w, r, status, "centres/booking", &web.Page{TitleKey: "centres.booking_title", Data: bv})
}

// handleICS sends the booking as a calendar file.
func (h *HTTP) handleICS(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Booking(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="booking-`+v.Code+`.ics"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(ICS(v, r.Host, h.svc.now()))
}

func (h *HTTP) handleMovePicker(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Booking(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if !v.Active() {
		h.rd.Error(w, r, ErrNotBooked)
		return
	}
	day, err := parseDay(r.URL.Query().Get("day"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.renderPicker(w, r, http.StatusOK, v.CentreCode, v.ServiceCode, day, v, "")
}

func (h *HTTP) handleMove(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	v, err := h.svc.Booking(r.Context(), code)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	start, err := time.Parse(time.RFC3339, r.PostFormValue("start"))
	if err != nil {
		day, _ := parseDay(r.PostFormValue("day"))
		h.renderPicker(w, r, http.StatusUnprocessableEntity, v.CentreCode, v.ServiceCode, day, v, h.rd.Localizer(r).T("centres.error_pick_time"))
		return
	}
	_, err = h.svc.Reschedule(r.Context(), code, start)
	if problem, ok := h.slotProblem(r, err); ok {
		h.renderPicker(w, r, http.StatusConflict, v.CentreCode, v.ServiceCode, start, v, problem)
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/bookings/"+code+"?done=moved", http.StatusSeeOther)
}

func (h *HTTP) handleCancel(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	if _, err := h.svc.Cancel(r.Context(), code); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/bookings/"+code+"?done=cancelled", http.StatusSeeOther)
}

// errBadDay is a day in the query that is not a date.
var errBadDay = apperr.New(apperr.Invalid, "centres.error_day")

// parseDay reads ?day=YYYY-MM-DD as a local date; "" is no day.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, tenant.Zone)
	if err != nil {
		return time.Time{}, errBadDay
	}
	return d, nil
}

// dayLabel is "вт, 03.03".
func dayLabel(l *web.Localizer, d time.Time) string {
	return l.T("centres.wd_"+strconv.Itoa(isoWeekday(d))) + ", " + d.Format("02.01")
}

// whenLabel is "вт, 03.03.2026, 09:30".
func whenLabel(l *web.Localizer, t time.Time) string {
	t = t.In(tenant.Zone)
	return l.T("centres.wd_"+strconv.Itoa(isoWeekday(t))) + ", " + t.Format("02.01.2006, 15:04")
}
