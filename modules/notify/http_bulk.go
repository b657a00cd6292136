package notify

import (
	"errors"
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
	Audience int // all who opted in
	// Reach is how many of them the previewed segment reaches.
	Reach   int
	Choices Choices
	Errors  map[string]string
	Done    string // sent, already
	Sends   []BulkSend
}

func (h *HTTP) renderBulk(w http.ResponseWriter, r *http.Request, status int, d bulkData) {
	var err error
	if d.Audience, err = h.svc.BulkAudience(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.Choices, err = h.svc.SegmentChoices(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.Sends, err = h.svc.BulkSends(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.Bulk.Segment.Kind == "" {
		d.Bulk.Segment.Kind = SegmentCity
	}
	h.rd.Render(w, r, status, "notify/bulk", &web.Page{TitleKey: "notify.bulk.title", Data: d})
}

func (h *HTTP) handleBulk(w http.ResponseWriter, r *http.Request) {
	h.renderBulk(w, r, http.StatusOK, bulkData{Done: r.URL.Query().Get("done")})
}

// bulkForm reads the form: the texts, and the segment with the district
// or service its kind takes (the other select is ignored).
func bulkForm(r *http.Request) Announcement {
	b := Announcement{TextUK: r.PostFormValue("text_uk"), TextEN: r.PostFormValue("text_en"),
		Segment: Segment{Kind: r.PostFormValue("segment")}}
	switch b.Segment.Kind {
	case SegmentDistrict:
		b.Segment.Ref = r.PostFormValue("district")
	case SegmentService:
		b.Segment.Ref = r.PostFormValue("service")
	}
	return b
}

// bulkFields are the form's fields of the errors.
var bulkFields = map[error]string{ErrBulkTextUK: "text_uk", ErrBulkTextEN: "text_en",
	ErrBulkSegment: "segment", ErrBulkDistrict: "district", ErrBulkService: "service"}

// bulkError re-renders the form with err at its field, keeping the text.
func (h *HTTP) bulkError(w http.ResponseWriter, r *http.Request, b Announcement, err error) {
	var field string
	for e, f := range bulkFields {
		if errors.Is(err, e) {
			field = f
		}
	}
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
	reach, err := h.svc.ResolveSegment(r.Context(), &b.Segment)
	if err != nil {
		h.bulkError(w, r, b, err)
		return
	}
	if b.Key, err = uuid.NewV7(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.renderBulk(w, r, http.StatusOK, bulkData{Bulk: b, Preview: true, Reach: reach})
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
