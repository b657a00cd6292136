package signature

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// These tests pin Remote's side of the protocol with hand-written
// answers; signtest tests it against the full server.

func remoteFor(t *testing.T, h http.HandlerFunc) *Remote {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Remote{BaseURL: srv.URL + "/", Token: "secret", PollInterval: time.Millisecond}
}

func TestRemoteWire(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256(testData)
	var id atomic.Value // the requestId the client chose
	id.Store("")
	var polls atomic.Int32
	// The handler runs on the server's goroutine, where require must not
	// stop the test: it records what came, and the test checks it below.
	var mu sync.Mutex
	var auths []string
	var create struct {
		contentType string
		body        map[string]any
		err         error
	}
	r := remoteFor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		auths = append(auths, req.Header.Get("Authorization"))
		mu.Unlock()
		switch {
		case req.Method == http.MethodPost && req.URL.Path == "/api/v1/sign-requests":
			var body map[string]any
			err := json.NewDecoder(req.Body).Decode(&body)
			mu.Lock()
			create.contentType, create.body, create.err = req.Header.Get("Content-Type"), body, err
			mu.Unlock()
			rid, _ := body["requestId"].(string)
			id.Store(rid)
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"requestId":"`+rid+`","status":"pending","deeplink":"https://diia.example/s/1"}`)
		case req.Method == http.MethodGet && req.URL.Path == "/api/v1/sign-requests/"+id.Load().(string):
			if polls.Add(1) < 3 {
				_, _ = io.WriteString(w, `{"status":"pending"}`)
				return
			}
			_, _ = io.WriteString(w, `{"status":"signed","signatures":[`+
				`{"name":"інше","cms":"AAAA"},{"name":"заява.json","cms":"MIIB"}]}`)
		default:
			http.NotFound(w, req)
		}
	})
	var deeplink string
	r.OnPending = func(_ context.Context, requestID, link string) {
		require.Equal(t, id.Load(), requestID)
		deeplink = link
	}
	cms, err := r.Sign(context.Background(), HashRequest{RNOKPP: rnokppA, DocumentName: "заява.json", Digest: digest[:]})
	require.NoError(t, err)
	require.Equal(t, []byte{0x30, 0x82, 0x01}, cms) // "MIIB", picked by name
	require.Equal(t, "https://diia.example/s/1", deeplink)
	require.EqualValues(t, 3, polls.Load())

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, auths, 4) // the create and three polls
	for _, a := range auths {
		require.Equal(t, "Bearer secret", a)
	}
	require.Equal(t, "application/json", create.contentType)
	require.NoError(t, create.err)
	rid, _ := create.body["requestId"].(string)
	require.Len(t, rid, 36) // a UUID
	require.Equal(t, map[string]any{"rnokpp": rnokppA}, create.body["signer"])
	require.Equal(t, []any{map[string]any{
		"name": "заява.json", "hashAlgorithm": "SHA-256", "hash": base64.StdEncoding.EncodeToString(digest[:]),
	}}, create.body["documents"])
}

func TestRemoteProtocolErrors(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256(testData)
	req := HashRequest{RNOKPP: rnokppA, DocumentName: "заява.json", Digest: digest[:]}
	// answer creates the request, then answers every poll with poll.
	answer := func(poll string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				var body struct {
					RequestID string `json:"requestId"`
				}
				_ = json.NewDecoder(r.Body).Decode(&body)
				w.WriteHeader(http.StatusCreated)
				_ = json.NewEncoder(w).Encode(map[string]string{"requestId": body.RequestID, "status": "pending"})
				return
			}
			_, _ = io.WriteString(w, poll)
		}
	}
	for name, c := range map[string]struct {
		poll string
		want string
	}{
		"bad JSON":       {`{"status":`, "bad JSON"},
		"unknown status": {`{"status":"lost"}`, `unknown status "lost"`},
		"wrong name":     {`{"status":"signed","signatures":[{"name":"інше","cms":"MIIB"}]}`, `no signature for document "заява.json"`},
		"empty cms":      {`{"status":"signed","signatures":[{"name":"заява.json","cms":""}]}`, "empty signature"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := remoteFor(t, answer(c.poll)).Sign(context.Background(), req)
			require.ErrorIs(t, err, ErrRemote)
			require.ErrorContains(t, err, c.want)
		})
	}
	t.Run("rejected and expired", func(t *testing.T) {
		t.Parallel()
		_, err := remoteFor(t, answer(`{"status":"rejected"}`)).Sign(context.Background(), req)
		require.ErrorIs(t, err, ErrRejected)
		_, err = remoteFor(t, answer(`{"status":"expired"}`)).Sign(context.Background(), req)
		require.ErrorIs(t, err, ErrRequestExpired)
		require.False(t, errors.Is(err, ErrExpired))
	})
	t.Run("5xx retried, then given up", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		r := remoteFor(t, func(w http.ResponseWriter, _ *http.Request) {
			calls.Add(1)
			http.Error(w, `{"error":"down for maintenance"}`, http.StatusServiceUnavailable)
		})
		_, err := r.Sign(context.Background(), req)
		var se *StatusError
		require.ErrorAs(t, err, &se)
		require.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
		require.Contains(t, se.Body, "down for maintenance")
		require.ErrorIs(t, err, ErrRemote)
		require.EqualValues(t, remoteAttempts, calls.Load())
	})
	t.Run("4xx not retried", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		r := remoteFor(t, func(w http.ResponseWriter, _ *http.Request) {
			calls.Add(1)
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		})
		_, err := r.Sign(context.Background(), req)
		require.ErrorContains(t, err, "400")
		require.EqualValues(t, 1, calls.Load())
	})
	t.Run("transport error", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		_, err := (&Remote{BaseURL: srv.URL, PollInterval: time.Millisecond}).Sign(context.Background(), req)
		require.ErrorIs(t, err, ErrRemote)
	})
	t.Run("bad input, no call", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		r := remoteFor(t, func(http.ResponseWriter, *http.Request) { calls.Add(1) })
		for _, bad := range []HashRequest{
			{RNOKPP: rnokppA, DocumentName: "x", Digest: digest[:31]},
			{RNOKPP: "1759013775", DocumentName: "x", Digest: digest[:]},
			{RNOKPP: rnokppA, Digest: digest[:]},
		} {
			_, err := r.Sign(context.Background(), bad)
			require.Error(t, err)
		}
		require.Zero(t, calls.Load())
	})
}
