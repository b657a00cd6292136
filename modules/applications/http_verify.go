package applications

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/web"
)

// The public verification page of a result document (see verify.go):
// open to anyone holding the document.

type verifyData struct {
	V     *Verification
	Error string
}

func (h *HTTP) handleVerify(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.RD.Error(w, r, ErrNotFound)
		return
	}
	v, err := h.Svc.Verify(r.Context(), id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d := verifyData{V: v}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		file, _, ferr := r.FormFile("document")
		if ferr != nil {
			d.Error, status = h.RD.Localizer(r).T("verify.choose_file"), http.StatusBadRequest
		} else {
			hash := sha256.New()
			_, cerr := io.Copy(hash, io.LimitReader(file, 64<<20))
			file.Close()
			if cerr != nil { // the upload broke off: nothing to compare
				d.Error, status = h.RD.Localizer(r).T("verify.choose_file"), http.StatusBadRequest
			} else {
				v.Compared, v.Same = true, hex.EncodeToString(hash.Sum(nil)) == v.SHA256
			}
		}
	}
	h.RD.Render(w, r, status, "applications/verify", &web.Page{TitleKey: "verify.title", Data: d})
}
