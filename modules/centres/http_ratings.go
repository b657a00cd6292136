package centres

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/catalog"
	"hromada/web"
)

// The ratings: the resident's form on a served booking's page, the
// centre's public page of ratings, the provider's answers.

// handleRate records the resident's rating; a wrong field shows the
// booking's page again with what was typed and the field's error.
func (h *HTTP) handleRate(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	score, _ := strconv.Atoi(r.PostForm.Get("score"))
	err := h.svc.Rate(r.Context(), code, score, r.PostForm["reason"], r.PostForm.Get("comment"))
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code == apperr.Invalid {
		h.renderBooking(w, r, http.StatusUnprocessableEntity, code, "", &rateForm{Score: score, Reasons: r.PostForm["reason"], Comment: r.PostForm.Get("comment"), Error: h.rd.Localizer(r).T(ae.Key)})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/bookings/"+code+"?done=rated", http.StatusSeeOther)
}

// rateForm is the rating form as typed.
type rateForm struct {
	Score   int
	Reasons []string
	Comment string
	Error   string
}

// handleRatings is the centre's public page of ratings.
func (h *HTTP) handleRatings(w http.ResponseWriter, r *http.Request) {
	sum, err := h.svc.Summary(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "centres/ratings", &web.Page{TitleKey: "centres.ratings_title", Data: sum})
}

// answersView is the provider's page of its centre's ratings.
type answersView struct {
	Centre  *catalog.Centre
	Code    string
	Ratings []Rating
	Done    bool
	Error   string
	Typed   map[string]string // visit id → the answer typed
}

func (h *HTTP) handleAnswers(w http.ResponseWriter, r *http.Request) {
	h.renderAnswers(w, r, http.StatusOK, &answersView{Done: r.URL.Query().Get("done") == "1"})
}

func (h *HTTP) renderAnswers(w http.ResponseWriter, r *http.Request, status int, v *answersView) {
	v.Code = chi.URLParam(r, "code")
	c, rs, err := h.svc.Unanswered(r.Context(), v.Code)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	v.Centre, v.Ratings = c, rs
	h.rd.Render(w, r, status, "centres/answers", &web.Page{TitleKey: "centres.answers_title", Data: v})
}

func (h *HTTP) handleAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "visit"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	text := r.PostFormValue("answer")
	err = h.svc.Answer(r.Context(), chi.URLParam(r, "code"), id, text)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code == apperr.Invalid {
		h.renderAnswers(w, r, http.StatusUnprocessableEntity, &answersView{Error: h.rd.Localizer(r).T(ae.Key), Typed: map[string]string{id.String(): text}})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/work/centres/"+chi.URLParam(r, "code")+"/ratings?done=1", http.StatusSeeOther)
}
