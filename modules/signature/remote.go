package signature

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hromada/ukid"

	"github.com/google/uuid"
)

// HashSigner gets a person's signature over a document's hash. Remote
// signers (Diia.Sign, cloud qualified signature services) never see the
// document, only its SHA-256; the caller keeps the document and checks the
// returned CMS with VerifyDetached.
type HashSigner interface {
	// Sign asks the person with rnokpp to sign digest (SHA-256); it returns a detached CMS.
	Sign(ctx context.Context, req HashRequest) ([]byte, error)
}

// HashRequest is what a HashSigner needs to ask a person for a signature.
type HashRequest struct {
	// RNOKPP is the person who must sign.
	RNOKPP string
	// FullName is a hint for signers that make certificates (DevSigner);
	// a real provider knows the person's name itself and ignores it.
	FullName string
	// DocumentName is shown to the person so they know what they sign.
	DocumentName string
	// Digest is the SHA-256 of the document's exact bytes.
	Digest []byte
}

// Errors of a HashSigner: the person said no, or did not confirm in time.
// (The certificate-validity error of VerifyDetached already has the name
// ErrExpired, hence ErrRequestExpired.)
var (
	ErrRejected       = errors.New("signature: the signer rejected the request")
	ErrRequestExpired = errors.New("signature: the sign request expired unconfirmed")
	// ErrRemote is wrapped by every HTTP or protocol failure of Remote:
	// transport errors, non-2xx answers (as *StatusError), bad JSON, a
	// missing signature.
	ErrRemote = errors.New("signature: remote signer failed")
)

// StatusError is a non-2xx answer from the remote signer. It wraps
// ErrRemote; a 401 or 403 means Remote.Token is wrong.
type StatusError struct {
	Method, URL string
	StatusCode  int
	// Body is the start of the response body, for the log.
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("signature: remote signer: %s %s: HTTP %d %s: %s",
		e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode), e.Body)
}

// Unwrap makes errors.Is(err, ErrRemote) hold.
func (e *StatusError) Unwrap() error { return ErrRemote }

// Remote is a HashSigner talking HTTP to a signing service in the shape
// of Diia.Sign's partner API. We define the protocol here; signtest.Server
// implements it for development and tests.
//
// Every call carries "Authorization: Bearer <Token>"; bodies are JSON
// (Content-Type: application/json); byte strings are standard base64 with
// padding.
//
// Create a request:
//
//	POST {BaseURL}/api/v1/sign-requests
//	{"requestId": "<UUID>",
//	 "signer": {"rnokpp": "1234567890"},
//	 "documents": [{"name": "<shown to the person>", "hashAlgorithm": "SHA-256", "hash": "<base64 of 32 bytes>"}]}
//
// requestId is chosen by the client and is an idempotency key: a repeated
// POST with the same requestId and the same body creates nothing new and
// answers 200 with the existing request's state (a different body under
// the same requestId is 409). A new request answers 201. Both carry
//
//	{"requestId": "<UUID>", "status": "pending", "deeplink": "<URL the person opens in the app>"}
//
// Poll it:
//
//	GET {BaseURL}/api/v1/sign-requests/{requestId}
//	{"requestId": "<UUID>", "status": "pending"|"signed"|"rejected"|"expired",
//	 "signatures": [{"name": "<document name>", "cms": "<base64 of a DER detached CMS SignedData>"}]}
//
// signatures is present once status is "signed": one per document, each a
// CAdES-BES whose messageDigest attribute is that document's hash. Errors
// are non-2xx with a JSON body {"error": "<message>"}: 400 malformed
// request, 401 bad or missing token, 404 unknown requestId, 409 requestId
// reused with another body.
//
// Sign creates a request, then polls every PollInterval until it is
// signed, rejected (ErrRejected), expired (ErrRequestExpired) or ctx is
// done. Transport errors and 5xx answers are retried up to three times in
// a row (the create with the same requestId, so a lost answer does not
// make a second request); anything else fails at once, wrapping ErrRemote.
// Remote checks the answer's shape and the document name, nothing
// cryptographic: the caller runs VerifyDetached.
type Remote struct {
	// BaseURL is the service root, e.g. "https://sign.example.gov.ua".
	BaseURL string
	// Token is the partner's bearer token.
	Token string
	// Client makes the calls and bounds each with its Timeout. Default: a
	// client with a 10 s timeout.
	Client *http.Client
	// PollInterval is the wait between polls. Default 1 s.
	PollInterval time.Duration
	// OnPending, if set, is called once the request exists, with the
	// deeplink the person must open to sign; ctx is Sign's, so per-call
	// values reach it. It must not block for long.
	OnPending func(ctx context.Context, requestID, deeplink string)
}

var defaultRemoteClient = &http.Client{Timeout: 10 * time.Second}

const (
	// remoteAttempts bounds consecutive transient failures.
	remoteAttempts = 3
	// remoteMaxBody bounds what is read of an answer; a few CMS in base64
	// are far smaller.
	remoteMaxBody = 4 << 20
)

