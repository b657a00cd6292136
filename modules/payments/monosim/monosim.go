// Package monosim is monobank's acquiring API for tests and development:
// it speaks the protocol modules/payments speaks (X-Token; invoice create
// with amounts in kopecks, answering a pageUrl; webhooks signed ECDSA over
// the SHA-256 of the body in X-Sign; the key at /api/merchant/pubkey;
// cancel for refunds). Its payment page has «Сплатити» and «Відмовитися»;
// the click POSTs the signed webhook to the invoice's webHookUrl, server
// to server, and then sends the browser to its redirectUrl. Never in
// production: depguard keeps it to tests and the dev switch in
// cmd/hromada.
package monosim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"hromada/modules/payments"
)

// Prefix is where the dev server mounts the simulator (on every host).
const Prefix = "/monosim"

// Invoice is an invoice the simulator holds.
type Invoice struct {
	ID, Token  string
	Status     string
	Amount     int64
	Ccy        int
	Reference  string
	Redirect   string
	WebHook    string
	Created    time.Time
	Modified   time.Time
	Deliveries []int // the platform's answers to the webhooks, in order
}

// Simulator is the bank.
type Simulator struct {
	secret []byte
	client *http.Client

	mu       sync.Mutex
	key      *ecdsa.PrivateKey
	invoices map[string]*Invoice
	order    []string
}

// New returns a simulator whose merchants' tokens derive from secret,
// delivering webhooks with client.
func New(secret []byte, client *http.Client) *Simulator {
	s := &Simulator{secret: secret, client: client, invoices: map[string]*Invoice{}}
	s.RotateKey()
	return s
}

// Token is the X-Token of the merchant named merchant.
func (s *Simulator) Token(merchant string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("monosim:" + merchant))
	return "mono_" + merchant + "_" + hex.EncodeToString(m.Sum(nil))[:24]
}

func (s *Simulator) known(token string) bool {
	rest, ok := strings.CutPrefix(token, "mono_")
	i := strings.LastIndex(rest, "_")
	return ok && i > 0 && hmac.Equal([]byte(s.Token(rest[:i])), []byte(token))
}

// RotateKey makes a new webhook key, as the bank may: webhooks are signed
// with it from now on, and the pubkey endpoint gives it.
func (s *Simulator) RotateKey() {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.key = k
	s.mu.Unlock()
}

// Sign is X-Sign of body with the current key.
func (s *Simulator) Sign(body []byte) string {
	s.mu.Lock()
	k := s.key
	s.mu.Unlock()
	h := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// Invoices are the invoices, oldest first.
func (s *Simulator) Invoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Invoice
	for _, id := range s.order {
		out = append(out, *s.invoices[id])
	}
	return out
}

// Body is the webhook body reporting inv, as the bank sends it.
func Body(inv Invoice) []byte {
	b, _ := json.Marshal(map[string]any{"invoiceId": inv.ID, "status": inv.Status, "amount": inv.Amount, "finalAmount": inv.Amount,
		"ccy": inv.Ccy, "reference": inv.Reference, "createdDate": inv.Created.UTC().Format(time.RFC3339),
		"modifiedDate": inv.Modified.UTC().Format(time.RFC3339), "paymentInfo": map[string]any{"maskedPan": "537541******1234", "paymentSystem": "mastercard"}})
	return b
}

// ServeHTTP implements http.Handler, under Prefix.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	switch {
	case strings.HasPrefix(path, "/api/") && !s.known(r.Header.Get("X-Token")):
		writeJSON(w, http.StatusForbidden, map[string]string{"errCode": "FORBIDDEN", "errText": "forbidden"})
	case r.Method == http.MethodGet && path == "/api/merchant/pubkey":
		s.handlePubkey(w)
	case r.Method == http.MethodPost && path == "/api/merchant/invoice/create":
		s.handleCreate(w, r)
	case r.Method == http.MethodPost && path == "/api/merchant/invoice/cancel":
		s.handleCancel(w, r)
	case r.Method == http.MethodGet && path == "/api/merchant/statement":
		s.handleStatement(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/pay/"):
		s.handlePage(w, strings.TrimPrefix(path, "/pay/"))
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/pay/"):
		s.handlePay(w, r, strings.TrimPrefix(path, "/pay/"))
	default:
		http.NotFound(w, r)
	}
}

func (s *Simulator) handlePubkey(w http.ResponseWriter) {
	s.mu.Lock()
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	writeJSON(w, http.StatusOK, map[string]string{"key": base64.StdEncoding.EncodeToString(p)})
}

