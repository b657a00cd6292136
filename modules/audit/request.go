package audit

import (
	"context"
	"net"
	"net/http"
	"net/netip"

	"github.com/go-chi/chi/v5/middleware"
)

// Request is where an event came from: the client's address, its user
// agent, and the id of the request (chi's RequestID) that ties the event to
// the logs. Record and RecordSecurity take it from the context.
type Request struct {
	IP        string
	UserAgent string
	RequestID string
}

func (r Request) clean() Request {
	return Request{IP: clean(r.IP, 64), UserAgent: clean(r.UserAgent, 512), RequestID: clean(r.RequestID, 128)}
}

type requestKey struct{}

// WithRequest returns ctx carrying r. Middleware calls it for HTTP
// requests; a job may call it to pass on the request that enqueued it.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request in ctx, or the zero Request (an event of
// the system, e.g. from a job).
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// Middleware puts the Request of each HTTP request in its context: the
// client's IP from r.RemoteAddr (X-Forwarded-For is ignored: anyone can send
// it), the User-Agent, and the id set by chi's middleware.RequestID, which
// must run before it. Behind a reverse proxy, use NewMiddleware with the
// proxy's addresses.
func Middleware(next http.Handler) http.Handler {
	return NewMiddleware(MiddlewareOptions{})(next)
}

// MiddlewareOptions configure NewMiddleware.
type MiddlewareOptions struct {
	// TrustedProxies are the address ranges of the reverse proxies in front
	// of the server. When the TCP peer is in one of them, the client's IP is
	// the rightmost address of X-Forwarded-For that is not (chi's
	// ClientIPFromXFF); otherwise it is the peer's address. Empty: the header
	// is never believed.
	TrustedProxies []netip.Prefix
}

// NewMiddleware is Middleware with options.
func NewMiddleware(o MiddlewareOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			ip := middleware.GetClientIP(ctx)
			if ip == "" {
				ip = remoteIP(r.RemoteAddr)
			}
			ctx = WithRequest(ctx, Request{
				IP:        ip,
				UserAgent: r.UserAgent(),
				RequestID: middleware.GetReqID(ctx),
			})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
		if len(o.TrustedProxies) == 0 {
			return h
		}
		prefixes := make([]string, len(o.TrustedProxies))
		for i, p := range o.TrustedProxies {
			prefixes[i] = p.String()
		}
		return middleware.ClientIPFromXFF(prefixes...)(h)
	}
}

// remoteIP is the address part of RemoteAddr, an IPv4-mapped IPv6 address
// folded to IPv4, or RemoteAddr itself when it does not parse.
func remoteIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().String()
	}
	return host
}
