package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// onlineCodes are Kyiv's services with a published form, from the
// database: what the «Онлайн» mark must say.
func (e *appsEnv) onlineCodes() []string {
	e.t.Helper()
	var codes []string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT DISTINCT s.code FROM service_forms f JOIN services s ON s.id = f.service_id
			WHERE f.status = 'published' AND s.content IS NOT NULL ORDER BY s.code`)
		if err != nil {
			return err
		}
		codes, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return codes
}

var (
	// A search hit: its list item, up to the next one.
	hitRE = regexp.MustCompile(`(?s)<li>\s*<h2><a href="/services/(KY-\d{4})">(.*?)</li>`)
	// A service in a plain list (a provider's page, the front page).
	listedRE = regexp.MustCompile(`<li><a href="/services/(KY-\d{4})">[^<]*</a>( <span class="online-mark">)?`)
)

// marks reads the services a page lists and whether each is marked online.
func marks(body string, re *regexp.Regexp, marked func(m []string) bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out[m[1]] = marked(m)
	}
	return out
}

func hitMarked(m []string) bool    { return strings.Contains(m[2], `class="online-mark"`) }
func listedMarked(m []string) bool { return m[2] != "" }

// The «Онлайн» mark is on exactly the services with a published form: in
// the search results (all of them, a life situation's, a category's), on
// the providers' and a centre's lists, the front page and the service's
// page; the «лише онлайн» filter keeps exactly those.
func TestOnlineMarks(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	online := e.onlineCodes()
	require.GreaterOrEqual(t, len(online), 20, "Kyiv's services one can apply for online")
	anon := e.ta.client(t)
	check := func(where string, seen map[string]bool) {
		t.Helper()
		require.NotEmpty(t, seen, where)
		for code, marked := range seen {
			require.Equal(t, slices.Contains(online, code), marked, "%s: %s", where, code)
		}
	}

	all := map[string]bool{}
	for page := 1; page <= 3; page++ {
		r := get(t, anon, e.u("/search?page="+strconv.Itoa(page)))
		require.Equal(t, http.StatusOK, r.status)
		for code, m := range marks(r.body, hitRE, hitMarked) {
			all[code] = m
		}
	}
	require.Len(t, all, 50, "every Kyiv service, over the pages")
	check("search", all)
	for _, q := range []string{"situation=relocation", "situation=birth", "category=" + url.QueryEscape("реєстрація"), "q=" + url.QueryEscape("довідка")} {
		r := get(t, anon, e.u("/search?"+q))
		require.Equal(t, http.StatusOK, r.status)
		check(q, marks(r.body, hitRE, hitMarked))
	}

	// Only online: the total and the hits are exactly the services with a form.
	var only []string
	for page := 1; page <= 2; page++ {
		r := get(t, anon, e.u("/search?online=1&page="+strconv.Itoa(page)))
		require.Equal(t, http.StatusOK, r.status)
		if page == 1 {
			require.Contains(t, appsText(r), "Знайдено послуг: "+strconv.Itoa(len(online)))
			require.Contains(t, r.body, `name="online" value="1" checked`, "the filter stays chosen")
		}
		for code, m := range marks(r.body, hitRE, hitMarked) {
			require.True(t, m, code)
			only = append(only, code)
		}
	}
	slices.Sort(only)
	require.Equal(t, online, only)
	r := get(t, anon, e.u("/search?online=1&situation=relocation"))
	for code := range marks(r.body, hitRE, hitMarked) {
		require.Contains(t, online, code, "a life situation's services, online only")
	}

	for _, p := range []string{"dcnap", "social", "urban", "registration", "archive", "transport"} {
		r := get(t, anon, e.u("/providers/"+p))
		require.Equal(t, http.StatusOK, r.status, p)
		check("provider "+p, marks(r.body, listedRE, listedMarked))
	}
	centre := get(t, anon, e.u("/centres/cnap-main"))
	require.Equal(t, http.StatusOK, centre.status)
	check("centre", marks(centre.body, listedRE, listedMarked))
	home := get(t, anon, e.u("/"))
	check("home", marks(home.body, listedRE, listedMarked))

	// The API says it too.
	api := get(t, anon, e.u("/api/v1/search?online=1"))
	require.Equal(t, http.StatusOK, api.status)
	require.Contains(t, api.body, `"total":`+strconv.Itoa(len(online)))
	require.NotContains(t, api.body, `"online":false`)

	// A service's page: with a form, the mark and the button; without
	// one, how to apply instead, and no online way or button.
	with := appsText(get(t, anon, e.u("/services/KY-0004")))
	require.Contains(t, with, `class="online-mark">Онлайн`)
	require.Contains(t, with, `action="/services/KY-0004/apply"`)
	without := get(t, anon, e.u("/services/KY-0005"))
	require.Equal(t, http.StatusOK, without.status)
	text := appsText(without)
	require.NotContains(t, text, `class="online-mark"`)
	require.NotContains(t, text, "/services/KY-0005/apply")
	require.NotContains(t, text, "Онлайн на порталі", "no online way where the portal has no form")
	require.Contains(t, text, "Цю послугу поки не можна замовити онлайн.")
	require.Contains(t, text, `href="#where-title"`)
	require.Contains(t, text, "Особисто в центрі надання адміністративних послуг")
	// Automatic mode is promised only where one can apply online.
	require.Contains(t, with, "Результат може бути надано без участі посадової особи")
	require.NotContains(t, appsText(get(t, anon, e.u("/services/KY-0009"))), "Результат може бути надано без участі посадової особи")
}

// The apply link of a service with no form answers 404 with a page that
// says so and how to apply instead (the ways, fee, term, centres and
// documents) and links back, never «Сторінку не знайдено»; a code that is
// no service is the plain not-found page.
func TestApplyWithoutForm(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	r := get(t, c, e.u("/services/KY-0005/apply"))
	require.Equal(t, http.StatusNotFound, r.status)
	text := appsText(r)
	require.Contains(t, text, "<h1>Цю послугу поки не можна замовити онлайн</h1>")
	require.Contains(t, text, "<title>Цю послугу поки не можна замовити онлайн — ")
	require.NotContains(t, text, "Сторінку не знайдено")
	require.Contains(t, text, "«Державна реєстрація народження дитини»")
	require.Contains(t, text, "Особисто в центрі надання адміністративних послуг")
	require.NotContains(t, text, "Онлайн на порталі")
	require.Contains(t, text, "Безоплатно")
	require.Contains(t, text, "Центр надання адміністративних послуг", "where to go")
	require.Contains(t, text, "Свідоцтво", "which documents")
	require.Contains(t, text, `href="/services/KY-0005"`)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM applications`), "no draft is made")

	none := get(t, c, e.u("/services/KY-9999/apply"))
	require.Equal(t, http.StatusNotFound, none.status)
	require.Contains(t, appsText(none), "Такої послуги немає в реєстрі громади.")
}

