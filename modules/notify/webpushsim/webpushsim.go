// Package webpushsim is a browser's push service, and the browser behind
// it, for tests: it hands out one subscription (an endpoint on itself and
// the keys a browser would make, p256dh and auth), takes RFC 8030 pushes
// to it only with a VAPID JWT (RFC 8292) that verifies with the key the
// browser subscribed with, and decrypts each message (RFC 8291 over RFC
// 8188's aes128gcm) with the subscription's private key, as the browser
// would before handing it to its service worker. It checks each step on
// its own code, not notify's, so a mistake in notify's encryption fails a
// test. Never in production: depguard keeps it to tests.
package webpushsim

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Message is a push the service accepted, decrypted.
type Message struct {
	// Data is what the browser gives its service worker (event.data).
	Data   []byte
	Header http.Header
}

// Simulator is the push service, on an https test server.
type Simulator struct {
	srv  *httptest.Server
	ua   *ecdh.PrivateKey
	auth []byte

	mu       sync.Mutex
	appKey   string // the applicationServerKey subscribed with
	got      []Message
	gone     bool
	problems []string
	arrived  chan struct{} // closed and replaced at each accepted push
}

// New starts the push service; Close stops it.
func New() (*Simulator, error) {
	s := &Simulator{auth: make([]byte, 16), arrived: make(chan struct{})}
	var err error
	if s.ua, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	if _, err := rand.Read(s.auth); err != nil {
		return nil, err
	}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Close stops the server.
func (s *Simulator) Close() { s.srv.Close() }

// URL is the service's origin (https://127.0.0.1:port).
func (s *Simulator) URL() string { return s.srv.URL }

// Client is an HTTP client that trusts the service's certificate.
func (s *Simulator) Client() *http.Client { return s.srv.Client() }

// Subscribe is a browser subscribing with applicationServerKey appKey
// (base64url): the endpoint and keys of its PushSubscription.toJSON().
func (s *Simulator) Subscribe(appKey string) (endpoint string, keys map[string]string) {
	s.mu.Lock()
	s.appKey = appKey
	s.mu.Unlock()
	return s.srv.URL + "/push/subscription-1", map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(s.ua.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(s.auth),
	}
}

// SetGone makes the service answer 410 Gone: the subscription ended.
func (s *Simulator) SetGone(gone bool) {
	s.mu.Lock()
	s.gone = gone
	s.mu.Unlock()
}

// Messages are the pushes accepted so far, and the problems of those
// refused.
func (s *Simulator) Messages() ([]Message, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...), append([]string(nil), s.problems...)
}

// Wait blocks until at least n pushes were accepted or timeout passes,
// and returns those accepted.
func (s *Simulator) Wait(n int, timeout time.Duration) []Message {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, arrived := append([]Message(nil), s.got...), s.arrived
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-arrived:
		case <-deadline:
			return got
		}
	}
}

func (s *Simulator) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/push/subscription-1" {
		http.NotFound(w, r)
		return
	}
	if s.gone {
		w.WriteHeader(http.StatusGone)
		return
	}
	if problem := s.check(r); problem != "" {
		s.problems = append(s.problems, problem)
		http.Error(w, problem, http.StatusForbidden)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<10))
	data, problem := s.decrypt(body)
	if problem != "" {
		s.problems = append(s.problems, problem)
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	s.got = append(s.got, Message{Data: data, Header: r.Header.Clone()})
	close(s.arrived)
	s.arrived = make(chan struct{})
	w.Header().Set("Location", s.srv.URL+"/message/"+strconv.Itoa(len(s.got)))
	w.WriteHeader(http.StatusCreated)
}

// check verifies the request's headers and VAPID JWT (RFC 8292 §2, §3):
// signed with the key the browser subscribed with, for this origin,
// expiring within 24 hours, with a contact.
func (s *Simulator) check(r *http.Request) string {
	if r.Header.Get("Content-Encoding") != "aes128gcm" {
		return "not an RFC 8291 push"
	}
	if ttl, err := strconv.Atoi(r.Header.Get("TTL")); err != nil || ttl < 0 {
		return "TTL"
	}
	switch r.Header.Get("Urgency") {
	case "", "very-low", "low", "normal", "high":
	default:
		return "Urgency"
	}
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "vapid ")
	if !ok {
		return "no VAPID"
	}
	var tok, k string
	for part := range strings.SplitSeq(v, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch name {
		case "t":
			tok = val
		case "k":
			k = val
		}
	}
	if k != s.appKey {
		return "VAPID key is not the one subscribed with"
	}
	raw, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return "k: " + err.Error()
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return "k: " + err.Error()
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return "t: " + err.Error()
	}
	var claims struct {
		jwt.Claims
		Sub string `json:"sub"`
	}
	if err := parsed.Claims(pub, &claims); err != nil {
		return "t: signature: " + err.Error()
	}
	if err := claims.Validate(jwt.Expected{AnyAudience: jwt.Audience{s.srv.URL}, Time: time.Now()}); err != nil ||
		claims.Expiry == nil || time.Until(claims.Expiry.Time()) > 24*time.Hour {
		return "t: claims"
	}
	if u, err := url.Parse(claims.Sub); err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto") {
		return "t: sub"
	}
	return ""
}

// decrypt is the browser's side of RFC 8291 §3.4 over RFC 8188: one
// record, padding after the last-record delimiter 2 dropped.
func (s *Simulator) decrypt(body []byte) ([]byte, string) {
	if len(body) < 21 || len(body) < 21+int(body[20]) {
		return nil, "short body"
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	as, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, "keyid: " + err.Error()
	}
	record := body[21+idlen:]
	if rs < 18 || len(record) > int(rs) {
		return nil, "record size"
	}
	shared, err := s.ua.ECDH(as)
	if err != nil {
		return nil, err.Error()
	}
	info := append(append([]byte("WebPush: info\x00"), s.ua.PublicKey().Bytes()...), as.Bytes()...)
	ikm, err := hkdf.Key(sha256.New, shared, s.auth, string(info), 32)
	if err != nil {
		return nil, err.Error()
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err.Error()
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err.Error()
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, "decrypt: " + err.Error()
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, "no last-record delimiter"
	}
	return plain[:len(plain)-1], ""
}
