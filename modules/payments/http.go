package payments

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/web"
)

// HTTP holds the payments' pages and the gateways' callback endpoints.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the pages over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// callbackBodyBytes bounds a callback's body: LiqPay's data is a few
// kilobytes.
const callbackBodyBytes = 64 << 10

// Routes mounts the pages, every route behind g:
//
//	GET  /cabinet/payments         the resident's invoices and payments     own_applications:read
//	GET  /cabinet/payments/{id}    an invoice: pay it, or see it paid        own_applications:read
//	GET  /cabinet/payments/{id}/receipt.pdf      its sealed receipt      own_documents:read
//	GET  /cabinet/payments/{id}/receipt.pdf.p7s  the receipt's seal      own_documents:read
//	POST /cabinet/payments/{id}/pay              monobank: create its invoice, go to its page  own_applications:update
//	POST /payments/liqpay/callback LiqPay's server callback                 public (its signature is the check)
//	POST /payments/monobank/webhook monobank's webhook                       public (its signature is the check)
//	GET  /payments/receipts/{id}   a receipt's record (the QR code's target)  public
//	POST /cabinet/payments/{id}/proof            a bank receipt instead of paying online  own_applications:update
//	GET  /work/payments/proofs/{id}/file    a bank receipt, for the official   applications:read (its provider)
//	POST /work/payments/proofs/{id}/accept  it pays the invoice                applications:process (its provider)
//	POST /work/payments/proofs/{id}/reject  not accepted, with the reason      applications:process (its provider)
//	GET  /admin/payments           the accounting export's page             payments:export
//	GET  /admin/payments/export.csv  the period's CSV (from, to)            payments:export
//	GET  /admin/payment-settings   the city's gateway, secrets never shown  payment_settings:read
//	POST /admin/payment-settings   the gateway and keys changed             payment_settings:update
//	POST /admin/payment-settings/check  the gateway asked if it knows the keys  payment_settings:update
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	read := access.Perm{Object: access.ObjOwnApplications, Action: access.ActRead}
	docs := access.Perm{Object: access.ObjOwnDocuments, Action: access.ActRead}
	g.Route(r, http.MethodGet, "/cabinet/payments", read, h.handleHistory)
	g.Route(r, http.MethodGet, "/cabinet/payments/{id}", read, h.handleInvoice)
	g.Route(r, http.MethodGet, "/cabinet/payments/{id}/receipt.pdf", docs, h.handleReceipt(false))
	g.Route(r, http.MethodGet, "/cabinet/payments/{id}/receipt.pdf.p7s", docs, h.handleReceipt(true))
	g.Public(r, http.MethodGet, "/payments/receipts/{id}", h.handleCheckReceipt)
	g.Route(r, http.MethodPost, "/cabinet/payments/{id}/pay", access.Perm{Object: access.ObjOwnApplications, Action: access.ActUpdate}, h.handleMonobankPay)
	g.Public(r, http.MethodPost, LiqPayCallbackPath, h.handleLiqPayCallback)
	g.Public(r, http.MethodPost, MonobankWebhookPath, h.handleMonobankWebhook)
	g.Route(r, http.MethodPost, "/cabinet/payments/{id}/proof", access.Perm{Object: access.ObjOwnApplications, Action: access.ActUpdate}, h.handleProofUpload)
	proofRead := access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeOfRow("id", ProofProvider)}
	proofDecide := access.Perm{Object: access.ObjApplications, Action: access.ActProcess, Scope: access.ScopeOfRow("id", ProofProvider)}
	g.Route(r, http.MethodGet, "/work/payments/proofs/{id}/file", proofRead, h.handleProofFile)
	g.Route(r, http.MethodPost, "/work/payments/proofs/{id}/accept", proofDecide, h.handleProofDecide(true))
	g.Route(r, http.MethodPost, "/work/payments/proofs/{id}/reject", proofDecide, h.handleProofDecide(false))
	export := access.Perm{Object: access.ObjPayments, Action: access.ActExport}
	g.Route(r, http.MethodGet, "/admin/payments", export, h.handleExportPage)
	g.Route(r, http.MethodGet, "/admin/payments/export.csv", export, h.handleExport)
	g.Route(r, http.MethodGet, "/admin/payment-settings", access.Perm{Object: access.ObjPaymentSettings, Action: access.ActRead}, h.handleSettings)
	g.Route(r, http.MethodPost, "/admin/payment-settings", access.Perm{Object: access.ObjPaymentSettings, Action: access.ActUpdate}, h.handleSettingsSave)
	g.Route(r, http.MethodPost, "/admin/payment-settings/check", access.Perm{Object: access.ObjPaymentSettings, Action: access.ActUpdate}, h.handleCheck)
}

