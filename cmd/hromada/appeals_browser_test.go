package main

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents/doctest"
	"hromada/web/browsertest"
)

// appealFileRE is a file of an appeal as the resident's page links it.
var appealFileRE = regexp.MustCompile(`<a href="(/cabinet/appeals/[0-9a-f-]{36}/files/[0-9a-f-]{36})" download>([^<]+)</a>`)

// TestAppealsInBrowser is issue 18's done-when, in Chromium at 390 px:
// a resident files a complaint about a pothole with a photo and a point
// on the map; the city's rules send it to the roads provider (Kyiv's
// transport department); its official asks a question, the resident
// answers in the thread, the official answers with a letter signed with
// a qualified signature, and the resident reads it, rates it and complains
// about it (the complaint goes to the dispatcher, never back to the roads
// provider). The point is set on the map (Enter, then a click), the
// question is a signed letter too, and anyone reads the published appeal
// in the public list, on its map and on its own page. An
// anonymous visitor gets the law's reason instead of the form; the
// dispatcher's dry run names the provider. Every page passes axe-core.
func TestAppealsInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	photo := filepath.Join(t.TempDir(), "yama.png")
	writePhoto(t, photo)
	phone, desktop := &browsertest.Viewport{Width: 390, Height: 844}, &browsertest.Viewport{Width: 1280, Height: 900}
	transport := e.providerID("transport")

	marks := map[string][2]int{}
	var scenarios []browsertest.Scenario
	scenario := func(name string, vp *browsertest.Viewport) func(mark string, s browsertest.Step) {
		scenarios = append(scenarios, browsertest.Scenario{Name: name, Viewport: vp})
		i := len(scenarios) - 1
		return func(mark string, s browsertest.Step) {
			if mark != "" {
				marks[mark] = [2]int{i, len(scenarios[i].Steps)}
			}
			scenarios[i].Steps = append(scenarios[i].Steps, s)
		}
	}
	signIn := func(add func(string, browsertest.Step), persona, ret string) {
		add("", browsertest.Step{Op: "goto", URL: e.u("/auth/login?return=" + ret)})
		add("", browsertest.Step{Op: "click", Selector: "button[value=" + persona + "]"})
	}
	signOut := func(add func(string, browsertest.Step)) {
		add("", browsertest.Step{Op: "click", Selector: "form[action='/auth/logout'] button"})
	}
	look := func(add func(string, browsertest.Step), name string) {
		add("", browsertest.Step{Op: "screenshot", Name: "hromada-appeals-" + name, FullPage: true})
		add("", browsertest.Step{Op: "axe"})
	}

	// The whole case on a phone: the resident, the official, the resident,
	// the official, the resident.
	s := scenario("PotholeComplaint", phone)
	signIn(s, "resident", "/appeals/new")
	s("", browsertest.Step{Op: "check", Selector: "input[name=kind][value=complaint]"})
	s("", browsertest.Step{Op: "select", Selector: "#f-category", Value: "roads"})
	s("", browsertest.Step{Op: "fill", Selector: "#f-body", Value: "Глибока яма на проїжджій частині навпроти будинку 12, машини об’їжджають її по зустрічній."})
	s("", browsertest.Step{Op: "fill", Selector: "#f-address", Value: "вул. Сагайдачного, 12"})
	// The point from the map: Enter on the map sets the place under its
	// cross, a click sets the place clicked (here the same: the middle).
	s("", browsertest.Step{Op: "press", Selector: "#point-map", Key: "Enter"})
	s("pointKey", browsertest.Step{Op: "waitText", Selector: "#point-status", Value: "Точку вибрано: 50."})
	s("", browsertest.Step{Op: "click", Selector: "#point-map"})
	s("pointClick", browsertest.Step{Op: "waitText", Selector: "#point-status", Value: "Точку вибрано: 50."})
	s("", browsertest.Step{Op: "select", Selector: "#f-district", Value: "podilskyi"})
	s("", browsertest.Step{Op: "upload", Selector: "#f-files", Value: photo})
	s("", browsertest.Step{Op: "check", Selector: "input[name=public]"})
	look(s, "new-phone")
	s("", browsertest.Step{Op: "click", Selector: "form[action='/appeals/new'] button[type=submit]"})
	s("filed", browsertest.Step{Op: "text", Selector: "main"})
	look(s, "filed-phone")
	signOut(s)

	signIn(s, "official-transport", "/work/appeals?provider="+transport)
	s("queue", browsertest.Step{Op: "text", Selector: "main table"})
	look(s, "queue-phone")
	s("", browsertest.Step{Op: "click", Selector: "main table a"})
	s("", browsertest.Step{Op: "click", Selector: "form[action$='/take'] button"})
	s("", browsertest.Step{Op: "fill", Selector: "#f-question", Value: "Яка приблизно глибина ями і чи є поруч люк?"})
	look(s, "work-phone")
	s("", browsertest.Step{Op: "click", Selector: "form[action$='/ask'] button"})
	signOut(s)

	signIn(s, "resident", "/cabinet/appeals")
	s("", browsertest.Step{Op: "click", Selector: "main table a"})
	s("asked", browsertest.Step{Op: "text", Selector: "main"})
	s("letterLink", browsertest.Step{Op: "text", Selector: ".timeline a.letter-link"})
	s("", browsertest.Step{Op: "fill", Selector: "#f-reply", Value: "Близько 20 см, люка поруч немає."})
	look(s, "reply-phone")
	s("", browsertest.Step{Op: "click", Selector: "form[action$='/reply'] button"})
	signOut(s)

	signIn(s, "official-transport", "/work/appeals?provider="+transport)
	s("", browsertest.Step{Op: "click", Selector: "main table a"})
	s("thread", browsertest.Step{Op: "text", Selector: "main"})
	s("", browsertest.Step{Op: "fill", Selector: "#f-answer", Value: "Яму внесено до плану ямкового ремонту; роботи виконає Служба автомобільних доріг до 20 березня."})
	s("", browsertest.Step{Op: "click", Selector: "form[action$='/answer'] button"})
	s("answered", browsertest.Step{Op: "text", Selector: "main"})
	look(s, "answered-work-phone")
	signOut(s)

	signIn(s, "resident", "/cabinet/appeals")
	s("", browsertest.Step{Op: "click", Selector: "main table a"})
	s("answer", browsertest.Step{Op: "text", Selector: "#answer-title + p"})
	look(s, "answer-phone")
	s("", browsertest.Step{Op: "check", Selector: "input[name=rating][value='5']"})
	s("", browsertest.Step{Op: "click", Selector: "form[action$='/rate'] button"})
	s("rated", browsertest.Step{Op: "text", Selector: "main"})
	// Not satisfied: a complaint about the answer, from the appeal's page.
	s("", browsertest.Step{Op: "click", Selector: "#complain-answer"})
	s("complainForm", browsertest.Step{Op: "text", Selector: "main"})
	s("", browsertest.Step{Op: "fill", Selector: "#f-body", Value: "Строк, названий у відповіді, минув, а яму так і не залатали; прошу перевірити виконання."})
	look(s, "complaint-answer-phone")
	s("", browsertest.Step{Op: "click", Selector: "form[action='/appeals/new'] button[type=submit]"})
	s("complained", browsertest.Step{Op: "text", Selector: "main"})
	look(s, "complained-phone")
	signOut(s)

	// Anyone: the published appeals, listed and on the map, and one of them.
	p := scenario("Public", phone)
	p("", browsertest.Step{Op: "goto", URL: e.u("/appeals/public?category=roads")})
	p("publicList", browsertest.Step{Op: "text", Selector: "main"})
	p("publicPin", browsertest.Step{Op: "attr", Selector: "#map .leaflet-marker-icon", Name: "title"})
	p("publicOverflow", browsertest.Step{Op: "overflow"})
	look(p, "public-phone")
	p("", browsertest.Step{Op: "click", Selector: ".appeal-list a"})
	p("publicOne", browsertest.Step{Op: "text", Selector: "main"})
	look(p, "public-one-phone")

	// An anonymous visitor, and the dispatcher's rules.
	a := scenario("Anonymous", phone)
	a("", browsertest.Step{Op: "goto", URL: e.u("/appeals/new")})
	a("anon", browsertest.Step{Op: "text", Selector: "main"})
	a("anonForm", browsertest.Step{Op: "text", Selector: "#f-body", Optional: true, TimeoutMs: 500})
	look(a, "anonymous-phone")
	d := scenario("Dispatcher", desktop)
	signIn(d, "dispatcher", "/admin/appeals/routing")
	d("", browsertest.Step{Op: "select", Selector: "#t-category", Value: "roads"})
	d("", browsertest.Step{Op: "fill", Selector: "#t-body", Value: "яма у дворі"})
	d("", browsertest.Step{Op: "click", Selector: "form:has(input[value=dry-run]) button"})
	d("dry", browsertest.Step{Op: "text", Selector: "#dry-run-result"})
	look(d, "routing-desktop")
	d("", browsertest.Step{Op: "goto", URL: e.u("/admin/appeals/routing")})
	d("", browsertest.Step{Op: "screenshot", Name: "hromada-appeals-routing-phone-size"})
	// The published appeals on a wide screen: the list beside the map.
	d("", browsertest.Step{Op: "goto", URL: e.u("/appeals/public")})
	look(d, "public-desktop")

	results := browsertest.Run(t, scenarios)
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	at := func(mark string) browsertest.StepResult {
		m, ok := marks[mark]
		require.True(t, ok, mark)
		return results[m[0]].Steps[m[1]]
	}
	require.Contains(t, at("filed").Text, "Звернення прийнято. Його номер — № З-")
	require.Contains(t, at("filed").Text, "Департамент транспортної інфраструктури, Служба автомобільних доріг", "routed to the roads provider")
	require.Contains(t, at("queue").Text, "Дороги, тротуари, ями")
	require.Contains(t, at("asked").Text, "Яка приблизно глибина ями")
	require.Contains(t, at("asked").Text, "Очікує вашої відповіді")
	require.Contains(t, at("thread").Text, "Близько 20 см, люка поруч немає.")
	require.Contains(t, at("answered").Text, "Надано відповідь")
	require.Contains(t, at("answer").Text, "Яму внесено до плану ямкового ремонту")
	require.Contains(t, at("rated").Text, "Ваша оцінка відповіді: 5 з 5.")
	require.Contains(t, at("pointKey").Text, "Точку вибрано: 50.", "Enter on the map set the point")
	require.Contains(t, at("letterLink").Text, "Завантажити лист")
	require.Contains(t, at("complainForm").Text, "Скарга на відповідь на ваше звернення № З-")
	require.Contains(t, at("complained").Text, "Звернення прийнято")
	require.Contains(t, at("complained").Text, "Відповідь, яку оскаржено (звернення № З-")
	require.Contains(t, at("complained").Text, "Яму внесено до плану ямкового ремонту", "the answer complained about, on the complaint's page")
	require.Contains(t, at("complained").Text, "Диспетчер визначає виконавця", "never to the roads provider that answered: its rules are passed over")
	resident := appsPersona(t, "resident")
	for _, page := range []string{"publicList", "publicOne"} {
		require.Contains(t, at(page).Text, "Дороги, тротуари, ями")
		require.Contains(t, at(page).Text, "Надано відповідь")
		require.NotContains(t, at(page).Text, resident.FullName(), "no author on a public page")
	}
	require.Contains(t, at("publicList").Text, "Знайдено звернень: 1.", "the complaint about the answer is not published")
	require.Contains(t, at("publicOne").Text, "Глибока яма на проїжджій частині")
	require.Contains(t, at("publicPin").Text, "Дороги, тротуари, ями")
	require.Equal(t, "0", at("publicOverflow").Text)
	require.Contains(t, at("anon").Text, "Анонімні звернення не розглядаються")
	require.Contains(t, at("anon").Text, "статті 8 Закону України «Про звернення громадян»")
	require.False(t, at("anonForm").OK, "no form for an anonymous visitor")
	require.Contains(t, at("dry").Text, "Департамент житлово-комунальної інфраструктури", "the keyword rule: a yard is housing's")

	// The photo was kept, and the answer is a PDF the official signed,
	// inside and detached, that the outside tools accept.
	var id, provider string
	var photos int
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT a.id, a.provider_id, (SELECT count(*) FROM appeal_files f WHERE f.appeal_id = a.id AND f.kind = 'attachment' AND f.content_type = 'image/png')
			FROM appeals a WHERE a.about_appeal_id IS NULL`).Scan(&id, &provider, &photos)
	})
	require.Equal(t, transport, provider)
	require.Equal(t, 1, photos)
	// The point came from the map (no numbers were typed); the complaint
	// about the answer is linked to it, about the roads provider, and not
	// with it.
	var lat, lon float64
	var aboutProvider string
	var complaintProvider *string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT lat, lon FROM appeals WHERE id = $1`, id).Scan(&lat, &lon); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT about_provider_id, provider_id FROM appeals WHERE about_appeal_id = $1`, id).Scan(&aboutProvider, &complaintProvider)
	})
	require.InDelta(t, 50.45, lat, 0.2, "the map starts at the city's centres")
	require.InDelta(t, 30.5, lon, 0.3)
	require.Equal(t, transport, aboutProvider)
	require.Nil(t, complaintProvider, "at the dispatcher, not the roads provider")
	res := e.as(e.host, "resident")
	links := map[string]string{}
	for _, m := range appealFileRE.FindAllStringSubmatch(get(t, res, e.u("/cabinet/appeals/"+id)).body, -1) {
		links[m[2]] = m[1]
	}
	var pdfLink, p7sLink, letterLink, letterSigLink string
	for name, link := range links {
		switch {
		case strings.HasPrefix(name, "vidpovid-") && filepath.Ext(name) == ".pdf":
			pdfLink = link
		case strings.HasPrefix(name, "vidpovid-") && filepath.Ext(name) == ".p7s":
			p7sLink = link
		case strings.HasPrefix(name, "lyst-") && filepath.Ext(name) == ".pdf":
			letterLink = link
		case strings.HasPrefix(name, "lyst-") && filepath.Ext(name) == ".p7s":
			letterSigLink = link
		}
	}
	require.NotEmpty(t, pdfLink, "the answer's PDF is linked: %v", links)
	pdf, p7s := get(t, res, e.u(pdfLink)), get(t, res, e.u(p7sLink))
	official := appsPersona(t, "official-transport")
	require.Contains(t, doctest.RequireSigned(t, []byte(pdf.body), []byte(p7s.body), e.devCA().Certificate), official.FullName())
	text := doctest.Text(t, []byte(pdf.body))
	for _, want := range []string{"Відповідь на звернення", "Яму внесено до плану ямкового ремонту", official.FullName(), "Департамент транспортної інфраструктури"} {
		require.Contains(t, text, want)
	}
	// The official's question is a letter signed the same way.
	require.NotEmpty(t, letterLink, "the question's letter is linked: %v", links)
	letter, letterSig := get(t, res, e.u(letterLink)), get(t, res, e.u(letterSigLink))
	require.Contains(t, doctest.RequireSigned(t, []byte(letter.body), []byte(letterSig.body), e.devCA().Certificate), official.FullName())
	text = doctest.Text(t, []byte(letter.body))
	for _, want := range []string{"Лист щодо звернення", "Яка приблизно глибина ями", official.FullName()} {
		require.Contains(t, text, want)
	}
}

// writePhoto writes a small PNG, the pothole's photo.
func writePhoto(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: uint8(60 + x), G: uint8(60 + y), B: 70, A: 255})
		}
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
}
