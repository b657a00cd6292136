// Package web renders Hromada's pages: html/template pages in a layout that
// carries the tenant's branding, in Ukrainian (the default) or English, with
// the display settings (high contrast, large text) every page offers; the
// error pages; the static assets; and the HTTP plumbing every route shares
// (security headers, body limits, logging, recovery, metrics).
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"hromada/apperr"
	"hromada/tenant"
)

//go:embed all:templates
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// ErrBadPrefs is a display settings form with a value we do not offer.
var ErrBadPrefs = apperr.New(apperr.Invalid, "error.bad_prefs")

// Renderer renders pages and errors.
type Renderer struct {
	pages    map[string]*template.Template
	bundle   *i18n.Bundle
	log      *slog.Logger
	secure   bool
	themeURL func(*tenant.Tenant) string
	decide   Decide
	footer   func(ctx context.Context, lang string) []Link
}

// Link is a link a page's frame shows (the footer's).
type Link struct{ Href, Text string }

// Options configure a Renderer.
type Options struct {
	Log *slog.Logger
	// Secure marks cookies Secure (production, behind HTTPS).
	Secure bool
	// ThemeURL is the address of a tenant's stylesheet (modules/branding).
	ThemeURL func(*tenant.Tenant) string
	// Decide answers the questions of a page's Can; without it every
	// question is answered no.
	Decide Decide
	// Footer returns the city's own links for the footer (its pages), in
	// lang, for the tenant in ctx; nil shows none.
	Footer func(ctx context.Context, lang string) []Link
}

// Page is what a handler gives a template; the renderer fills the rest.
type Page struct {
	// TitleKey is the message id of the page's title.
	TitleKey string
	// Title, when set, is the page's title as it is (a service's name).
	Title string
	// Data is the handler's own data for its template.
	Data any

	Lang     string
	L        *Localizer
	Tenant   *tenant.Tenant // nil on platform pages
	Prefs    Prefs
	Path     string // the current path with its query, for the settings form to return to
	ThemeURL string
	Year     int
	// Platform is set on pages that belong to no tenant (operator console,
	// unknown host).
	Platform bool
	// Viewer is the signed-in person, nil for an anonymous visitor.
	Viewer *Viewer
	// Can says which links and forms the viewer may use (see Can).
	Can *Can
	// Footer are the city's own links in the footer.
	Footer []Link
}

