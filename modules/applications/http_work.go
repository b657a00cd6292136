package applications

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/web"
)

// The officials' workspace (seed 003 §5.6, §3.1.9): a provider's queue,
// one application (every view audited) and the officials' actions on it.

type queueData struct {
	Apps     []*Application
	Counts   Counts
	Provider string
	Services []ServiceName
	Filter   ListFilter
	Statuses []Status
	Now      time.Time
	// Officials are the provider's, for the assignee filter; Assignee is
	// the one chosen ("": anyone).
	Officials []Colleague
	Assignee  string
}

// unassigned is the assignee filter's value for the cases no one has taken.
const unassigned = "none"

func (h *HTTP) handleQueue(w http.ResponseWriter, r *http.Request) {
	provider, err := uuid.Parse(access.QueryProvider(r))
	if err != nil {
		h.RD.Error(w, r, apperr.New(apperr.Invalid, "error.application_provider"))
		return
	}
	q := r.URL.Query()
	f := ListFilter{Provider: provider, Service: q.Get("service"), Status: Status(q.Get("status")), Overdue: q.Get("overdue") != ""}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	// An unknown due or assignee filters nothing rather than failing: the
	// links that carry them are the pages' own.
	if d := Due(q.Get("due")); d == DueToday || d == DueWeek {
		f.Due = d
	}
	if a, err := uuid.Parse(q.Get("assignee")); err == nil {
		f.Assignee = &a
	}
	f.Unassigned = q.Get("assignee") == unassigned
	d := queueData{Provider: provider.String(), Filter: f, Statuses: ShownStatuses, Now: h.Svc.now()}
	if f.Assignee != nil {
		d.Assignee = f.Assignee.String()
	} else if f.Unassigned {
		d.Assignee = unassigned
	}
	if d.Apps, d.Counts, err = h.Svc.Queue(r.Context(), f); err == nil {
		if d.Services, err = h.Svc.Services(r.Context(), provider); err == nil {
			d.Officials, err = h.Svc.ProviderOfficials(r.Context(), provider)
		}
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.RD.Render(w, r, http.StatusOK, "work/queue", &web.Page{TitleKey: "work.queue", Data: d})
}

// staff is the signed-in official and the application in the path; false
// when the error page is written.
func (h *HTTP) staff(w http.ResponseWriter, r *http.Request) (Staff, uuid.UUID, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return Staff{}, id, false
	}
	st, err := h.Svc.SignedStaff(r.Context())
	if err != nil {
		h.RD.Error(w, r, err)
		return st, id, false
	}
	return st, id, true
}

func (h *HTTP) handleWorkView(w http.ResponseWriter, r *http.Request) {
	st, id, ok := h.staff(w, r)
	if !ok {
		return
	}
	h.renderWork(w, r, http.StatusOK, st, id, r.URL.Query().Get("done"), "")
}

func (h *HTTP) renderWork(w http.ResponseWriter, r *http.Request, status int, st Staff, id uuid.UUID, done, errMsg string) {
	o, err := h.Svc.Open(r.Context(), st, id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	secs, _ := h.reviewOf(r.Context(), o.Form, o.App.Data, nil, l)
	d := workData{viewData: viewData{App: o.App, Events: o.Events, Files: o.Files, Sections: secs, Error: errMsg, Now: h.Svc.now(), Staff: true,
		Grounds: o.Grounds, Provider: o.App.ProviderID.String(), Invoice: o.Invoice}}
	if done != "" {
		d.Submitted = true
	}
	if err := h.termOf(r, &d, o); err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.RD.Render(w, r, status, "work/view", &web.Page{Title: l.T("app.application") + " № " + o.App.Number, Data: d})
}

func (h *HTTP) handleWorkFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var (
		f File
		b []byte
	)
	if err == nil {
		var fid uuid.UUID
		if fid, err = pathID(r, "file"); err == nil {
			f, b, err = h.Svc.StaffFile(r.Context(), id, fid)
		}
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	web.Download(w, f.Name, f.ContentType, b)
}

// workAction runs an official's action and shows the application again,
// with the problem next to the actions when there is one.
func (h *HTTP) workAction(w http.ResponseWriter, r *http.Request, act func(st Staff, id uuid.UUID) error) {
	st, id, ok := h.staff(w, r)
	if !ok {
		return
	}
	if err := act(st, id); err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.Internal && !errors.Is(err, ErrNotFound) {
			h.renderWork(w, r, apperr.Status(e.Code), st, id, "", h.RD.Localizer(r).Message(e.Key, e.Args))
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/work/applications/"+id.String()+"?done=1", http.StatusSeeOther)
}

func (h *HTTP) handleTake(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(st Staff, id uuid.UUID) error { return h.Svc.Take(r.Context(), st, id) })
}

func (h *HTTP) handleClarify(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(st Staff, id uuid.UUID) error { return h.Svc.Clarify(r.Context(), st, id, r.FormValue("comment")) })
}

func (h *HTTP) handleDecide(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(st Staff, id uuid.UUID) error {
		return h.Svc.Decide(r.Context(), st, id, r.FormValue("decision") == "approve", r.FormValue("grounds"), r.FormValue("comment"))
	})
}

func (h *HTTP) handleIssue(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(st Staff, id uuid.UUID) error {
		t, err := tenant.From(r.Context())
		if err != nil {
			return err
		}
		// The state first: no file is stored for an application that
		// cannot be issued now.
		if err := h.Svc.CanIssue(r.Context(), id); err != nil {
			return err
		}
		up, err := uploads.FromRequest(r, h.Svc.Docs, t.ID, "applications/"+id.String(), "file", uploads.Limits{})
		if err != nil {
			return err
		}
		var b []byte
		if up != nil {
			rc, err := h.Svc.Docs.Get(r.Context(), up.Key)
			if err != nil {
				return err
			}
			b, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
		}
		return h.Svc.Issue(r.Context(), st, id, up, b, r.FormValue("comment"))
	})
}
