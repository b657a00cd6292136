package browsertest_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

const goodPage = `<!doctype html>
<html lang="uk">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Звернення — Громада</title>
</head>
<body>
<main>
<h1>Звернення до громади</h1>
<p>Перевірка кирилиці: Їжак з’їв ґрунт. ЄЇІҐ єїіґ — «Слава Україні!»</p>
<form action="/thanks" method="get">
<label for="name">Ваше ім’я</label>
<input id="name" name="name" type="text" autocomplete="name">
<input id="agree" name="agree" type="checkbox" value="1">
<label for="agree">Погоджуюсь з умовами</label>
<button id="send" type="submit">Надіслати</button>
</form>
<p><a id="next" href="/bad">Інша сторінка</a></p>
</main>
</body>
</html>`

// badPage breaks two WCAG rules on purpose: an image without alt text and an
// input without a label.
const badPage = `<!doctype html>
<html lang="uk">
<head><meta charset="utf-8"><title>Погана сторінка</title></head>
<body>
<main>
<h1>Без підписів</h1>
<img src="/logo.png">
<input type="text" name="q">
</main>
</body>
</html>`

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	var logo bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{0, 87, 183, 255})
		}
	}
	require.NoError(t, png.Encode(&logo, img))

	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", page(goodPage))
	mux.HandleFunc("GET /bad", page(badPage))
	mux.HandleFunc("GET /thanks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>Дякуємо</title></head>`+
			`<body><main><h1>Дякуємо, %s!</h1></main></body></html>`,
			strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(r.URL.Query().Get("name")))
	})
	mux.HandleFunc("GET /logo.png", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(logo.Bytes())
	})
	// The portal's pages send a strict CSP; the driver must still inject axe.
	csp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		mux.ServeHTTP(w, r)
	})

	srv := httptest.NewServer(csp) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func TestRun(t *testing.T) {
	t.Parallel()
	srv := newServer(t)

	scenarios := []browsertest.Scenario{
		{
			Name:     "good-mobile",
			Viewport: &browsertest.Viewport{Width: 390, Height: 844},
			Steps: []browsertest.Step{
				{Op: "goto", URL: srv.URL + "/"},
				{Op: "fill", Selector: "#name", Value: "Олена"},
				{Op: "press", Selector: "#name", Key: "Tab"},
				{Op: "focused"},
				{Op: "check", Selector: "role=checkbox[name=\"Погоджуюсь з умовами\"]"},
				{Op: "text", Selector: "h1"},
				{Op: "attr", Selector: "#next", Name: "href"},
				{Op: "screenshot", Name: "browsertest-uk-mobile", FullPage: true},
				{Op: "axe"},
				{Op: "text", Selector: "#missing", Optional: true, TimeoutMs: 500},
				{Op: "click", Selector: "text=Надіслати"},
				{Op: "text", Selector: "h1"},
			},
		},
		{
			Name: "bad",
			Steps: []browsertest.Step{
				{Op: "goto", URL: srv.URL + "/bad"},
				{Op: "axe"},
			},
		},
		{
			Name: "stops-at-first-failure",
			Steps: []browsertest.Step{
				{Op: "goto", URL: srv.URL + "/nowhere"},
				{Op: "eval"},
				{Op: "goto", URL: srv.URL + "/"},
			},
		},
	}

	results := browsertest.Run(t, scenarios)
	require.Len(t, results, 3)

	good, bad, stops := results[0], results[1], results[2]

	// Good page: every non-optional step passed, nothing for axe to report.
	browsertest.RequireOK(t, []browsertest.Result{good, bad})
	browsertest.RequireNoViolations(t, []browsertest.Result{good})
	require.Equal(t, "good-mobile", good.Name)
	require.Len(t, good.Steps, len(scenarios[0].Steps))

	gs := good.Steps
	require.Equal(t, 200, gs[0].Status)
	require.Equal(t, srv.URL+"/", gs[0].URL)
	require.Contains(t, gs[3].Text, "agree", "Tab from the name field should focus the checkbox")
	require.Equal(t, "Звернення до громади", gs[5].Text)
	require.Equal(t, "/bad", gs[6].Text)

	shot := gs[7]
	require.True(t, shot.OK, shot.Error)
	fi, err := os.Stat(shot.File)
	require.NoError(t, err)
	require.Greater(t, fi.Size(), int64(1000), "the Cyrillic screenshot looks empty")
	t.Logf("screenshot: %s (%d bytes)", shot.File, fi.Size())

	require.True(t, gs[8].OK, gs[8].Error)
	require.Empty(t, gs[8].Violations)

	require.False(t, gs[9].OK, "an absent element must fail the step")
	require.True(t, gs[9].Optional)
	require.Empty(t, good.Failed(), "optional failures don't count")

	require.Equal(t, 200, gs[10].Status, "click should report the navigation it caused")
	require.Contains(t, gs[10].URL, "/thanks?name=")
	require.Equal(t, "Дякуємо, Олена!", gs[11].Text)

	// Bad page: axe finds both deliberate violations.
	require.Len(t, bad.Steps, 2)
	ids := map[string]browsertest.Violation{}
	for _, v := range bad.Steps[1].Violations {
		ids[v.ID] = v
	}
	require.Contains(t, ids, "image-alt")
	require.Contains(t, ids, "label")
	require.NotEmpty(t, ids["image-alt"].Nodes)
	require.NotEmpty(t, ids["label"].Help)

	// A failing non-optional step ends the scenario; a 404 alone is no failure.
	require.Len(t, stops.Steps, 2)
	require.True(t, stops.Steps[0].OK)
	require.Equal(t, 404, stops.Steps[0].Status)
	require.False(t, stops.Steps[1].OK)
	require.Contains(t, stops.Steps[1].Error, "not supported")
	require.Len(t, stops.Failed(), 1)
}

// TestRunResume: a scenario resuming an earlier one has its cookies (the
// same browser again); one that does not starts with none.
func TestRunResume(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "who", Value: "first", Path: "/", HttpOnly: true})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>t</title></head><body><main><h1>set</h1></main></body></html>`)
	})
	mux.HandleFunc("GET /who", func(w http.ResponseWriter, r *http.Request) {
		v := "none"
		if c, err := r.Cookie("who"); err == nil {
			v = c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>t</title></head><body><main><h1>%s</h1></main></body></html>`, v)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	who := []browsertest.Step{{Op: "goto", URL: srv.URL + "/who"}, {Op: "text", Selector: "h1"}}
	results := browsertest.Run(t, []browsertest.Scenario{
		{Name: "first", Steps: []browsertest.Step{{Op: "goto", URL: srv.URL + "/set"}}},
		{Name: "other", Steps: who},
		{Name: "first-again", Resume: "first", Steps: who},
		{Name: "unknown", Resume: "nobody", Steps: who},
	})
	require.Len(t, results, 4)
	browsertest.RequireOK(t, results[:3])
	require.Equal(t, "none", results[1].Steps[1].Text, "a fresh context has no cookies")
	require.Equal(t, "first", results[2].Steps[1].Text, "the resumed context has the first one's cookie")
	require.NotEmpty(t, results[3].Failed(), "resuming a scenario that never ran fails")
}
