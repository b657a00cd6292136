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
	"hromada/modules/access"
	"hromada/web"
)

// The clerks' pages (the day's queue) and the hall's display.

// queueView is a centre's queue page for the clerk at Window.
type queueView struct {
	Q                   *Queue
	Window              int
	Flash, Problem      string
	Key                 string // the walk-in form's id
	AvgWait, AvgService string
	DisplayHref         string
}

// handleRun lists the centres the provider (?provider=) runs.
func (h *HTTP) handleRun(w http.ResponseWriter, r *http.Request) {
	p, err := uuid.Parse(access.QueryProvider(r))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	cs, err := h.svc.RunBy(r.Context(), p)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "centres/run", &web.Page{TitleKey: "centres.queue_title", Data: cs})
}

func (h *HTTP) handleQueue(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	q, err := h.svc.Queue(r.Context(), code)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	l := h.rd.Localizer(r)
	v := &queueView{Q: q, Key: uuid.NewString(), AvgWait: minutes(q.AvgWait), AvgService: minutes(q.AvgService),
		DisplayHref: "/centres/" + code + "/display?key=" + url.QueryEscape(q.DisplayKey)}
	if n, err := strconv.Atoi(r.URL.Query().Get("window")); err == nil {
		v.Window = n
	} else if len(q.Windows) > 0 {
		v.Window = q.Windows[0]
	}
	// The outcome of the last action, by a known key only.
	switch m := r.URL.Query().Get("msg"); m {
	case "called", "checked_in", "walk_in", "served", "no_show":
		v.Flash = l.T("centres.done_"+m, "Ticket", r.URL.Query().Get("ticket"))
	case "error_window_busy", "error_queue_empty", "error_status", "error_window", "error_service":
		v.Problem = l.T("centres." + m)
	}
	h.rd.Render(w, r, http.StatusOK, "centres/queue", &web.Page{TitleKey: "centres.queue_title", Data: v})
}

// back returns the clerk to the queue page of their window, saying what
// happened: a problem a clerk can act on is shown there too.
func (h *HTTP) back(w http.ResponseWriter, r *http.Request, msg string, v *Visit, err error) {
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict && ae.Code != apperr.Invalid {
			h.rd.Error(w, r, err)
			return
		}
		msg = ae.Key[len("centres."):]
	}
	q := url.Values{"window": {r.PostFormValue("window")}, "msg": {msg}}
	if v != nil {
		q.Set("ticket", v.Ticket)
	}
	http.Redirect(w, r, "/work/centres/"+chi.URLParam(r, "code")+"/queue?"+q.Encode(), http.StatusSeeOther)
}

func (h *HTTP) handleCall(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PostFormValue("window"))
	if err != nil {
		h.back(w, r, "", nil, ErrNoWindow)
		return
	}
	v, err := h.svc.CallNext(r.Context(), chi.URLParam(r, "code"), n)
	h.back(w, r, "called", v, err)
}

func (h *HTTP) handleWalkIn(w http.ResponseWriter, r *http.Request) {
	key, err := uuid.Parse(r.PostFormValue("key"))
	if err != nil {
		key = uuid.New()
	}
	v, err := h.svc.WalkIn(r.Context(), chi.URLParam(r, "code"), r.PostFormValue("service"), key)
	h.back(w, r, "walk_in", v, err)
}

// handleVisit moves a visit on: check in, served, no-show.
func (h *HTTP) handleVisit(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			h.rd.Error(w, r, ErrNotFound)
			return
		}
		code := chi.URLParam(r, "code")
		var v *Visit
		switch action {
		case "checked_in":
			v, err = h.svc.CheckIn(r.Context(), code, id)
		case "served":
			v, err = h.svc.Finish(r.Context(), code, id, Served)
		default:
			v, err = h.svc.Finish(r.Context(), code, id, NoShow)
		}
		h.back(w, r, action, v, err)
	}
}

// handleDisplay is the hall's screen: large tickets and windows, updated
// in place by display.js (a reload shows the same without it).
func (h *HTTP) handleDisplay(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Board(r.Context(), chi.URLParam(r, "code"), r.URL.Query().Get("key"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the key stays on the screen
	h.rd.Render(w, r, http.StatusOK, "centres/display", &web.Page{TitleKey: "centres.display_title", Data: b})
}

// minutes shows a duration in whole minutes, "" for none.
func minutes(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.Itoa(int(d.Round(time.Minute) / time.Minute))
}
