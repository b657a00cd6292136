package applications

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/forms"
	"hromada/web"
)

// The resident's draft: started from a service's page, filled step by
// step (saved at each), its attachments, the review, and signed and
// submitted once.

// handleStarting is the apply address as a link or an address typed: the
// person's draft of the service continues; otherwise a page with the
// service's essentials and the button that starts one (POST). It writes
// nothing. A person who is not signed in arrives here after signing in.
func (h *HTTP) handleStarting(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	code := chi.URLParam(r, "code")
	st, err := h.Svc.Starting(r.Context(), o, code)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	switch {
	case st.Draft != nil:
		http.Redirect(w, r, draftURL(st.Draft), http.StatusSeeOther)
	case !st.HasForm:
		h.renderNoForm(w, r, code)
	default:
		h.RD.Render(w, r, http.StatusOK, "applications/start", &web.Page{TitleKey: "app.start_title", Data: st.Page})
	}
}

// handleStart starts the person's draft of the service, or continues the
// one there is (a double submit starts one).
func (h *HTTP) handleStart(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	app, err := h.Svc.Start(r.Context(), o, p, chi.URLParam(r, "code"))
	if errors.Is(err, ErrNoForm) {
		h.renderNoForm(w, r, chi.URLParam(r, "code"))
		return
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, draftURL(app), http.StatusSeeOther)
}

// renderNoForm answers the apply link of a service with no electronic form:
// 404 (there is no online application to start), saying so and how to
// apply instead, with the way back to the service's page; a code with no
// published service is the plain not-found page.
func (h *HTTP) renderNoForm(w http.ResponseWriter, r *http.Request, code string) {
	p, err := h.Svc.Offline(r.Context(), code)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.RD.Render(w, r, http.StatusNotFound, "applications/no_form", &web.Page{TitleKey: "app.no_form_title", Data: p})
}

// draftURL is where a draft continues: the first step not yet done.
func draftURL(app *Application) string {
	return "/cabinet/applications/" + app.ID.String() + "/steps/" + strconv.Itoa(app.Step)
}

// draftAndForm is the draft in the path with its form, and its owner;
// false when the page is written (an error, or the application is no
// longer a draft: its own page).
func (h *HTTP) draftAndForm(w http.ResponseWriter, r *http.Request) (Owner, *Application, *forms.Form, bool) {
	_, o, ok := h.who(w, r)
	if !ok {
		return o, nil, nil, false
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return o, nil, nil, false
	}
	app, err := h.Svc.Own(r.Context(), o, id)
	if err != nil {
		h.RD.Error(w, r, err)
		return o, nil, nil, false
	}
	if app.Status != Draft {
		http.Redirect(w, r, "/cabinet/applications/"+app.ID.String(), http.StatusSeeOther)
		return o, nil, nil, false
	}
	f, err := h.Svc.Form(r.Context(), app)
	if err != nil {
		h.RD.Error(w, r, err)
		return o, nil, nil, false
	}
	return o, app, f, true
}

type stepData struct {
	App      *Application
	Step     int
	Steps    []string // titles, then the attachments and review steps
	Title    string
	Fields   []fieldView
	Errors   map[string]string
	Order    []string // the fields with errors, in the page's order
	Saved    bool
	NextStep int
}

func (h *HTTP) handleStep(w http.ResponseWriter, r *http.Request) {
	_, app, f, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	n, ok := stepOf(r, f)
	if !ok {
		if n == len(f.Sections()) {
			http.Redirect(w, r, "/cabinet/applications/"+app.ID.String()+"/files", http.StatusSeeOther)
			return
		}
		h.RD.Error(w, r, ErrNotFound)
		return
	}
	h.renderStep(w, r, http.StatusOK, app, f, n, nil, nil, r.URL.Query().Get("saved") != "")
}

