package cityapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"hromada/apperr"
)

// ErrBadCursor: the cursor is not one this API gave.
var ErrBadCursor = apperr.New(apperr.Invalid, "cityapi.error.cursor")

// page is one page of a list: items after the cursor (the last item's id
// of the previous page, opaque to the client), and the next page's cursor
// when there is more. The lists are one person's (their applications,
// their last 100 notices) and come whole from their Services; a cursor by
// id, rather than an offset, does not skip or repeat an item when a new
// one arrives between two pages.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// paginate cuts all (in their order) after r's ?cursor= to ?limit= (1–100,
// default 20).
func paginate[T any](r *http.Request, all []T, id func(T) uuid.UUID) (*page[T], error) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	start := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil {
			return nil, ErrBadCursor
		}
		after, err := uuid.FromBytes(raw)
		if err != nil {
			return nil, ErrBadCursor
		}
		start = -1
		for i, it := range all {
			if id(it) == after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, ErrBadCursor
		}
	}
	end := min(start+limit, len(all))
	p := &page[T]{Items: append([]T{}, all[start:end]...)}
	if end < len(all) {
		last := id(all[end-1])
		p.NextCursor = base64.RawURLEncoding.EncodeToString(last[:])
	}
	return p, nil
}

// writeTagged answers a GET with v as JSON and its ETag; a request whose
// If-None-Match has the tag gets 304 without a body (the app's cache is
// up to date).
func (h *HTTP) writeTagged(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	sum := sha256.Sum256(b)
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", tag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Authorization, Accept-Language")
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(append(b, '\n'))
}
