// Package nationalsim is a receiver of the national monitoring exchange
// (seed 004) for tests and development: it takes a message only over
// mutual TLS, checks its CAdES signature against the providers' seals'
// roots and its body against the structure of monitoring.FormatV1, and
// answers a receipt. It counts messages by id, so a message delivered
// twice (its receipt lost on the way back, say) is recorded once and
// answered with the same receipt. Down makes it answer 503, as a receiver
// being maintained does.
package nationalsim

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/google/uuid"

	"hromada/modules/monitoring"
)

// Simulator is the receiver. Roots are the roots the seals chain to.
type Simulator struct {
	Roots *x509.CertPool
	// Down, when set, refuses every message with 503.
	Down atomic.Bool

	mu       sync.Mutex
	got      map[uuid.UUID]Received
	posts    int
	refusals []string
}

// Received is a message the simulator accepted.
type Received struct {
	Day     monitoring.NationalDay
	Signer  *x509.Certificate
	Receipt monitoring.Receipt
	Times   int // how often it was delivered
}

// New returns a simulator trusting roots.
func New(roots *x509.CertPool) *Simulator {
	return &Simulator{Roots: roots, got: map[uuid.UUID]Received{}}
}

// receiptNamespace makes a message's receipt id, the same on every
// delivery of it.
var receiptNamespace = uuid.MustParse("0c6f5c1e-3a8d-4b7e-9f21-145a2021c864")

// ServeHTTP takes one message (POST, JSON monitoring.Envelope).
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.posts++
	s.mu.Unlock()
	if s.Down.Load() {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		s.refuse(w, http.StatusUnauthorized, "no verified client certificate")
		return
	}
	var env monitoring.Envelope
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&env); err != nil {
		s.refuse(w, http.StatusBadRequest, "envelope: "+err.Error())
		return
	}
	signer, err := s.verify(env.Body, env.Signature)
	if err != nil {
		s.refuse(w, http.StatusBadRequest, "signature: "+err.Error())
		return
	}
	day, err := checkSchema(&env)
	if err != nil {
		s.refuse(w, http.StatusBadRequest, "schema: "+err.Error())
		return
	}
	s.mu.Lock()
	rec, seen := s.got[env.MessageID]
	if !seen {
		rec = Received{Day: *day, Signer: signer, Receipt: monitoring.Receipt{MessageID: env.MessageID,
			ReceiptID: uuid.NewSHA1(receiptNamespace, env.MessageID[:]).String(), AcceptedAt: time.Now().UTC()}}
	}
	rec.Times++
	s.got[env.MessageID] = rec
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rec.Receipt)
}

func (s *Simulator) refuse(w http.ResponseWriter, status int, why string) {
	s.mu.Lock()
	s.refusals = append(s.refusals, why)
	s.mu.Unlock()
	http.Error(w, why, status)
}

// verify checks that sig is a detached CMS over exactly body whose signer
// chains to the roots.
func (s *Simulator) verify(body, sig []byte) (*x509.Certificate, error) {
	p7, err := pkcs7.Parse(sig)
	if err != nil {
		return nil, err
	}
	if len(p7.Content) > 0 {
		return nil, fmt.Errorf("not detached")
	}
	p7.Content = body
	if err := p7.VerifyWithChain(s.Roots); err != nil {
		return nil, err
	}
	return p7.GetOnlySigner(), nil
}

// checkSchema decodes the body strictly as the v1 structure and checks
// what must be there.
func checkSchema(env *monitoring.Envelope) (*monitoring.NationalDay, error) {
	if env.Schema != monitoring.FormatV1.Schema() {
		return nil, fmt.Errorf("unknown schema %q", env.Schema)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Body))
	dec.DisallowUnknownFields()
	var d monitoring.NationalDay
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	switch {
	case d.MessageID != env.MessageID:
		return nil, fmt.Errorf("message_id %s in a body of %s", d.MessageID, env.MessageID)
	case d.Schema != env.Schema:
		return nil, fmt.Errorf("schema %q in the body", d.Schema)
	case d.City == "" || d.Provider.Code == "":
		return nil, fmt.Errorf("city and provider are required")
	case d.Services == nil || d.Centres == nil:
		return nil, fmt.Errorf("services and centres are required (empty lists allowed)")
	}
	if _, err := time.Parse(time.DateOnly, d.Day); err != nil {
		return nil, fmt.Errorf("day: %w", err)
	}
	for _, sv := range d.Services {
		if sv.Code == "" {
			return nil, fmt.Errorf("a service without its code")
		}
	}
	return &d, nil
}

// Received returns the messages accepted, by id.
func (s *Simulator) Received() map[uuid.UUID]Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uuid.UUID]Received, len(s.got))
	for k, v := range s.got {
		out[k] = v
	}
	return out
}

// Posts is how many requests reached the simulator, accepted or not.
func (s *Simulator) Posts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

// Refusals are why messages were refused, in order.
func (s *Simulator) Refusals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refusals...)
}
