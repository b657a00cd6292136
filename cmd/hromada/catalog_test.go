package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/catalog"
	"hromada/tenant"
)

func loadRegister(t *testing.T, ta *testApp, tn *tenant.Tenant, reg catalog.Register) {
	t.Helper()
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), tn), func(ctx context.Context, tx pgx.Tx) error {
		return catalog.LoadRegister(ctx, tx, reg)
	}))
}

func testRegister() catalog.Register {
	uk := func(s string) catalog.Text { return catalog.Text{UK: s} }
	return catalog.Register{
		Providers:      []catalog.Provider{{Code: "dcnap", Name: catalog.Text{UK: "Департамент (Центр) надання адміністративних послуг"}, Phone: "+380 44 202 70 00"}},
		LifeSituations: []catalog.LifeSituation{{Code: "moving", Name: uk("Переїзд")}},
		Services: []catalog.RegisteredService{{Provider: "dcnap", Content: catalog.Content{
			Code: "K-1", Name: catalog.Text{UK: "Довідка про склад сім’ї", EN: "Family composition certificate"}, Summary: uk("Витяг про зареєстрованих"),
			UserCategories: []string{catalog.Individual}, LegalBasis: []catalog.Text{uk("Закон України «Про адміністративні послуги»")},
			Documents: []catalog.Document{catalog.Doc("Паспорт")}, WaysToSubmit: []string{catalog.SubmitOnline, catalog.SubmitCentre},
			Term: catalog.Term{Days: 5, Working: true}, Appeal: uk("До суду"), Result: uk("Довідка"),
			Fee:            catalog.Fee{AmountKopecks: 123456, IBAN: "UA908999980314131929000026001", Recipient: "ГУК у м. Києві", EDRPOU: "37993783", Purpose: "Плата"},
			LifeSituations: []string{"moving"}, Tags: []string{"<script>alert(1)</script>"},
		}}},
	}
}

func TestCatalogPagesAndAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	kyiv := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	ta.newTenant(t, tenant.CreateParams{Slug: "lviv", Name: "Львів"})
	loadRegister(t, ta, kyiv, testRegister())
	c := ta.client(t)
	host := "kyiv." + testBase

	r := get(t, c, ta.url(host, "/"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `action="/search"`)
	require.Contains(t, r.body, "Переїзд")
	require.Contains(t, r.body, `href="/services/K-1"`)

	r = get(t, c, ta.url(host, "/search?q="+url.QueryEscape("довідку")))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "<mark>Довідка</mark>")
	require.Contains(t, r.body, "Знайдено послуг: 1")
	require.Contains(t, r.body, "5 днів")

	// Filters: by provider (the select on the search page), by life situation.
	r = get(t, c, ta.url(host, "/search?provider=dcnap"))
	require.Contains(t, r.body, "Знайдено послуг: 1")
	require.Contains(t, r.body, `<option value="dcnap" selected>`)
	require.Contains(t, get(t, c, ta.url(host, "/search?provider=nope")).body, "Знайдено послуг: 0")
	require.Contains(t, get(t, c, ta.url(host, "/search?situation=moving")).body, "Знайдено послуг: 1")

	r = get(t, c, ta.url(host, "/services/K-1"))
	require.Equal(t, http.StatusOK, r.status)
	for _, s := range []string{"Довідка про склад сім’ї", "Паспорт", "5 робочих днів", "1\u00a0234,56\u00a0грн", "UA908999980314131929000026001", "До суду", "Закон України"} {
		require.Contains(t, r.body, s)
	}
	require.NotContains(t, r.body, "<script>alert")
	require.Equal(t, http.StatusNotFound, get(t, c, ta.url(host, "/services/K-404")).status)

	// The same as JSON.
	r = get(t, c, ta.url(host, "/api/v1/search?q="+url.QueryEscape("склад сім'ї")))
	require.Equal(t, http.StatusOK, r.status)
	var found struct {
		Total int `json:"total"`
		Items []struct {
			Code string `json:"code"`
			URL  string `json:"url"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &found))
	require.Equal(t, 1, found.Total)
	require.Equal(t, "/services/K-1", found.Items[0].URL)
	r = get(t, c, ta.url(host, "/api/v1/services/K-1"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `"iban":"UA908999980314131929000026001"`)
	r = get(t, c, ta.url(host, "/api/v1/services/K-404"))
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, "application/problem+json; charset=utf-8", r.header.Get("Content-Type"))
	var problem struct {
		Status       int
		Code, Detail string
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &problem))
	require.Equal(t, http.StatusNotFound, problem.Status)
	require.Equal(t, "not_found", problem.Code)
	require.Equal(t, "Такої послуги немає в реєстрі громади.", problem.Detail)
	// In English when the app asks for it.
	r = do(t, c, http.MethodGet, ta.url(host, "/api/v1/services/K-404"), nil, map[string]string{"Accept-Language": "en-GB,en;q=0.9,uk;q=0.5"})
	require.NoError(t, json.Unmarshal([]byte(r.body), &problem))
	require.NotEqual(t, "Такої послуги немає в реєстрі громади.", problem.Detail)
	require.Equal(t, "not_found", problem.Code)

	// The contract itself is served.
	r = get(t, c, ta.url(host, "/api/v1/openapi.json"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `"openapi": "3.1.0"`)
	require.Equal(t, http.StatusOK, get(t, c, ta.url(host, "/api/v1/life-situations")).status)

	// Providers, the open data.
	r = get(t, c, ta.url(host, "/providers/dcnap"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `href="/services/K-1"`)
	require.Equal(t, http.StatusNotFound, get(t, c, ta.url(host, "/providers/nope")).status)
	r = get(t, c, ta.url(host, "/opendata/services.csv"))
	require.Equal(t, http.StatusOK, r.status)
	require.True(t, strings.HasPrefix(r.body, strings.Join(catalog.CSVHeader, ",")+"\n"))
	require.Contains(t, r.body, "K-1,Довідка про склад сім’ї,Family composition certificate,dcnap")
	r = get(t, c, ta.url(host, "/opendata/services.json"))
	require.Equal(t, http.StatusOK, r.status)
	var open struct {
		Schema   string `json:"schema"`
		Services []struct {
			Code     string `json:"code"`
			Provider string `json:"provider"`
		} `json:"services"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &open))
	require.Equal(t, "hromada.catalog.services/v1", open.Schema)
	require.Equal(t, "dcnap", open.Services[0].Provider)
	r = get(t, c, ta.url(host, "/api/v1/services?limit=1"))
	require.Contains(t, r.body, `"total":1`)

	// Another city's register is its own.
	r = get(t, c, ta.url("lviv."+testBase, "/api/v1/search?q="+url.QueryEscape("довідка")))
	require.JSONEq(t, `{"total":0,"offset":0,"limit":20,"items":[]}`, r.body)
	require.Equal(t, http.StatusNotFound, get(t, c, ta.url("lviv."+testBase, "/services/K-1")).status)
}

