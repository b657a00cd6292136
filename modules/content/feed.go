package content

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"hromada/tenant"
)

// The news as an Atom feed (RFC 4287), in Ukrainian: feed readers and the
// city's other sites follow it. Entries carry their summary and the body
// rendered as HTML, ids are tag URIs (RFC 4151) that stay when a title
// changes.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string    `xml:"id"`
	Title     string    `xml:"title"`
	Updated   string    `xml:"updated"`
	Published string    `xml:"published"`
	Link      atomLink  `xml:"link"`
	Summary   *atomText `xml:"summary,omitempty"`
	Content   atomText  `xml:"content"`
}

// feedSize is how many news items the feed carries.
const feedSize = 30

func (h *HTTP) handleFeed(w http.ResponseWriter, r *http.Request) {
	t, err := tenant.From(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	items, _, err := h.svc.News(r.Context(), 1)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	items = items[:min(len(items), feedSize)]
	base := "http://" + r.Host // without the configured address (tests), the one asked
	if h.svc.portal != nil {
		base = h.svc.portal(t)
	}
	name := t.Branding.DisplayName.In("uk")
	if name == "" {
		name = t.Name
	}
	l := h.rd.Localizer(r)
	f := atomFeed{Lang: "uk", ID: fmt.Sprintf("tag:%s,2026:/news", t.Slug), Title: l.T("content.feed_title", "City", name),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/news/feed.atom"}, {Rel: "alternate", Type: "text/html", Href: base + "/news"}},
		Author: atomAuthor{Name: name}, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	for _, it := range items {
		html, err := Render(it.Body.UK)
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		updated := it.UpdatedAt
		if it.PublishAt.After(updated) {
			updated = *it.PublishAt
		}
		if u := updated.UTC().Format(time.RFC3339); u > f.Updated {
			f.Updated = u
		}
		e := atomEntry{ID: fmt.Sprintf("tag:%s,%s:/news/%s", t.Slug, it.PublishAt.UTC().Format("2006-01-02"), it.ID),
			Title: it.Title.UK, Updated: updated.UTC().Format(time.RFC3339), Published: it.PublishAt.UTC().Format(time.RFC3339),
			Link: atomLink{Rel: "alternate", Type: "text/html", Href: base + "/news/" + it.Slug}, Content: atomText{Type: "html", Body: string(html)}}
		if it.Summary.UK != "" {
			e.Summary = &atomText{Type: "text", Body: it.Summary.UK}
		}
		f.Entries = append(f.Entries, e)
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}
