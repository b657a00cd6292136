package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/text/language"

	"hromada/apperr"
)

// Problem is an error of the JSON API as RFC 9457 problem details, with
// the same words the pages use, in the request's language (APILocalizer).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Code is the error's kind (apperr's codes, and the API's own
	// "unauthorized" and "too_many_requests"): what a client branches on.
	Code string `json:"code"`
	// Instance is the request's id, which the log has the detail under.
	Instance string `json:"instance,omitempty"`
	// Errors are the fields' messages of an invalid input.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one field's message in a Problem.
type FieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// APILocalizer is the localizer of an API request: a client says its
// language with Accept-Language (an app has no cookie); ?lang= and the
// portal's cookie still win, as on the pages.
func (rd *Renderer) APILocalizer(r *http.Request) *Localizer {
	lang := Languages[0]
	if tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil {
		for _, t := range tags {
			if b, _ := t.Base(); slices.Contains(Languages, b.String()) {
				lang = b.String()
				break
			}
		}
	}
	if c, err := r.Cookie(cookieLang); err == nil && slices.Contains(Languages, c.Value) {
		lang = c.Value
	}
	if q := r.URL.Query().Get("lang"); slices.Contains(Languages, q) {
		lang = q
	}
	return rd.localizer(lang)
}

// NewProblem is a problem of status with code, its title the status's
// and its detail message key (filled with args) in the request's language.
func (rd *Renderer) NewProblem(r *http.Request, status int, code, key string, args map[string]any) *Problem {
	l := rd.APILocalizer(r)
	return &Problem{Type: "about:blank", Title: l.T(fmt.Sprintf("status.%d", status)), Status: status,
		Detail: l.Message(key, args), Code: code, Instance: middleware.GetReqID(r.Context())}
}

// ProblemOf is err as a problem. Internal errors are logged with the
// request id and told as the generic message, as Error does for pages.
func (rd *Renderer) ProblemOf(r *http.Request, err error) *Problem {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = ErrTooLarge.Wrap(err)
	}
	e := apperr.As(err)
	if e.Code == apperr.Internal && unreachable(err) {
		e = ErrUnavailable.Wrap(err)
	}
	if e.Code == apperr.Internal {
		rd.log.ErrorContext(r.Context(), "API request failed", "request_id", middleware.GetReqID(r.Context()), "error", err)
	}
	return rd.NewProblem(r, apperr.Status(e.Code), string(e.Code), e.Key, e.Args)
}

// WriteProblem answers with p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Problem answers an API request with err as problem details.
func (rd *Renderer) Problem(w http.ResponseWriter, r *http.Request, err error) {
	p := rd.ProblemOf(r, err)
	if p.Code == string(apperr.Unavailable) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	WriteProblem(w, p)
}
