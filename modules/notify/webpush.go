package notify

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"hromada/egress"
)

// WebPush sends push notices to the portal in a browser, through the push
// service the browser subscribed with (the endpoint of its subscription).
// The protocol, as implemented here:
//
//   - RFC 8030: POST <endpoint> with the encrypted message as the body,
//     TTL (how long the service keeps it for a browser that is offline)
//     and Urgency; 201 Created is accepted. 404 and 410 mean the
//     subscription is gone for good; 429 and 5xx are retried (no sooner
//     than Retry-After); any other 4xx is permanent.
//   - RFC 8291: the body is encrypted to the subscription's p256dh key
//     and auth secret with a fresh ECDH key and salt, in RFC 8188's
//     aes128gcm content coding (one record).
//   - RFC 8292: Authorization: vapid t=<JWT>, k=<public key>, the JWT
//     ES256-signed with the city's VAPID key, its aud the endpoint's
//     origin, exp 12 hours ahead, sub the city's portal.
//
// Why by hand, not with a library (checked December 2026; docs/notify.md):
// the one Go Web Push library on the module proxy,
// github.com/SherClockHolmes/webpush-go (v1.4.0, January 2025; only
// v1.3.0 before it), is not sound enough to hand a city's key to: it does
// the key agreement with crypto/elliptic's deprecated big-integer
// ScalarMult and Unmarshal (not constant-time; the pull request moving it
// to crypto/ecdh, #60, has been open since 2023), it ignores its own
// VapidExpiration option (issue #73: exp is always now + 12 h, the
// option lost in a merge), it pads every message to the full 4096-byte
// record (what Firefox for Android refused with 413, issue #23), it takes
// the VAPID key as a base64 string (so the sealed key would be unsealed
// into a string), prefixes "mailto:" to any subject not starting with
// "https:", and draws its salt and sender key inside one call, so it
// cannot be run on RFC 8291's published example. What is written here is
// small and checked instead: encryptWebPush reproduces RFC 8291's
// Appendix A byte for byte (webpush_internal_test.go), and the test push
// service (webpushsim) verifies the JWT and decrypts every message with
// its own code, in Go tests and in Chromium (cmd/hromada
// TestWebPushInBrowser).
type WebPush struct {
	// Client is the HTTP client; nil: one with a 15 s timeout that dials
	// public addresses only, over https (package egress): a name that
	// resolves into the platform's network is refused too.
	Client *http.Client
	// AllowEndpoint says whether the portal may POST to a subscription's
	// endpoint; nil: an https URL whose host is a name, not an address
	// (an endpoint is typed by a browser, so it must not reach the
	// platform's own network).
	AllowEndpoint func(u *url.URL) bool
}

// allowed says whether endpoint may be pushed to.
func (w *WebPush) allowed(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	if w.AllowEndpoint != nil {
		return w.AllowEndpoint(u)
	}
	return u.Scheme == "https" && net.ParseIP(u.Hostname()) == nil && u.Hostname() != "localhost"
}

// webPushTTL is how long a push service keeps a notice for a browser that
// is not online: a day, after which the inbox says it anyway.
const webPushTTL = 24 * time.Hour

