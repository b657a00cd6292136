package appeals

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/modules/terms"
	"hromada/web"
)

// The officials' pages: a provider's queue and one appeal with what the
// official may do with it, each action posting to its own route.

// queueData is a provider's queue.
type queueData struct {
	Provider string
	Appeals  []*Appeal
	Now      time.Time
}

func (h *HTTP) handleQueue(w http.ResponseWriter, r *http.Request) {
	p, err := uuid.Parse(access.QueryProvider(r))
	if err != nil {
		h.RD.Error(w, r, ErrNotFound)
		return
	}
	list, err := h.Svc.Queue(r.Context(), p)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.RD.Render(w, r, http.StatusOK, "appeals/queue", &web.Page{TitleKey: "appeals.queue", Data: queueData{Provider: p.String(), Appeals: list, Now: h.Svc.now()}})
}

// workData is an appeal's page for staff.
type workData struct {
	caseData
	CanProcess bool
	Now        time.Time
	MaxDue     string // the latest date an extension may set
}

func (h *HTTP) handleWork(w http.ResponseWriter, r *http.Request) {
	h.renderWork(w, r, http.StatusOK, "")
}

func (h *HTTP) renderWork(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	c, err := h.Svc.Open(r.Context(), id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	take := access.Post("/work/appeals/"+id.String()+"/take", nil)
	can, err := access.Allows(r, take)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d := workData{caseData: caseData{Case: c, Done: r.URL.Query().Get("done") == "1", Error: msg, Staff: true}, CanProcess: can.HasLink(take),
		Now: h.Svc.now(), MaxDue: day(c.Appeal.ReceivedAt).AddDate(0, 0, maxTermDays).Format(time.DateOnly)}
	if c.Appeal.ProviderID != nil {
		d.Provider = c.Appeal.ProviderID.String()
	}
	h.RD.Render(w, r, status, "appeals/work", &web.Page{TitleKey: "appeals.appeal", Data: d})
}

func (h *HTTP) handleWorkFile(w http.ResponseWriter, r *http.Request) {
	h.file(w, r, false)
}

// workAction runs an official's action and returns to the appeal's page,
// showing a refusal there with what was typed lost only on success.
func (h *HTTP) workAction(w http.ResponseWriter, r *http.Request, act func(id uuid.UUID) error) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if err := act(id); err != nil {
		if msg := h.shown(r, err); msg != "" {
			h.renderWork(w, r, http.StatusUnprocessableEntity, msg)
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/work/appeals/"+id.String()+"?done=1", http.StatusSeeOther)
}

func (h *HTTP) handleTake(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(id uuid.UUID) error { return h.Svc.Take(r.Context(), id) })
}

func (h *HTTP) handleAsk(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(id uuid.UUID) error { return h.Svc.Ask(r.Context(), id, r.FormValue("question")) })
}

func (h *HTTP) handleExtend(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(id uuid.UUID) error {
		to, err := terms.ParseDate(r.FormValue("due_on"))
		if err != nil {
			return ErrTermLater.With(map[string]any{"Due": r.FormValue("due_on")})
		}
		return h.Svc.Extend(r.Context(), id, to, r.FormValue("reason"))
	})
}

func (h *HTTP) handleForward(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(id uuid.UUID) error {
		to, err := uuid.Parse(r.FormValue("provider"))
		if err != nil {
			return ErrInvalid
		}
		return h.Svc.Forward(r.Context(), id, to, r.FormValue("reason"))
	})
}

func (h *HTTP) handleAnswer(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(id uuid.UUID) error { return h.Svc.Answer(r.Context(), id, r.FormValue("answer")) })
}
