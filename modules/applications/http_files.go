package applications

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/forms"
	"hromada/modules/uploads"
	"hromada/web"
)

// The documents step of a draft: the service's documents from the
// register, each with its files, and the upload of one more. Every
// refusal (no file chosen, a file too large for the server, a kind not
// taken) is shown on this page, naming the limit, with what is attached
// kept.

// ErrNoFile is the upload form sent with no file chosen.
var ErrNoFile = apperr.New(apperr.Invalid, "error.upload_no_file")

// ErrUploadTooLarge is a file bigger than the server reads at all: the
// request body's limit was hit before the file's own could be checked.
var ErrUploadTooLarge = apperr.New(apperr.TooLarge, "error.upload_body_too_large")

type filesData struct {
	App       *Application
	Documents *DocumentList
	Steps     []string
	Step      int
	Error     string
	ErrorAt   string // the id of the input the error is about
	Document  int    // the document chosen in the upload form
}

func (h *HTTP) handleFiles(w http.ResponseWriter, r *http.Request) {
	o, app, f, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	h.renderFiles(w, r, http.StatusOK, o, app, f, filesData{})
}

func (h *HTTP) handleAttach(w http.ResponseWriter, r *http.Request) {
	o, app, f, ok := h.draftAndForm(w, r)
	if !ok {
		return
	}
	n, err := h.attach(r, o, app.ID)
	if err != nil {
		e := apperr.As(err)
		if e == nil || e.Code == apperr.Internal {
			h.RD.Error(w, r, err)
			return
		}
		d := filesData{Error: h.RD.Localizer(r).Message(e.Key, e.Args), ErrorAt: "f-file", Document: n}
		if errors.Is(err, ErrNoDocument) {
			d.ErrorAt = "f-document"
		}
		h.renderFiles(w, r, apperr.Status(e.Code), o, app, f, d)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+app.ID.String()+"/files", http.StatusSeeOther)
}

// attach reads the upload form: which document, and its file. It returns
// the document chosen, to keep it chosen when the file is refused.
func (h *HTTP) attach(r *http.Request, o Owner, id uuid.UUID) (int, error) {
	file, hdr, err := r.FormFile("file")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		// The rest of the body was not read: nothing else of the form is known.
		return 0, ErrUploadTooLarge.With(map[string]any{"Limit": uploads.DefaultMaxBytes >> 20}).Wrap(err)
	case errors.Is(err, http.ErrMissingFile):
		n, _ := strconv.Atoi(r.FormValue("document"))
		return n, ErrNoFile
	case err != nil:
		return 0, uploads.ErrFailed.With(map[string]any{"Name": ""}).Wrap(err)
	}
	defer file.Close()
	n, err := strconv.Atoi(r.FormValue("document"))
	if err != nil || n < 1 {
		return 0, ErrNoDocument
	}
	_, err = h.Svc.AttachDocument(r.Context(), o, id, n, hdr.Filename, file, uploads.Limits{})
	return n, err
}

func (h *HTTP) renderFiles(w http.ResponseWriter, r *http.Request, status int, o Owner, app *Application, f *forms.Form, d filesData) {
	_, list, err := h.Svc.Documents(r.Context(), o, app.ID)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	d.App, d.Documents, d.Steps, d.Step = app, list, stepTitles(f, l), len(f.Sections())
	title := app.ServiceName.In(l.Lang) + " — " + l.T("app.step_files")
	if d.Error != "" {
		title = l.T("app.errors_title_prefix") + " " + title
	}
	h.RD.Render(w, r, status, "applications/files", &web.Page{Title: title, Data: d})
}
