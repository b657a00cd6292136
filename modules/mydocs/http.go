package mydocs

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/web"
)

// HTTP holds the cabinet's documents pages and the officials' view of an
// applicant's shared documents.
type HTTP struct {
	svc  *Service
	apps *applications.Service
	rd   *web.Renderer
}

// NewHTTP returns the pages over svc; apps is the applications a cabinet
// document may be attached to.
func NewHTTP(svc *Service, apps *applications.Service, rd *web.Renderer) *HTTP {
	return &HTTP{svc: svc, apps: apps, rd: rd}
}

func chiParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

// Routes mounts the pages behind g:
//
//	GET  /cabinet/documents                   documents, consents, who looked   own_documents:read
//	POST /cabinet/documents                   a document uploaded                own_documents:create
//	GET  /cabinet/documents/{id}/file         the person's own file              own_documents:read
//	POST /cabinet/documents/{id}/delete       the document deleted               own_documents:delete
//	POST /cabinet/documents/consents          a consent given                    own_documents:create
//	POST /cabinet/documents/consents/{id}/revoke   a consent ended               own_documents:delete
//	GET  /cabinet/applications/{id}/files/mine     a cabinet document to attach   own_applications:update
//	POST /cabinet/applications/{id}/files/mine     it attached to the draft        own_applications:update
//	GET  /work/applications/{id}/shared            the applicant's shared documents    applications:read (the application's provider)
//	GET  /work/applications/{id}/shared/{doc}      one of them, recorded                applications:read (the application's provider)
//	POST /work/applications/{id}/shared/{doc}/law  one opened without consent, by law   applications/cabinet_by_law:read (the application's provider)
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	get, post := http.MethodGet, http.MethodPost
	own := func(act string) access.Perm { return access.Perm{Object: access.ObjOwnDocuments, Action: act} }
	g.Route(r, get, "/cabinet/documents", own(access.ActRead), h.handleCabinet)
	g.Route(r, post, "/cabinet/documents", own(access.ActCreate), h.handleUpload)
	g.Route(r, get, "/cabinet/documents/{id}/file", own(access.ActRead), h.handleOwnFile)
	g.Route(r, post, "/cabinet/documents/{id}/delete", own(access.ActDelete), h.handleDelete)
	g.Route(r, post, "/cabinet/documents/consents", own(access.ActCreate), h.handleGrant)
	g.Route(r, post, "/cabinet/documents/consents/{id}/revoke", own(access.ActDelete), h.handleRevoke)
	attach := access.Perm{Object: access.ObjOwnApplications, Action: access.ActUpdate}
	g.Route(r, get, "/cabinet/applications/{id}/files/mine", attach, h.handleAttachPage)
	g.Route(r, post, "/cabinet/applications/{id}/files/mine", attach, h.handleAttach)
	read := access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeOfRow("id", applications.ProviderOf)}
	g.Route(r, get, "/work/applications/{id}/shared", read, h.handleShared)
	g.Route(r, get, "/work/applications/{id}/shared/{doc}", read, h.handleOpen)
	byLaw := access.Perm{Object: ObjByLaw, Action: access.ActRead, Scope: access.ScopeOfRow("id", applications.ProviderOf)}
	g.Route(r, post, "/work/applications/{id}/shared/{doc}/law", byLaw, h.handleOpenByLaw)
}

type cabinetData struct {
	*Cabinet
	UploadID string
	Form     UploadForm
	Errors   map[string]string
	Done     string
	Until    string // the consent form's default end: a month from today
}

func (h *HTTP) handleCabinet(w http.ResponseWriter, r *http.Request) {
	h.renderCabinet(w, r, http.StatusOK, cabinetData{Done: r.URL.Query().Get("done")})
}

