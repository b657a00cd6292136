package notify_test

import (
	"bytes"
	"context"
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
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/require"

	"hromada/egress"
	"hromada/modules/notify"
)

// pushService is a browser's push service and the browser behind it: it
// takes RFC 8030 pushes only with a VAPID JWT (RFC 8292) that verifies
// with the key the browser subscribed with, and decrypts each message
// (RFC 8291) with the subscription's private key, as the browser would.
type pushService struct {
	srv  *httptest.Server
	ua   *ecdh.PrivateKey
	auth []byte

	mu       sync.Mutex
	appKey   string // the applicationServerKey subscribed with
	got      []map[string]string
	headers  []http.Header
	gone     bool
	problems []string
}

func newPushService(t *testing.T) *pushService {
	t.Helper()
	p := &pushService{auth: make([]byte, 16)}
	var err error
	p.ua, err = ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, _ = rand.Read(p.auth)
	p.srv = httptest.NewTLSServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// subscription is what the browser's PushSubscription.toJSON() gives.
func (p *pushService) subscription(appKey string) notify.Device {
	p.mu.Lock()
	p.appKey = appKey
	p.mu.Unlock()
	return notify.Device{Platform: notify.WebPushPlatform, Token: p.srv.URL + "/push/subscription-1",
		Keys: map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(p.ua.PublicKey().Bytes()), "auth": base64.RawURLEncoding.EncodeToString(p.auth)}}
}

func (p *pushService) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone {
		w.WriteHeader(http.StatusGone)
		return
	}
	if problem := p.check(r); problem != "" {
		p.problems = append(p.problems, problem)
		http.Error(w, problem, http.StatusForbidden)
		return
	}
	body, _ := io.ReadAll(r.Body)
	plain, problem := p.decrypt(body)
	if problem != "" {
		p.problems = append(p.problems, problem)
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	var m map[string]string
	if err := json.Unmarshal(plain, &m); err != nil {
		p.problems = append(p.problems, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.got, p.headers = append(p.got, m), append(p.headers, r.Header.Clone())
	w.Header().Set("Location", p.srv.URL+"/message/1")
	w.WriteHeader(http.StatusCreated)
}

// check verifies the request's headers and VAPID JWT.
func (p *pushService) check(r *http.Request) string {
	if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		return "not an RFC 8291 push"
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
	if k != p.appKey {
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
	if err := claims.Validate(jwt.Expected{AnyAudience: jwt.Audience{p.srv.URL}, Time: time.Now()}); err != nil ||
		claims.Expiry == nil || time.Until(claims.Expiry.Time()) > 24*time.Hour {
		return "t: claims"
	}
	if u, err := url.Parse(claims.Sub); err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto") {
		return "t: sub"
	}
	return ""
}

// decrypt is the browser's side of RFC 8291 §3.4 over RFC 8188.
func (p *pushService) decrypt(body []byte) ([]byte, string) {
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
	shared, err := p.ua.ECDH(as)
	if err != nil {
		return nil, err.Error()
	}
	info := append(append([]byte("WebPush: info\x00"), p.ua.PublicKey().Bytes()...), as.Bytes()...)
	ikm, _ := hkdf.Key(sha256.New, shared, p.auth, string(info), 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
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

func (p *pushService) messages() ([]map[string]string, []http.Header, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]string(nil), p.got...), p.headers, p.problems
}

// A notice reaches the browser's push service once, encrypted to the
// subscription and signed with the city's VAPID key (the one the page
// gives browsers to subscribe with); a subscription the service says is
// gone (410) is disabled.
func TestWebPushGoesOutOnce(t *testing.T) {
	t.Parallel()
	ps := newPushService(t)
	e := setup(t, envOpts{webpush: &notify.WebPush{Client: ps.srv.Client(), AllowEndpoint: func(u *url.URL) bool { return u.Scheme == "https" }}})

	appKey, err := e.svc.VAPIDPublicKey(e.ctx)
	require.NoError(t, err)
	again, err := e.svc.VAPIDPublicKey(e.ctx)
	require.NoError(t, err)
	require.Equal(t, appKey, again, "one key per city")
	sub := ps.subscription(appKey)
	bad := sub
	bad.Keys = map[string]string{"p256dh": "AAAA", "auth": sub.Keys["auth"]}
	_, err = e.svc.RegisterDevice(e.ctx, e.account, bad)
	require.ErrorIs(t, err, notify.ErrBadDevice)
	_, err = e.svc.RegisterDevice(e.ctx, e.account, sub)
	require.NoError(t, err)

	id := e.post(t, notify.KindResult, "notify.approved", "2026-000123")
	d := e.settled(t, id, notify.Push)
	require.Equal(t, notify.Delivered, d.Status, d.LastError)
	got, headers, problems := ps.messages()
	require.Empty(t, problems)
	require.Len(t, got, 1, "sent once")
	require.Equal(t, "Тестове", got[0]["title"])
	require.Contains(t, got[0]["body"], "2026-000123")
	require.Contains(t, got[0]["link"], "/cabinet/notifications?n="+id.String())
	require.Equal(t, "high", headers[0].Get("Urgency"), "a result is urgent")

	ps.mu.Lock()
	ps.gone = true
	ps.mu.Unlock()
	id = e.post(t, notify.KindStatus, "notify.status", "2026-000124")
	d = e.settled(t, id, notify.Push)
	require.Equal(t, notify.Permanent, d.Status)
	require.Contains(t, d.LastError, "410")
	id = e.post(t, notify.KindStatus, "notify.status", "2026-000125")
	require.Equal(t, 0, e.deliveries(t, id), "the subscription is disabled")
	waitJobsDone(t, e)
	got, _, _ = ps.messages()
	require.Len(t, got, 1)

	// An endpoint on an address, not a push service's name, is refused
	// by default: a browser types it, and it must not reach inside.
	svc := &notify.WebPush{}
	_, err = svc.Send(context.Background(), nil, "", "https://127.0.0.1/x", sub.Keys, notify.PushMessage{}, false)
	require.ErrorIs(t, err, notify.ErrUnregistered)
	// Past that check, the default client still dials only public
	// addresses (a name may resolve inside): the real push service above,
	// on 127.0.0.1, is not reached.
	vapid, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	svc = &notify.WebPush{AllowEndpoint: func(*url.URL) bool { return true }}
	_, err = svc.Send(context.Background(), vapid, "https://kyiv.example", ps.srv.URL+"/push/1", sub.Keys, notify.PushMessage{Title: "т"}, false)
	require.ErrorIs(t, err, egress.ErrRefused)
	require.ErrorIs(t, err, notify.ErrUnregistered, "the subscription is dropped")
	got, _, _ = ps.messages()
	require.Len(t, got, 1)
}
