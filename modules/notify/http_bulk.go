package notify

import (
	"net/http"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/web"
)

// bulkData is what the bulk page shows: the form (with what was typed and
// its field's error), or the preview to confirm, and the latest sends.
type bulkData struct {
	Bulk     Announcement
	Preview  bool
	Audience int
	Errors   map[string]string
	Done     string // sent, already
	Sends    []BulkSend
}

func (h *HTTP) renderBulk(w http.ResponseWriter, r *http.Request, status int, d bulkData) {
	var err error
	if d.Audience, err = h.svc.BulkAudience(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.Sends, err = h.svc.BulkSends(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, status, "notify/bulk", &web.Page{TitleKey: "notify.bulk.title", Data: d})
}

func (h *HTTP) handleBulk(w http.ResponseWriter, r *http.Request) {
	h.renderBulk(w, r, http.StatusOK, bulkData{Done: r.URL.Query().Get("done")})
}

func bulkForm(r *http.Request) Announcement {
	return Announcement{TextUK: r.PostFormValue("text_uk"), TextEN: r.PostFormValue("text_en")}
}

// bulkError re-renders the form with err at its field, keeping the text.
func (h *HTTP) bulkError(w http.ResponseWriter, r *http.Request, b Announcement, err error) {
	field := map[error]string{ErrBulkTextUK: "text_uk", ErrBulkTextEN: "text_en"}[err]
	ae := apperr.As(err)
	if field == "" || ae == nil {
		h.rd.Error(w, r, err)
		return
	}
	h.renderBulk(w, r, http.StatusUnprocessableEntity, bulkData{Bulk: b, Errors: map[string]string{field: h.rd.Localizer(r).Message(ae.Key, ae.Args)}})
}

// handleBulkPreview shows the text as it will go and whom it reaches,
// with the key that makes the confirmed send one send.
func (h *HTTP) handleBulkPreview(w http.ResponseWriter, r *http.Request) {
	b := bulkForm(r)
	if err := b.Check(); err != nil {
		h.bulkError(w, r, b, err)
		return
	}
	var err error
	if b.Key, err = uuid.NewV7(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.renderBulk(w, r, http.StatusOK, bulkData{Bulk: b, Preview: true})
}

func (h *HTTP) handleBulkSend(w http.ResponseWriter, r *http.Request) {
	b := bulkForm(r)
	key, err := uuid.Parse(r.PostFormValue("key"))
	if err != nil {
		// Not from the preview: show it first.
		h.handleBulkPreview(w, r)
		return
	}
	b.Key = key
	sent, err := h.svc.SendBulk(r.Context(), b)
	if err != nil {
		h.bulkError(w, r, b, err)
		return
	}
	done := "sent"
	if !sent {
		done = "already"
	}
	http.Redirect(w, r, "/admin/notifications/bulk?done="+done, http.StatusSeeOther)
}