func (h *HTTP) renderCabinet(w http.ResponseWriter, r *http.Request, status int, d cabinetData) {
	sg := identity.SignedFrom(r.Context())
	if sg == nil {
		h.rd.Error(w, r, ErrSignedOut)
		return
	}
	c, err := h.svc.Mine(r.Context(), sg.AccountID)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Cabinet = c
	if d.Form.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		d.Form.ID = id.String()
	}
	d.Until = c.Today.AddDate(0, 1, 0).Format(time.DateOnly)
	h.rd.Render(w, r, status, "mydocs/cabinet", &web.Page{TitleKey: "mydocs.title", Data: d})
}

func (h *HTTP) handleUpload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			// The server's limit for this form (a video's and a little
			// more) was hit: the rest of the form is unknown, the page says
			// the largest file it takes.
			e := applications.ErrUploadTooLarge.With(map[string]any{"Limit": VideoMaxBytes >> 20})
			h.renderCabinet(w, r, http.StatusRequestEntityTooLarge, cabinetData{Errors: h.messages(r, FieldErrors{"file": e})})
			return
		}
		h.rd.Error(w, r, err)
		return
	}
	f := UploadForm{ID: r.PostForm.Get("id"), Kind: r.PostForm.Get("kind"), Title: r.PostForm.Get("title"), ExpiresOn: r.PostForm.Get("expires_on")}
	file, fh, err := r.FormFile("file")
	var errs FieldErrors
	switch {
	case errors.Is(err, http.ErrMissingFile):
		errs = FieldErrors{"file": errNoFile}
	case err != nil:
		h.rd.Error(w, r, err)
		return
	default:
		defer func() { _ = file.Close() }()
		_, err = h.svc.Upload(r.Context(), &f, fh.Filename, file)
		if err != nil && !errors.As(err, &errs) {
			h.rd.Error(w, r, err)
			return
		}
	}
	if errs != nil {
		h.renderCabinet(w, r, http.StatusBadRequest, cabinetData{Form: f, Errors: h.messages(r, errs)})
		return
	}
	http.Redirect(w, r, "/cabinet/documents?done=uploaded", http.StatusSeeOther)
}

func (h *HTTP) messages(r *http.Request, errs FieldErrors) map[string]string {
	l := h.rd.Localizer(r)
	out := map[string]string{}
	for field, e := range errs {
		out[field] = l.T("mydocs.field."+field) + ": " + l.Message(e.Key, e.Args)
	}
	return out
}

func (h *HTTP) handleOwnFile(w http.ResponseWriter, r *http.Request) {
	owner, id, ok := h.ownerAndID(w, r)
	if !ok {
		return
	}
	d, b, err := h.svc.File(r.Context(), owner, id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.Video() && r.URL.Query().Get("play") == "1" {
		play(w, r, d, b)
		return
	}
	serve(w, d, b)
}

// play writes a video for the page's <video>: inline, with ranges (a
// player seeks), its type the one sniffed at upload (never HTML).
func play(w http.ResponseWriter, r *http.Request, d *Document, b []byte) {
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": d.FileName}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", d.CreatedAt, bytes.NewReader(b))
}

// ownerAndID is the signed-in person and the id in the path; on false the
// error page is written.
func (h *HTTP) ownerAndID(w http.ResponseWriter, r *http.Request) (owner, id uuid.UUID, ok bool) {
	sg := identity.SignedFrom(r.Context())
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if sg == nil || err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return uuid.Nil, uuid.Nil, false
	}
	return sg.AccountID, id, true
}

// serve writes a document's bytes as a download: the type sniffed at
// upload, never rendered inline on the portal's origin.
func serve(w http.ResponseWriter, d *Document, b []byte) {
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.FileName}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (h *HTTP) handleDelete(w http.ResponseWriter, r *http.Request) {
	owner, id, ok := h.ownerAndID(w, r)
	if !ok {
		return
	}
	// An issued result has no delete button; asked anyway, the error page
	// says why it stays (ErrResultKept).
	if err := h.svc.Delete(r.Context(), owner, id); err != nil && !errors.Is(err, ErrNotFound) {
		h.rd.Error(w, r, err) // a second click finds it gone: the same page
		return
	}
	http.Redirect(w, r, "/cabinet/documents?done=deleted", http.StatusSeeOther)
}