func (h *HTTP) handleSaveStep(w http.ResponseWriter, r *http.Request) {
	o, app, f, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	n, ok := stepOf(r, f)
	if !ok {
		h.RD.Error(w, r, ErrNotFound)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.RD.Error(w, r, err)
		return
	}
	// The settlement fields' names become codes before the step is kept.
	picks, err := h.places().Resolve(r.Context(), f, n, r.PostForm)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	action := r.PostForm.Get("action")
	app, errs, err := h.Svc.SaveStep(r.Context(), o, app.ID, n, r.PostForm, action == "next")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	picked := pickErrors(nil, picks)
	errs = pickErrors(errs, picks)
	base := "/cabinet/applications/" + app.ID.String()
	switch {
	case action == "back" && n > 0:
		http.Redirect(w, r, base+"/steps/"+strconv.Itoa(n-1), http.StatusSeeOther)
	case action == "next" && len(errs) == 0:
		http.Redirect(w, r, base+"/steps/"+strconv.Itoa(n+1), http.StatusSeeOther)
	case action == "next":
		h.renderStep(w, r, http.StatusUnprocessableEntity, app, f, n, errs, picks, true)
	case action == "find" || len(picked) > 0:
		// A search without JavaScript, or a draft saved with a name to
		// choose for: the places to choose from, on this step.
		h.renderStep(w, r, http.StatusOK, app, f, n, picked, picks, false)
	default: // "save": stay, say it is saved
		http.Redirect(w, r, base+"/steps/"+strconv.Itoa(n)+"?saved=1", http.StatusSeeOther)
	}
}

func (h *HTTP) renderStep(w http.ResponseWriter, r *http.Request, status int, app *Application, f *forms.Form, step int, errs forms.Errors,
	picks map[string]forms.Pick, saved bool) {
	l := h.RD.Localizer(r)
	shown, err := h.shownPicks(r.Context(), f, step, app.Data)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	for name, p := range picks {
		shown[name] = p // what was just posted wins over the draft
	}
	msgs, order := map[string]string{}, []string{}
	for _, fl := range f.Sections()[step].Fields {
		if e, ok := errs[fl.Name]; ok {
			msgs[fl.Name] = fieldMessage(l, e.Key, e.Args, fl.Label.In(l.Lang))
			order = append(order, fl.Name)
		}
	}
	d := stepData{App: app, Step: step, Steps: stepTitles(f, l), Title: f.Sections()[step].Title.In(l.Lang),
		Fields: fieldsOf(f, step, app.Data, msgs, shown, l.Lang), Errors: msgs, Order: order, Saved: saved, NextStep: step + 1}
	title := app.ServiceName.In(l.Lang) + " — " + d.Title
	if len(order) > 0 {
		title = l.T("app.errors_title_prefix") + " " + title
	}
	h.RD.Render(w, r, status, "applications/step", &web.Page{Title: title, Data: d})
}

func stepOf(r *http.Request, f *forms.Form) (int, bool) {
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 0 {
		return 0, false
	}
	if n >= len(f.Sections()) {
		return n, false
	}
	return n, true
}

func stepTitles(f *forms.Form, l *web.Localizer) []string {
	var out []string
	for _, s := range f.Sections() {
		out = append(out, s.Title.In(l.Lang))
	}
	return append(out, l.T("app.step_files"), l.T("app.step_review"))
}

// fieldView is one field of a step as the page shows it.
type fieldView struct {
	Name, Label, Hint, Error, Value, Type, Widget, InputMode, Autocomplete string
	Required, Checked                                                      bool
	ReadOnly                                                               bool // the applicant's identity (forms.Field.Identity)
	Options                                                                []optionView
	// Typed is a settlement field's text (the place picked, or what was
	// typed), Choices the places to choose from when it names several.
	Typed   string
	Choices []optionView
}

type optionView struct {
	Value, Label string
	Selected     bool
}

// autocompleteOf names the input purpose of profile fields (WCAG 1.3.5).
var autocompleteOf = map[string]string{
	"profile.full_name": "name", "profile.family_name": "family-name", "profile.given_name": "given-name",
	"profile.middle_name": "additional-name", "profile.email": "email", "profile.phone": "tel", "profile.birth_date": "bday",
	"profile.org_name": "organization",
}