// Send encrypts m to the subscription (endpoint, p256dh, auth) and posts
// it, signed with the city's VAPID key for subject. It returns the push
// service's Location of the message.
func (w *WebPush) Send(ctx context.Context, key *ecdsa.PrivateKey, subject, endpoint string, keys map[string]string, m PushMessage, urgent bool) (string, error) {
	if !w.allowed(endpoint) {
		return "", fmt.Errorf("%w: the endpoint %q is not a push service's", ErrUnregistered, endpoint)
	}
	uaPublic, err := base64.RawURLEncoding.DecodeString(keys["p256dh"])
	if err != nil {
		return "", fmt.Errorf("%w: p256dh: %w", ErrUnregistered, err)
	}
	auth, err := base64.RawURLEncoding.DecodeString(keys["auth"])
	if err != nil {
		return "", fmt.Errorf("%w: auth: %w", ErrUnregistered, err)
	}
	plain, err := json.Marshal(map[string]string{"title": m.Title, "body": m.Body, "link": m.Link})
	if err != nil {
		return "", err
	}
	asKey, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	body, err := encryptWebPush(plain, uaPublic, auth, asKey, salt)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnregistered, err)
	}
	authz, err := vapidAuthorization(key, subject, endpoint, time.Now())
	if err != nil {
		return "", err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	hr.Header.Set("Authorization", authz)
	hr.Header.Set("Content-Encoding", "aes128gcm")
	hr.Header.Set("Content-Type", "application/octet-stream")
	hr.Header.Set("TTL", strconv.Itoa(int(webPushTTL.Seconds())))
	hr.Header.Set("Urgency", map[bool]string{true: "high", false: "normal"}[urgent])
	c := w.Client
	if c == nil {
		c = egress.Policy{HTTPSOnly: true}.Client(15 * time.Second)
	}
	resp, err := c.Do(hr)
	if errors.Is(err, egress.ErrRefused) {
		// An endpoint off-limits now stays so: drop the subscription.
		return "", fmt.Errorf("%w: %w", ErrUnregistered, err)
	}
	if err != nil {
		return "", fmt.Errorf("webpush: %w", err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	err = fmt.Errorf("webpush: HTTP %s: %s", resp.Status, truncate(string(text), 200))
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
		return resp.Header.Get("Location"), nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return "", fmt.Errorf("%w: %w", ErrUnregistered, err)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		if after, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return "", &retryLater{after: after, err: err}
		}
		return "", err
	}
	return "", fmt.Errorf("%w: %w", ErrPermanent, err)
}

// webPushRecordSize is the record size the body declares (RFC 8188's
// rs): the notice is one record, well under it.
const webPushRecordSize = 4096

// encryptWebPush encrypts plain for a browser per RFC 8291 §3.4: the
// content encryption key and nonce come from ECDH between asKey and the
// browser's uaPublic, mixed with its auth secret, and the body is RFC
// 8188's aes128gcm: salt, rs, the sender's public key, then the one
// record (plain, the last-record delimiter 2, AES-128-GCM).
func encryptWebPush(plain, uaPublic, auth []byte, asKey *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	if len(auth) != 16 || len(salt) != 16 {
		return nil, errors.New("webpush: the auth secret and the salt are 16 bytes")
	}
	ua, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		return nil, fmt.Errorf("webpush: p256dh: %w", err)
	}
	shared, err := asKey.ECDH(ua)
	if err != nil {
		return nil, err
	}
	asPublic := asKey.PublicKey().Bytes()
	keyInfo := append(append([]byte("WebPush: info\x00"), uaPublic...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, shared, auth, string(keyInfo), 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(plain)+1+gcm.Overhead() > webPushRecordSize {
		return nil, errors.New("webpush: the notice does not fit one record")
	}
	head := make([]byte, 0, 16+4+1+len(asPublic))
	head = append(head, salt...)
	head = binary.BigEndian.AppendUint32(head, webPushRecordSize)
	head = append(head, byte(len(asPublic)))
	head = append(head, asPublic...)
	return gcm.Seal(head, nonce, append(plain, 2), nil), nil
}

// vapidValidity is how long a VAPID JWT holds (RFC 8292 allows up to 24
// hours).
const vapidValidity = 12 * time.Hour

// vapidAuthorization is the Authorization header of RFC 8292 for a push
// to endpoint.
func vapidAuthorization(key *ecdsa.PrivateKey, subject, endpoint string, now time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	t, err := jwt.Signed(signer).Claims(map[string]any{"aud": u.Scheme + "://" + u.Host, "exp": now.Add(vapidValidity).Unix(), "sub": subject}).Serialize()
	if err != nil {
		return "", err
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		return "", err
	}
	return "vapid t=" + t + ", k=" + base64.RawURLEncoding.EncodeToString(pub), nil
}
