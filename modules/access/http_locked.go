package access

import (
	"net/http"
	"time"

	"hromada/web"
)

// LockedData is what the lockout page shows: until when.
type LockedData struct {
	Until time.Time
}

// LockedPage is the Guard's Locked answer: a 403 page that says the
// person's staff rights are locked out, why, until when, and that their
// resident cabinet still works.
func LockedPage(rd *web.Renderer) func(w http.ResponseWriter, r *http.Request, until time.Time) {
	return func(w http.ResponseWriter, r *http.Request, until time.Time) {
		rd.Render(w, r, http.StatusForbidden, "access/locked", &web.Page{TitleKey: "lockout.title", Data: LockedData{Until: until}})
	}
}
