package web

import (
	"net/http"
	"net/url"
)

// Download sends a stored document as a download: never rendered in the
// portal's origin, whatever its bytes, and never cached by the way.
func Download(w http.ResponseWriter, name, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b)
}
