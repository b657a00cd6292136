package cityapi

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/applications"
	"hromada/tenant"
)

// apiApplication is an application as the app lists it.
type apiApplication struct {
	ID          uuid.UUID   `json:"id"`
	Number      string      `json:"number,omitempty"`
	ServiceCode string      `json:"service_code"`
	ServiceName tenant.Text `json:"service_name"`
	Status      string      `json:"status"`
	CreatedAt   time.Time   `json:"created_at"`
	SentAt      *time.Time  `json:"sent_at,omitempty"`
	DueOn       string      `json:"due_on,omitempty"`
}

// apiEvent is one row of an application's timeline.
type apiEvent struct {
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Actor   string    `json:"actor"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// apiFile is a document of an application.
type apiFile struct {
	ID   uuid.UUID `json:"id"`
	Kind string    `json:"kind"`
	Name string    `json:"name"`
}

func toAPI(a *applications.Application) apiApplication {
	out := apiApplication{ID: a.ID, Number: a.Number, ServiceCode: a.ServiceCode, ServiceName: a.ServiceName,
		Status: string(a.Status), CreatedAt: a.CreatedAt, SentAt: a.SentAt}
	if a.DueOn != nil {
		out.DueOn = a.DueOn.Format(time.DateOnly)
	}
	return out
}

// owner is whose applications the caller reaches.
func (h *HTTP) owner(r *http.Request) (applications.Owner, error) {
	_, o, err := h.apps.Signed(r.Context())
	return o, err
}

func (h *HTTP) apiApplications(w http.ResponseWriter, r *http.Request) {
	o, err := h.owner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	apps, err := h.apps.Mine(r.Context(), o, r.URL.Query().Get("status") == "draft")
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	all := make([]apiApplication, len(apps))
	for i, a := range apps {
		all[i] = toAPI(a)
	}
	p, err := paginate(r, all, func(a apiApplication) uuid.UUID { return a.ID })
	h.writeTagged(w, r, p, err)
}

func (h *HTTP) apiApplication(w http.ResponseWriter, r *http.Request) {
	o, err := h.owner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Problem(w, r, applications.ErrNotFound)
		return
	}
	a, events, files, err := h.apps.Get(r.Context(), o, id)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	out := struct {
		apiApplication
		Timeline []apiEvent `json:"timeline"`
		Files    []apiFile  `json:"files"`
	}{apiApplication: toAPI(a), Timeline: []apiEvent{}, Files: []apiFile{}}
	for _, e := range events {
		out.Timeline = append(out.Timeline, apiEvent{From: string(e.From), To: string(e.To), Actor: string(e.ActorKind), Comment: e.Comment, At: e.At})
	}
	for _, f := range files {
		out.Files = append(out.Files, apiFile{ID: f.ID, Kind: f.Kind, Name: f.Name})
	}
	h.writeTagged(w, r, out, nil)
}