func (h *HTTP) handleGrant(w http.ResponseWriter, r *http.Request) {
	sg := identity.SignedFrom(r.Context())
	if sg == nil {
		h.rd.Error(w, r, ErrSignedOut)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := ConsentForm{Provider: r.PostForm.Get("provider"), Documents: r.PostForm["documents"], ValidUntil: r.PostForm.Get("valid_until")}
	err := h.svc.Grant(r.Context(), sg.AccountID, f)
	var errs FieldErrors
	switch {
	case err == nil:
		http.Redirect(w, r, "/cabinet/documents?done=granted#consents", http.StatusSeeOther)
	case errors.As(err, &errs):
		h.renderCabinet(w, r, http.StatusBadRequest, cabinetData{Errors: h.messages(r, errs)})
	default:
		h.rd.Error(w, r, err)
	}
}

func (h *HTTP) handleRevoke(w http.ResponseWriter, r *http.Request) {
	owner, id, ok := h.ownerAndID(w, r)
	if !ok {
		return
	}
	if err := h.svc.Revoke(r.Context(), owner, id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/documents?done=revoked#consents", http.StatusSeeOther)
}

type sharedData struct {
	*Shared
	// Withheld are the documents no consent covers, listed only for an
	// official who may open them by law (ObjByLaw).
	Withheld []Document
	Grounds  []LegalGround
	Law      LawForm           // as typed, kept with its errors
	LawDoc   string            // the document the errors are about
	Errors   map[string]string // by field
}

func (h *HTTP) handleShared(w http.ResponseWriter, r *http.Request) {
	h.renderShared(w, r, http.StatusOK, sharedData{})
}

func (h *HTTP) renderShared(w http.ResponseWriter, r *http.Request, status int, d sharedData) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	if d.Shared, err = h.svc.ForApplication(r.Context(), id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	// The law's form shows only to whom its route lets through: any
	// document's route asks the same (the application's provider).
	probe := "/work/applications/" + id.String() + "/shared/" + uuid.Nil.String() + "/law"
	can, err := access.Allows(r, access.Post(probe, nil))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if can.Has(http.MethodPost, probe) {
		if d.Withheld, err = h.svc.Withheld(r.Context(), id, d.Shared); err != nil {
			h.rd.Error(w, r, err)
			return
		}
		d.Grounds = LegalGrounds
	}
	h.rd.Render(w, r, status, "mydocs/shared", &web.Page{TitleKey: "mydocs.shared_title", Data: d})
}

func (h *HTTP) handleOpenByLaw(w http.ResponseWriter, r *http.Request) {
	app, err1 := uuid.Parse(chi.URLParam(r, "id"))
	doc, err2 := uuid.Parse(chi.URLParam(r, "doc"))
	if err1 != nil || err2 != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := LawForm{Ground: r.PostForm.Get("legal_ground"), Note: r.PostForm.Get("legal_note")}
	d, b, err := h.svc.OpenByLaw(r.Context(), app, doc, f)
	var errs FieldErrors
	switch {
	case errors.As(err, &errs):
		h.renderShared(w, r, http.StatusBadRequest, sharedData{Law: f, LawDoc: doc.String(), Errors: h.messages(r, errs)})
	case err != nil:
		h.rd.Error(w, r, err)
	default:
		serve(w, d, b)
	}
}

func (h *HTTP) handleOpen(w http.ResponseWriter, r *http.Request) {
	app, err1 := uuid.Parse(chi.URLParam(r, "id"))
	doc, err2 := uuid.Parse(chi.URLParam(r, "doc"))
	if err1 != nil || err2 != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	d, b, err := h.svc.Open(r.Context(), app, doc)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	serve(w, d, b)
}
