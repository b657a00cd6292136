// Package smssim is a TurboSMS gateway for tests and development: it
// speaks the HTTP API notify.TurboSMS speaks (POST /message/send.json,
// Bearer token, the response_code/response_status/response_result
// answer) and keeps what it was sent, so tests and `make run` see the SMS
// a person would get. Never in production: depguard keeps it to tests and
// the dev switch in cmd/hromada.
package smssim

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"

	"hromada/modules/notify"
)

// Prefix is where the dev server mounts the simulator.
const Prefix = "/smssim"

// Message is an SMS the simulator accepted.
type Message struct {
	ID       string `json:"id"`
	Sender   string `json:"sender"`
	Phone    string `json:"phone"`
	Text     string `json:"text"`
	Segments int    `json:"segments"`
}

// Simulator is the gateway.
type Simulator struct {
	Token string

	mu       sync.Mutex
	messages []Message
	refused  map[string]bool // numbers the "operator" refuses
	failNext int             // requests to answer 999 before accepting again
}

// New returns a simulator accepting token.
func New(token string) *Simulator { return &Simulator{Token: token, refused: map[string]bool{}} }

// Refuse makes the gateway refuse phone, as it refuses a number of no
// operator.
func (s *Simulator) Refuse(phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[phone] = true
}

// FailNext makes the next n requests fail with the gateway's own error.
func (s *Simulator) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages are the accepted messages, oldest first.
func (s *Simulator) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// ServeHTTP answers POST /message/send.json, and GET /messages with what
// was accepted (for a developer's eyes).
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/message/send.json"):
		s.send(w, r)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/messages"):
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Messages())
	default:
		http.NotFound(w, r)
	}
}

func answer(w http.ResponseWriter, resp notify.TurboResponse) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *Simulator) send(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		answer(w, notify.TurboResponse{Code: 103, Status: "REQUIRED_TOKEN"})
		return
	}
	var req struct {
		Recipients []string `json:"recipients"`
		SMS        struct {
			Sender string `json:"sender"`
			Text   string `json:"text"`
		} `json:"sms"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		answer(w, notify.TurboResponse{Code: 102, Status: "FAILED_CONVERT_RESULT2JSON"})
		return
	}
	switch {
	case len(req.Recipients) == 0:
		answer(w, notify.TurboResponse{Code: 202, Status: "REQUIRED_RECIPIENTS"})
		return
	case req.SMS.Sender == "" || len([]rune(req.SMS.Sender)) > 11:
		answer(w, notify.TurboResponse{Code: 204, Status: "INVALID_SENDER"})
		return
	case req.SMS.Text == "":
		answer(w, notify.TurboResponse{Code: 205, Status: "REQUIRED_TEXT"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		answer(w, notify.TurboResponse{Code: notify.TurboServerError, Status: "FATAL_ERROR"})
		return
	}
	resp := notify.TurboResponse{Code: notify.TurboAccepted, Status: "SUCCESS_MESSAGE_ACCEPTED"}
	accepted := 0
	for _, phone := range req.Recipients {
		if s.refused[phone] || len(phone) != 12 || !strings.HasPrefix(phone, "380") {
			resp.Result = append(resp.Result, notify.TurboRecipient{Phone: phone, Code: 406, Status: "NOT_ALLOWED_RECIPIENT_COUNTRY"})
			continue
		}
		n, _ := notify.Segments(req.SMS.Text)
		m := Message{ID: uuid.NewString(), Sender: req.SMS.Sender, Phone: phone, Text: req.SMS.Text, Segments: n}
		s.messages = append(s.messages, m)
		resp.Result = append(resp.Result, notify.TurboRecipient{Phone: phone, Code: notify.TurboOK, MessageID: m.ID, Status: "OK"})
		accepted++
	}
	if accepted < len(req.Recipients) {
		resp.Code, resp.Status = 801, "SUCCESS_MESSAGE_PARTIAL_ACCEPTED"
	}
	answer(w, resp)
}
