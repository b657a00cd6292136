package cityapi

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/notify"
)

// apiNotice is a notice as the app shows it: its text in the request's
// language.
type apiNotice struct {
	ID            uuid.UUID  `json:"id"`
	Kind          string     `json:"kind"`
	Text          string     `json:"text"`
	ApplicationID *uuid.UUID `json:"application_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	Read          bool       `json:"read"`
}

func (h *HTTP) apiNotifications(w http.ResponseWriter, r *http.Request) {
	ns, err := h.notify.Notices(r.Context(), callerOf(r).Account)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	l := h.rd.APILocalizer(r)
	all := make([]apiNotice, len(ns))
	for i, n := range ns {
		all[i] = apiNotice{ID: n.ID, Kind: string(n.Kind), Text: l.Message(n.Key, n.Args), ApplicationID: n.ApplicationID, CreatedAt: n.CreatedAt, Read: n.ReadAt != nil}
	}
	p, err := paginate(r, all, func(n apiNotice) uuid.UUID { return n.ID })
	h.writeTagged(w, r, p, err)
}

func (h *HTTP) apiMarkRead(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Problem(w, r, notify.ErrNoNotice)
		return
	}
	if err := h.notify.MarkRead(r.Context(), callerOf(r).Account, id); err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
