package cityapi

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/web"
)

// ErrBadJSON: the body is not the JSON the endpoint takes.
var ErrBadJSON = apperr.New(apperr.Invalid, "cityapi.error.json")

// apiStart is POST /api/v1/applications's body.
type apiStart struct {
	ServiceCode string `json:"service_code"`
}

// apiStep is a step's values as the page's form would post them (a field
// may have several values), and whether to move on.
type apiStep struct {
	Values map[string][]string `json:"values"`
	Next   bool                `json:"next"`
}

// apiDraft is a draft after a change: its step and the problems of the
// step saved (the values are kept whatever they are, as on the pages).
type apiDraft struct {
	apiApplication
	Step   int                `json:"step"`
	Errors []web.FieldProblem `json:"errors"`
}

// signedOwner is the caller as applications knows them.
func (h *HTTP) signedOwner(r *http.Request) (applications.Person, applications.Owner, error) {
	return h.apps.Signed(r.Context())
}

func (h *HTTP) apiStartDraft(w http.ResponseWriter, r *http.Request) {
	var in apiStart
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.ServiceCode == "" {
		h.rd.Problem(w, r, ErrBadJSON)
		return
	}
	p, o, err := h.signedOwner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	app, err := h.apps.Start(r.Context(), o, p, in.ServiceCode)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/applications/"+app.ID.String())
	h.writeJSON(w, r, http.StatusCreated, apiDraft{apiApplication: toAPI(app), Step: app.Step, Errors: []web.FieldProblem{}}, nil)
}

// apiSaveStep saves a step with the pages' validation: the answer lists
// each field's message in the request's language, and nothing typed is
// lost (the draft keeps the values even when they are wrong).
func (h *HTTP) apiSaveStep(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	n, nerr := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || nerr != nil {
		h.rd.Problem(w, r, applications.ErrNotFound)
		return
	}
	var in apiStep
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		h.rd.Problem(w, r, ErrBadJSON)
		return
	}
	_, o, err := h.signedOwner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	app, errs, err := h.apps.SaveStep(r.Context(), o, id, n, in.Values, in.Next)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	l := h.rd.APILocalizer(r)
	out := apiDraft{apiApplication: toAPI(app), Step: app.Step, Errors: []web.FieldProblem{}}
	for name, e := range errs {
		out.Errors = append(out.Errors, web.FieldProblem{Field: name, Detail: l.Message(e.Key, e.Args)})
	}
	sort.Slice(out.Errors, func(i, j int) bool { return out.Errors[i].Field < out.Errors[j].Field })
	h.writeJSON(w, r, http.StatusOK, out, nil)
}

// apiCanonical is the draft's canonical bytes: what the person signs.
func (h *HTTP) apiCanonical(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Problem(w, r, applications.ErrNotFound)
		return
	}
	_, o, err := h.signedOwner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	b, err := h.apps.Canonical(r.Context(), o, id)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
