package participation

import (
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/web"
)

// deskData is the poll officer's desk: the open polls, and the ballot
// being recorded.
type deskData struct {
	Provider string
	Polls    []BallotForm
	Now      time.Time
	Flash    string
	Error    string
	Errors   map[string]string
	// What was typed, kept on an error.
	Poll   string
	RNOKPP string
	Typed  Ballot
}

func (h *HTTP) renderDesk(w http.ResponseWriter, r *http.Request, status int, d deskData) {
	ps, err := h.svc.Polls(r.Context(), false, nil)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Now = h.svc.now()
	for _, p := range ps {
		if p.Open(d.Now) {
			full, err := h.svc.Poll(r.Context(), p.ID, false)
			if err != nil {
				h.rd.Error(w, r, err)
				return
			}
			f := BallotForm{Poll: full, L: h.rd.Localizer(r), Prefix: full.ID.String() + "-"}
			if d.Poll == full.ID.String() {
				f.Errors, f.Typed = d.Errors, d.Typed
			}
			d.Polls = append(d.Polls, f)
		}
	}
	h.rd.Render(w, r, status, "participation/desk", &web.Page{TitleKey: "desk.title", Data: d})
}

func (h *HTTP) handleDesk(w http.ResponseWriter, r *http.Request) {
	h.renderDesk(w, r, http.StatusOK, deskData{Provider: access.QueryProvider(r), Flash: flash(r, "recorded")})
}

func (h *HTTP) handlePaperVote(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d := deskData{Provider: access.FormProvider(r), Poll: r.PostForm.Get("poll"), RNOKPP: r.PostForm.Get("rnokpp"), Typed: ballotOfForm(r)}
	id, err := uuid.Parse(d.Poll)
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	err = h.svc.PaperVote(r.Context(), id, d.RNOKPP, d.Typed)
	if err == nil {
		http.Redirect(w, r, "/work/paper-votes?"+url.Values{"provider": {d.Provider}, "done": {"recorded"}}.Encode(), http.StatusSeeOther)
		return
	}
	if errs := fieldErrors(err); errs != nil {
		d.Errors = h.messages(r, errs)
		h.renderDesk(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	if e := apperr.As(err); e.Code != apperr.Internal {
		d.Error = h.message(r, err)
		h.renderDesk(w, r, apperr.Status(e.Code), d)
		return
	}
	h.rd.Error(w, r, err)
}

type settingsData struct {
	Form   SettingsForm
	Errors map[string]string
	Saved  bool
	Rules  string
}

func (h *HTTP) handleSettings(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Settings(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "participation/admin_settings", &web.Page{TitleKey: "particip.settings_title",
		Data: settingsData{Form: FormOf(st), Saved: r.URL.Query().Get("done") == "saved", Rules: DefaultRules}})
}

func (h *HTTP) handleSetSettings(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := SettingsForm{PetitionDays: r.PostForm.Get("petition_days"), Threshold: r.PostForm.Get("threshold"),
		ConsiderationDays: r.PostForm.Get("consideration_days"), City: r.PostForm.Get("city"), Rules: r.PostForm.Get("rules"),
		Qualified: r.PostForm.Get("qualified") == "yes"}
	err := h.svc.SetSettings(r.Context(), f)
	if errs := fieldErrors(err); errs != nil {
		h.rd.Render(w, r, http.StatusUnprocessableEntity, "participation/admin_settings", &web.Page{TitleKey: "particip.settings_title",
			Data: settingsData{Form: f, Errors: h.messages(r, errs), Rules: DefaultRules}})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/participation?done=saved", http.StatusSeeOther)
}
