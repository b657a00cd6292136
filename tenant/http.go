package tenant

import (
	"errors"
	"net/http"
)

// Middleware puts the tenant named by the request's Host into the context.
// An unknown or malformed host, or a deleted city's, gets notFound (which
// must name no tenant), a suspended tenant gets suspended, a database
// failure gets failed; only an active tenant reaches next.
func Middleware(dir *Directory, notFound, suspended http.Handler, failed func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t, err := dir.ByHost(r.Context(), r.Host)
			switch {
			case errors.Is(err, ErrNotFound), errors.Is(err, ErrInvalidHost), err == nil && t.Status == Deleted:
				notFound.ServeHTTP(w, r)
			case err != nil:
				failed(w, r, err)
			case t.Status != Active:
				suspended.ServeHTTP(w, r.WithContext(With(r.Context(), t)))
			default:
				next.ServeHTTP(w, r.WithContext(With(r.Context(), t)))
			}
		})
	}
}