func (s *Simulator) handleCreate(w http.ResponseWriter, r *http.Request) {
	var in payments.MonobankInvoice
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Amount <= 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errCode": "BAD_REQUEST", "errText": "amount"})
		return
	}
	if in.Ccy == 0 {
		in.Ccy = 980
	}
	now := time.Now()
	inv := &Invoice{ID: strings.ReplaceAll(uuid.NewString(), "-", "")[:22], Token: r.Header.Get("X-Token"), Status: "created", Amount: in.Amount, Ccy: in.Ccy,
		Reference: in.MerchantPaymInfo.Reference, Redirect: in.RedirectURL, WebHook: in.WebHookURL, Created: now, Modified: now}
	s.mu.Lock()
	s.invoices[inv.ID] = inv
	s.order = append(s.order, inv.ID)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, payments.MonobankCreated{InvoiceID: inv.ID, PageURL: "http://" + r.Host + Prefix + "/pay/" + inv.ID})
}

// handleCancel refunds a paid invoice: the answer says it is under way,
// the reversal comes as a webhook.
func (s *Simulator) handleCancel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		InvoiceID string `json:"invoiceId"`
		ExtRef    string `json:"extRef"`
		Amount    int64  `json:"amount"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	inv, ok := s.invoices[in.InvoiceID]
	ok = ok && inv.Token == r.Header.Get("X-Token") && inv.Status == "success"
	if ok {
		inv.Status, inv.Modified = "reversed", time.Now()
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errCode": "BAD_REQUEST", "errText": "invoice cannot be cancelled"})
		return
	}
	// The reversal's webhook goes before the answer, so a test sees it
	// done when cancel returns; the platform calls cancel outside any
	// transaction, so the webhook does not wait on it.
	s.deliver(inv)
	writeJSON(w, http.StatusOK, map[string]string{"status": "processing", "createdDate": time.Now().UTC().Format(time.RFC3339)})
}

// handleStatement lists the token's invoices changed between from and to
// (Unix seconds).
func (s *Simulator) handleStatement(w http.ResponseWriter, r *http.Request) {
	from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	to, err := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
	if err != nil {
		to = time.Now().Unix()
	}
	list := []map[string]any{}
	s.mu.Lock()
	for _, id := range s.order {
		inv := s.invoices[id]
		if at := inv.Modified.Unix(); inv.Token == r.Header.Get("X-Token") && at >= from && at <= to {
			list = append(list, map[string]any{"invoiceId": inv.ID, "status": inv.Status, "amount": inv.Amount, "ccy": inv.Ccy,
				"reference": inv.Reference, "date": inv.Modified.UTC().Format(time.RFC3339)})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"list": list})
}

func (s *Simulator) handlePage(w http.ResponseWriter, id string) {
	s.mu.Lock()
	inv, ok := s.invoices[id]
	var cp Invoice
	if ok {
		cp = *inv
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !ok || cp.Status != "created" {
		w.WriteHeader(http.StatusNotFound)
		_ = pageTmpl.Execute(w, pageData{Error: "Рахунок не знайдено або вже оплачено."})
		return
	}
	_ = pageTmpl.Execute(w, pageData{ID: cp.ID, Amount: payments.FormatKopecks(cp.Amount)})
}

func (s *Simulator) handlePay(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	inv, ok := s.invoices[id]
	ok = ok && inv.Status == "created"
	if ok {
		inv.Status, inv.Modified = "success", time.Now()
		if r.PostFormValue("decline") != "" {
			inv.Status = "failure"
		}
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "no such invoice", http.StatusNotFound)
		return
	}
	s.deliver(inv)
	http.Redirect(w, r, inv.Redirect, http.StatusSeeOther)
}

// deliver POSTs the invoice's state to its webHookUrl, signed.
func (s *Simulator) deliver(inv *Invoice) {
	s.mu.Lock()
	body := Body(*inv)
	hook := inv.WebHook
	s.mu.Unlock()
	status := 0
	if req, err := http.NewRequest(http.MethodPost, hook, strings.NewReader(string(body))); err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Sign", s.Sign(body))
		if resp, err := s.client.Do(req); err == nil {
			status = resp.StatusCode
			_ = resp.Body.Close()
		}
	}
	s.mu.Lock()
	inv.Deliveries = append(inv.Deliveries, status)
	s.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type pageData struct {
	ID, Amount, Error string
}

var pageTmpl = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="uk"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Оплата — симулятор monobank</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><main class="wrap" id="main">
<h1>Симулятор monobank</h1>
<p class="muted">Тестовий еквайринг: справжні гроші не списуються.</p>
{{- if .Error}}<p class="error-summary" role="alert">{{.Error}}</p>
{{- else}}
<section class="card" aria-labelledby="order-title">
<h2 id="order-title">До сплати {{.Amount}} грн</h2>
<form method="post" action="/monosim/pay/{{.ID}}">
<p><button type="submit" class="button" id="sim-pay">Сплатити</button></p>
<p><button type="submit" class="button secondary" name="decline" value="1" id="sim-decline">Відмовитися</button></p>
</form>
</section>
{{- end}}
</main></body></html>
`))
