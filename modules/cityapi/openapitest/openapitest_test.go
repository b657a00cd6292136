package openapitest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/cityapi/openapitest"
)

// recorder is a TB that keeps what it is told, to see a check fail.
type recorder struct{ failures []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// serve answers every request with status, content type and body.
func serve(t *testing.T, status int, ctype, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTransport(t *testing.T) {
	t.Parallel()
	const hit = `{"total":1,"offset":0,"limit":20,"items":[{"code":"K-1","name":{"uk":"Довідка"},"summary":{"uk":""},"rank":0,"url":"/services/K-1","online":true}]}`
	cases := []struct {
		name, path, ctype, body string
		status                  int
		breaks                  bool
	}{
		{"ValidPage", "/api/v1/search?q=x", "application/json", hit, 200, false},
		{"MissingField", "/api/v1/search", "application/json", `{"total":1,"offset":0,"items":[]}`, 200, true},
		{"WrongType", "/api/v1/search", "application/json", `{"total":"1","offset":0,"limit":20,"items":[]}`, 200, true},
		{"ProblemDetails", "/api/v1/services/K-404", "application/problem+json; charset=utf-8",
			`{"type":"about:blank","title":"Не знайдено","status":404,"detail":"Такої послуги немає","code":"not_found"}`, 404, false},
		{"OldErrorShape", "/api/v1/services/K-404", "application/json", `{"error":"not_found","message":"Такої послуги немає"}`, 404, true},
		{"UndocumentedPath", "/api/v1/nothing-here", "application/json", `{}`, 200, true},
		{"NotUnderTheContract", "/services/K-1", "text/html", `<p>`, 200, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, tc.status, tc.ctype, tc.body)
			rec := &recorder{}
			c := &http.Client{Transport: openapitest.Transport(rec, http.DefaultTransport)}
			res, err := c.Get(srv.URL + tc.path)
			require.NoError(t, err)
			require.NoError(t, res.Body.Close())
			require.Equal(t, tc.status, res.StatusCode)
			if tc.breaks {
				require.NotEmpty(t, rec.failures, "a breach of the contract must fail the test")
			} else {
				require.Empty(t, rec.failures)
			}
		})
	}
}
