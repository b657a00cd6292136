package centres

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"hromada/apperr"
	"hromada/web"
)

// The editor of a centre's hours, windows and appointment lengths
// (setup_edit.go), at the provider running it or the dispatcher.

// setupView is the editor's page.
type setupView struct {
	Form    *SetupForm
	Errors  map[string]string
	Summary []Problem
	Refused string // the bookings a change would have left out
	Done    bool
}

// Weekdays are the ISO weekdays, for the page.
func (setupView) Weekdays() []int { return []int{1, 2, 3, 4, 5, 6, 7} }

func (h *HTTP) handleSetup(w http.ResponseWriter, r *http.Request) {
	f, err := h.svc.SetupOf(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "centres/setup", &web.Page{TitleKey: "centres.setup_title",
		Data: &setupView{Form: f, Done: r.URL.Query().Get("done") == "1"}})
}

// handleSaveSetup saves the editor; a refusal shows it again as typed,
// each wrong field named, or the bookings a change would leave out.
func (h *HTTP) handleSaveSetup(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	f, err := h.svc.SetupOf(r.Context(), code)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	pf := r.PostForm
	for i := range f.Hours {
		wd := strconv.Itoa(i + 1)
		f.Hours[i] = DayForm{Opens: pf.Get("opens_" + wd), Closes: pf.Get("closes_" + wd), BreakFrom: pf.Get("break_from_" + wd), BreakTo: pf.Get("break_to_" + wd)}
	}
	// The windows the page showed: unticking every service of one leaves
	// it serving nothing (its past visits keep their window).
	f.Windows = map[int][]string{}
	for _, n := range f.WindowList {
		f.Windows[n] = pf["window_"+strconv.Itoa(n)]
		if f.Windows[n] == nil {
			f.Windows[n] = []string{}
		}
	}
	f.NewWindow, f.NewServes = pf.Get("window_new"), pf["window_new_services"]
	for _, sv := range f.Services {
		f.Minutes[sv.Content.Code] = pf.Get("minutes_" + sv.Content.Code)
	}
	err = h.svc.SaveSetup(r.Context(), code, f)
	var errs FieldErrors
	switch {
	case err == nil:
		http.Redirect(w, r, "/work/centres/"+code+"/setup?done=1", http.StatusSeeOther)
	case errors.As(err, &errs):
		msgs, sum := h.setupMessages(r, errs, f)
		h.rd.Render(w, r, http.StatusUnprocessableEntity, "centres/setup", &web.Page{TitleKey: "centres.setup_title",
			Data: &setupView{Form: f, Errors: msgs, Summary: sum}})
	case errors.Is(err, ErrOrphans):
		ae := apperr.As(err)
		h.rd.Render(w, r, http.StatusConflict, "centres/setup", &web.Page{TitleKey: "centres.setup_title",
			Data: &setupView{Form: f, Refused: h.rd.Localizer(r).Message(ae.Key, ae.Args)}})
	default:
		h.rd.Error(w, r, err)
	}
}

// setupMessages are the editor's errors, each after its field's name
// ("пн, відкриття: …", "Вікно 2: …"), in the page's order.
func (h *HTTP) setupMessages(r *http.Request, errs FieldErrors, f *SetupForm) (map[string]string, []Problem) {
	l := h.rd.Localizer(r)
	out := map[string]string{}
	var sum []Problem
	label := func(field string) string {
		for _, p := range []string{"opens_", "closes_", "break_from_", "break_to_"} {
			if wd, ok := strings.CutPrefix(field, p); ok {
				return l.T("centres.weekday_"+wd) + ", " + l.T("centres.f_"+strings.TrimSuffix(p, "_"))
			}
		}
		if field == "window_new" {
			return l.T("centres.new_window")
		}
		if n, ok := strings.CutPrefix(field, "window_"); ok {
			return l.T("centres.window") + " " + n
		}
		if c, ok := strings.CutPrefix(field, "minutes_"); ok {
			for _, sv := range f.Services {
				if sv.Content.Code == c {
					return l.T("centres.f_minutes") + " «" + sv.Content.Name.In(l.Lang) + "»"
				}
			}
			return l.T("centres.f_minutes") + " " + c
		}
		return field
	}
	for field, e := range errs {
		out[field] = label(field) + ": " + l.Message(e.Key, e.Args)
	}
	order := []string{}
	for wd := 1; wd <= 7; wd++ {
		for _, p := range []string{"opens_", "closes_", "break_from_", "break_to_"} {
			order = append(order, p+strconv.Itoa(wd))
		}
	}
	var rest []string
	for field := range out {
		if !strings.HasPrefix(field, "opens_") && !strings.HasPrefix(field, "closes_") && !strings.HasPrefix(field, "break_") {
			rest = append(rest, field)
		}
	}
	slices.Sort(rest)
	order = append(order, rest...)
	for _, f := range order {
		if m, ok := out[f]; ok {
			sum = append(sum, Problem{Field: f, Message: m})
		}
	}
	return out, sum
}
