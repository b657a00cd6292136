package branding

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
)

// Routes mounts the theme's routes on r (behind the tenant middleware),
// open to everyone: every page, signed in or not, links the stylesheet.
func (s *Service) Routes(r chi.Router, g *access.Guard) {
	g.Public(r, http.MethodGet, "/theme.css", s.handleTheme)
}

func (s *Service) handleTheme(w http.ResponseWriter, r *http.Request) {
	c, err := s.Theme(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "branding: reading the theme", "error", err)
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
