package cityapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"hromada/modules/identity"
	"hromada/web"
)

type callerKey struct{}

// bearer lets through a request with an access token of this city that
// carries scope and is within its rate; the person it speaks for is the
// request's signed-in person, as a session's would be, so the modules'
// Services read them the same way.
func (h *HTTP) bearer(scope string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			h.unauthorized(w, r, "cityapi.error.no_token")
			return
		}
		c, err := h.svc.Authenticate(r.Context(), token)
		if errors.Is(err, ErrUnauthorized) {
			h.unauthorized(w, r, "cityapi.error.bad_token")
			return
		}
		if err != nil {
			h.rd.Problem(w, r, err)
			return
		}
		if !c.Has(scope) {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+scope+`"`)
			web.WriteProblem(w, h.rd.NewProblem(r, http.StatusForbidden, "forbidden", "cityapi.error.scope_missing", map[string]any{"Scope": scope}))
			return
		}
		if wait, ok := h.limit.allow(c.Grant); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			web.WriteProblem(w, h.rd.NewProblem(r, http.StatusTooManyRequests, "too_many_requests", "cityapi.error.rate", nil))
			return
		}
		ctx := identity.WithSigned(r.Context(), &identity.Signed{AccountID: c.Account, RNOKPP: c.RNOKPP, FullName: c.FullName})
		next(w, r.WithContext(context.WithValue(ctx, callerKey{}, c)))
	}
}

func (h *HTTP) unauthorized(w http.ResponseWriter, r *http.Request, key string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	web.WriteProblem(w, h.rd.NewProblem(r, http.StatusUnauthorized, "unauthorized", key, nil))
}

// limiter counts each grant's requests in fixed one-minute windows, in
// this process: a phone app that loops is stopped before it loads the
// city's database; a limit shared across replicas is not needed for that.
type limiter struct {
	mu        sync.Mutex
	perMinute int
	now       func() time.Time
	window    time.Time
	counts    map[uuid.UUID]int
}

func newLimiter(perMinute int, now func() time.Time) *limiter {
	return &limiter{perMinute: perMinute, now: now, counts: map[uuid.UUID]int{}}
}

// allow counts a request of grant; when over the limit, it says how long
// until the next window.
func (l *limiter) allow(grant uuid.UUID) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if w := now.Truncate(time.Minute); !w.Equal(l.window) {
		l.window, l.counts = w, map[uuid.UUID]int{}
	}
	l.counts[grant]++
	if l.counts[grant] > l.perMinute {
		return l.window.Add(time.Minute).Sub(now), false
	}
	return 0, true
}