// New parses every page at startup: a page that does not parse, or a
// locale that lacks a message, stops the process here, not at request time.
func New(opts Options) (*Renderer, error) {
	b, err := newBundle()
	if err != nil {
		return nil, err
	}
	rd := &Renderer{pages: map[string]*template.Template{}, bundle: b, log: opts.Log, secure: opts.Secure, themeURL: opts.ThemeURL, decide: opts.Decide, footer: opts.Footer}
	if rd.log == nil {
		rd.log = slog.New(slog.DiscardHandler)
	}
	if rd.themeURL == nil {
		rd.themeURL = func(*tenant.Tenant) string { return "" }
	}
	layouts, err := fs.Glob(templateFiles, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(templateFiles, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "_") {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, append(layouts, p)...)
		if err != nil {
			return fmt.Errorf("web: page %s: %w", name, err)
		}
		rd.pages[name] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Field is one labelled input of a form, with its hint and error.
type Field struct {
	Name, Type, Value, Label, Hint, Error string
}

var funcs = template.FuncMap{
	// money shows kopecks as hryvnias: 1234567 → "12 345,67 грн".
	"money": func(k int64) string {
		h, c := k/100, k%100
		digits := strconv.FormatInt(h, 10)
		var b strings.Builder
		for i, d := range digits {
			if i > 0 && (len(digits)-i)%3 == 0 {
				b.WriteRune('\u00a0')
			}
			b.WriteRune(d)
		}
		return fmt.Sprintf("%s,%02d\u00a0грн", b.String(), c)
	},
	"termKind": func(working bool) string {
		if working {
			return "working"
		}
		return "calendar"
	},
	"list": func(v ...string) []string { return v },
	"has":  func(set []string, v string) bool { return slices.Contains(set, v) },
	// when shows a time in Kyiv, as people there read it.
	"when": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.In(tenant.Zone).Format("02.01.2006 15:04")
		case *time.Time:
			if t != nil {
				return t.In(tenant.Zone).Format("02.01.2006 15:04")
			}
		}
		return ""
	},
	// field builds a Field for the "field" template; errs maps field
	// names to their error messages.
	"field": func(errs map[string]string, name, typ, value, label, hint string) Field {
		return Field{Name: name, Type: typ, Value: value, Label: label, Hint: hint, Error: errs[name]}
	},
	// text shows a translatable text, or anything built on one (a
	// service's document is a Text with more to say).
	"text": func(t interface{ In(string) string }, lang string) string { return t.In(lang) },
	"add":  func(a, b int) int { return a + b },
	// dict passes a sub-template more than one value: dict "L" $.L "Line" .
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: an odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	// kb shows a file's size as people read it: "12 КБ", "1,4 МБ".
	"kb": func(n int64) string {
		if n < 1<<20 {
			return strconv.FormatInt((n+1023)/1024, 10) + "\u00a0КБ"
		}
		return strings.Replace(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".", ",", 1) + "\u00a0МБ"
	},
	"telHref": func(s string) template.URL {
		var b strings.Builder
		for _, r := range s {
			if r == '+' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		return template.URL("tel:" + b.String())
	},
}

// Localizer returns the localizer for the request's language.
func (rd *Renderer) Localizer(r *http.Request) *Localizer {
	return rd.localizer(PrefsFrom(r).Lang)
}

func (rd *Renderer) localizer(lang string) *Localizer {
	return &Localizer{Lang: lang, l: i18n.NewLocalizer(rd.bundle, lang)}
}

// Render writes page name with status. A failing template becomes a logged
// 500, never a panic or half a page: the page is rendered to a buffer first.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := rd.pages[name]
	if !ok {
		rd.serverError(w, r, fmt.Errorf("web: no page %q", name))
		return
	}
	rd.fill(r, p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		rd.serverError(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	if len(p.Can.asked) > 0 {
		// The page asked what the viewer may use: answer it all at once,
		// then render with the answers.
		answers := map[string]bool{}
		if rd.decide != nil && p.Viewer != nil {
			var err error
			if answers, err = rd.decide(r, p.Can.asked); err != nil {
				rd.serverError(w, r, fmt.Errorf("web: deciding the links of %s: %w", name, err))
				return
			}
		}
		p.Can.answers = answers
		buf.Reset()
		if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
			rd.serverError(w, r, fmt.Errorf("web: render %s: %w", name, err))
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", p.Lang)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (rd *Renderer) fill(r *http.Request, p *Page) {
	p.Prefs = PrefsFrom(r)
	p.Lang = p.Prefs.Lang
	p.L = rd.Localizer(r)
	p.Path = r.URL.RequestURI()
	p.Year = time.Now().In(tenant.Zone).Year()
	p.Can = &Can{seen: map[string]bool{}}
	if t, err := tenant.From(r.Context()); err == nil && !p.Platform {
		p.Tenant = t
		p.ThemeURL = rd.themeURL(t)
		p.Viewer = ViewerFrom(r.Context())
		if rd.footer != nil {
			p.Footer = rd.footer(r.Context(), p.Lang)
		}
	}
}

// Error renders err as the error page its code calls for, in the user's
// language. Internal errors are logged with the request id and shown as a
// generic message: internals never reach the user.
func (rd *Renderer) Error(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = ErrTooLarge.Wrap(err)
	}
	e := apperr.As(err)
	if u := asUnavailable(w, e, err); u != e {
		rd.log.WarnContext(r.Context(), "request failed: a dependency is out of reach", "request_id", middleware.GetReqID(r.Context()), "error", err)
		e = u
	}
	status := apperr.Status(e.Code)
	if e.Code == apperr.Internal {
		rd.log.ErrorContext(r.Context(), "request failed", "request_id", middleware.GetReqID(r.Context()), "error", err)
	}
	rd.errorPage(w, r, status, e, false)
}

func (rd *Renderer) serverError(w http.ResponseWriter, r *http.Request, err error) {
	rd.log.ErrorContext(r.Context(), "request failed", "request_id", middleware.GetReqID(r.Context()), "error", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	l := rd.Localizer(r)
	fmt.Fprintln(w, l.T("error.internal"))
}

// ErrorData is what the error page shows.
type ErrorData struct {
	Status    int
	Message   string
	RequestID string
}

func (rd *Renderer) errorPage(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error, platform bool) {
	l := rd.Localizer(r)
	msg := l.Message(e.Key, e.Args)
	rd.Render(w, r, status, "error", &Page{
		TitleKey: fmt.Sprintf("status.%d", status),
		Platform: platform,
		Data:     ErrorData{Status: status, Message: msg, RequestID: middleware.GetReqID(r.Context())},
	})
}

// Errors of the web layer.
var (
	ErrTooLarge        = apperr.New(apperr.TooLarge, "error.too_large")
	ErrNotFound        = apperr.New(apperr.NotFound, "error.not_found")
	ErrCrossOrigin     = apperr.New(apperr.Forbidden, "error.cross_origin")
	ErrUnknownHost     = apperr.New(apperr.NotFound, "error.unknown_host")
	ErrTenantSuspended = apperr.New(apperr.Unavailable, "error.tenant_suspended")
)

// UnknownHost is the page for a Host that names no tenant; it names none.
func (rd *Renderer) UnknownHost() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rd.errorPage(w, r, http.StatusNotFound, ErrUnknownHost, true)
	})
}

// Suspended is the page of a suspended tenant.
func (rd *Renderer) Suspended() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		rd.errorPage(w, r, http.StatusServiceUnavailable, ErrTenantSuspended, false)
	})
}

// NotFound is the page for a path nothing serves.
func (rd *Renderer) NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := tenant.From(r.Context())
		rd.errorPage(w, r, http.StatusNotFound, ErrNotFound, err != nil)
	})
}

// Static serves the embedded assets; their names carry no version, so
// they are cached for a day, not forever.
func Static() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	})
}

// Prefs is the handler of the display settings form.
func (rd *Renderer) Prefs() http.HandlerFunc { return rd.handlePrefs }

// StaticFS is the static files (the demo cities' coats of arms among
// them), for documents that draw them.
func StaticFS() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err)
	}
	return sub
}
