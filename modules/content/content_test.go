package content_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/content"
	"hromada/web"
)

func newForm(kind, title, body string) *content.ItemForm {
	return &content.ItemForm{ID: uuid.NewString(), Kind: kind, TitleUK: title, BodyUK: body, Action: content.ActionPublish}
}

// fieldKeys are the message keys of a save's field errors.
func fieldKeys(t *testing.T, err error) map[string]string {
	t.Helper()
	var errs content.FieldErrors
	require.True(t, errors.As(err, &errs), "%v", err)
	out := map[string]string{}
	for f, e := range errs {
		out[f] = e.Key
	}
	return out
}

// A dispatcher publishes news now and later, saves a draft and retires an
// item; only what shows now is public, newest first, and a page marked for
// the footer is in it.
func TestPublishScheduleRetire(t *testing.T) {
	t.Parallel()
	e := setup(t)
	disp, _ := e.person(t, "Диспетчер Портал")

	now, err := e.svc.Save(disp, newForm(content.KindNews, "Нові маршрути тролейбусів", "Із понеділка **нові** маршрути."))
	require.NoError(t, err)
	require.Equal(t, "novi-marshruty-troleibusiv", now.Slug)
	later := newForm(content.KindNews, "Зимовий графік", "Графік на зиму.")
	later.PublishAt = "2026-12-05T09:00"
	sched, err := e.svc.Save(disp, later)
	require.NoError(t, err)
	require.True(t, sched.Scheduled(e.now))
	require.Equal(t, time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC), sched.PublishAt.UTC(), "typed in Kyiv time (EET, UTC+2)")
	draft := newForm(content.KindNews, "Чернетка", "Ще не готово.")
	draft.Action = content.ActionDraft
	_, err = e.svc.Save(disp, draft)
	require.NoError(t, err)
	page := newForm(content.KindPage, "Доступність порталу", "# Заява про доступність\n\nПортал відповідає WCAG 2.1 AA.")
	page.InFooter = true
	_, err = e.svc.Save(disp, page)
	require.NoError(t, err)

	news, more, err := e.svc.News(e.ctx, 1)
	require.NoError(t, err)
	require.False(t, more)
	require.Len(t, news, 1)
	require.Equal(t, now.ID, news[0].ID)
	_, err = e.svc.Shown(e.ctx, content.KindNews, sched.Slug)
	require.ErrorIs(t, err, content.ErrNotFound, "scheduled: not yet")
	_, err = e.svc.Shown(e.ctx, content.KindNews, "chernetka")
	require.ErrorIs(t, err, content.ErrNotFound, "a draft is never public")
	require.Equal(t, []web.Link{{Href: "/pages/dostupnist-portalu", Text: "Доступність порталу"}}, e.svc.Footer(e.ctx, "uk"))

	e.now = e.now.Add(24 * time.Hour) // past the scheduled time
	news, _, err = e.svc.News(e.ctx, 1)
	require.NoError(t, err)
	require.Len(t, news, 2)
	require.Equal(t, sched.ID, news[0].ID, "newest first")

	retire := later
	retire.Action = content.ActionRetire
	_, err = e.svc.Save(disp, retire)
	require.NoError(t, err)
	_, err = e.svc.Shown(e.ctx, content.KindNews, sched.Slug)
	require.ErrorIs(t, err, content.ErrNotFound)
	require.Equal(t, 5, e.count(t, `SELECT count(*) FROM audit_events WHERE action IN ('content.publish', 'content.draft', 'content.retire')`), "every save is in the audit log")
}

// The form's mistakes are named by field, in Ukrainian, and nothing is
// written; a taken address is refused; the same form sent twice is one item.
func TestSaveRefusesAndIsIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	disp, _ := e.person(t, "Диспетчер Портал")
	bad := &content.ItemForm{ID: uuid.NewString(), Kind: "poster", Slug: "Погана Адреса", TitleUK: " ", BodyUK: "",
		PublishAt: "завтра", Action: content.ActionPublish, TitleEN: strings.Repeat("x", 201)}
	_, err := e.svc.Save(disp, bad)
	require.Equal(t, map[string]string{"kind": "content.error.kind", "slug": "content.error.slug", "title_uk": "content.error.required",
		"title_en": "content.error.too_long", "body_uk": "content.error.required", "publish_at": "content.error.publish_at"}, fieldKeys(t, err))
	require.Zero(t, e.count(t, `SELECT count(*) FROM content_items`))

	f := newForm(content.KindNews, "Ремонт мосту", "Міст закрито.")
	_, err = e.svc.Save(disp, f)
	require.NoError(t, err)
	again := *f
	_, err = e.svc.Save(disp, &again)
	require.NoError(t, err)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM content_items`), "a double submit is one item")

	other := newForm(content.KindNews, "Ремонт мосту", "Інший текст.")
	_, err = e.svc.Save(disp, other)
	require.Equal(t, map[string]string{"slug": "content.error.slug_taken"}, fieldKeys(t, err))
	other.Slug = "remont-mostu-2"
	_, err = e.svc.Save(disp, other)
	require.NoError(t, err)

	_, err = e.svc.Save(e.ctx, newForm(content.KindNews, "Анонім", "Без входу."))
	require.Equal(t, apperr.Forbidden, apperr.As(err).Code)
}

// A body is the city's words, never markup: raw HTML and script links are
// left out, and its headings sit below the page's title.
func TestRenderIsSafe(t *testing.T) {
	t.Parallel()
	html, err := content.Render("# Розділ\n\n<script>alert(1)</script>\n\n[клік](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n[сайт](https://kyivcity.gov.ua)")
	require.NoError(t, err)
	s := string(html)
	require.Contains(t, s, "<h2>Розділ</h2>")
	require.NotContains(t, s, "<script")
	require.NotContains(t, s, "javascript:")
	require.NotContains(t, s, "onerror")
	require.Contains(t, s, `<a href="https://kyivcity.gov.ua">сайт</a>`)
}

func TestSlug(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Нові маршрути тролейбусів": "novi-marshruty-troleibusiv",
		"Згорани": "zghorany",
		"Єнакієве, Юрій, Їжакевич": "yenakiieve-yurii-yizhakevych",
		"Щастя — 2026!":            "shchastia-2026",
		"Подвір'я":                 "podviria",
		"  ":                       "",
	} {
		require.Equal(t, want, content.Slug(in), in)
	}
	require.LessOrEqual(t, len(content.Slug(strings.Repeat("довгий заголовок ", 20))), 80)
}