var errSignedOut = apperr.New(apperr.Forbidden, "error.forbidden")

// payerAndID is the signed-in person and the invoice's id in the path; on
// false the error page is written.
func (h *HTTP) payerAndID(w http.ResponseWriter, r *http.Request) (payer, id uuid.UUID, ok bool) {
	p := identity.SignedFrom(r.Context())
	if p == nil {
		h.rd.Error(w, r, errSignedOut)
		return uuid.Nil, uuid.Nil, false
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return uuid.Nil, uuid.Nil, false
	}
	return p.AccountID, id, true
}

func (h *HTTP) handleHistory(w http.ResponseWriter, r *http.Request) {
	p := identity.SignedFrom(r.Context())
	if p == nil {
		h.rd.Error(w, r, errSignedOut)
		return
	}
	list, err := h.svc.Mine(r.Context(), p.AccountID)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "payments/history", &web.Page{TitleKey: "pay.history_title", Data: list})
}

type invoiceData struct {
	*Checkout
	Returned   bool   // back from the gateway: the page says what the callbacks recorded
	Sent       bool   // a bank receipt was just uploaded
	ProofError string // why the bank receipt was refused, in words
}

func (h *HTTP) handleInvoice(w http.ResponseWriter, r *http.Request) {
	payer, id, ok := h.payerAndID(w, r)
	if !ok {
		return
	}
	c, err := h.svc.Checkout(r.Context(), payer, id, h.rd.Localizer(r).Lang)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	allowFormTo(w, c.Gateway)
	h.rd.Render(w, r, http.StatusOK, "payments/invoice", &web.Page{TitleKey: "pay.invoice_title",
		Data: invoiceData{Checkout: c, Returned: r.URL.Query().Get("returned") != "", Sent: r.URL.Query().Get("sent") != ""}})
}

// allowFormTo lets the page's form go to the gateway's checkout, which
// the portal's policy (form-action 'self') would stop when the gateway is
// on another origin (always, but in dev).
func allowFormTo(w http.ResponseWriter, action string) {
	u, err := url.Parse(action)
	if err != nil || u.Host == "" {
		return
	}
	csp := w.Header().Get("Content-Security-Policy")
	if csp == "" {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
}

// handleMonobankPay creates the monobank invoice and sends the payer to
// its page.
func (h *HTTP) handleMonobankPay(w http.ResponseWriter, r *http.Request) {
	payer, id, ok := h.payerAndID(w, r)
	if !ok {
		return
	}
	page, err := h.svc.MonobankPay(r.Context(), payer, id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, page, http.StatusSeeOther)
}

// handleMonobankWebhook answers monobank as handleLiqPayCallback answers
// LiqPay; the body is read whole, as signed.
func (h *HTTP) handleMonobankWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, callbackBodyBytes))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	res, err := h.svc.MonobankWebhook(r.Context(), body, r.Header.Get("X-Sign"))
	h.answer(w, r, res, err)
}

// handleLiqPayCallback answers LiqPay: 200 for a callback taken (accepted,
// or a genuine one that changed nothing), 400 for one refused, 500 when
// the platform failed (the gateway tries again).
func (h *HTTP) handleLiqPayCallback(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, callbackBodyBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	res, err := h.svc.LiqPayCallback(r.Context(), r.PostForm.Get("data"), r.PostForm.Get("signature"))
	h.answer(w, r, res, err)
}

func (h *HTTP) answer(w http.ResponseWriter, r *http.Request, res Result, err error) {
	if err != nil {
		h.svc.o.Log.ErrorContext(r.Context(), "payments: a gateway's callback", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if res.Outcome == Refused {
		w.WriteHeader(http.StatusBadRequest)
	}
	_, _ = w.Write([]byte(string(res.Outcome) + " " + string(res.Reason) + "\n"))
}

// handleReceipt sends the invoice's receipt (made on first use), or its
// detached seal, as a download.
func (h *HTTP) handleReceipt(seal bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		payer, id, ok := h.payerAndID(w, r)
		if !ok {
			return
		}
		f, err := h.svc.ReceiptOf(r.Context(), payer, id)
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		ref := f.Receipt.Number
		if ref == "" { // paid before submission, not yet submitted
			ref = id.String()
		}
		name, typ, body := "kvytantsiia-"+ref+".pdf", "application/pdf", f.PDF
		if seal {
			name, typ, body = name+".p7s", "application/pkcs7-signature", f.CMS
		}
		w.Header().Set("Content-Type", typ)
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, no-store")
		_, _ = w.Write(body)
	}
}

func (h *HTTP) handleCheckReceipt(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	c, err := h.svc.CheckReceipt(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "payments/receipt", &web.Page{TitleKey: "pay.receipt_title", Data: c})
}
