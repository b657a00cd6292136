package content

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/tenant"
	"hromada/web"
)

// footerTTL bounds how long a city's footer links are kept: every page
// shows them, so they are not read on every request; a change made here
// shows at once, one made on another instance within the TTL.
const footerTTL = time.Minute

type footerCache struct {
	pages   []Item
	expires time.Time
}

// Footer returns the links of the city's pages marked for the footer, in
// the request's language: the renderer's footer (web.Options.Footer). A
// failure to read them is logged and shows no links, never a broken page.
func (s *Service) Footer(ctx context.Context, lang string) []web.Link {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.footer[t.ID]
	s.mu.Unlock()
	if !ok || now.After(c.expires) {
		var pages []Item
		err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			pages, err = footerPages(ctx, tx, now)
			return err
		})
		if err != nil {
			s.log.ErrorContext(ctx, "content: footer pages", "err", err)
			return nil
		}
		c = footerCache{pages: pages, expires: now.Add(footerTTL)}
		s.mu.Lock()
		s.footer[t.ID] = c
		s.mu.Unlock()
	}
	out := make([]web.Link, 0, len(c.pages))
	for _, p := range c.pages {
		out = append(out, web.Link{Href: "/pages/" + p.Slug, Text: p.Title.In(lang)})
	}
	return out
}

// forgetFooter drops the cached footer of the tenant in ctx.
func (s *Service) forgetFooter(ctx context.Context) {
	if t, err := tenant.From(ctx); err == nil {
		s.mu.Lock()
		delete(s.footer, t.ID)
		s.mu.Unlock()
	}
}
