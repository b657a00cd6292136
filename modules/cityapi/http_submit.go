package cityapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/forms"
	"hromada/modules/uploads"
	"hromada/web"
)

// A draft's files, its signing and its submission through the API: the
// same Service calls the review page makes (applications.Service's
// AttachDocument, SignOnline and Submit), so the uploads' limits, the
// required documents, the signature's checks and the automatic mode are
// the pages' own; a refusal is problem details naming the field.

// maxSignature is the largest detached signature read: a CMS with its
// certificate chain is a few kilobytes.
const maxSignature = 1 << 20

// apiAttachment is a file attached to a draft.
type apiAttachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Document    int    `json:"document"`
}

// fieldProblem answers err as problem details whose errors name field
// (the multipart form's field the refusal is about).
func (h *HTTP) fieldProblem(w http.ResponseWriter, r *http.Request, field string, err error) {
	p := h.rd.ProblemOf(r, err)
	if p.Code != string(apperr.Internal) && p.Code != string(apperr.NotFound) {
		p.Errors = []web.FieldProblem{{Field: field, Detail: p.Detail}}
	}
	web.WriteProblem(w, p)
}

// draftID is the path's application id; a malformed one is not found.
func draftID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, applications.ErrNotFound
	}
	return id, nil
}

// draftOwner is what the draft's write calls begin with: the draft's id
// from the path and the signed-in person with the owner they act for.
func (h *HTTP) draftOwner(r *http.Request) (uuid.UUID, applications.Person, applications.Owner, error) {
	id, err := draftID(r)
	if err != nil {
		return uuid.Nil, applications.Person{}, applications.Owner{}, err
	}
	p, o, err := h.signedOwner(r)
	return id, p, o, err
}

// apiAttach is POST /api/v1/applications/{id}/files: multipart, "file"
// and "document" (the place in the service's list of documents, from 1;
// absent or 0: none in particular).
func (h *HTTP) apiAttach(w http.ResponseWriter, r *http.Request) {
	id, _, o, err := h.draftOwner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	n := 0
	if v := r.FormValue("document"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			h.fieldProblem(w, r, "document", applications.ErrNoDocument)
			return
		}
	}
	file, hdr, err := r.FormFile("file")
	switch {
	case errors.Is(err, http.ErrMissingFile):
		h.fieldProblem(w, r, "file", applications.ErrNoFile)
		return
	case err != nil:
		h.fieldProblem(w, r, "file", uploads.ErrFailed.With(map[string]any{"Name": ""}).Wrap(err))
		return
	}
	defer file.Close()
	up, err := h.apps.AttachDocument(r.Context(), o, id, n, hdr.Filename, file, uploads.Limits{})
	if err != nil {
		field := "file"
		if errors.Is(err, applications.ErrNoDocument) {
			field = "document"
		}
		h.fieldProblem(w, r, field, err)
		return
	}
	h.writeJSON(w, r, http.StatusCreated, apiAttachment{Name: up.Name, ContentType: up.ContentType, Size: up.Size, SHA256: up.SHA256, Document: n}, nil)
}

// submissionKey is the applications' submission key of an API request:
// the token's grant and its Idempotency-Key, so that the same request
// again (even after the first answer was lost) submits once.
func submissionKey(r *http.Request) string {
	sum := sha256.Sum256([]byte(callerOf(r).Grant.String() + "\n" + r.Header.Get("Idempotency-Key")))
	return "api-" + hex.EncodeToString(sum[:16])
}

// apiSign is POST /api/v1/applications/{id}/sign: the city's signature
// provider (its remote signer, a HashSigner) signs the draft's canonical
// bytes for the person, and the application is submitted — in this one
// call, as the review page's button does. The call blocks while the
// signer works (seconds): a phone app shows a spinner, and a lost answer
// is retried with the same Idempotency-Key, which submits once.
func (h *HTTP) apiSign(w http.ResponseWriter, r *http.Request) {
	id, p, o, err := h.draftOwner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	// An application already submitted is not sent to the person's
	// signing app again (they would be asked to sign for nothing): a
	// conflict. The same request repeated is answered by idempotent.
	if a, err := h.apps.Own(r.Context(), o, id); err != nil || a.Status != applications.Draft {
		if err == nil {
			err = applications.ErrTransition
		}
		h.rd.Problem(w, r, err)
		return
	}
	app, errs, err := h.apps.SignOnline(r.Context(), o, p, id, submissionKey(r))
	h.submitted(w, r, app, errs, err)
}

// apiSubmit is POST /api/v1/applications/{id}/submit: multipart, with
// "signature" a detached CMS (.p7s, DER or PEM) the person made with
// their own tool over GET …/canonical's bytes.
func (h *HTTP) apiSubmit(w http.ResponseWriter, r *http.Request) {
	id, p, o, err := h.draftOwner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	file, _, err := r.FormFile("signature")
	if err != nil {
		h.fieldProblem(w, r, "signature", applications.ErrSignature.Wrap(err))
		return
	}
	cms, err := io.ReadAll(io.LimitReader(file, maxSignature))
	file.Close()
	if err != nil {
		h.fieldProblem(w, r, "signature", applications.ErrSignature.Wrap(err))
		return
	}
	app, errs, err := h.apps.Submit(r.Context(), o, p, id, submissionKey(r), nil, cms)
	h.submitted(w, r, app, errs, err)
}

// submitted answers a signing's outcome: the application received, or
// the refusal — a draft with fields still wrong lists each field's
// message; a refused signature names the "signature".
func (h *HTTP) submitted(w http.ResponseWriter, r *http.Request, app *applications.Application, errs forms.Errors, err error) {
	switch {
	case err == nil:
		h.writeJSON(w, r, http.StatusOK, toAPI(app), nil)
	case len(errs) > 0:
		p := h.rd.ProblemOf(r, err)
		l := h.rd.APILocalizer(r)
		for name, e := range errs {
			p.Errors = append(p.Errors, web.FieldProblem{Field: name, Detail: l.Message(e.Key, e.Args)})
		}
		sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
		web.WriteProblem(w, p)
	case errors.Is(err, applications.ErrSignature):
		h.fieldProblem(w, r, "signature", err)
	default:
		h.rd.Problem(w, r, err)
	}
}
