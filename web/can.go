package web

import (
	"net/http"
	"net/url"
)

// Ask is a link (GET) or a form's action (POST, with the fields its
// route's scope reads) a page may show.
type Ask struct {
	Method, URL string
	Form        url.Values
}

// Key is how answers are indexed: "METHOD url", and the form's fields
// (their query encoding) when it has any.
func (a Ask) Key() string {
	if len(a.Form) > 0 {
		return a.Method + " " + a.URL + " " + a.Form.Encode()
	}
	return a.Method + " " + a.URL
}

// Decide answers, for the person making r, which of asks they may make,
// by Ask.Key (the root wires access: the guard's own decision on the route
// each leads to). web cannot import access, so it is handed this.
type Decide func(r *http.Request, asks []Ask) (map[string]bool, error)

// Can is a page's question whether the person may follow a link or submit
// a form, asked in the template where the link is shown:
//
//	{{if $.Can.Get "/admin/holidays"}}<a href="/admin/holidays">…</a>{{end}}
//	{{if $.Can.Post (print "/admin/officials/" .ID "/block")}}<form …>{{end}}
//
// The renderer runs the template twice: first to collect every question
// (each answered yes, so that questions nested under one are asked too),
// then, once Decide has answered them all in one go, to render.
type Can struct {
	asked   []Ask
	seen    map[string]bool
	answers map[string]bool // nil while collecting
}

func (c *Can) ask(a Ask) bool {
	if c == nil {
		return false
	}
	if c.answers != nil {
		return c.answers[a.Key()]
	}
	if !c.seen[a.Key()] {
		c.seen[a.Key()] = true
		c.asked = append(c.asked, a)
	}
	return true
}

// Get is whether the person may follow a link to u.
func (c *Can) Get(u string) bool { return c.ask(Ask{Method: http.MethodGet, URL: u}) }

// Post is whether the person may submit a form to u whose fields the
// route's scope reads are kv (name, value, …; a provider-scoped form's
// hidden provider).
func (c *Can) Post(u string, kv ...string) bool {
	a := Ask{Method: http.MethodPost, URL: u}
	if len(kv) > 0 {
		a.Form = url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			a.Form.Add(kv[i], kv[i+1])
		}
	}
	return c.ask(a)
}
