package web

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A multipart body may reach the upload limit, and on a LargerUpload
// route its own limit; other bodies stay within the plain limit.
func TestBodyLimitLargerUpload(t *testing.T) {
	t.Parallel()
	rd, err := New(Options{})
	require.NoError(t, err)
	h := rd.BodyLimit(10, 100, LargerUpload{Method: http.MethodPost, Path: "/video", Limit: 1000})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}))
	send := func(path, contentType string, n int) int {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(strings.Repeat("a", n)))
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const mp = "multipart/form-data; boundary=x"
	require.Equal(t, http.StatusOK, send("/video", mp, 900))
	require.Equal(t, http.StatusRequestEntityTooLarge, send("/video", mp, 1001))
	require.Equal(t, http.StatusOK, send("/other", mp, 100))
	require.Equal(t, http.StatusRequestEntityTooLarge, send("/other", mp, 900), "another upload keeps the upload limit")
	require.Equal(t, http.StatusRequestEntityTooLarge, send("/video", "application/x-www-form-urlencoded", 900), "a form that is not an upload keeps the plain limit")
}