// Wire types of the protocol documented on Remote.
type (
	remoteDocument struct {
		Name          string `json:"name"`
		HashAlgorithm string `json:"hashAlgorithm"`
		Hash          []byte `json:"hash"`
	}
	remoteCreate struct {
		RequestID string `json:"requestId"`
		Signer    struct {
			RNOKPP string `json:"rnokpp"`
		} `json:"signer"`
		Documents []remoteDocument `json:"documents"`
	}
	remoteState struct {
		RequestID  string `json:"requestId"`
		Status     string `json:"status"`
		Deeplink   string `json:"deeplink,omitempty"`
		Signatures []struct {
			Name string `json:"name"`
			CMS  []byte `json:"cms"`
		} `json:"signatures,omitempty"`
	}
)

// Sign implements HashSigner; see Remote for the protocol.
func (r *Remote) Sign(ctx context.Context, req HashRequest) ([]byte, error) {
	if len(req.Digest) != sha256.Size {
		return nil, fmt.Errorf("signature: remote: digest is %d bytes, want a %d-byte SHA-256", len(req.Digest), sha256.Size)
	}
	if !ukid.ValidRNOKPP(req.RNOKPP) {
		return nil, fmt.Errorf("signature: remote: invalid РНОКПП %q", req.RNOKPP)
	}
	if req.DocumentName == "" {
		// The person must see what they sign.
		return nil, errors.New("signature: remote: empty document name")
	}
	base := strings.TrimRight(r.BaseURL, "/") + "/api/v1/sign-requests"

	body := remoteCreate{RequestID: uuid.NewString()}
	body.Signer.RNOKPP = req.RNOKPP
	body.Documents = []remoteDocument{{Name: req.DocumentName, HashAlgorithm: "SHA-256", Hash: req.Digest}}
	id := body.RequestID

	var st remoteState
	if err := r.retry(ctx, func() (bool, error) { return r.call(ctx, http.MethodPost, base, body, &st) }); err != nil {
		return nil, err
	}
	if st.RequestID != id {
		return nil, fmt.Errorf("%w: created request %q, answer names %q", ErrRemote, id, st.RequestID)
	}
	if r.OnPending != nil && st.Status == "pending" {
		r.OnPending(ctx, id, st.Deeplink)
	}

	pollURL := base + "/" + url.PathEscape(id)
	for {
		// The create answer carries no signatures, so poll at once.
		st = remoteState{}
		if err := r.retry(ctx, func() (bool, error) { return r.call(ctx, http.MethodGet, pollURL, nil, &st) }); err != nil {
			return nil, err
		}
		switch st.Status {
		case "signed":
			for _, s := range st.Signatures {
				if s.Name != req.DocumentName {
					continue
				}
				if len(s.CMS) == 0 {
					return nil, fmt.Errorf("%w: request %s: empty signature", ErrRemote, id)
				}
				return s.CMS, nil
			}
			return nil, fmt.Errorf("%w: request %s signed, but no signature for document %q", ErrRemote, id, req.DocumentName)
		case "rejected":
			return nil, fmt.Errorf("%w (request %s)", ErrRejected, id)
		case "expired":
			return nil, fmt.Errorf("%w (request %s)", ErrRequestExpired, id)
		case "pending":
		default:
			return nil, fmt.Errorf("%w: request %s: unknown status %q", ErrRemote, id, st.Status)
		}
		if err := r.wait(ctx); err != nil {
			return nil, fmt.Errorf("signature: remote: waiting for request %s: %w", id, err)
		}
	}
}

// retry runs call until it succeeds, fails for good, or fails transiently
// remoteAttempts times in a row.
func (r *Remote) retry(ctx context.Context, call func() (transient bool, err error)) error {
	for attempt := 1; ; attempt++ {
		transient, err := call()
		if err == nil || !transient || attempt == remoteAttempts {
			return err
		}
		if werr := r.wait(ctx); werr != nil {
			return fmt.Errorf("%w (after %v)", werr, err)
		}
	}
}

// call makes one HTTP call, sending in as JSON if not nil and decoding a
// 2xx answer into out. transient says whether trying again may help.
func (r *Remote) call(ctx context.Context, method, u string, in, out any) (transient bool, err error) {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return false, fmt.Errorf("signature: remote: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrRemote, err)
	}
	hreq.Header.Set("Authorization", "Bearer "+r.Token)
	hreq.Header.Set("Accept", "application/json")
	if in != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	client := r.Client
	if client == nil {
		client = defaultRemoteClient
	}
	resp, err := client.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("signature: remote: %s %s: %w", method, u, ctx.Err())
		}
		return true, fmt.Errorf("%w: %w", ErrRemote, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, remoteMaxBody))
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("%w: %s %s: reading answer: %w", ErrRemote, method, u, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		excerpt := strings.TrimSpace(string(raw))
		if len(excerpt) > 512 {
			excerpt = strings.ToValidUTF8(excerpt[:512], "") + "…"
		}
		transient := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return transient, &StatusError{Method: method, URL: u, StatusCode: resp.StatusCode, Body: excerpt}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, fmt.Errorf("%w: %s %s: bad JSON answer: %v", ErrRemote, method, u, err)
	}
	return false, nil
}

// wait sleeps PollInterval or until ctx is done.
func (r *Remote) wait(ctx context.Context) error {
	d := r.PollInterval
	if d <= 0 {
		d = time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
