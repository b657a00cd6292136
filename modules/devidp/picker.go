package devidp

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The picker is server-rendered HTML with its own small stylesheet, served
// from this package: the portal's CSP allows no inline style and no script.
//
//go:embed templates/devidp.html static/devidp.css
var assets embed.FS

func parsePages() (*template.Template, error) {
	return template.New("devidp").Funcs(template.FuncMap{
		"role": func(r string) string {
			if n, ok := roleNames[r]; ok {
				return n
			}
			return r
		},
	}).ParseFS(assets, "templates/devidp.html")
}

// page is what the templates get.
type page struct {
	Title     string
	CSS       string // the stylesheet's path
	Action    string // where the picker's forms post
	RequestID string
	Client    string // the city's slug, from the client_id
	Personas  []*Persona
	Message   string // the message page's text
}

// handlePicker shows the personas for a pending sign-in (op redirects here
// from /authorize with the auth request's id).
func (p *Provider) handlePicker(w http.ResponseWriter, r *http.Request) {
	a, err := p.store.pending(r.URL.Query().Get("id"))
	if err != nil {
		p.staleRequest(w, r)
		return
	}
	p.render(w, http.StatusOK, "picker", &page{
		Title:     "Вхід для розробки",
		RequestID: a.id,
		Client:    strings.TrimPrefix(a.clientID, "hromada-"),
		Personas:  p.store.order,
	})
}

// handleChoice completes the sign-in as the chosen persona and sends the
// browser to op's callback, which issues the code and redirects to the
// client; or, when the person cancels, returns access_denied to the client.
func (p *Provider) handleChoice(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("id")
	if r.PostFormValue("cancel") != "" {
		a, err := p.store.pending(id)
		if err != nil {
			p.staleRequest(w, r)
			return
		}
		_ = p.store.DeleteAuthRequest(r.Context(), id)
		op.AuthRequestError(w, r, a, oidc.ErrAccessDenied().WithDescription("the sign-in was cancelled"), p.op)
		return
	}
	if err := p.store.complete(id, r.PostFormValue("persona")); err != nil {
		p.staleRequest(w, r)
		return
	}
	callback := op.AuthCallbackURL(p.op)(op.ContextWithIssuer(r.Context(), p.issuer), id)
	http.Redirect(w, r, callback, http.StatusSeeOther)
}

func (p *Provider) handleLoggedOut(w http.ResponseWriter, _ *http.Request) {
	p.render(w, http.StatusOK, "message", &page{
		Title:   "Ви вийшли",
		Message: "Ви вийшли з входу для розробки. Поверніться на портал громади, щоб увійти знову.",
	})
}

// staleRequest answers a sign-in that is unknown, expired, already
// completed or names no persona we have.
func (p *Provider) staleRequest(w http.ResponseWriter, _ *http.Request) {
	p.render(w, http.StatusBadRequest, "message", &page{
		Title:   "Запит на вхід застарів",
		Message: "Цей запит на вхід не знайдено, він застарів або вже завершений. Поверніться на портал громади й почніть вхід знову.",
	})
}

// render writes a page; it is rendered to a buffer first, so a failing
// template is a clean 500, never half a page.
func (p *Provider) render(w http.ResponseWriter, status int, name string, pg *page) {
	pg.CSS = p.prefix + "/static/devidp.css"
	pg.Action = p.prefix + "/login"
	var buf bytes.Buffer
	if err := p.pages.ExecuteTemplate(&buf, name, pg); err != nil {
		slog.Error("devidp: render", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", "uk")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeFileFS(w, r, assets, "static/devidp.css")
}
