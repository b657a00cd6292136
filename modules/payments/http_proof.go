package payments

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/web"
)

// errNoFile is a receipt form sent without its file.
var errNoFile = apperr.New(apperr.Invalid, "pay.proof_file_missing")

// handleProofUpload takes a bank receipt for the resident's open invoice:
// whose invoice and whether one may be sent are checked before the file
// is stored, so nothing lands in the store for a refusal; a refusal shows
// the invoice's page again with the error at the file's field.
func (h *HTTP) handleProofUpload(w http.ResponseWriter, r *http.Request) {
	payer, id, ok := h.payerAndID(w, r)
	if !ok {
		return
	}
	err := h.svc.CanUploadProof(r.Context(), payer, id)
	var up *uploads.File
	if err == nil {
		if h.svc.o.Docs == nil {
			h.rd.Error(w, r, errors.New("payments: bank receipts need Docs"))
			return
		}
		var t *tenant.Tenant
		if t, err = tenant.From(r.Context()); err == nil {
			up, err = uploads.FromRequest(r, h.svc.o.Docs, t.ID, "payments/"+id.String(), "file", ProofLimits)
		}
		if err == nil && up == nil {
			err = errNoFile
		}
	}
	if err == nil {
		err = h.svc.UploadProof(r.Context(), payer, id, up)
	}
	if ae := apperr.As(err); err != nil && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict || ae.Code == apperr.TooLarge) {
		c, cerr := h.svc.Checkout(r.Context(), payer, id, h.rd.Localizer(r).Lang)
		if cerr != nil {
			h.rd.Error(w, r, cerr)
			return
		}
		allowFormTo(w, c.Gateway)
		h.rd.Render(w, r, apperr.Status(ae.Code), "payments/invoice", &web.Page{TitleKey: "pay.invoice_title",
			Data: invoiceData{Checkout: c, ProofError: h.rd.Localizer(r).Message(ae.Key, ae.Args)}})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/payments/"+id.String()+"?sent=1", http.StatusSeeOther)
}

// handleProofFile sends a bank receipt's file to the official checking it.
func (h *HTTP) handleProofFile(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrProofNotFound)
		return
	}
	p, rc, err := h.svc.ProofFile(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(p.FileName))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		h.svc.o.Log.ErrorContext(r.Context(), "payments: sending a bank receipt", "error", err)
	}
}

// handleProofDecide is an official accepting or rejecting a bank receipt;
// back on the application's page. A rejection without a reason, or a
// receipt decided already, shows the error page with the reason's words.
func (h *HTTP) handleProofDecide(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			h.rd.Error(w, r, ErrProofNotFound)
			return
		}
		app, err := h.svc.DecideProof(r.Context(), id, accept, r.FormValue("reason"))
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/work/applications/"+app.String()+"#payment", http.StatusSeeOther)
	}
}
