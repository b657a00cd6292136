package participation

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"hromada/web"
)

type petitionsData struct {
	Petitions []*Petition
	Mine      []*Petition // the viewer's own, not published
	Now       time.Time
	Staff     bool
}

func (h *HTTP) handlePetitions(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.Petitions(r.Context(), false)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	mine, err := h.svc.Mine(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "participation/petitions", &web.Page{TitleKey: "petition.list_title",
		Data: petitionsData{Petitions: ps, Mine: mine, Now: h.svc.now()}})
}

type draftData struct {
	Form   PetitionForm
	Errors map[string]string
	Rules  string
	Days   int
	Need   int
}

func (h *HTTP) renderDraft(w http.ResponseWriter, r *http.Request, status int, d draftData) {
	st, err := h.svc.Settings(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Rules, d.Days, d.Need = st.RulesText(), st.PetitionDays, st.Threshold
	h.rd.Render(w, r, status, "participation/petition_new", &web.Page{TitleKey: "petition.new_title", Data: d})
}

func (h *HTTP) handleNewPetition(w http.ResponseWriter, r *http.Request) {
	h.renderDraft(w, r, http.StatusOK, draftData{Form: PetitionForm{Token: uuid.NewString()}})
}

func (h *HTTP) handleDraft(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := PetitionForm{Token: r.PostForm.Get("token"), Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"),
		Competence: r.PostForm.Get("competence") == "yes"}
	id, err := h.svc.Draft(r.Context(), f)
	if errs := fieldErrors(err); errs != nil {
		h.renderDraft(w, r, http.StatusUnprocessableEntity, draftData{Form: f, Errors: h.messages(r, errs)})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/petitions/"+id.String()+"?done=drafted", http.StatusSeeOther)
}

type petitionData struct {
	P      *Petition
	Now    time.Time
	Signed bool
	Flash  string
	Error  string
	// Staff pages: the forms' errors and what was typed.
	Errors map[string]string
	Reason string
	Answer string
	Staff  bool
}

func (h *HTTP) handlePetition(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	p, err := h.svc.Petition(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	signed, err := h.svc.Signed(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d := petitionData{P: p, Now: h.svc.now(), Signed: signed, Flash: flash(r, "drafted", "signed")}
	if e := r.URL.Query().Get("error"); e == "already_signed" || e == "closed" {
		d.Error = h.rd.Localizer(r).T("particip.error_" + e)
	}
	h.rd.Render(w, r, http.StatusOK, "participation/petition", &web.Page{Title: p.Title, Data: d})
}

type signersData struct {
	P       *Petition
	Signers []Signer
	Page    int
	More    bool
	From    int
}

func (h *HTTP) handleSigners(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	page := pageParam(r)
	ss, p, err := h.svc.Signers(r.Context(), id, page)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "participation/signers", &web.Page{TitleKey: "petition.signers_title",
		Data: signersData{P: p, Signers: ss, Page: page, More: (page+1)*signersPage < p.Signatures, From: page*signersPage + 1}})
}

func (h *HTTP) handleSign(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	back := "/petitions/" + id.String()
	switch err := h.svc.Sign(r.Context(), id); {
	case err == nil:
		http.Redirect(w, r, back+"?done=signed", http.StatusSeeOther)
	case err == ErrAlreadySigned:
		http.Redirect(w, r, back+"?error=already_signed", http.StatusSeeOther)
	case err == ErrNotCollecting:
		http.Redirect(w, r, back+"?error=closed", http.StatusSeeOther)
	default:
		h.rd.Error(w, r, err)
	}
}

func (h *HTTP) handleStaffPetitions(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.Petitions(r.Context(), true)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "participation/admin_petitions", &web.Page{TitleKey: "petition.staff_title",
		Data: petitionsData{Petitions: ps, Now: h.svc.now(), Staff: true}})
}

func (h *HTTP) renderStaffPetition(w http.ResponseWriter, r *http.Request, status int, d petitionData) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.P, err = h.svc.StaffPetition(r.Context(), id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Now, d.Staff = h.svc.now(), true
	h.rd.Render(w, r, status, "participation/admin_petition", &web.Page{Title: d.P.Title, Data: d})
}

func (h *HTTP) handleStaffPetition(w http.ResponseWriter, r *http.Request) {
	h.renderStaffPetition(w, r, http.StatusOK, petitionData{Flash: flash(r, "published", "refused", "answered")})
}

// staffAct runs one of the staff's forms on petition {id}: on a field's
// error the page again with what was typed, else back to the page.
func (h *HTTP) staffAct(done string, act func(r *http.Request, id uuid.UUID) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			h.rd.Error(w, r, err)
			return
		}
		id, err := idParam(r)
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		err = act(r, id)
		if errs := fieldErrors(err); errs != nil {
			h.renderStaffPetition(w, r, http.StatusUnprocessableEntity, petitionData{Errors: h.messages(r, errs),
				Reason: r.PostForm.Get("reason"), Answer: r.PostForm.Get("answer")})
			return
		}
		if err != nil && conflict(err) {
			h.renderStaffPetition(w, r, http.StatusConflict, petitionData{Error: h.message(r, err)})
			return
		}
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/petitions/"+id.String()+"?done="+done, http.StatusSeeOther)
	}
}

func (h *HTTP) handlePublish(w http.ResponseWriter, r *http.Request) {
	h.staffAct("published", func(r *http.Request, id uuid.UUID) error { return h.svc.Publish(r.Context(), id) })(w, r)
}

func (h *HTTP) handleRefuse(w http.ResponseWriter, r *http.Request) {
	h.staffAct("refused", func(r *http.Request, id uuid.UUID) error {
		return h.svc.Refuse(r.Context(), id, r.PostForm.Get("reason"))
	})(w, r)
}

func (h *HTTP) handleAnswer(w http.ResponseWriter, r *http.Request) {
	h.staffAct("answered", func(r *http.Request, id uuid.UUID) error {
		return h.svc.Answer(r.Context(), id, r.PostForm.Get("answer"))
	})(w, r)
}
