package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"hromada/apperr"
	"hromada/tenant"
)

// ContentSecurityPolicy allows only this site's own scripts, styles, images
// and forms, and no framing (clickjacking).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every response carries; HSTS only in
// production (a dev portal on http://*.localhost must stay reachable).
func SecurityHeaders(production bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if production {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// BodyLimit refuses bodies over limit bytes: at once when Content-Length
// says so, and while reading otherwise (handlers see *http.MaxBytesError,
// which Error renders as 413). A multipart body (a file upload) may reach
// uploadLimit instead: the upload's own limits then say what is refused,
// with a message naming the file. A multipart body over uploadLimit is not
// refused at once but when its handler reads it, so that the page the
// file was sent from says the limit, in the city's portal, with what was
// already attached (an upload is the one request whose size a person
// cannot see before sending).
//
// A route in larger (an upload of bigger files, such as a short video in
// «Мої документи») reads a multipart body up to its own limit instead;
// every other upload keeps uploadLimit.
func (rd *Renderer) BodyLimit(limit, uploadLimit int64, larger ...LargerUpload) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			limit := limit
			multipart := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
			if multipart && uploadLimit > limit {
				limit = uploadLimit
			}
			for _, l := range larger {
				if multipart && r.Method == l.Method && r.URL.Path == l.Path && l.Limit > limit {
					limit = l.Limit
				}
			}
			if r.ContentLength > limit && !multipart {
				w.Header().Set("Connection", "close")
				rd.Error(w, r, ErrTooLarge.With(map[string]any{"Limit": limit / 1024}))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}

// LargerUpload is a route whose multipart body may exceed BodyLimit's
// uploadLimit: its method, its exact path and its own limit.
type LargerUpload struct {
	Method, Path string
	Limit        int64
}

// CrossOriginProtection refuses unsafe requests from other origins (CSRF),
// using the browser's Sec-Fetch-Site and Origin headers, with the 403 page.
func (rd *Renderer) CrossOriginProtection() func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rd.Error(w, r, ErrCrossOrigin)
	}))
	return cop.Handler
}

// Recoverer turns a panic into a logged 500 page.
func (rd *Renderer) Recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				rd.log.ErrorContext(r.Context(), "panic", "request_id", middleware.GetReqID(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				rd.Error(w, r, apperr.New(apperr.Internal, "error.internal"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// RequestLogger logs one JSON line per request, with its id and tenant.
func RequestLogger(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			// The id the error pages show, for the help desk to find this line.
			w.Header().Set("X-Request-Id", middleware.GetReqID(r.Context()))
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			// The tenant is resolved further in; NoteTenant writes it here.
			note := &logNote{}
			r = r.WithContext(context.WithValue(r.Context(), noteKey{}, note))
			next.ServeHTTP(ww, r)
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(r.Context(), level, "request",
				slog.String("request_id", middleware.GetReqID(r.Context())),
				slog.String("method", r.Method),
				slog.String("host", r.Host),
				slog.String("path", r.URL.Path),
				slog.String("tenant", note.tenant),
				slog.Int("status", status),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("took", time.Since(start)),
			)
		})
	}
}

// Metrics counts requests and their durations by route pattern (never by
// raw path, which would make a series per URL).
func Metrics(reg prometheus.Registerer) func(http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hromada_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hromada_http_request_duration_seconds", Help: "HTTP request durations by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	reg.MustRegister(requests, duration)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
			duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		})
	}
}

// logNote is filled in by middleware further in, for the request's log line.
type logNote struct{ tenant string }

type noteKey struct{}

// NoteTenant records the resolved tenant for the request's log line; mount
// it after the tenant middleware.
func NoteTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, ok := r.Context().Value(noteKey{}).(*logNote); ok {
			if t, err := tenant.From(r.Context()); err == nil {
				n.tenant = t.Slug
			}
		}
		next.ServeHTTP(w, r)
	})
}
