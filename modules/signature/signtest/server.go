// Package signtest is a local remote signer speaking the protocol
// documented on signature.Remote (the shape of Diia.Sign's partner API),
// for development and tests: requests live in memory and are signed with
// certificates from a signature.DevCA.
package signtest

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"

	"hromada/modules/signature"
	"hromada/ukid"
)

// Statuses of a sign request.
const (
	StatusPending  = "pending"
	StatusSigned   = "signed"
	StatusRejected = "rejected"
	StatusExpired  = "expired"
)

// Server is an http.Handler implementing the signature.Remote protocol.
// Set its exported fields before it serves.
type Server struct {
	// Token is the bearer token clients must send; empty accepts any.
	Token string
	// AutoApprove signs a request as soon as it is created, as if the
	// person confirmed at once. Otherwise it stays pending until Approve,
	// Reject or Expire.
	AutoApprove bool
	// Names maps РНОКПП to the full name put in the certificate's CN; the
	// protocol does not carry names, and the default is "Підписувач
	// <rnokpp>".
	Names map[string]string

	signer *signature.DevSigner
	mux    *http.ServeMux

	mu       sync.Mutex
	requests map[string]*request
}

type request struct {
	id        string
	rnokpp    string
	documents []document
	// fingerprint is the request's content, to tell a retry from a
	// conflicting reuse of the requestId.
	fingerprint string
	status      string
	signatures  []signatureJSON
}

type document struct {
	Name          string `json:"name"`
	HashAlgorithm string `json:"hashAlgorithm"`
	Hash          []byte `json:"hash"`
}

type signatureJSON struct {
	Name string `json:"name"`
	CMS  []byte `json:"cms"`
}

type stateJSON struct {
	RequestID  string          `json:"requestId"`
	Status     string          `json:"status"`
	Deeplink   string          `json:"deeplink,omitempty"`
	Signatures []signatureJSON `json:"signatures,omitempty"`
}

// NewServer makes a server issuing certificates from ca (one per РНОКПП,
// kept) and accepting token.
func NewServer(ca *signature.DevCA, token string) *Server {
	s := &Server{
		Token:    token,
		signer:   signature.NewDevSigner(ca),
		requests: map[string]*request{},
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /api/v1/sign-requests", s.create)
	s.mux.HandleFunc("GET /api/v1/sign-requests/{requestId}", s.get)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.Token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="signtest"`)
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RequestID string `json:"requestId"`
		Signer    struct {
			RNOKPP string `json:"rnokpp"`
		} `json:"signer"`
		Documents []document `json:"documents"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	switch {
	case in.RequestID == "" || len(in.RequestID) > 128:
		writeError(w, http.StatusBadRequest, "requestId must be 1 to 128 characters")
		return
	case !ukid.ValidRNOKPP(in.Signer.RNOKPP):
		writeError(w, http.StatusBadRequest, "invalid signer.rnokpp")
		return
	case len(in.Documents) == 0:
		writeError(w, http.StatusBadRequest, "no documents")
		return
	}
	names := map[string]bool{}
	for _, d := range in.Documents {
		switch {
		case d.Name == "" || names[d.Name]:
			writeError(w, http.StatusBadRequest, "document names must be non-empty and distinct")
			return
		case d.HashAlgorithm != "SHA-256":
			writeError(w, http.StatusBadRequest, fmt.Sprintf("document %q: hashAlgorithm must be SHA-256", d.Name))
			return
		case len(d.Hash) != sha256.Size:
			writeError(w, http.StatusBadRequest, fmt.Sprintf("document %q: hash must be 32 bytes", d.Name))
			return
		}
		names[d.Name] = true
	}
	fp, _ := json.Marshal([]any{in.Signer.RNOKPP, in.Documents})

	s.mu.Lock()
	defer s.mu.Unlock()
	if req, ok := s.requests[in.RequestID]; ok {
		if req.fingerprint != string(fp) {
			writeError(w, http.StatusConflict, "requestId already used for another request")
			return
		}
		writeJSON(w, http.StatusOK, stateJSON{RequestID: req.id, Status: req.status, Deeplink: deeplink(req.id)})
		return
	}
	req := &request{id: in.RequestID, rnokpp: in.Signer.RNOKPP, documents: in.Documents, fingerprint: string(fp), status: StatusPending}
	if s.AutoApprove {
		if err := s.sign(r.Context(), req); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	s.requests[req.id] = req
	writeJSON(w, http.StatusCreated, stateJSON{RequestID: req.id, Status: req.status, Deeplink: deeplink(req.id)})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.requests[r.PathValue("requestId")]
	if !ok {
		writeError(w, http.StatusNotFound, "no such sign request")
		return
	}
	writeJSON(w, http.StatusOK, stateJSON{RequestID: req.id, Status: req.status, Signatures: req.signatures})
}

// sign signs every document of req and marks it signed. s.mu is held.
func (s *Server) sign(ctx context.Context, req *request) error {
	sigs := make([]signatureJSON, 0, len(req.documents))
	for _, d := range req.documents {
		cms, err := s.signer.Sign(ctx, signature.HashRequest{
			RNOKPP: req.rnokpp, FullName: s.Names[req.rnokpp], DocumentName: d.Name, Digest: d.Hash,
		})
		if err != nil {
			return fmt.Errorf("signtest: signing %q: %w", d.Name, err)
		}
		sigs = append(sigs, signatureJSON{Name: d.Name, CMS: cms})
	}
	req.signatures, req.status = sigs, StatusSigned
	return nil
}

// Approve signs a pending request, as if the person confirmed it in the
// app.
func (s *Server) Approve(requestID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, err := s.pending(requestID)
	if err != nil {
		return err
	}
	return s.sign(context.Background(), req)
}

// Reject marks a pending request rejected, as if the person refused.
func (s *Server) Reject(requestID string) error {
	return s.finish(requestID, StatusRejected)
}

// Expire marks a pending request expired, as if the person never
// confirmed it.
func (s *Server) Expire(requestID string) error {
	return s.finish(requestID, StatusExpired)
}

func (s *Server) finish(requestID, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, err := s.pending(requestID)
	if err != nil {
		return err
	}
	req.status = status
	return nil
}

// pending finds a pending request. s.mu is held.
func (s *Server) pending(requestID string) (*request, error) {
	req, ok := s.requests[requestID]
	if !ok {
		return nil, fmt.Errorf("signtest: no sign request %q", requestID)
	}
	if req.status != StatusPending {
		return nil, fmt.Errorf("signtest: sign request %q is %s, not pending", requestID, req.status)
	}
	return req, nil
}

// Pending lists the ids of the pending requests, sorted, so a test or a
// development UI can approve or reject one it did not create.
func (s *Server) Pending() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, req := range s.requests {
		if req.status == StatusPending {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Len is how many requests the server holds, whatever their status.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Certificate is the certificate the server signs with for rnokpp
// (issued now if it has none yet), to check a signature's signer.
func (s *Server) Certificate(rnokpp string) (*x509.Certificate, error) {
	return s.signer.Certificate(rnokpp, s.Names[rnokpp])
}

// deeplink is where the person would open the request in the app; here
// it only names the request.
func deeplink(id string) string {
	return "hromada-dev-sign://sign-requests/" + url.PathEscape(id)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
