package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Prefs are a visitor's display choices, kept in cookies so they work
// without JavaScript and without an account.
type Prefs struct {
	Lang         string // uk | en
	HighContrast bool
	LargeText    bool
}

const (
	cookieLang     = "lang"
	cookieContrast = "contrast"
	cookieText     = "text"
)

// PrefsFrom reads the visitor's choices; the default is Ukrainian, normal
// contrast and text. ?lang= on a link overrides the cookie for that page.
func PrefsFrom(r *http.Request) Prefs {
	p := Prefs{Lang: Languages[0]}
	if c, err := r.Cookie(cookieLang); err == nil && slices.Contains(Languages, c.Value) {
		p.Lang = c.Value
	}
	if q := r.URL.Query().Get("lang"); slices.Contains(Languages, q) {
		p.Lang = q
	}
	if c, err := r.Cookie(cookieContrast); err == nil && c.Value == "high" {
		p.HighContrast = true
	}
	if c, err := r.Cookie(cookieText); err == nil && c.Value == "large" {
		p.LargeText = true
	}
	return p
}

// Classes are the classes of <html> for these prefs.
func (p Prefs) Classes() string {
	var c []string
	if p.HighContrast {
		c = append(c, "hc")
	}
	if p.LargeText {
		c = append(c, "lg")
	}
	return strings.Join(c, " ")
}

// handlePrefs saves the choices posted by the display settings form, then
// returns the visitor to the page they were on (POST/redirect/GET).
func (rd *Renderer) handlePrefs(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		rd.Error(w, r, err)
		return
	}
	p := PrefsFrom(r)
	if v := r.PostForm.Get("lang"); v != "" {
		if !slices.Contains(Languages, v) {
			rd.Error(w, r, ErrBadPrefs)
			return
		}
		p.Lang = v
	}
	if v := r.PostForm.Get("contrast"); v != "" {
		p.HighContrast = v == "high"
	}
	if v := r.PostForm.Get("text"); v != "" {
		p.LargeText = v == "large"
	}
	set := func(name, value string, on bool) {
		c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: rd.secure, SameSite: http.SameSiteLaxMode}
		if on {
			c.MaxAge = int((365 * 24 * time.Hour).Seconds())
		} else {
			c.MaxAge = -1
		}
		http.SetCookie(w, c)
	}
	set(cookieLang, p.Lang, true)
	set(cookieContrast, "high", p.HighContrast)
	set(cookieText, "large", p.LargeText)
	http.Redirect(w, r, LocalPath(r.PostForm.Get("return")), http.StatusSeeOther)
}

// LocalPath accepts only a path on this site ("/" otherwise), so a form or
// a link's return address cannot be used to send visitors elsewhere.
func LocalPath(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(s, "//") || strings.Contains(s, "\\") {
		return "/"
	}
	q := u.Query()
	q.Del("lang")
	u.RawQuery = q.Encode()
	return u.RequestURI()
}
