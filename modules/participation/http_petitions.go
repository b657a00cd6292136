package participation

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"hromada/apperr"
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
	// Qualified: the city requires a qualified signature; DevSigning: the
	// development signer makes it.
	Qualified, DevSigning bool
}

func (h *HTTP) handlePetition(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	var msg string
	if e := r.URL.Query().Get("error"); e == "already_signed" || e == "closed" {
		msg = h.rd.Localizer(r).T("particip.error_" + e)
	}
	h.renderPetition(w, r, id, http.StatusOK, msg)
}

// renderPetition is petition id's page with status, and msg (when set)
// as the error the person reads.
func (h *HTTP) renderPetition(w http.ResponseWriter, r *http.Request, id uuid.UUID, status int, msg string) {
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
	st, err := h.svc.Settings(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d := petitionData{P: p, Now: h.svc.now(), Signed: signed, Flash: flash(r, "drafted", "signed"), Error: msg,
		Qualified: st.Qualified, DevSigning: h.svc.signs != nil && h.svc.signs.DevSigning()}
	if status != http.StatusOK {
		d.Flash = ""
	}
	h.rd.Render(w, r, status, "participation/petition", &web.Page{Title: p.Title, Data: d})
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

// handleSign signs: with one click, or where the city requires a
// qualified signature, through the city's signature service (how=online)
// or with a detached signature (.p7s) the person made over the downloaded
// signing text with their own tool (a multipart "signature" file). A
// refused signature is the petition's page again with the reason.
func (h *HTTP) handleSign(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	back := "/petitions/" + id.String()
	err = h.sign(r, id)
	e := apperr.As(err)
	switch {
	case err == nil:
		http.Redirect(w, r, back+"?done=signed", http.StatusSeeOther)
	case errors.Is(err, ErrAlreadySigned):
		http.Redirect(w, r, back+"?error=already_signed", http.StatusSeeOther)
	case errors.Is(err, ErrNotCollecting):
		http.Redirect(w, r, back+"?error=closed", http.StatusSeeOther)
	case fieldErrors(err) != nil:
		h.renderPetition(w, r, id, http.StatusUnprocessableEntity, h.messages(r, fieldErrors(err))["signature"])
	case e != nil && (e.Code == apperr.Invalid || e.Code == apperr.Unavailable):
		h.renderPetition(w, r, id, apperr.Status(e.Code), h.message(r, err))
	default:
		h.rd.Error(w, r, err)
	}
}

// maxCMS is how large an uploaded signature may be.
const maxCMS = 1 << 20

func (h *HTTP) sign(r *http.Request, id uuid.UUID) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		file, _, err := r.FormFile("signature")
		if err != nil {
			return h.svc.SignWith(r.Context(), id, nil)
		}
		defer file.Close()
		cms, err := io.ReadAll(io.LimitReader(file, maxCMS))
		if err != nil {
			return err
		}
		return h.svc.SignWith(r.Context(), id, cms)
	}
	if r.FormValue("how") == "online" {
		return h.svc.SignOnline(r.Context(), id)
	}
	return h.svc.Sign(r.Context(), id)
}

// handleSigningText serves what the signed-in person signs with their own
// tool where the city requires a qualified signature.
func (h *HTTP) handleSigningText(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	data, err := h.svc.SigningText(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="petition-`+id.String()+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
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
