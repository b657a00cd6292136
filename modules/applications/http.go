package applications

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/forms"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/web"
)

// HTTP is the applications' pages: the resident's forms and cabinet, and
// the officials' workspace. The signed-in person comes from the request's
// context (identity's session), through the Service.
type HTTP struct {
	Svc   *Service
	Guard *access.Guard
	RD    *web.Renderer
}

// Routes mounts the resident's side:
//
//	GET  /services/{code}/apply                   start or resume a draft      own_applications:create
//	GET  /cabinet                                 applications, drafts, inbox  own_applications:read
//	GET  /cabinet/applications/{id}               one, with its timeline       own_applications:read
//	GET  /cabinet/applications/{id}/status        its timeline as JSON (polled) own_applications:read
//	GET  /cabinet/applications/{id}/canonical     the bytes to sign            own_applications:read
//	GET  /cabinet/applications/{id}/files/{file}  a document                   own_documents:read
//	GET  /cabinet/applications/{id}/steps/{n}     a step of the form           own_applications:update
//	POST /cabinet/applications/{id}/steps/{n}     save it (and go on)          own_applications:update
//	GET  /cabinet/applications/{id}/files         the attachments step         own_applications:update
//	POST /cabinet/applications/{id}/files         attach a file                own_applications:update
//	POST /cabinet/applications/{id}/files/{file}/delete                        own_applications:update
//	GET  /cabinet/applications/{id}/review        check and sign               own_applications:update
//	POST /cabinet/applications/{id}/sign          sign and submit              own_applications:update
//	POST /cabinet/applications/{id}/withdraw      withdraw                     own_applications:update
//	POST /cabinet/applications/{id}/answer        answer a clarification       own_applications:update
//	POST /cabinet/applications/{id}/discard       delete a draft               own_applications:delete
//	GET  /cabinet/notifications                   the inbox                    own_profile:read
func (h *HTTP) Routes(r chi.Router) {
	g := h.Guard
	own := func(act string) access.Perm { return access.Perm{Object: access.ObjOwnApplications, Action: act} }
	g.Route(r, http.MethodGet, "/services/{code}/apply", own(access.ActCreate), h.handleStart)
	g.Route(r, http.MethodGet, "/cabinet", own(access.ActRead), h.handleCabinet)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}", own(access.ActRead), h.handleView)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/status", own(access.ActRead), h.handleStatus)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/canonical", own(access.ActRead), h.handleCanonical)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/files/{file}", access.Perm{Object: access.ObjOwnDocuments, Action: access.ActRead}, h.handleFile)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/steps/{n}", own(access.ActUpdate), h.handleStep)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/steps/{n}", own(access.ActUpdate), h.handleSaveStep)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/files", own(access.ActUpdate), h.handleFiles)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/files", own(access.ActUpdate), h.handleAttach)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/files/{file}/delete", own(access.ActUpdate), h.handleDetach)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/review", own(access.ActUpdate), h.handleReview)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/sign", own(access.ActUpdate), h.handleSign)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/withdraw", own(access.ActUpdate), h.handleWithdraw)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/answer", own(access.ActUpdate), h.handleAnswer)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/discard", own(access.ActDelete), h.handleDiscard)
	g.Route(r, http.MethodGet, "/cabinet/notifications", access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}, h.handleInbox)
}

// who is the signed-in person and whose applications they reach; false
// when the error page is written.
func (h *HTTP) who(w http.ResponseWriter, r *http.Request) (Person, Owner, bool) {
	p, o, err := h.Svc.Signed(r.Context())
	if err != nil {
		h.RD.Error(w, r, err)
		return p, o, false
	}
	return p, o, true
}

func pathID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, name))
	if err != nil {
		return uuid.Nil, ErrNotFound
	}
	return id, nil
}

func (h *HTTP) handleStart(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	app, err := h.Svc.Start(r.Context(), o, p, chi.URLParam(r, "code"))
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, draftURL(app), http.StatusSeeOther)
}

