package mydocs

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/modules/uploads"
	"hromada/web"
)

// Attaching a cabinet document to a draft instead of uploading it again
// (seed 000 §7): the file's bytes are copied into the application's case,
// where they are kept as the case is; the copy is the application's, seen
// by its provider as any attachment, and the person's own stays theirs to
// delete.

// ErrChooseDocument: the form named no document of the person's.
var ErrChooseDocument = apperr.New(apperr.Invalid, "mydocs.error.choose")

// AttachTo copies the person's document doc into their draft app as the
// service's document n, through the applications module (which checks the
// draft and the place) and records it in the document's history.
func (s *Service) AttachTo(ctx context.Context, apps *applications.Service, app uuid.UUID, n int, doc uuid.UUID) error {
	_, o, err := apps.Signed(ctx)
	if err != nil {
		return err
	}
	d, b, err := s.File(ctx, o.AccountID, doc)
	if errors.Is(err, ErrNotFound) {
		return ErrChooseDocument
	}
	if err != nil {
		return err
	}
	up, err := apps.AttachDocument(ctx, o, app, n, d.FileName, bytes.NewReader(b), uploads.Limits{})
	if err != nil {
		return err
	}
	sg := identity.SignedFrom(ctx)
	// The copy's key is how an official's opening of it is traced back to
	// this document for the person (CopyOpened).
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return recordView(ctx, tx, viewRow{doc: *d, viewer: sg, app: app, ground: "attached", copyKey: up.Key}, s.now())
	})
}

type attachData struct {
	App       *applications.Application
	Documents *applications.DocumentList
	Mine      []Document
	Document  int
	Error     string
}

func (h *HTTP) handleAttachPage(w http.ResponseWriter, r *http.Request) {
	h.renderAttach(w, r, http.StatusOK, attachData{})
}

func (h *HTTP) renderAttach(w http.ResponseWriter, r *http.Request, status int, d attachData) {
	id, err := uuid.Parse(chiParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	_, o, err := h.apps.Signed(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.App, d.Documents, err = h.apps.Documents(r.Context(), o, id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	c, err := h.svc.Mine(r.Context(), o.AccountID)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	for _, doc := range c.Documents {
		if !doc.Video() { // an application takes scans and PDFs (uploads.DefaultTypes)
			d.Mine = append(d.Mine, doc)
		}
	}
	h.rd.Render(w, r, status, "mydocs/attach", &web.Page{TitleKey: "mydocs.attach_title", Data: d})
}

func (h *HTTP) handleAttach(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chiParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	n, _ := strconv.Atoi(r.PostForm.Get("document"))
	doc, err := uuid.Parse(r.PostForm.Get("mine"))
	if err != nil {
		err = ErrChooseDocument
	} else {
		err = h.svc.AttachTo(r.Context(), h.apps, id, n, doc)
	}
	if e := apperr.As(err); err != nil && e.Code == apperr.Invalid {
		h.renderAttach(w, r, http.StatusBadRequest, attachData{Document: n, Error: h.rd.Localizer(r).Message(e.Key, e.Args)})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+id.String()+"/files", http.StatusSeeOther)
}
