package cityapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"hromada/modules/content"
	"hromada/tenant"
)

// The city's news in the app (issue 25): public, as the portal's news page
// and its Atom feed are. No token is needed and a token sent is not looked
// at, so the app shows the news before the person signs in and a signed-in
// app's calls cost its token's rate nothing.

// WithNews makes the API serve the city's news from c.
func (h *HTTP) WithNews(c *content.Service) *HTTP {
	h.news = c
	return h
}

// apiNewsItem is a news item as a list gives it.
type apiNewsItem struct {
	Slug        string      `json:"slug"`
	Title       tenant.Text `json:"title"`
	Summary     tenant.Text `json:"summary"`
	PublishedAt time.Time   `json:"published_at"`
	URL         string      `json:"url"` // the item on the portal, from its origin
}

// apiNewsArticle is one news item with its body: the Markdown as the
// dispatcher wrote it and the HTML the portal renders of it (no raw HTML
// ever; images are the portal's own, /news/images/{id}).
type apiNewsArticle struct {
	apiNewsItem
	Body tenant.Text `json:"body"`
	HTML tenant.Text `json:"html"`
}

// apiNewsPage is a page of the news, newest first.
type apiNewsPage struct {
	Page  int           `json:"page"`
	More  bool          `json:"more"`
	Items []apiNewsItem `json:"items"`
}

func newsItem(it *content.Item) apiNewsItem {
	out := apiNewsItem{Slug: it.Slug, Title: it.Title, Summary: it.Summary, URL: "/news/" + it.Slug}
	if it.PublishAt != nil {
		out.PublishedAt = it.PublishAt.UTC()
	}
	return out
}

var errNoNews = errors.New("cityapi: no news service (WithNews)")

func (h *HTTP) apiNews(w http.ResponseWriter, r *http.Request) {
	if h.news == nil {
		h.writeJSON(w, r, 0, nil, errNoNews)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	items, more, err := h.news.News(r.Context(), page)
	out := apiNewsPage{Page: page, More: more, Items: []apiNewsItem{}}
	for i := range items {
		out.Items = append(out.Items, newsItem(&items[i]))
	}
	h.writeTagged(w, r, out, err)
}

func (h *HTTP) apiNewsItem(w http.ResponseWriter, r *http.Request) {
	if h.news == nil {
		h.writeJSON(w, r, 0, nil, errNoNews)
		return
	}
	it, err := h.news.Shown(r.Context(), content.KindNews, chi.URLParam(r, "slug"))
	if err != nil {
		h.writeTagged(w, r, nil, err)
		return
	}
	out := apiNewsArticle{apiNewsItem: newsItem(it), Body: it.Body}
	uk, err := content.Render(it.Body.UK)
	if err != nil {
		h.writeTagged(w, r, nil, err)
		return
	}
	out.HTML.UK = string(uk)
	if it.Body.EN != "" {
		en, err := content.Render(it.Body.EN)
		if err != nil {
			h.writeTagged(w, r, nil, err)
			return
		}
		out.HTML.EN = string(en)
	}
	h.writeTagged(w, r, out, nil)
}
