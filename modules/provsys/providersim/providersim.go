// Package providersim is a provider's own information system, simulated
// for the tests (modules/provsys): it takes the platform's webhooks (or
// polls the pull API), checks each message's seal and its attachments'
// SHA-256, keeps each message once by its id, and answers through the
// provider API with client credentials, signing every callback with its
// own certificate. It can fail the next webhooks, to test retries. Over
// Trembita (Trembita) it is a member's service behind the registries
// simulator's security server.
package providersim

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"hromada/modules/provsys"
	"hromada/modules/signature"
)

// System is the simulated system.
type System struct {
	// Cert and Key are the system's certificate (registered with the
	// platform) and key.
	Cert *x509.Certificate
	Key  crypto.Signer
	// Roots are what the platform's seal must chain to.
	Roots *x509.CertPool
	// HTTP fetches the attachments (http.DefaultClient when nil).
	HTTP *http.Client

	mu       sync.Mutex
	messages map[string]provsys.Message // by message id
	arrivals int                        // webhooks taken, duplicates included
	failNext int
	// trembitaClients are the callers' identifiers of the Trembita calls.
	trembitaClients []string
	// sed is what the system keeps as a СЕД (SED).
	sed sedBook
}

// New returns a system with a certificate of its own (from a CA of its
// own), trusting roots for the platform's seal.
func New(roots *x509.CertPool) (*System, error) {
	ca, err := signature.NewDevCA("Система надавача — тестовий ЦСК")
	if err != nil {
		return nil, err
	}
	cert, key, err := ca.Issue("2916002336", "Інформаційна система надавача")
	if err != nil {
		return nil, err
	}
	return &System{Cert: cert, Key: key, Roots: roots, messages: map[string]provsys.Message{}}, nil
}

// FailNext makes the next n webhooks answer 503.
func (s *System) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages are the messages taken, once each, and how many webhooks came.
func (s *System) Messages() (map[string]provsys.Message, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]provsys.Message, len(s.messages))
	for k, v := range s.messages {
		out[k] = v
	}
	return out, s.arrivals
}

// ServeHTTP takes a webhook.
func (s *System) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	fail := s.failNext > 0
	if fail {
		s.failNext--
	}
	s.mu.Unlock()
	if fail {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cms, err := base64.StdEncoding.DecodeString(r.Header.Get(provsys.HeaderSignature))
	if err == nil {
		err = s.take(body, cms)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// take checks a message's seal and its attachments, and keeps it once.
func (s *System) take(body, cms []byte) error {
	if _, err := signature.VerifyDetached(body, cms, signature.VerifyOptions{Roots: s.Roots, Seal: true}); err != nil {
		return fmt.Errorf("the platform's seal: %w", err)
	}
	return s.keep(body)
}

// keep reads a message whose seal was checked, fetches and checks its
// attachments, and keeps it once.
func (s *System) keep(body []byte) error {
	var m provsys.Message
	if err := json.Unmarshal(body, &m); err != nil {
		return err
	}
	client := s.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	for _, a := range m.Attachments {
		if err := fetch(client, a); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arrivals++
	if _, seen := s.messages[m.MessageID]; !seen {
		s.messages[m.MessageID] = m
	}
	return nil
}

// fetch downloads an attachment by its link and checks its SHA-256.
func fetch(c *http.Client, a provsys.Attachment) error {
	resp, err := c.Get(a.URL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("attachment %s: %d %v", a.Name, resp.StatusCode, err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != a.SHA256 {
		return fmt.Errorf("attachment %s: SHA-256 %x, the message says %s", a.Name, sum, a.SHA256)
	}
	return nil
}

// Client is the system's side of the provider API at a city's portal.
type Client struct {
	System   *System
	Base     string // the portal's URL
	ClientID string
	Secret   string
	HTTP     *http.Client
	token    string
}

// Token gets an access token by client credentials.
func (c *Client) Token() error {
	resp, err := c.HTTP.PostForm(c.Base+provsys.TokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.Secret}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("token: %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	c.token = out.AccessToken
	return nil
}

// Send signs a callback with the system's key and posts it; it returns
// the HTTP status.
func (c *Client) Send(cb provsys.Callback) (int, error) {
	body, err := json.Marshal(cb)
	if err != nil {
		return 0, err
	}
	cms, err := signature.SignDetached(body, c.System.Cert, c.System.Key)
	if err != nil {
		return 0, err
	}
	return c.SendRaw(body, cms)
}

// SendRaw posts a body with a signature as given (a forged or replayed
// callback).
func (c *Client) SendRaw(body, cms []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, c.Base+provsys.APIPath+"/callbacks", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(provsys.HeaderSignature, base64.StdEncoding.EncodeToString(cms))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Body.Close()
}

// Poll takes the pull route's messages after the cursor, checks and keeps
// each, acknowledges it, and returns the next cursor.
func (c *Client) Poll(after int64) (int64, error) {
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s%s/deliveries?after=%d", c.Base, provsys.APIPath, after), nil)
	if err != nil {
		return after, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return after, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return after, fmt.Errorf("pull: %d", resp.StatusCode)
	}
	var page struct {
		Deliveries []provsys.Pulled `json:"deliveries"`
		Next       int64            `json:"next"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return after, err
	}
	for _, d := range page.Deliveries {
		if err := c.System.take(d.Body, d.Signature); err != nil {
			return after, err
		}
		ack, err := http.NewRequest(http.MethodPost, c.Base+provsys.APIPath+"/deliveries/"+url.PathEscape(d.MessageID)+"/ack", strings.NewReader(""))
		if err != nil {
			return after, err
		}
		ack.Header.Set("Authorization", "Bearer "+c.token)
		aresp, err := c.HTTP.Do(ack)
		if err != nil {
			return after, err
		}
		_ = aresp.Body.Close()
		if aresp.StatusCode != http.StatusNoContent {
			return after, fmt.Errorf("ack: %d", aresp.StatusCode)
		}
	}
	return page.Next, nil
}

// Now is the time a callback carries.
func Now() string { return time.Now().UTC().Format(time.RFC3339) }

// Trembita is the system's service on the exchange: the security server
// (the registries simulator, simulator.MemberService) hands it the
// platform's call. It checks that the call names its client (the city's
// subsystem) and a query id, takes the message as a webhook's, and
// answers the receipt. FailNext makes it answer 503.
func (s *System) Trembita() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		fail := s.failNext > 0
		if fail {
			s.failNext--
		}
		s.mu.Unlock()
		if fail {
			trembitaError(w, http.StatusServiceUnavailable, "BUSY", "the system is busy")
			return
		}
		client := r.Header.Get("Uxp-Client") + r.Header.Get("X-Road-Client")
		query := r.Header.Get("Uxp-QueryID") + r.Header.Get("X-Road-Id")
		if client == "" || query == "" {
			trembitaError(w, http.StatusBadRequest, "NO_CLIENT", "the call names no client or query id")
			return
		}
		var req provsys.TrembitaRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			trembitaError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
			return
		}
		if err := s.take(req.Body, req.Signature); err != nil {
			trembitaError(w, http.StatusBadRequest, "REFUSED", err.Error())
			return
		}
		s.mu.Lock()
		s.trembitaClients = append(s.trembitaClients, client)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(provsys.TrembitaReceipt{MessageID: req.MessageID, ReceivedAt: Now()})
	})
}

// TrembitaClients are the clients (Uxp-Client or X-Road-Client) of the
// Trembita calls taken, in order.
func (s *System) TrembitaClients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.trembitaClients...)
}

// trembitaError answers in the registries' error shape.
func trembitaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
