// Package liqpaysim is a LiqPay gateway for tests and development: it
// speaks the protocol modules/payments speaks (data = base64 JSON,
// signature = base64(sha1(private_key + data + private_key))) on its
// checkout (POST /api/3/checkout, a page where the tester clicks
// «Сплатити» or «Відмовитися»), then does what the real gateway does: it
// POSTs the signed callback to the order's server_url, server to server,
// and sends the browser back to its result_url. Never in production:
// depguard keeps it to tests and the dev switch in cmd/hromada.
//
// The merchants' private keys are derived from the simulator's secret and
// the public key (PrivateKey), so a restarted dev server still knows the
// keys its demo cities were given.
package liqpaysim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"hromada/modules/payments"
)

// Prefix is where the dev server mounts the simulator (on every host, so
// a city's checkout is on the city's own origin).
const Prefix = "/liqpaysim"

// Payment is a payment the simulator made and reported.
type Payment struct {
	PaymentID int64
	PublicKey string
	OrderID   string
	Status    string
	Amount    string
	Currency  string
	At        time.Time
	ServerURL string // where its callbacks go
	// Delivered is the platform's answer to the callback (its HTTP
	// status); 0 when it could not be reached.
	Delivered int
}

// Simulator is the gateway.
type Simulator struct {
	secret []byte
	client *http.Client

	mu        sync.Mutex
	next      int64
	checkouts map[string]checkout // token → the order on its checkout page
	payments  []Payment
	lose      int // callbacks to lose (never send) before delivering again
}

// LoseNext makes the next n callbacks get lost on the way (never sent),
// as a network may lose them: the payment is made, the platform never
// hears of it but from the reports.
func (s *Simulator) LoseNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = n
}

type checkout struct {
	PublicKey string
	Params    map[string]any
}

// New returns a simulator whose merchants' private keys derive from
// secret, delivering callbacks with client.
func New(secret []byte, client *http.Client) *Simulator {
	return &Simulator{secret: secret, client: client, next: 100000, checkouts: map[string]checkout{}}
}

// PrivateKey is the private key of the merchant with publicKey.
func (s *Simulator) PrivateKey(publicKey string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("liqpaysim:" + publicKey))
	return "sandbox_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:32]
}

// Payments are the payments made, oldest first.
func (s *Simulator) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Payment(nil), s.payments...)
}

// ServeHTTP implements http.Handler, under Prefix.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == Prefix+"/api/3/checkout":
		s.handleCheckout(w, r)
	case r.Method == http.MethodPost && r.URL.Path == Prefix+"/pay":
		s.handlePay(w, r)
	case r.Method == http.MethodPost && r.URL.Path == Prefix+"/api/request":
		s.handleRequest(w, r)
	default:
		http.NotFound(w, r)
	}
}

// verified decodes a signed request (data, signature) of a known
// merchant.
func (s *Simulator) verified(r *http.Request) (map[string]any, string, bool) {
	data, sig := r.PostFormValue("data"), r.PostFormValue("signature")
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, "", false
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var params map[string]any
	if dec.Decode(&params) != nil {
		return nil, "", false
	}
	pub, _ := params["public_key"].(string)
	if pub == "" || !payments.LiqPayVerify(s.PrivateKey(pub), data, sig) {
		return nil, "", false
	}
	return params, pub, true
}

func (s *Simulator) handleCheckout(w http.ResponseWriter, r *http.Request) {
	params, pub, ok := s.verified(r)
	if !ok {
		s.page(w, http.StatusBadRequest, pageData{Error: "Невірний підпис запиту (signature) або невідомий public_key."})
		return
	}
	token := uuid.NewString()
	s.mu.Lock()
	s.checkouts[token] = checkout{PublicKey: pub, Params: params}
	s.mu.Unlock()
	amount := str(params["amount"])
	s.page(w, http.StatusOK, pageData{Token: token, Description: str(params["description"]), Amount: strings.Replace(amount, ".", ",", 1),
		Currency: str(params["currency"]), OrderID: str(params["order_id"])})
}

// handlePay is the tester's click: the payment is made (or declined),
// the callback delivered to server_url before the browser is sent to
// result_url, as the real gateway's order of things allows.
func (s *Simulator) handlePay(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.checkouts[r.PostFormValue("token")]
	delete(s.checkouts, r.PostFormValue("token"))
	s.next++
	id := s.next
	s.mu.Unlock()
	if !ok {
		s.page(w, http.StatusBadRequest, pageData{Error: "Сеанс оплати завершено або не знайдено."})
		return
	}
	status := "success"
	if r.PostFormValue("decline") != "" {
		status = "failure"
	}
	p := Payment{PaymentID: id, PublicKey: c.PublicKey, OrderID: str(c.Params["order_id"]), Status: status,
		Amount: str(c.Params["amount"]), Currency: str(c.Params["currency"]), At: time.Now(), ServerURL: str(c.Params["server_url"])}
	p.Delivered = s.deliver(r, p)
	s.mu.Lock()
	s.payments = append(s.payments, p)
	s.mu.Unlock()
	if back := str(c.Params["result_url"]); back != "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.page(w, http.StatusOK, pageData{Done: true})
}