// draftURL is where a draft continues: the first step not yet done.
func draftURL(app *Application) string {
	return "/cabinet/applications/" + app.ID.String() + "/steps/" + strconv.Itoa(app.Step)
}

type cabinetData struct {
	Applications []*Application
	Drafts       []*Application
	Unread       int
	Person       Person
	Owner        Owner
	Now          time.Time
}

func (h *HTTP) handleCabinet(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	c, err := h.Svc.Cabinet(r.Context(), o, p)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d := cabinetData{Applications: c.Applications, Drafts: c.Drafts, Unread: c.Unread, Person: c.Person, Owner: o, Now: h.Svc.now()}
	h.RD.Render(w, r, http.StatusOK, "applications/cabinet", &web.Page{TitleKey: "app.cabinet", Data: d})
}

// fieldView is one field of a step as the page shows it.
type fieldView struct {
	Name, Label, Hint, Error, Value, Type, Widget, InputMode, Autocomplete string
	Required, Checked                                                      bool
	Options                                                                []optionView
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

func fieldsOf(f *forms.Form, step int, data map[string]any, msgs map[string]string, lang string) []fieldView {
	var out []fieldView
	for _, fl := range f.Sections()[step].Fields {
		p := f.Property(fl.Name)
		v := fieldView{Name: fl.Name, Label: fl.Label.In(lang), Hint: fl.Hint.In(lang), Error: msgs[fl.Name], Type: p.InputType(),
			Widget: fl.Widget, Required: p.Required, Autocomplete: autocompleteOf[fl.Autofill]}
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
		out = append(out, v)
	}
	return out
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

func stepTitles(f *forms.Form, l *web.Localizer) []string {
	var out []string
	for _, s := range f.Sections() {
		out = append(out, s.Title.In(l.Lang))
	}
	return append(out, l.T("app.step_files"), l.T("app.step_review"))
}

func (h *HTTP) renderStep(w http.ResponseWriter, r *http.Request, status int, app *Application, f *forms.Form, step int, errs forms.Errors, saved bool) {
	l := h.RD.Localizer(r)
	msgs, order := map[string]string{}, []string{}
	for _, fl := range f.Sections()[step].Fields {
		if e, ok := errs[fl.Name]; ok {
			msgs[fl.Name] = l.Message(e.Key, e.Args)
			order = append(order, fl.Name)
		}
	}
	d := stepData{App: app, Step: step, Steps: stepTitles(f, l), Title: f.Sections()[step].Title.In(l.Lang),
		Fields: fieldsOf(f, step, app.Data, msgs, l.Lang), Errors: msgs, Order: order, Saved: saved, NextStep: step + 1}
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
	h.renderStep(w, r, http.StatusOK, app, f, n, nil, r.URL.Query().Get("saved") != "")
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
	action := r.PostForm.Get("action")
	app, errs, err := h.Svc.SaveStep(r.Context(), o, app.ID, n, r.PostForm, action == "next")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	base := "/cabinet/applications/" + app.ID.String()
	switch {
	case action == "back" && n > 0:
		http.Redirect(w, r, base+"/steps/"+strconv.Itoa(n-1), http.StatusSeeOther)
	case action == "next" && len(errs) == 0:
		http.Redirect(w, r, base+"/steps/"+strconv.Itoa(n+1), http.StatusSeeOther)
	case action == "next":
		h.renderStep(w, r, http.StatusUnprocessableEntity, app, f, n, errs, true)
	default: // "save": stay, say it is saved
		http.Redirect(w, r, base+"/steps/"+strconv.Itoa(n)+"?saved=1", http.StatusSeeOther)
	}
}

type filesData struct {
	App   *Application
	Files []File
	Steps []string
	Step  int
	Error string
}

func (h *HTTP) renderFiles(w http.ResponseWriter, r *http.Request, status int, o Owner, app *Application, f *forms.Form, errMsg string) {
	_, fs, err := h.Svc.OwnFiles(r.Context(), o, app.ID)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	h.RD.Render(w, r, status, "applications/files", &web.Page{Title: app.ServiceName.In(l.Lang) + " — " + l.T("app.step_files"),
		Data: filesData{App: app, Files: fs, Steps: stepTitles(f, l), Step: len(f.Sections()), Error: errMsg}})
}

func (h *HTTP) handleFiles(w http.ResponseWriter, r *http.Request) {
	o, app, f, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	h.renderFiles(w, r, http.StatusOK, o, app, f, "")
}

func (h *HTTP) handleAttach(w http.ResponseWriter, r *http.Request) {
	o, app, f, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	err := h.attach(r, o, app.ID)
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.Internal {
			h.renderFiles(w, r, apperr.Status(e.Code), o, app, f, h.RD.Localizer(r).Message(e.Key, e.Args))
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+app.ID.String()+"/files", http.StatusSeeOther)
}

func (h *HTTP) attach(r *http.Request, o Owner, id uuid.UUID) error {
	file, hdr, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return uploads.ErrEmpty
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return uploads.ErrTooLarge.With(map[string]any{"Limit": "10", "Name": ""})
		}
		return uploads.ErrFailed.Wrap(err)
	}
	defer file.Close()
	_, err = h.Svc.Attach(r.Context(), o, id, hdr.Filename, file, uploads.Limits{})
	return err
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

// reviewRow is a value of the form as the review and the visual form show
// it, with the step to go back to.
type reviewRow struct {
	Label, Value, Error, Field string
	Step                       int
}

type reviewSection struct {
	Title string
	Step  int
	Rows  []reviewRow
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
}

func reviewOf(f *forms.Form, data map[string]any, errs forms.Errors, l *web.Localizer) ([]reviewSection, []reviewRow) {
	var (
		secs []reviewSection
		bad  []reviewRow
	)
	for i, s := range f.Sections() {
		sec := reviewSection{Title: s.Title.In(l.Lang), Step: i}
		for _, fl := range s.Fields {
			row := reviewRow{Label: fl.Label.In(l.Lang), Value: f.Display(fl.Name, data[fl.Name], l.Lang), Field: fl.Name, Step: i}
			if e, ok := errs[fl.Name]; ok {
				row.Error = l.Message(e.Key, e.Args)
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
	d.Sections, d.Errors = reviewOf(f, app.Data, errs, l)
	h.RD.Render(w, r, status, "applications/review", &web.Page{Title: app.ServiceName.In(l.Lang) + " — " + l.T("app.step_review"), Data: d})
}

func (h *HTTP) handleReview(w http.ResponseWriter, r *http.Request) {
	o, app, _, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	h.renderReview(w, r, http.StatusOK, o, app, "", "")
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

type viewData struct {
	App       *Application
	Events    []Event
	Files     []File
	Sections  []reviewSection
	Submitted bool
	Error     string
	Now       time.Time
	Staff     bool
	Grounds   []tenant.Text
	Provider  string
	Document  uuid.UUID // the sealed result's, for its verification page
}

func (h *HTTP) handleView(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.renderView(w, r, http.StatusOK, o, id, "")
}

func (h *HTTP) renderView(w http.ResponseWriter, r *http.Request, status int, o Owner, id uuid.UUID, errMsg string) {
	app, evs, fs, err := h.Svc.Get(r.Context(), o, id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if app.Status == Draft {
		http.Redirect(w, r, draftURL(app), http.StatusSeeOther)
		return
	}
	f, err := h.Svc.Form(r.Context(), app)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	secs, _ := reviewOf(f, app.Data, nil, l)
	d := viewData{App: app, Events: evs, Files: fs, Sections: secs, Submitted: r.URL.Query().Get("submitted") != "", Error: errMsg, Now: h.Svc.now()}
	if app.Status == Issued {
		if d.Document, err = h.Svc.DocumentOf(r.Context(), app.ID); err != nil {
			h.RD.Error(w, r, err)
			return
		}
	}
	h.RD.Render(w, r, status, "applications/view", &web.Page{Title: l.T("app.application") + " № " + app.Number, Data: d})
}

// statusJSON is what the cabinet polls to update the timeline in place.
type statusJSON struct {
	Status string      `json:"status"`
	Label  string      `json:"label"`
	Events []eventJSON `json:"events"`
}

type eventJSON struct {
	At      string `json:"at"`
	Label   string `json:"label"`
	Who     string `json:"who"`
	Comment string `json:"comment"`
}

func (h *HTTP) handleStatus(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	var (
		app *Application
		evs []Event
	)
	if err == nil {
		app, evs, _, err = h.Svc.Get(r.Context(), o, id)
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	out := statusJSON{Status: string(app.Status), Label: l.T("app.status_" + string(app.Status))}
	for _, e := range evs {
		out.Events = append(out.Events, eventJSON{At: e.At.In(tenant.Zone).Format("02.01.2006 15:04"), Label: l.T("app.status_" + string(e.To)),
			Who: whoLabel(l, e), Comment: e.Comment})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

func whoLabel(l *web.Localizer, e Event) string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return l.T("app.actor_" + string(e.ActorKind))
}

func (h *HTTP) handleFile(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	var fs []File
	if err == nil {
		_, fs, err = h.Svc.OwnFiles(r.Context(), o, id)
	}
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	fid, _ := uuid.Parse(chi.URLParam(r, "file"))
	f, found := fileOf(fs, fid)
	if !found {
		h.RD.Error(w, r, ErrNotFound)
		return
	}
	b, err := h.Svc.Download(r.Context(), f)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	serveFile(w, f, b)
}

// serveFile sends a document as a download: never rendered in the
// portal's origin, whatever its bytes.
func serveFile(w http.ResponseWriter, f File, b []byte) {
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b)
}

func (h *HTTP) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = h.Svc.Withdraw(r.Context(), o, p, id, r.FormValue("comment"))
	}
	h.afterAction(w, r, o, id, err)
}

func (h *HTTP) handleAnswer(w http.ResponseWriter, r *http.Request) {
	p, o, ok := h.who(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	// Whose application and whether it waits for an answer are checked
	// before a file is stored: nothing lands in the store for a refusal.
	if err == nil {
		err = h.Svc.CanAnswer(r.Context(), o, id, r.FormValue("comment"))
	}
	if err == nil {
		var t *tenant.Tenant
		if t, err = tenant.From(r.Context()); err == nil {
			var up *uploads.File
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				up, err = uploads.FromRequest(r, h.Svc.Docs, t.ID, "applications/"+id.String(), "file", uploads.Limits{})
			}
			if err == nil {
				err = h.Svc.Answer(r.Context(), o, p, id, r.FormValue("comment"), up)
			}
		}
	}
	h.afterAction(w, r, o, id, err)
}

// afterAction shows the application again: with the problem next to the
// form when the person can fix it, else as it now stands.
func (h *HTTP) afterAction(w http.ResponseWriter, r *http.Request, o Owner, id uuid.UUID, err error) {
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.Internal && !errors.Is(err, ErrNotFound) {
			h.renderView(w, r, apperr.Status(e.Code), o, id, h.RD.Localizer(r).Message(e.Key, e.Args))
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+id.String(), http.StatusSeeOther)
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
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
}

type inboxData struct {
	Notifications []Notification
}

func (h *HTTP) handleInbox(w http.ResponseWriter, r *http.Request) {
	p, _, ok := h.who(w, r)
	if !ok {
		return
	}
	ns, err := h.Svc.Inbox(r.Context(), p.AccountID)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.RD.Render(w, r, http.StatusOK, "applications/inbox", &web.Page{TitleKey: "app.inbox", Data: inboxData{Notifications: ns}})
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