func fieldsOf(f *forms.Form, step int, data map[string]any, msgs map[string]string, picks map[string]forms.Pick, lang string) []fieldView {
	var out []fieldView
	for _, fl := range f.Sections()[step].Fields {
		p := f.Property(fl.Name)
		v := fieldView{Name: fl.Name, Label: fl.Label.In(lang), Hint: fl.Hint.In(lang), Error: msgs[fl.Name], Type: p.InputType(),
			Widget: fl.Widget, Required: p.Required, Autocomplete: autocompleteOf[fl.Autofill], ReadOnly: fl.Identity()}
		if val, ok := data[fl.Name]; ok && val != nil {
			v.Value = rawValue(val)
			if b, ok := val.(bool); ok {
				v.Checked = b
			}
		}
		if p.Type == "integer" || p.Type == "number" {
			v.InputMode = map[string]string{"integer": "numeric", "number": "decimal"}[p.Type]
		}
		if p.Type == "boolean" {
			v.Widget = "checkbox"
		}
		if len(p.Options) > 0 {
			if v.Widget == "" || v.Widget == "text" {
				v.Widget = "select"
			}
			for _, o := range p.Options {
				label := o
				if t, ok := fl.Options[o]; ok {
					label = t.In(lang)
				}
				v.Options = append(v.Options, optionView{Value: o, Label: label, Selected: o == v.Value})
			}
		}
		if v.Widget == "" {
			v.Widget = "text"
		}
		if p, ok := picks[fl.Name]; ok {
			v.Typed = p.Typed
			for _, c := range p.Choices {
				v.Choices = append(v.Choices, optionView{Value: c.Code, Label: c.Label()})
			}
		}
		out = append(out, v)
	}
	return out
}

// rawValue is a stored value as an input shows it back.
func rawValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return ""
	}
	return fmt.Sprint(v)
}

func (h *HTTP) handleDetach(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		var file uuid.UUID
		if file, err = pathID(r, "file"); err == nil {
			err = h.Svc.Detach(r.Context(), o, id, file)
		}
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+id.String()+"/files", http.StatusSeeOther)
}

type reviewData struct {
	App        *Application
	Sections   []reviewSection
	Files      []File
	Errors     []reviewRow
	Steps      []string
	Step       int
	Key        string
	DevSigning bool
	SignError  string
	// Fee is the fee to pay before signing (catalog.Fee.PayFirst), nil
	// when the service is paid after submission or free.
	Fee *DraftFee
}

func (h *HTTP) handleReview(w http.ResponseWriter, r *http.Request) {
	o, app, _, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	h.renderReview(w, r, http.StatusOK, o, app, "", "")
}

func (h *HTTP) renderReview(w http.ResponseWriter, r *http.Request, status int, o Owner, app *Application, signErr string, key string) {
	errs, f, err := h.Svc.Check(r.Context(), app)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	_, fs, err := h.Svc.OwnFiles(r.Context(), o, app.ID)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	if key == "" {
		key = newKey()
	}
	d := reviewData{App: app, Files: fs, Steps: stepTitles(f, l), Step: len(f.Sections()) + 1, Key: key, DevSigning: h.Svc.DevSigning(), SignError: signErr}
	d.Sections, d.Errors = h.reviewOf(r.Context(), f, app.Data, errs, l)
	if d.Fee, err = h.Svc.FeeFirst(r.Context(), o, app.ID); err != nil {
		h.RD.Error(w, r, err)
		return
	}
	_, docs, err := h.Svc.Documents(r.Context(), o, app.ID)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	for _, m := range docs.Missing() {
		d.Errors = append(d.Errors, reviewRow{Error: l.Message(ErrMissingDocument.Key, map[string]any{"Document": m.Name.In(l.Lang)}),
			Href: "files#f-document", Step: d.Step - 1})
	}
	h.RD.Render(w, r, status, "applications/review", &web.Page{Title: app.ServiceName.In(l.Lang) + " — " + l.T("app.step_review"), Data: d})
}

