package operator

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/tenant"
)

// lifecycleForm is a refused export or deletion of one city, kept with
// what was typed and why.
type lifecycleForm struct {
	Slug                      string
	Recipient, RecipientError string
	Confirm, ConfirmError     string
}

// lifecycleRoutes mounts a city's export and deletion on the console.
func (c *Console) lifecycleRoutes(r chi.Router) {
	r.Post("/tenants/{slug}/export", c.handleExport)
	r.Get("/tenants/{slug}/exports/{id}", c.handleExportDownload)
	r.Post("/tenants/{slug}/delete", c.handleDelete)
}

func (c *Console) handleExport(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	slug := chi.URLParam(r, "slug")
	f := lifecycleForm{Slug: slug, Recipient: strings.TrimSpace(r.PostForm.Get("recipient"))}
	t, err := c.svc.RequestExport(r.Context(), slug, f.Recipient)
	if errors.Is(err, ErrRecipient) || errors.Is(err, ErrNotSuspended) {
		ae := apperr.As(err)
		f.RecipientError = c.rd.Localizer(r).Message(ae.Key, ae.Args)
		c.renderTenants(w, r, apperr.Status(ae.Code), tenantsData{Lifecycle: f})
		return
	}
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/?exporting="+url.QueryEscape(t.Name)+"#city-"+t.Slug, http.StatusSeeOther)
}

// handleExportDownload hands the operator a city's encrypted export, to
// pass on to the city: only the city's key opens it.
func (c *Console) handleExportDownload(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		c.rd.Error(w, r, tenant.ErrNotFound)
		return
	}
	slug := chi.URLParam(r, "slug")
	f, e, err := c.svc.OpenExport(r.Context(), slug, id)
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(e.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": slug + "-export-" + e.CreatedAt.UTC().Format("20060102-150405") + ".zip.age"}))
	h.Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, f) // a download cut short is the browser's to retry
}

func (c *Console) handleDelete(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	slug := chi.URLParam(r, "slug")
	f := lifecycleForm{Slug: slug, Confirm: r.PostForm.Get("confirm")}
	_, err := c.svc.Delete(r.Context(), slug, f.Confirm, operatorFrom(r.Context()))
	if errors.Is(err, ErrConfirm) || errors.Is(err, ErrNotSuspended) || errors.Is(err, ErrExportRequired) {
		ae := apperr.As(err)
		f.ConfirmError = c.rd.Localizer(r).Message(ae.Key, ae.Args)
		c.renderTenants(w, r, apperr.Status(ae.Code), tenantsData{Lifecycle: f})
		return
	}
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/?deleted="+url.QueryEscape(slug)+"#city-"+slug, http.StatusSeeOther)
}
