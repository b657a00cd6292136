package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestContentInBrowser (issue 25): the dispatcher publishes a news item
// and a footer page; a visitor sees the news on the home page, in the list
// and in the Atom feed, and the page in the footer; a resident sends a
// remark about the portal, the administrator answers it, and the resident
// reads the answer and its notice. Chromium at 390 px (the console at
// 1280), axe on every page; the dispatcher sees the queue without the
// answer form.
//
// Also (issue 25's rest): the dispatcher uploads an image, refused without
// its alt text, and puts its reference in the news item, which shows it
// from the portal's own origin; the city app reads the news through the
// API without a token (every exchange checked against the OpenAPI
// document).
func TestContentInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	var kyiv *tenant.Tenant
	for _, tn := range ts {
		if tn.Slug == "kyiv" {
			kyiv = tn
		}
	}
	require.NotNil(t, kyiv)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	signIn := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{
			{Op: "goto", URL: u("/auth/login?return=" + url.QueryEscape(ret))},
			{Op: "click", Selector: "button[value=" + persona + "]"},
		}
	}
	step := func(op, sel, val string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel, Value: val} }
	shot := func(name string) browsertest.Step {
		return browsertest.Step{Op: "screenshot", Name: name, FullPage: true}
	}
	axe := browsertest.Step{Op: "axe"}

	img := image.NewRGBA(image.Rect(0, 0, 320, 120))
	for x := range 320 {
		for y := range 120 {
			img.Set(x, y, color.RGBA{R: uint8(x / 2), G: 0x5c, B: 0xa8, A: 0xff})
		}
	}
	var pic bytes.Buffer
	require.NoError(t, png.Encode(&pic, img))
	picFile := filepath.Join(t.TempDir(), "troleibus.png")
	require.NoError(t, os.WriteFile(picFile, pic.Bytes(), 0o600))
	const alt = "Тролейбус на нічному маршруті"
	images := browsertest.Scenario{Name: "DispatcherUploadsImage", Viewport: phone, Steps: append(signIn("dispatcher", "/admin/content/images"),
		step("upload", "#f-file", picFile),
		step("click", ".image-form button[type=submit]", ""), // 3: no alt text
		step("text", ".error-summary", ""),
		step("upload", "#f-file", picFile),
		step("fill", "#f-alt", alt),
		step("click", ".image-form button[type=submit]", ""),
		step("text", ".flash", ""), // 8
		shot("hromada-content-images-phone"), axe,
	)}
	results := browsertest.Run(t, []browsertest.Scenario{images})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Equal(t, http.StatusBadRequest, results[0].Steps[3].Status)
	require.Contains(t, results[0].Steps[4].Text, "Опис зображення (alt): опишіть, що на зображенні, до 300 знаків.")
	var imageID string
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM content_images`).Scan(&imageID)
	}))
	imageRef := "![" + alt + "](/news/images/" + imageID + ")"
	require.Contains(t, results[0].Steps[8].Text, imageRef, "the reference to put in a body")

	publish := browsertest.Scenario{Name: "DispatcherPublishes", Viewport: phone, Steps: append(signIn("dispatcher", "/admin/content/new?kind=news"),
		step("click", "button[value=publish]", ""), // nothing typed
		step("text", ".error-summary", ""),
		shot("hromada-content-edit-errors-phone"), axe,
		step("fill", "#f-title_uk", "Нічні тролейбуси з 8 грудня"),
		step("fill", "#f-summary_uk", "Три маршрути працюватимуть до 2:00."),
		step("fill", "#f-body_uk", "## Маршрути\n\n- № 6\n- № 18\n- № 42\n\n"+imageRef+"\n\nДеталі — на [сайті перевізника](https://kpkte.example)."),
		step("click", "button[value=publish]", ""),
		step("text", "main", ""),
		step("goto", "", ""),
	)}
	publish.Steps[len(publish.Steps)-1] = browsertest.Step{Op: "goto", URL: u("/admin/content/new?kind=page")}
	publish.Steps = append(publish.Steps,
		step("fill", "#f-title_uk", "Про доступність порталу"),
		step("fill", "#f-body_uk", "Портал відповідає WCAG 2.1 AA. Пишіть нам, якщо щось не так."),
		step("check", "input[name=in_footer]", ""),
		step("click", "button[value=publish]", ""),
		step("text", "main", ""),
		shot("hromada-content-admin-phone"), axe)

	visitor := browsertest.Scenario{Name: "VisitorReads", Viewport: phone, Steps: []browsertest.Step{
		{Op: "goto", URL: u("/")},
		step("text", ".news-home", ""),
		step("text", ".site-footer", ""),
		shot("hromada-content-home-phone"), axe,
		step("click", ".news-home a[href^='/news/']", ""),
		step("text", "article", ""),
		shot("hromada-content-news-phone"), axe,
		step("click", ".site-footer a[href^='/pages/']", ""),
		step("text", "h1", ""), axe,
	}}

	remark := browsertest.Scenario{Name: "ResidentRemarks", Viewport: phone, Steps: append(signIn("resident", "/feedback"),
		step("click", ".feedback-form button[type=submit]", ""), // empty
		step("text", ".error-summary", ""),
		step("fill", "#f-about", "/search"),
		step("fill", "#f-body", "Пошук не знаходить «паркування» без наголосу."),
		step("click", ".feedback-form button[type=submit]", ""),
		step("text", "main", ""),
		shot("hromada-content-feedback-phone"), axe,
	)}

	dispatcherQueue := browsertest.Scenario{Name: "DispatcherSeesQueue", Steps: append(signIn("dispatcher", "/admin/feedback"),
		step("text", "main", ""), axe,
	)}

	answer := browsertest.Scenario{Name: "AdministratorAnswers", Steps: append(signIn("administrator", "/admin/feedback"),
		step("text", "main", ""),
		step("fill", ".feedback-queue textarea", "Дякуємо! Пошук тепер знаходить слова без наголосу."),
		step("click", ".feedback-queue button[type=submit]", ""),
		step("text", "main", ""),
		shot("hromada-content-queue"), axe,
	)}

	reads := browsertest.Scenario{Name: "ResidentReadsAnswer", Viewport: phone, Steps: append(signIn("resident", "/feedback"),
		step("text", ".feedback-mine", ""),
		shot("hromada-content-feedback-answered-phone"), axe,
		browsertest.Step{Op: "goto", URL: u("/cabinet/notifications")},
		step("text", "main", ""),
	)}

	results = browsertest.Run(t, []browsertest.Scenario{publish, visitor, remark, dispatcherQueue, answer, reads})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)

	last := func(r browsertest.Result, back int) string { return r.Steps[len(r.Steps)-back].Text }
	p := results[0].Steps
	require.Contains(t, p[3].Text, "Заголовок: заповніть це поле.\nТекст: заповніть це поле.", "each error names its field, in the form's order")
	require.Contains(t, p[10].Text, "Збережено: nichni-troleibusy-z-8-hrudnia")
	require.Contains(t, last(results[0], 3), "Збережено: pro-dostupnist-portalu")
	require.Contains(t, last(results[0], 3), "у підвалі сайту")

	v := results[1].Steps
	require.Contains(t, v[1].Text, "Нічні тролейбуси з 8 грудня")
	require.Contains(t, v[2].Text, "Про доступність порталу")
	require.Contains(t, v[6].Text, "Маршрути")
	require.Contains(t, v[6].Text, "Три маршрути працюватимуть до 2:00.")
	require.Contains(t, v[10].Text, "Про доступність порталу")

	r := results[2].Steps
	require.Contains(t, r[3].Text, "Ваше зауваження чи пропозиція: напишіть текст.")
	require.Contains(t, r[7].Text, "Надіслано, № 1")

	dq := last(results[3], 2)
	require.Contains(t, dq, "Пошук не знаходить")
	require.NotContains(t, dq, "Відповісти", "the dispatcher watches; the administrator answers")

	require.Contains(t, last(results[4], 3), "Відповідь на № 1 надіслано")
	require.Contains(t, results[5].Steps[2].Text, "Дякуємо! Пошук тепер знаходить слова без наголосу.")
	require.Contains(t, last(results[5], 1), "Адміністратор порталу відповів на ваше зауваження № 1")

	// The feed: Atom, the item with its address and its body as HTML.
	resp, err := ta.client(t).Get(u("/news/feed.atom"))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "application/atom+xml")
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			ID    string `xml:"id"`
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	require.NoError(t, xml.Unmarshal(raw, &feed))
	require.Len(t, feed.Entries, 1)
	require.Equal(t, "Нічні тролейбуси з 8 грудня", feed.Entries[0].Title)
	require.Contains(t, feed.Entries[0].Link.Href, "/news/nichni-troleibusy-z-8-hrudnia")
	require.Contains(t, feed.Entries[0].Content, "<h3>Маршрути</h3>")

	// The image: in the item's page with its alt text, served by the
	// portal itself as the PNG uploaded.
	const slug = "nichni-troleibusy-z-8-hrudnia"
	visitorClient := ta.client(t)
	page := get(t, visitorClient, u("/news/"+slug))
	require.Contains(t, page.body, `<img src="/news/images/`+imageID+`" alt="`+alt+`">`)
	pr := get(t, visitorClient, u("/news/images/"+imageID))
	require.Equal(t, http.StatusOK, pr.status)
	require.Equal(t, "image/png", pr.header.Get("Content-Type"))
	require.Equal(t, "nosniff", pr.header.Get("X-Content-Type-Options"))
	require.Equal(t, pic.String(), pr.body)

	// The city app reads the news without a token; the client checks
	// every exchange against the OpenAPI document.
	var list struct {
		Page  int  `json:"page"`
		More  bool `json:"more"`
		Items []struct {
			Slug  string `json:"slug"`
			Title struct {
				UK string `json:"uk"`
			} `json:"title"`
			URL string `json:"url"`
		} `json:"items"`
	}
	ar := get(t, visitorClient, u("/api/v1/news"))
	require.Equal(t, http.StatusOK, ar.status, ar.body)
	require.NoError(t, json.Unmarshal([]byte(ar.body), &list))
	require.Len(t, list.Items, 1)
	require.Equal(t, slug, list.Items[0].Slug)
	require.Equal(t, "Нічні тролейбуси з 8 грудня", list.Items[0].Title.UK)
	require.Equal(t, "/news/"+slug, list.Items[0].URL)
	require.False(t, list.More)
	var article struct {
		Body struct{ UK string } `json:"body"`
		HTML struct{ UK string } `json:"html"`
	}
	ar = get(t, visitorClient, u("/api/v1/news/"+slug))
	require.Equal(t, http.StatusOK, ar.status, ar.body)
	require.NoError(t, json.Unmarshal([]byte(ar.body), &article))
	require.Contains(t, article.Body.UK, imageRef)
	require.Contains(t, article.HTML.UK, `<img src="/news/images/`+imageID+`" alt="`+alt+`">`)
	ar = do(t, visitorClient, http.MethodGet, u("/api/v1/news/"+slug), nil, map[string]string{"If-None-Match": ar.header.Get("ETag")})
	require.Equal(t, http.StatusNotModified, ar.status)
	require.Equal(t, http.StatusNotFound, get(t, visitorClient, u("/api/v1/news/pro-dostupnist-portalu")).status, "a page is not news")

	// The dispatcher's publication is in the city's audit log.
	var n int
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'content.publish'`).Scan(&n)
	}))
	require.Equal(t, 2, n)
}
