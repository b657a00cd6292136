// Package fcmsim is Firebase Cloud Messaging for tests and development: it
// issues a service account (Credentials, the JSON key Google would give),
// answers its token endpoint only for a JWT signed with that account's
// key, and takes FCM HTTP v1 messages:send only with a token it issued,
// checking each message as notify.FCM writes it and keeping it, so tests
// and `make run` see the push notices a phone would get. Never in
// production: depguard keeps it to tests and the dev switch in
// cmd/hromada.
package fcmsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"hromada/modules/notify"
)

// Prefix is where the dev server mounts the simulator.
const Prefix = "/fcmsim"

// Message is a push notice the simulator accepted.
type Message struct {
	Name  string            `json:"name"`
	Token string            `json:"token"`
	Title string            `json:"title"`
	Body  string            `json:"body"`
	Data  map[string]string `json:"data"`
}

// Simulator is FCM and Google's token endpoint for one service account.
type Simulator struct {
	Project string
	email   string
	keyID   string
	key     *rsa.PrivateKey

	mu           sync.Mutex
	tokens       map[string]time.Time // access token → expiry
	issued       int
	messages     []Message
	unregistered map[string]bool
	fail         []failure
}

type failure struct {
	status     int
	retryAfter string
}

// accountKey is the service accounts' key, one per process: an RSA-2048
// key takes a while to make, every dev server and test app starts a
// simulator, and no simulator's account needs a key of its own.
var accountKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// New returns a simulator of project, with a service account of its own
// (its key shared within the process).
func New(project string) (*Simulator, error) {
	key, err := accountKey()
	if err != nil {
		return nil, err
	}
	id := make([]byte, 20)
	_, _ = rand.Read(id)
	return &Simulator{Project: project, email: "hromada-push@" + project + ".iam.gserviceaccount.com", keyID: hex.EncodeToString(id),
		key: key, tokens: map[string]time.Time{}, unregistered: map[string]bool{}}, nil
}

// Credentials is the service account's JSON key, its token URI at
// baseURL (where the simulator is served).
func (s *Simulator) Credentials(baseURL string) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		panic(err) // an RSA key always marshals
	}
	b, _ := json.Marshal(notify.ServiceAccount{Type: "service_account", ProjectID: s.Project, PrivateKeyID: s.keyID,
		PrivateKey:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		ClientEmail: s.email, TokenURI: strings.TrimSuffix(baseURL, "/") + "/token"})
	return b
}

// Unregister makes FCM answer UNREGISTERED for token, as it does once the
// app is removed from the phone.
func (s *Simulator) Unregister(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unregistered[token] = true
}

// FailNext makes the next send answer status (429, 503…) with a
// Retry-After of retryAfter (empty: none); calls add up.
func (s *Simulator) FailNext(status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, failure{status, retryAfter})
}

// Messages are the accepted messages, oldest first.
func (s *Simulator) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// TokensIssued is how many access tokens the token endpoint issued.
func (s *Simulator) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// ServeHTTP answers POST …/token, POST …/v1/projects/<project>/messages:send,
// and GET …/messages with what was accepted (for a developer's eyes).
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/token"):
		s.token(w, r)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v1/projects/"+s.Project+"/messages:send"):
		s.send(w, r)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/messages"):
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Messages())
	default:
		http.NotFound(w, r)
	}
}

// oauthError answers as Google's token endpoint does (RFC 6749 §5.2).
func oauthError(w http.ResponseWriter, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// token exchanges a signed JWT for an access token (RFC 7523): the JWT
// must be RS256 under the account's key, name the key, come from the
// account, ask for FCM's scope, be meant for this endpoint and be current.
func (s *Simulator) token(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		oauthError(w, "unsupported_grant_type", "Invalid grant_type: "+r.PostFormValue("grant_type"))
		return
	}
	tok, err := jwt.ParseSigned(r.PostFormValue("assertion"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(tok.Headers) != 1 || tok.Headers[0].KeyID != s.keyID {
		oauthError(w, "invalid_grant", "Invalid JWT Signature.")
		return
	}
	var (
		claims jwt.Claims
		extra  struct {
			Scope string `json:"scope"`
		}
	)
	if err := tok.Claims(&s.key.PublicKey, &claims, &extra); err != nil {
		oauthError(w, "invalid_grant", "Invalid JWT Signature.")
		return
	}
	aud := "http://" + r.Host + r.URL.Path
	if err := claims.Validate(jwt.Expected{Issuer: s.email, AnyAudience: jwt.Audience{aud}, Time: time.Now()}); err != nil ||
		claims.Expiry == nil || claims.IssuedAt == nil || claims.Expiry.Time().Sub(claims.IssuedAt.Time()) > time.Hour {
		oauthError(w, "invalid_grant", fmt.Sprintf("Invalid JWT: %v", err))
		return
	}
	if !slices.Contains(strings.Fields(extra.Scope), notify.FCMScope) {
		oauthError(w, "invalid_scope", "The JWT does not ask for FCM's scope.")
		return
	}
	access := "ya29.sim-" + uuid.NewString()
	s.mu.Lock()
	s.tokens[access] = time.Now().Add(time.Hour)
	s.issued++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3599})
}

// fcmError answers as FCM does: a google.rpc.Status, with FCM's own
// error code when there is one.
func fcmError(w http.ResponseWriter, code int, status, errorCode, message string) {
	var e notify.FCMError
	e.Error.Code, e.Error.Status, e.Error.Message = code, status, message
	if errorCode != "" {
		e.Error.Details = []notify.FCMErrorDetail{{Type: notify.FCMErrorType, ErrorCode: errorCode}}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(e)
}

// request is the part of FCM's Message the platform uses; anything else is
// refused as FCM refuses an unknown field.
type request struct {
	Message struct {
		Token        string `json:"token"`
		Notification *struct {
			Title string `json:"title"`
			Body  string `json:"body"`
		} `json:"notification"`
		Data map[string]string `json:"data"`
	} `json:"message"`
}

func (s *Simulator) send(w http.ResponseWriter, r *http.Request) {
	access, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[access]
	s.mu.Unlock()
	if !ok || !known || time.Now().After(exp) {
		fcmError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "", "Request had invalid authentication credentials.")
		return
	}
	var req request
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fcmError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error())
		return
	}
	m := req.Message
	switch {
	case m.Token == "":
		fcmError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Recipient of the message is not set.")
		return
	case m.Notification == nil || m.Notification.Title == "" || m.Notification.Body == "":
		fcmError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The notification has no title or body.")
		return
	}
	for k := range m.Data {
		// FCM reserves these keys of data.
		if k == "from" || k == "notification" || k == "message_type" || strings.HasPrefix(k, "google.") || strings.HasPrefix(k, "gcm.") {
			fcmError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Invalid data key: "+k)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fail) > 0 {
		f := s.fail[0]
		s.fail = s.fail[1:]
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		status, code := "UNAVAILABLE", "UNAVAILABLE"
		if f.status == http.StatusTooManyRequests {
			status, code = "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"
		}
		fcmError(w, f.status, status, code, "The service is currently unavailable.")
		return
	}
	if s.unregistered[m.Token] {
		fcmError(w, http.StatusNotFound, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")
		return
	}
	name := "projects/" + s.Project + "/messages/0:" + strconv.FormatInt(time.Now().UnixMilli(), 10) + strconv.Itoa(len(s.messages))
	s.messages = append(s.messages, Message{Name: name, Token: m.Token, Title: m.Notification.Title, Body: m.Notification.Body, Data: m.Data})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]string{"name": name})
}