// A provider's official proposes a change; the public sees it only after
// the administrator publishes it; bad input is explained field by field and
// nothing typed is lost or executed.
func TestServiceRevisionWorkflow(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	loadRegister(t, ta, ts[0], testRegister())
	host := "kyiv." + testBase
	official, other, admin, public := ta.client(t), ta.client(t), ta.client(t), ta.client(t)
	signIn(t, ta, official, host, "official-dcnap")
	signIn(t, ta, other, host, "official-transport")
	signIn(t, ta, admin, host, "administrator")

	r := get(t, official, ta.url(host, "/admin/services/K-1/edit"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "Довідка про склад сім’ї")
	require.Equal(t, http.StatusForbidden, get(t, other, ta.url(host, "/admin/services/K-1/edit")).status, "another provider's official edits")

	form := url.Values{"basis_date": {"2026-11-20"}, "name_uk": {"<script>alert(1)</script>"}, "summary_uk": {strings.Repeat("я", 10001)},
		"conditions_uk": {"Умови"}, "doc_name": {"Паспорт", "Заява", ""}, "doc_original": {"1", "", ""},
		"doc_condition": {"", "якщо звертається представник", ""}, "legal_basis": {"Закон України"}, "term_days": {"0"},
		"fee_amount": {"12,50"}, "fee_iban": {"UA00"}, "fee_edrpou": {"12345679"}, "fee_recipient": {"Казна"}, "fee_purpose": {"Плата"},
		"result_uk": {"Довідка"}, "appeal_uk": {"До суду"}, "faq": {"Питання без відповіді"}, "ways": {"online", "fax"}}
	r = do(t, official, http.MethodPost, ta.url(host, "/admin/services/K-1/revisions"), form, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	for _, msg := range []string{"HTML-розмітку", "не більше 10000 символів", "від 1 до 365", "IBAN некоректний", "ЄДРПОУ некоректний",
		"розділені знаком", "Оберіть спосіб звернення"} {
		require.Contains(t, r.body, msg)
	}
	require.Contains(t, r.body, "&lt;script&gt;alert(1)&lt;/script&gt;", "the input is kept, escaped")
	require.NotContains(t, r.body, "<script>alert(1)")

	form.Set("name_uk", "Довідка про склад сім’ї та зареєстрованих осіб")
	form.Set("summary_uk", "Нова редакція")
	form.Set("term_days", "3")
	form.Set("fee_free", "1")
	form.Set("faq", "Скільки коштує? | Безоплатно.")
	form["ways"] = []string{"online", "centre"}
	form["situations"] = []string{"moving"}
	form.Set("tags", "склад сім’ї, зареєстровані")
	r = do(t, official, http.MethodPost, ta.url(host, "/admin/services/K-1/revisions"), form, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	// Not yet public.
	require.NotContains(t, get(t, public, ta.url(host, "/services/K-1")).body, "Нова редакція")

	r = get(t, admin, ta.url(host, "/admin/revisions"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "прострочено", "a basis of 20.11 was due the next working day")
	require.Contains(t, r.body, "Тарас Олегович Мельник", "who proposed it")
	m := regexp.MustCompile(`action="/admin/revisions/([0-9a-f-]+)/publish"`).FindStringSubmatch(r.body)
	require.NotNil(t, m)
	require.Equal(t, http.StatusBadRequest, do(t, admin, http.MethodPost, ta.url(host, "/admin/revisions/"+m[1]+"/return"), url.Values{}, nil).status)
	require.Equal(t, http.StatusForbidden, do(t, other, http.MethodPost, ta.url(host, "/admin/revisions/"+m[1]+"/publish"), url.Values{}, nil).status)
	r = do(t, admin, http.MethodPost, ta.url(host, "/admin/revisions/"+m[1]+"/publish"), url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)

	r = get(t, public, ta.url(host, "/services/K-1"))
	require.Contains(t, r.body, "Нова редакція")
	require.Contains(t, r.body, `<li>Паспорт <span class="muted">(оригінал)</span></li>`, "the documents as structured items")
	require.Contains(t, r.body, `<li>Заява — якщо звертається представник</li>`)
	require.Contains(t, r.body, "Скільки коштує?")
	require.Contains(t, r.body, "Безоплатно")
	r = get(t, public, ta.url(host, "/api/v1/search?q="+url.QueryEscape("зареєстрованих осіб")))
	require.Contains(t, r.body, `"code":"K-1"`, "the index changed with the publication")
	// The service's history: its revisions with who and when.
	r = get(t, admin, ta.url(host, "/admin/revisions?service=K-1"))
	require.Contains(t, r.body, "Оприлюднено")
	require.Contains(t, r.body, "Сергій Анатолійович Кравченко", "who published it")

	var actions []string
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), ts[0]), func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action FROM audit_events WHERE action LIKE 'catalog.%' ORDER BY at, id`)
		if err != nil {
			return err
		}
		actions, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}))
	require.Equal(t, []string{"catalog.revision.propose", "catalog.revision.publish"}, actions)
}

// An official adds a new service of its provider: unpublished until the
// administrator publishes its first revision.
func TestNewServiceByProvider(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	host := "kyiv." + testBase
	var dcnap, transport string
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), ts[0]), func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id::text FROM providers WHERE code = 'dcnap'`).Scan(&dcnap); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id::text FROM providers WHERE code = 'transport'`).Scan(&transport)
	}))
	official, admin, public := ta.client(t), ta.client(t), ta.client(t)
	signIn(t, ta, official, host, "official-dcnap")
	signIn(t, ta, admin, host, "administrator")

	require.Equal(t, http.StatusOK, get(t, official, ta.url(host, "/admin/services/new?provider="+dcnap)).status)
	require.Equal(t, http.StatusForbidden, get(t, official, ta.url(host, "/admin/services/new?provider="+transport)).status)
	form := url.Values{"provider": {dcnap}, "code": {"KY-0001"}, "basis_date": {"2026-11-20"}, "name_uk": {"Видача дубліката довідки"},
		"summary_uk": {"Дублікат замість втраченої довідки"}, "conditions_uk": {"Втрата або пошкодження"}, "doc_name": {"Заява"},
		"legal_basis": {"Закон України «Про адміністративні послуги»"}, "term_days": {"3"}, "term_working": {"1"}, "fee_free": {"1"},
		"result_uk": {"Дублікат"}, "appeal_uk": {"До суду"}, "ways": {"online"}}
	r := do(t, official, http.MethodPost, ta.url(host, "/admin/services/new"), form, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "Такий код уже є в реєстрі")
	form.Set("code", "ky-0900")
	form.Set("provider", transport)
	require.Equal(t, http.StatusForbidden, do(t, official, http.MethodPost, ta.url(host, "/admin/services/new"), form, nil).status)
	form.Set("provider", dcnap)
	r = do(t, official, http.MethodPost, ta.url(host, "/admin/services/new"), form, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, http.StatusNotFound, get(t, public, ta.url(host, "/services/KY-0900")).status, "unpublished yet")

	r = get(t, admin, ta.url(host, "/admin/revisions"))
	m := regexp.MustCompile(`href="/services/KY-0900">KY-0900</a> № 1</th>[\s\S]*?action="/admin/revisions/([0-9a-f-]+)/publish"`).FindStringSubmatch(r.body)
	require.NotNil(t, m)
	require.Equal(t, http.StatusSeeOther, do(t, admin, http.MethodPost, ta.url(host, "/admin/revisions/"+m[1]+"/publish"), url.Values{}, nil).status)
	r = get(t, public, ta.url(host, "/services/KY-0900"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "Видача дубліката довідки")
}

// The dispatcher keeps the city's days off; the administrator reads them.
func TestHolidays(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	host := "kyiv." + testBase
	dispatcher, admin := ta.client(t), ta.client(t)
	signIn(t, ta, dispatcher, host, "dispatcher")
	signIn(t, ta, admin, host, "administrator")
	r := do(t, dispatcher, http.MethodPost, ta.url(host, "/admin/holidays"), url.Values{"day": {"2026-12-25"}, "name": {"Різдво Христове"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = get(t, admin, ta.url(host, "/admin/holidays"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "25.12.2026 Різдво Христове")
	require.Equal(t, http.StatusForbidden, do(t, admin, http.MethodPost, ta.url(host, "/admin/holidays"), url.Values{"day": {"2026-12-26"}}, nil).status)
	r = do(t, dispatcher, http.MethodPost, ta.url(host, "/admin/holidays"), url.Values{"day": {"25.12"}}, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "Вкажіть дату")
	r = do(t, dispatcher, http.MethodPost, ta.url(host, "/admin/holidays"), url.Values{"day": {"2026-12-25"}, "remove": {"1"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.NotContains(t, get(t, admin, ta.url(host, "/admin/holidays")).body, "Різдво")
}
