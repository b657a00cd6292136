package notify

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// FCM sends push notices to the city app through Firebase Cloud
// Messaging's HTTP v1 API, authenticated as a Google service account. The
// protocol, as implemented here:
//
//  1. The service account's JSON key (project_id, client_email,
//     private_key_id, private_key, token_uri) signs a JWT (RS256; iss the
//     client e-mail, scope FCMScope, aud the token URI, one hour), which
//     is exchanged at the token URI (grant_type
//     urn:ietf:params:oauth:grant-type:jwt-bearer) for an OAuth 2 access
//     token, kept until shortly before it expires (golang.org/x/oauth2/jwt).
//  2. POST <BaseURL>/v1/projects/<project>/messages:send with the access
//     token as Bearer and
//     {"message": {"token": "…", "notification": {"title": "…", "body": "…"},
//     "data": {"link": "…"}}}, answered 200 {"name": "projects/…/messages/…"}.
//  3. An error is a google.rpc.Status {"error": {"code", "message",
//     "status", "details": [{"@type": "…FcmError", "errorCode": "…"}]}}:
//     UNREGISTERED (HTTP 404) means the app is gone from the device and
//     the token must not be used again; 429 (QUOTA_EXCEEDED) and 503
//     (UNAVAILABLE) are retried no sooner than their Retry-After; another
//     5xx is retried; 401 drops the access token; any other 4xx is
//     permanent.
type FCM struct {
	project string
	base    string
	client  *http.Client
	conf    *jwt.Config

	mu     sync.Mutex
	tokens oauth2.TokenSource
}

// FCMScope is the OAuth scope of FCM's HTTP v1 API.
const FCMScope = "https://www.googleapis.com/auth/firebase.messaging"

// FCMBaseURL is FCM's API in production.
const FCMBaseURL = "https://fcm.googleapis.com"

// ServiceAccount is what FCM needs of a Google service account's JSON
// key.
type ServiceAccount struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// NewFCM returns the sender for the service account whose JSON key is
// credentials, calling FCM at baseURL (empty: FCMBaseURL; a simulator's
// address in tests and dev) through client (nil: one with a 15 s
// timeout).
func NewFCM(credentials []byte, baseURL string, client *http.Client) (*FCM, error) {
	var sa ServiceAccount
	if err := json.Unmarshal(credentials, &sa); err != nil {
		return nil, fmt.Errorf("fcm: the service account's key: %w", err)
	}
	if sa.Type != "service_account" || sa.ProjectID == "" || sa.ClientEmail == "" || sa.PrivateKey == "" || sa.TokenURI == "" {
		return nil, errors.New("fcm: the key is not a service account's (type, project_id, client_email, private_key and token_uri are required)")
	}
	if baseURL == "" {
		baseURL = FCMBaseURL
	}
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	f := &FCM{project: sa.ProjectID, base: strings.TrimSuffix(baseURL, "/"), client: client,
		conf: &jwt.Config{Email: sa.ClientEmail, PrivateKey: []byte(sa.PrivateKey), PrivateKeyID: sa.PrivateKeyID,
			Scopes: []string{FCMScope}, TokenURL: sa.TokenURI}}
	f.tokens = f.newTokens()
	// The key is parsed on the first token; a broken one should stop the
	// start, not the first notice.
	if err := checkRSAKey(sa.PrivateKey); err != nil {
		return nil, err
	}
	return f, nil
}

// checkRSAKey checks that key is an RSA private key in PEM (PKCS #8, as
// Google writes them, or PKCS #1).
func checkRSAKey(key string) error {
	block, _ := pem.Decode([]byte(key))
	if block == nil {
		return errors.New("fcm: the service account's private_key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		_, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return fmt.Errorf("fcm: the service account's private_key: %w", err)
		}
		return nil
	}
	if _, ok := k.(*rsa.PrivateKey); !ok {
		return errors.New("fcm: the service account's private_key is not RSA")
	}
	return nil
}

// newTokens is a fresh source of access tokens, each reused until it
// nears its expiry.
func (f *FCM) newTokens() oauth2.TokenSource {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, f.client)
	return f.conf.TokenSource(ctx)
}

// PushMessage is what a push notice shows: a title, a line of text, and
// the link the app or browser opens when it is tapped.
type PushMessage struct {
	Title, Body, Link string
}

// ErrUnregistered: the push service says the device's token is gone for
// good (the app was removed, the subscription expired). It is permanent.
var ErrUnregistered = fmt.Errorf("%w: the device is unregistered", ErrPermanent)

// retryLater is a temporary failure whose service said when to come back.
type retryLater struct {
	after time.Duration
	err   error
}

func (e *retryLater) Error() string { return fmt.Sprintf("%v (retry after %s)", e.err, e.after) }
func (e *retryLater) Unwrap() error { return e.err }

type fcmRequest struct {
	Message fcmMessage `json:"message"`
}

type fcmMessage struct {
	Token        string            `json:"token"`
	Notification fcmNotification   `json:"notification"`
	Data         map[string]string `json:"data,omitempty"`
}

type fcmNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// FCMError is FCM's error answer (a google.rpc.Status).
type FCMError struct {
	Error struct {
		Code    int              `json:"code"`
		Message string           `json:"message"`
		Status  string           `json:"status"`
		Details []FCMErrorDetail `json:"details,omitempty"`
	} `json:"error"`
}

// FCMErrorDetail is one detail of an error; FCM's own carries errorCode.
type FCMErrorDetail struct {
	Type      string `json:"@type"`
	ErrorCode string `json:"errorCode,omitempty"`
}

// FCMErrorType is the @type of FCM's own error detail.
const FCMErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError"

// Send sends m to the device with token and returns FCM's name of the
// message. The errors are as the type's doc says.
func (f *FCM) Send(ctx context.Context, token string, m PushMessage) (string, error) {
	body, err := json.Marshal(fcmRequest{Message: fcmMessage{Token: token,
		Notification: fcmNotification{Title: m.Title, Body: m.Body}, Data: map[string]string{"link": m.Link}}})
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	ts := f.tokens
	f.mu.Unlock()
	tok, err := ts.Token()
	if err != nil {
		return "", fmt.Errorf("fcm: access token: %w", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/v1/projects/"+url.PathEscape(f.project)+"/messages:send", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	tok.SetAuthHeader(hr)
	hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := f.client.Do(hr)
	if err != nil {
		return "", fmt.Errorf("fcm: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("fcm: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		var out struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.Name == "" {
			return "", fmt.Errorf("fcm: HTTP 200 without a message name: %q", truncate(string(raw), 200))
		}
		return out.Name, nil
	}
	return "", f.failure(resp, raw)
}

// failure classifies an error answer.
func (f *FCM) failure(resp *http.Response, raw []byte) error {
	var e FCMError
	_ = json.Unmarshal(raw, &e) // a proxy's HTML page has no status: the HTTP code decides
	code := e.Error.Status
	for _, d := range e.Error.Details {
		if d.Type == FCMErrorType && d.ErrorCode != "" {
			code = d.ErrorCode
		}
	}
	err := fmt.Errorf("fcm: HTTP %d %s: %s", resp.StatusCode, code, truncate(e.Error.Message, 200))
	switch {
	case code == "UNREGISTERED" || resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: %w", ErrUnregistered, err)
	case resp.StatusCode == http.StatusUnauthorized:
		// The access token was revoked or the clocks disagree: the next
		// attempt signs a new one.
		f.mu.Lock()
		f.tokens = f.newTokens()
		f.mu.Unlock()
		return err
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		if after, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &retryLater{after: after, err: err}
		}
		return err
	}
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
