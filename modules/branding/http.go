package branding

import (
	"context"
	"net/http"
	"strings"

	"hromada/modules/access"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Service serves tenants' themes.
type Service struct {
	db *tenant.DB
}

// NewService returns a Service over db.
func NewService(db *tenant.DB) *Service { return &Service{db: db} }

// Theme returns the theme of the tenant in ctx: the cached one when it was
// rendered from the current branding, else one rendered now (a new tenant
// whose job has not run yet, or a branding change in flight). It never
// writes: rendering and storing are the job's.
func (s *Service) Theme(ctx context.Context) (*Cached, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	var c *Cached
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		c, err = latest(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c != nil && c.SourceHash == SourceHash(t.Branding) {
		return c, nil
	}
	th := Render(t.Branding)
	return &Cached{SourceHash: th.SourceHash, CSS: th.CSS, Warnings: th.Warnings}, nil
}

// ThemeURL is the address of the tenant's stylesheet; it changes with the
// branding, so the stylesheet can be cached for long.
func ThemeURL(t *tenant.Tenant) string {
	return "/theme.css?v=" + SourceHash(t.Branding)[:12]
}

// Routes mounts the theme's routes on r (behind the tenant middleware),
// open to everyone: every page, signed in or not, links the stylesheet.
func (s *Service) Routes(r chi.Router, g *access.Guard) {
	g.Public(r, http.MethodGet, "/theme.css", s.handleTheme)
}

func (s *Service) handleTheme(w http.ResponseWriter, r *http.Request) {
	c, err := s.Theme(r.Context())
	if err != nil {
		http.Error(w, "/* theme unavailable */", http.StatusInternalServerError)
		return
	}
	etag := `"` + c.SourceHash[:16] + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if strings.Contains(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write([]byte(c.CSS))
}
