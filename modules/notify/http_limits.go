package notify

import (
	"errors"
	"net/http"

	"hromada/web"
)

// limitsData is what the rate limits page shows: each channel's limit
// (or what was typed, with its error) and the last hour's sends.
type limitsData struct {
	Limits []RateLimit
	Typed  map[Channel]string
	Errors map[Channel]string
	Done   string // saved, same
}

func (h *HTTP) renderLimits(w http.ResponseWriter, r *http.Request, status int, d limitsData) {
	var err error
	if d.Limits, err = h.svc.RateLimits(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, status, "notify/limits", &web.Page{TitleKey: "notify.limits.title", Data: d})
}

func (h *HTTP) handleLimits(w http.ResponseWriter, r *http.Request) {
	d := limitsData{}
	switch done := r.URL.Query().Get("done"); done {
	case "saved", "same":
		d.Done = done
	}
	h.renderLimits(w, r, http.StatusOK, d)
}

func (h *HTTP) handleSaveLimits(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	typed := map[Channel]string{}
	for _, c := range Channels {
		if v, ok := r.PostForm["limit_"+string(c)]; ok && len(v) > 0 {
			typed[c] = v[0]
		}
	}
	changed, err := h.svc.SaveRateLimits(r.Context(), typed)
	var errs RateLimitErrors
	switch {
	case err == nil:
		done := "saved"
		if !changed {
			done = "same"
		}
		http.Redirect(w, r, "/admin/notifications/limits?done="+done, http.StatusSeeOther)
	case errors.As(err, &errs):
		l := h.rd.Localizer(r)
		msgs := map[Channel]string{}
		for c, e := range errs {
			msgs[c] = l.T("notify.channel."+string(c)) + ": " + l.Message(e.Key, e.Args)
		}
		h.renderLimits(w, r, http.StatusUnprocessableEntity, limitsData{Typed: typed, Errors: msgs})
	default:
		h.rd.Error(w, r, err)
	}
}
