package applications

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/payments"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/web"
)

// The resident's cabinet: their applications and drafts, one application
// with its timeline and documents, what they may still do with it, and
// their inbox.

type cabinetData struct {
	Applications []*Application
	Drafts       []*Application
	Unread       int
	Ready        []ReadyItem
	Person       Person
	Owner        Owner
	Now          time.Time
}

func (h *HTTP) handleCabinet(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	c, err := h.Svc.Cabinet(r.Context(), o, p)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d := cabinetData{Applications: c.Applications, Drafts: c.Drafts, Unread: c.Unread, Ready: c.Ready, Person: c.Person, Owner: o, Now: h.Svc.now()}
	h.RD.Render(w, r, http.StatusOK, "applications/cabinet", &web.Page{TitleKey: "app.cabinet", Data: d})
}

type viewData struct {
	App       *Application
	Events    []Event
	Files     []File
	Sections  []reviewSection
	Submitted bool
	Error     string
	Now       time.Time
	Staff     bool
	Grounds   []tenant.Text
	Provider  string
	Document  uuid.UUID         // the sealed result's, for its verification page
	Ready     *Ready            // the result, shown first
	Invoice   *payments.Invoice // the fee's; nil for a free service
	Rating    *ResultRating     // the result's rating; nil: not rated
	Rated     bool              // just rated: say thanks
}

// Scores and Reasons are the result rating form's choices.
func (viewData) Scores() []int { return ResultScores }

// Reasons are what a result's rating may name.
func (viewData) Reasons() []string { return ResultReasons }

func (h *HTTP) handleView(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.renderView(w, r, http.StatusOK, o, id, "")
}

func (h *HTTP) renderView(w http.ResponseWriter, r *http.Request, status int, o Owner, id uuid.UUID, errMsg string) {
	c, err := h.Svc.Case(r.Context(), o, id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if c.App.Status == Draft {
		http.Redirect(w, r, draftURL(c.App), http.StatusSeeOther)
		return
	}
	l := h.RD.Localizer(r)
	secs, _ := h.reviewOf(r.Context(), c.Form, c.App.Data, nil, l)
	d := viewData{App: c.App, Events: c.Events, Files: c.Files, Sections: secs, Submitted: r.URL.Query().Get("submitted") != "", Error: errMsg,
		Now: h.Svc.now(), Document: c.Document, Ready: c.Ready, Invoice: c.Invoice, Rating: c.Rating, Rated: r.URL.Query().Get("rated") == "1"}
	h.RD.Render(w, r, status, "applications/view", &web.Page{Title: l.T("app.application") + " № " + c.App.Number, Data: d})
}

// statusJSON is what the cabinet polls to update the timeline in place.
// Status is the state machine's; Shown is what a person reads (an issued
// application is "granted" or "denied"), and Label its words.
type statusJSON struct {
	Status string      `json:"status"`
	Shown  string      `json:"shown"`
	Label  string      `json:"label"`
	Events []eventJSON `json:"events"`
}

type eventJSON struct {
	At      string `json:"at"`
	Label   string `json:"label"`
	Who     string `json:"who"`
	Comment string `json:"comment"`
}

func (h *HTTP) handleStatus(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	var (
		app *Application
		evs []Event
	)
	if err == nil {
		app, evs, _, err = h.Svc.Get(r.Context(), o, id)
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	out := statusJSON{Status: string(app.Status), Shown: string(app.Shown()), Label: l.T("app.status_" + string(app.Shown()))}
	for _, e := range evs {
		out.Events = append(out.Events, eventJSON{At: e.At.In(tenant.Zone).Format("02.01.2006 15:04"), Label: l.T("app.status_" + string(app.ShownFor(e.To))),
			Who: whoLabel(l, e), Comment: e.Comment})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

func whoLabel(l *web.Localizer, e Event) string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return l.T("app.actor_" + string(e.ActorKind))
}

func (h *HTTP) handleFile(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	var fs []File
	if err == nil {
		_, fs, err = h.Svc.OwnFiles(r.Context(), o, id)
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	fid, _ := uuid.Parse(chi.URLParam(r, "file"))
	f, found := fileOf(fs, fid)
	if !found {
		h.RD.Error(w, r, ErrNotFound)
		return
	}
	b, err := h.Svc.Download(r.Context(), f)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	web.Download(w, f.Name, f.ContentType, b)
}

func (h *HTTP) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = h.Svc.Withdraw(r.Context(), o, p, id, r.FormValue("comment"))
	}
	h.afterAction(w, r, o, id, err)
}

func (h *HTTP) handleAnswer(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	// Whose application and whether it waits for an answer are checked
	// before a file is stored: nothing lands in the store for a refusal.
	if err == nil {
		err = h.Svc.CanAnswer(r.Context(), o, id, r.FormValue("comment"))
	}
	if err == nil {
		var t *tenant.Tenant
		if t, err = tenant.From(r.Context()); err == nil {
			var up *uploads.File
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				up, err = uploads.FromRequest(r, h.Svc.Docs, t.ID, "applications/"+id.String(), "file", uploads.Limits{})
			}
			if err == nil {
				err = h.Svc.Answer(r.Context(), o, p, id, r.FormValue("comment"), up)
			}
		}
	}
	h.afterAction(w, r, o, id, err)
}

// afterAction shows the application again: with the problem next to the
// form when the person can fix it, else as it now stands.
// handleRateResult records the applicant's rating of the result; a wrong
// field shows the page again with the error.
func (h *HTTP) handleRateResult(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		score, _ := strconv.Atoi(r.PostFormValue("score"))
		err = h.Svc.RateResult(r.Context(), o, id, score, r.PostForm["reason"], r.PostFormValue("comment"))
	}
	if err == nil {
		http.Redirect(w, r, "/cabinet/applications/"+id.String()+"?rated=1#rating", http.StatusSeeOther)
		return
	}
	h.afterAction(w, r, o, id, err)
}

func (h *HTTP) afterAction(w http.ResponseWriter, r *http.Request, o Owner, id uuid.UUID, err error) {
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.Internal && !errors.Is(err, ErrNotFound) {
			h.renderView(w, r, apperr.Status(e.Code), o, id, h.RD.Localizer(r).Message(e.Key, e.Args))
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+id.String(), http.StatusSeeOther)
}
