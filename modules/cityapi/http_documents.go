package cityapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/applications"
)

// The resident's issued documents (scope documents): the results of their
// applications, sealed by the provider, with the PDF and its detached
// seal (.p7s) to download. They are read through applications.Service as
// the cabinet reads them, so another person's document is a 404 as there.
// The city's published seal keys, which verify a result's QR code offline,
// are public at /.well-known/hromada-seals.json.

// ErrNoDocument is a document the caller has not got.
var ErrNoDocument = apperr.New(apperr.NotFound, "cityapi.error.no_document")

// apiDocument is an issued document as the app lists it.
type apiDocument struct {
	ID            uuid.UUID `json:"id"` // the issued document's id, as its QR code and verification page name it
	ApplicationID uuid.UUID `json:"application_id"`
	Number        string    `json:"number"`
	Title         string    `json:"title"`
	ServiceCode   string    `json:"service_code"`
	IssuedAt      time.Time `json:"issued_at"`
	Name          string    `json:"name"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"` // of the sealed PDF
	PDF           string    `json:"pdf"`
	Signature     string    `json:"signature"`
	VerifyURL     string    `json:"verify_url"`
}

// issued is one of the caller's results with its two files.
type issued struct {
	doc      apiDocument
	pdf, p7s applications.File
}

// results are the caller's issued results, newest first.
func (h *HTTP) results(r *http.Request) ([]issued, error) {
	o, err := h.owner(r)
	if err != nil {
		return nil, err
	}
	apps, err := h.apps.Mine(r.Context(), o, false)
	if err != nil {
		return nil, err
	}
	var out []issued
	for _, a := range apps {
		if a.Status != applications.Issued {
			continue
		}
		_, _, files, err := h.apps.Get(r.Context(), o, a.ID)
		if err != nil {
			return nil, err
		}
		var it issued
		for _, f := range files {
			switch f.Kind {
			case "result":
				it.pdf = f
			case "result_signature":
				it.p7s = f
			}
		}
		if it.pdf.ID == uuid.Nil || it.p7s.ID == uuid.Nil {
			continue // an official's result on paper, or one being stored
		}
		doc, err := h.apps.DocumentOf(r.Context(), a.ID)
		if err != nil {
			return nil, err
		}
		it.doc = apiDocument{ID: doc, ApplicationID: a.ID, Number: a.Number, Title: a.ServiceName.UK, ServiceCode: a.ServiceCode,
			IssuedAt: it.pdf.AddedAt.UTC(), Name: it.pdf.Name, Size: it.pdf.Size, SHA256: it.pdf.SHA256,
			PDF: "/api/v1/documents/" + doc.String() + "/pdf", Signature: "/api/v1/documents/" + doc.String() + "/signature",
			VerifyURL: "/verify/" + doc.String()}
		out = append(out, it)
	}
	return out, nil
}

func (h *HTTP) apiDocuments(w http.ResponseWriter, r *http.Request) {
	rs, err := h.results(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	all := make([]apiDocument, len(rs))
	for i, it := range rs {
		all[i] = it.doc
	}
	p, err := paginate(r, all, func(d apiDocument) uuid.UUID { return d.ID })
	h.writeTagged(w, r, p, err)
}

// apiDocumentFile answers one of a document's files: its sealed PDF, or
// the seal's detached CMS over it.
func (h *HTTP) apiDocumentFile(signature bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h.documentFile(w, r, signature) }
}

func (h *HTTP) documentFile(w http.ResponseWriter, r *http.Request, signature bool) {
	it, ok := h.issuedByID(w, r)
	if !ok {
		return
	}
	f := it.pdf
	if signature {
		f = it.p7s
	}
	// The ETag is the file's recorded SHA-256: a copy the app holds is
	// answered without reading the file from the store.
	if notModified(w, r, `"`+f.SHA256+`"`) {
		return
	}
	b, err := h.apps.Download(r.Context(), f)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	_, _ = w.Write(b)
}

// issuedByID is the signed-in resident's issued document the path's id
// names; otherwise it answers the problem and reports false.
func (h *HTTP) issuedByID(w http.ResponseWriter, r *http.Request) (*issued, bool) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Problem(w, r, ErrNoDocument)
		return nil, false
	}
	rs, err := h.results(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return nil, false
	}
	for i := range rs {
		if rs[i].doc.ID == id {
			return &rs[i], true
		}
	}
	h.rd.Problem(w, r, ErrNoDocument)
	return nil, false
}

// notModified sets etag (private, revalidated each time) and answers 304
// when the client already holds that version.
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// handleSeals is the city's published seal keys: a JWKS whose keys carry
// their certificate chains (x5c) and their providers. A verifier keeps it
// and checks results' QR codes without the network (documents.VerifyQR).
func (h *HTTP) handleSeals(w http.ResponseWriter, r *http.Request) {
	keys, err := h.svc.PublishedSeals(r.Context())
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	h.writeJSON(w, r, http.StatusOK, keys, nil)
}