// reviewRow is a value of the form as the review and the visual form show
// it, with the step to go back to.
type reviewRow struct {
	Label, Value, Error, Field string
	Step                       int
	Href                       string // where to fix it, from the review page
}

type reviewSection struct {
	Title string
	Step  int
	Rows  []reviewRow
}

func (h *HTTP) reviewOf(ctx context.Context, f *forms.Form, data map[string]any, errs forms.Errors, l *web.Localizer) ([]reviewSection, []reviewRow) {
	var (
		secs []reviewSection
		bad  []reviewRow
	)
	places := h.placesOf(ctx, f, data)
	for i, s := range f.Sections() {
		sec := reviewSection{Title: s.Title.In(l.Lang), Step: i}
		for _, fl := range s.Fields {
			row := reviewRow{Label: fl.Label.In(l.Lang), Value: f.Display(fl.Name, data[fl.Name], l.Lang), Field: fl.Name, Step: i}
			if p, ok := places[row.Value]; ok && fl.Widget == forms.WidgetSettlement {
				row.Value = p.Label() + " (" + p.Code + ")"
			}
			if e, ok := errs[fl.Name]; ok {
				row.Error = fieldMessage(l, e.Key, e.Args, row.Label)
				row.Href = "steps/" + strconv.Itoa(i) + "#f-" + fl.Name
				bad = append(bad, row)
			}
			sec.Rows = append(sec.Rows, row)
		}
		secs = append(secs, sec)
	}
	if e, ok := errs[""]; ok {
		bad = append(bad, reviewRow{Label: l.T("app.form_whole"), Error: l.Message(e.Key, e.Args)})
	}
	return secs, bad
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (h *HTTP) handleCanonical(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	var b []byte
	if err == nil {
		b, err = h.Svc.Canonical(r.Context(), o, id)
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="zaiava-`+id.String()+`.json"`)
	_, _ = w.Write(b)
}

// handleSign signs and submits: with the signature provider in one click,
// or with a detached signature (.p7s) the person made over the downloaded
// bytes with their own tool.
func (h *HTTP) handleSign(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	key := r.FormValue("key")
	var app *Application
	if r.FormValue("method") == "upload" {
		var cms []byte
		file, _, ferr := r.FormFile("signature")
		if ferr != nil {
			err = ErrSignature.Wrap(ferr)
		} else {
			cms, err = io.ReadAll(io.LimitReader(file, 1<<20))
			file.Close()
			if err == nil {
				app, _, err = h.Svc.Submit(r.Context(), o, p, id, key, nil, cms)
			}
		}
	} else {
		app, _, err = h.Svc.SignOnline(r.Context(), o, p, id, key)
	}
	if err != nil {
		e := apperr.As(err)
		if e == nil || e.Code == apperr.Internal || errors.Is(err, ErrNotFound) {
			h.RD.Error(w, r, err)
			return
		}
		draft, gerr := h.Svc.Own(r.Context(), o, id)
		if gerr != nil || draft.Status != Draft {
			h.RD.Error(w, r, err)
			return
		}
		h.renderReview(w, r, apperr.Status(e.Code), o, draft, h.RD.Localizer(r).Message(e.Key, e.Args), key)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+app.ID.String()+"?submitted=1", http.StatusSeeOther)
}

// handlePayFirst makes the draft's invoice of a pay-first service (or
// finds it) and sends the resident to its page, where the gateway's
// checkout is.
func (h *HTTP) handlePayFirst(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	inv, err := h.Svc.PayFirst(r.Context(), o, p, id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/payments/"+inv.ID.String(), http.StatusSeeOther)
}

func (h *HTTP) handleDiscard(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = h.Svc.Discard(r.Context(), o, id)
	}
	if errors.Is(err, ErrBilledDraft) {
		if draft, gerr := h.Svc.Own(r.Context(), o, id); gerr == nil {
			h.renderReview(w, r, http.StatusConflict, o, draft, h.RD.Localizer(r).T(ErrBilledDraft.Key), "")
			return
		}
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
}