// Callback is the data of the callback reporting p, as LiqPay's callback
// carries it; tests forge variations of it.
func Callback(p Payment) map[string]any {
	return map[string]any{"version": 3, "action": "pay", "payment_id": p.PaymentID, "status": p.Status, "type": "buy", "paytype": "card",
		"public_key": p.PublicKey, "order_id": p.OrderID, "liqpay_order_id": "SIM" + strconv.FormatInt(p.PaymentID, 10),
		"amount": json.Number(p.Amount), "currency": p.Currency, "sender_card_mask2": "424242*42",
		"end_date": p.At.UnixMilli(), "create_date": p.At.UnixMilli()}
}

// handleRequest is the server API (/api/request): action "refund" of a
// successful payment of the order reverses it, reports the reversal to
// its server_url, then answers.
func (s *Simulator) handleRequest(w http.ResponseWriter, r *http.Request) {
	params, pub, ok := s.verified(r)
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"result": "error", "err_code": "err_signature"})
		return
	}
	if str(params["action"]) == "reports" {
		s.reports(w, pub, params)
		return
	}
	if str(params["action"]) != "refund" {
		_ = json.NewEncoder(w).Encode(map[string]string{"result": "error", "err_code": "err_action"})
		return
	}
	var p *Payment
	s.mu.Lock()
	for i := range s.payments {
		q := &s.payments[i]
		if q.PublicKey == pub && q.OrderID == str(params["order_id"]) && q.Status == "success" && q.Amount == str(params["amount"]) {
			q.Status = "reversed"
			cp := *q
			p = &cp
		}
	}
	s.mu.Unlock()
	if p == nil {
		_ = json.NewEncoder(w).Encode(map[string]string{"result": "error", "err_code": "payment_not_found"})
		return
	}
	s.deliver(r, *p)
	_ = json.NewEncoder(w).Encode(map[string]any{"result": "ok", "status": "reversed", "payment_id": p.PaymentID})
}

// reports answers action "reports": the merchant's payments made between
// date_from and date_to (Unix milliseconds), as callbacks describe them.
func (s *Simulator) reports(w http.ResponseWriter, pub string, params map[string]any) {
	from, _ := strconv.ParseInt(str(params["date_from"]), 10, 64)
	to, _ := strconv.ParseInt(str(params["date_to"]), 10, 64)
	data := []map[string]any{}
	s.mu.Lock()
	for _, p := range s.payments {
		if at := p.At.UnixMilli(); p.PublicKey == pub && at >= from && at <= to {
			data = append(data, Callback(p))
		}
	}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"result": "success", "data": data})
}

// deliver POSTs p's callback to the order's server_url; the platform's
// HTTP status, 0 when it could not be reached.
func (s *Simulator) deliver(r *http.Request, p Payment) int {
	server := p.ServerURL
	s.mu.Lock()
	lost := s.lose > 0
	if lost {
		s.lose--
	}
	s.mu.Unlock()
	if server == "" || lost {
		return 0
	}
	data, sig, err := payments.LiqPayEncode(s.PrivateKey(p.PublicKey), Callback(p))
	if err != nil {
		return 0
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, server, strings.NewReader(url.Values{"data": {data}, "signature": {sig}}.Encode()))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

type pageData struct {
	Token, Description, Amount, Currency, OrderID string
	Error                                         string
	Done                                          bool
}

func (s *Simulator) page(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

var pageTmpl = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="uk"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Оплата — симулятор LiqPay</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><main class="wrap" id="main">
<h1>Симулятор LiqPay</h1>
<p class="muted">Тестовий шлюз: справжні гроші не списуються.</p>
{{- if .Error}}<p class="error-summary" role="alert">{{.Error}}</p>
{{- else if .Done}}<p role="status">Оплату завершено.</p>
{{- else}}
<section class="card" aria-labelledby="order-title">
<h2 id="order-title">До сплати {{.Amount}} {{if eq .Currency "UAH"}}грн{{else}}{{.Currency}}{{end}}</h2>
<p id="order-description">{{.Description}}</p>
<p class="muted">Замовлення {{.OrderID}}</p>
<form method="post" action="/liqpaysim/pay">
<input type="hidden" name="token" value="{{.Token}}">
<p><button type="submit" class="button" id="sim-pay">Сплатити</button></p>
<p><button type="submit" class="button secondary" name="decline" value="1" id="sim-decline">Відмовитися</button></p>
</form>
</section>
{{- end}}
</main></body></html>
`))