// The register extract in automatic mode: the resident applies, the
// simulated register of the territorial community answers, and the sealed
// extract is issued with no official; the verification page names it.
func TestAutomaticRegisterExtract(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	id := e.start(c, "KY-0004")
	step := get(t, c, e.u("/cabinet/applications/"+id+"/steps/1"))
	require.Contains(t, appsText(step), "вул. Січових Стрільців, 21, кв. 14", "the address comes from the register")
	e.next(c, id, 0, appsApplicantStep(appsPersona(t, "resident")))
	e.next(c, id, 1, url.Values{"katottg": {"UA80000000000093317"}, "address": {"м. Київ, вул. Січових Стрільців, 21, кв. 14"}})
	e.next(c, id, 2, url.Values{"purpose": {"school"}})
	s := e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(t, http.StatusSeeOther, s.status, appsText(s))

	st := e.waitStatus(c, id, 20*time.Second, "issued")
	require.Equal(t, "Громада (автоматично)", st.Events[len(st.Events)-1].Who)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1 AND kind = 'result'`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM registry_queries WHERE subject = '3221501449' AND purposes @> ARRAY['KY-0004']`))
	var doc string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM issued_documents WHERE application_id = $1`, id).Scan(&doc)
	})
	v := appsText(get(t, e.ta.client(t), e.u("/verify/"+doc)))
	require.Contains(t, v, "Документ справжній")
	require.Contains(t, v, "Витяг з реєстру територіальної громади")
}

// The housing benefit in automatic mode decides by the benefits register:
// the category it knows is granted with no official; another category the
// register does not confirm goes to the officials with the reason.
func TestAutomaticBenefit(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	apply := func(category string) string {
		id := e.start(c, "KY-0017")
		e.next(c, id, 0, appsApplicantStep(appsPersona(t, "resident")))
		e.next(c, id, 1, url.Values{"category": {category}, "certificate": {"АБ 123456"}, "certificate_date": {"2019-03-01"}})
		e.next(c, id, 2, url.Values{"katottg": {"UA80000000000093317"}, "address": {"м. Київ, вул. Січових Стрільців, 21, кв. 14"},
			"household": {"4"}, "area": {"72,5"}, "heating": {"1"}, "water": {"1"}, "iban": {"UA213223130000026007233566001"}})
		s := e.signOnline(c, id, e.reviewKey(c, id))
		require.Equal(t, http.StatusSeeOther, s.status, appsText(s))
		return id
	}
	granted := apply("large_family")
	e.waitStatus(c, granted, 20*time.Second, "issued")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM registry_queries WHERE subject = '3221501449' AND purposes @> ARRAY['KY-0017']`), "the benefits and the residence registers asked")

	other := apply("combatant")
	require.Eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM application_events WHERE application_id = $1 AND comment LIKE '%реєстру пільговиків%'`, other) == 1
	}, 30*time.Second, 50*time.Millisecond, "the reason in the history")
	require.Equal(t, "received", e.row(other).Status, "for the officials to decide")
	require.Zero(t, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1`, other), "no result")
}
