package signtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/signature"
	"hromada/modules/signature/signtest"
)

const (
	token  = "partner-token"
	rnokpp = "1759013776"
)

var document = []byte(`{"service":"dovidka","city":"Київ"}`)

// setup starts a Server behind httptest and returns it with a Remote
// pointed at it.
func setup(t *testing.T, autoApprove bool) (*signature.DevCA, *signtest.Server, *signature.Remote, *httptest.Server) {
	t.Helper()
	ca, err := signature.NewDevCA("Hromada Dev CA")
	require.NoError(t, err)
	srv := signtest.NewServer(ca, token)
	srv.AutoApprove = autoApprove
	srv.Names = map[string]string{rnokpp: "Шевченко Тарас Григорович"}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return ca, srv, &signature.Remote{BaseURL: hs.URL, Token: token, PollInterval: 5 * time.Millisecond}, hs
}

func request() signature.HashRequest {
	d := sha256.Sum256(document)
	return signature.HashRequest{RNOKPP: rnokpp, DocumentName: "заява.json", Digest: d[:]}
}

// waitPending returns the id of the one pending request once there is
// one, or "" after a few seconds. It runs on its own goroutine, so it
// must not fail the test itself.
func waitPending(srv *signtest.Server) string {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if ids := srv.Pending(); len(ids) == 1 {
			return ids[0]
		}
	}
	return ""
}

// bounded is a context that ends a test stuck waiting for a decision.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAutoApprove(t *testing.T) {
	t.Parallel()
	ca, srv, remote, _ := setup(t, true)
	var _ signature.HashSigner = remote

	cms, err := remote.Sign(context.Background(), request())
	require.NoError(t, err)
	s, err := signature.VerifyDetached(document, cms, signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokpp})
	require.NoError(t, err)
	require.Equal(t, "Шевченко Тарас Григорович", s.CommonName)
	cert, err := srv.Certificate(rnokpp)
	require.NoError(t, err)
	require.Equal(t, cert.Raw, s.Certificate.Raw)

	// The certificate is kept per РНОКПП.
	cms2, err := remote.Sign(context.Background(), request())
	require.NoError(t, err)
	s2, err := signature.VerifyDetached(document, cms2, signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokpp})
	require.NoError(t, err)
	require.Equal(t, s.Certificate.Raw, s2.Certificate.Raw)
	require.Equal(t, 2, srv.Len())

	_, err = signature.VerifyDetached(append([]byte(" "), document...), cms, signature.VerifyOptions{Roots: ca.Pool()})
	require.ErrorIs(t, err, signature.ErrBadSignature)
}

func TestApproveLater(t *testing.T) {
	t.Parallel()
	ca, srv, remote, _ := setup(t, false)
	var deeplink atomic.Value
	remote.OnPending = func(_ context.Context, _, link string) { deeplink.Store(link) }

	approved := make(chan error, 1)
	go func() { approved <- srv.Approve(waitPending(srv)) }()
	cms, err := remote.Sign(bounded(t), request())
	require.NoError(t, err)
	require.NoError(t, <-approved)
	_, err = signature.VerifyDetached(document, cms, signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokpp})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(deeplink.Load().(string), "hromada-dev-sign://"), deeplink.Load())
	require.Empty(t, srv.Pending())
}

func TestRejectAndExpire(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		act  func(*signtest.Server, string) error
		want error
	}{
		"reject": {(*signtest.Server).Reject, signature.ErrRejected},
		"expire": {(*signtest.Server).Expire, signature.ErrRequestExpired},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, srv, remote, _ := setup(t, false)
			done := make(chan error, 1)
			var id string
			go func() {
				id = waitPending(srv)
				done <- c.act(srv, id)
			}()
			_, err := remote.Sign(bounded(t), request())
			require.ErrorIs(t, err, c.want)
			require.NoError(t, <-done)
			// Only a pending request can be decided.
			require.Error(t, srv.Approve(id))
			require.Error(t, srv.Approve("no-such-id"))
		})
	}
}

func TestBadToken(t *testing.T) {
	t.Parallel()
	_, srv, remote, _ := setup(t, true)
	remote.Token = "wrong"
	_, err := remote.Sign(context.Background(), request())
	require.ErrorContains(t, err, "401")
	require.ErrorIs(t, err, signature.ErrRemote)
	var se *signature.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusUnauthorized, se.StatusCode)
	require.Contains(t, se.Body, `"error"`)
	require.Zero(t, srv.Len())
}

func TestContextWhilePending(t *testing.T) {
	t.Parallel()
	_, srv, remote, _ := setup(t, false)
	// The caller gives up once the request is pending (not after a fixed
	// time, which a loaded machine may spend before the request arrives):
	// Sign must end with the context's error and leave the request there.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for len(srv.Pending()) == 0 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	_, err := remote.Sign(ctx, request())
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, srv.Pending(), 1)
}

// post sends a create request by hand.
func post(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/sign-requests", bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	_, srv, _, hs := setup(t, false)
	d := sha256.Sum256(document)
	body := map[string]any{
		"requestId": "4f1c0a55-8a8e-4c39-9a51-0a2f8f4b6c11",
		"signer":    map[string]string{"rnokpp": rnokpp},
		"documents": []map[string]any{{"name": "заява.json", "hashAlgorithm": "SHA-256", "hash": d[:]}},
	}
	code, first := post(t, hs.URL, body)
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, "pending", first["status"])
	code, again := post(t, hs.URL, body)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, first, again)
	require.Equal(t, 1, srv.Len())

	body["signer"] = map[string]string{"rnokpp": "2530414071"}
	code, _ = post(t, hs.URL, body)
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, 1, srv.Len())

	body["requestId"] = "other"
	body["documents"] = []map[string]any{{"name": "x", "hashAlgorithm": "SHA-1", "hash": d[:20]}}
	code, out := post(t, hs.URL, body)
	require.Equal(t, http.StatusBadRequest, code, out)

	resp, err := http.Get(hs.URL + "/api/v1/sign-requests/nope")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// TestLostAnswerRetried loses the answer to the first create: Remote
// retries with the same requestId and the server does not make a second
// request.
func TestLostAnswerRetried(t *testing.T) {
	t.Parallel()
	ca, err := signature.NewDevCA("Hromada Dev CA")
	require.NoError(t, err)
	srv := signtest.NewServer(ca, token)
	srv.AutoApprove = true
	var lost atomic.Bool
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && lost.CompareAndSwap(false, true) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, r) // the request is made…
			_, _ = io.Copy(io.Discard, rec.Body)
			http.Error(w, "upstream timeout", http.StatusBadGateway) // …but the answer is lost
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	remote := &signature.Remote{BaseURL: hs.URL, Token: token, PollInterval: time.Millisecond}

	cms, err := remote.Sign(context.Background(), request())
	require.NoError(t, err)
	_, err = signature.VerifyDetached(document, cms, signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokpp})
	require.NoError(t, err)
	require.True(t, lost.Load())
	require.Equal(t, 1, srv.Len())
}
