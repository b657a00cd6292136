package catalog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/web"
)

// The administrator's import of a register (import.go): upload a file, see
// the dry run, apply it, publish what it proposed in bulk. Mounted by
// Site.Routes.

// maxImport bounds an uploaded register: a city's is a few megabytes.
const maxImport = 10 << 20

type importData struct {
	// File is the uploaded file's name; Content the file itself, base64,
	// which the apply form posts back (the apply plans again).
	File, Content string
	Plan          *Plan
	Result        *ImportResult
	// Error is why nothing was done, to show above the form.
	Error *apperr.Error
	// Published is how many services the bulk publication published.
	Published   int
	SkipRefused bool
}

func (s *Site) renderImport(w http.ResponseWriter, r *http.Request, status int, d importData) {
	s.rd.Render(w, r, status, "admin/import", &web.Page{TitleKey: "import.title", Data: d})
}

func (s *Site) handleImport(w http.ResponseWriter, r *http.Request) {
	s.renderImport(w, r, http.StatusOK, importData{})
}

// handleImportCheck reads the uploaded file and shows its dry run.
func (s *Site) handleImportCheck(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImport+1<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		key := "import.no_file"
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			key = "import.too_big"
		}
		s.renderImport(w, r, http.StatusUnprocessableEntity, importData{Error: apperr.New(apperr.Invalid, key)})
		return
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxImport+1))
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	if len(raw) > maxImport {
		s.renderImport(w, r, http.StatusUnprocessableEntity, importData{Error: apperr.New(apperr.Invalid, "import.too_big")})
		return
	}
	d := importData{File: hdr.Filename, Content: base64.StdEncoding.EncodeToString(raw)}
	reg, ok := s.decodeImport(w, r, d, raw)
	if !ok {
		return
	}
	if d.Plan, err = s.svc.PlanImport(r.Context(), reg); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.renderImport(w, r, http.StatusOK, d)
}

// decodeImport decodes the file; a malformed one is shown on the page
// (false), its reason logged.
func (s *Site) decodeImport(w http.ResponseWriter, r *http.Request, d importData, raw []byte) (Register, bool) {
	reg, err := DecodeRegisterFile(d.File, bytes.NewReader(raw))
	if err != nil {
		s.svc.log.InfoContext(r.Context(), "a register file refused", "file", d.File, "error", err)
		d.Content, d.Error = "", apperr.As(err)
		s.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return Register{}, false
	}
	return reg, true
}

// handleImportApply applies the file the dry run showed.
func (s *Site) handleImportApply(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxImport)
	d := importData{File: r.PostFormValue("file"), Content: r.PostFormValue("content"), SkipRefused: r.PostFormValue("skip_refused") == "1"}
	raw, err := base64.StdEncoding.DecodeString(d.Content)
	if err != nil {
		d.Error = ErrMalformedRegister
		s.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	reg, ok := s.decodeImport(w, r, d, raw)
	if !ok {
		return
	}
	res, err := s.svc.ApplyImport(r.Context(), reg, ImportOptions{SkipRefused: d.SkipRefused, Source: d.File})
	switch {
	case errors.Is(err, ErrImportRefused), errors.Is(err, ErrImportEmpty):
		d.Plan, d.Error = res.Plan, apperr.As(err)
		s.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return
	case err != nil:
		s.rd.Error(w, r, err)
		return
	}
	d.Content, d.Plan, d.Result = "", res.Plan, res
	s.renderImport(w, r, http.StatusOK, d)
}

// handleImportPublish publishes an import's revisions at once.
func (s *Site) handleImportPublish(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.rd.Error(w, r, ErrMalformedRegister.Wrap(err))
		return
	}
	var ids []uuid.UUID
	for _, v := range r.PostForm["revision"] {
		id, err := uuid.Parse(v)
		if err != nil {
			s.rd.Error(w, r, ErrRevisionNotFound)
			return
		}
		ids = append(ids, id)
	}
	n, err := s.svc.PublishRevisions(r.Context(), ids)
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.renderImport(w, r, http.StatusOK, importData{Published: n})
}
