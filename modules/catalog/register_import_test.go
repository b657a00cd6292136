package catalog_test

import (
	"cmp"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"hromada/demo"
	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// demoRegister is the demo city's register, decoded from the demo folder.
func demoRegister(t *testing.T, slug string) catalog.Register {
	t.Helper()
	d, err := demo.Load()
	require.NoError(t, err)
	c, ok := d.City(slug)
	require.True(t, ok, slug)
	return c.Register
}

// byCode is reg with each list ordered by code: the export lists providers
// by name and centres by kind, a register file in any order it likes.
func byCode(reg catalog.Register) catalog.Register {
	reg.Providers = slices.SortedFunc(slices.Values(reg.Providers), func(a, b catalog.Provider) int { return cmp.Compare(a.Code, b.Code) })
	reg.LifeSituations = slices.SortedFunc(slices.Values(reg.LifeSituations), func(a, b catalog.LifeSituation) int { return cmp.Compare(a.Code, b.Code) })
	reg.Centres = slices.SortedFunc(slices.Values(reg.Centres), func(a, b catalog.Centre) int { return cmp.Compare(a.Code, b.Code) })
	reg.Services = slices.SortedFunc(slices.Values(reg.Services), func(a, b catalog.RegisteredService) int {
		return cmp.Compare(a.Content.Code, b.Content.Code)
	})
	return reg
}

// A demo city's open data (/opendata/services.json, through the real
// route) imports back to the register the city was loaded from.
func TestRegisterRoundTrip(t *testing.T) {
	t.Parallel()
	for _, slug := range []string{"kyiv", "lviv"} {
		t.Run(strings.ToUpper(slug[:1])+slug[1:], func(t *testing.T) {
			t.Parallel()
			reg := demoRegister(t, slug)
			db := tenanttest.New(t)
			tn := tenanttest.NewTenant(t, db)
			load(t, db, tn, reg)

			r := chi.NewRouter()
			r.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r.WithContext(tenant.With(r.Context(), tn)))
				})
			})
			// The site's routes behind a guard that lets no one in: the
			// open data is public, so it answers all the same.
			nobody := http.NotFoundHandler()
			guard := &access.Guard{Access: access.New(db.App, nil), Unauthenticated: nobody, Denied: nobody,
				Subject: func(*http.Request) (access.Subject, bool) { return access.Subject{}, false }}
			catalog.NewSite(catalog.New(db.App, nil), nil).Routes(r, guard)
			srv := httptest.NewServer(r)
			t.Cleanup(srv.Close)

			resp, err := srv.Client().Get(srv.URL + "/opendata/services.json")
			require.NoError(t, err)
			t.Cleanup(func() { _ = resp.Body.Close() })
			require.Equal(t, http.StatusOK, resp.StatusCode)
			got, err := catalog.ReadRegister(resp.Body)
			require.NoError(t, err)
			require.Equal(t, byCode(reg), byCode(got))
		})
	}
}

// WriteRegister writes what ReadRegister reads.
func TestWriteRegister(t *testing.T) {
	t.Parallel()
	reg := demoRegister(t, "lviv")
	var b strings.Builder
	require.NoError(t, catalog.WriteRegister(&b, reg))
	require.Contains(t, b.String(), "Львів") // UTF-8, not \u escapes
	got, err := catalog.ReadRegister(strings.NewReader(b.String()))
	require.NoError(t, err)
	require.Equal(t, reg, got)
}

// A register that does not hold together is refused, the problem named by
// its service (or provider, centre) and field.
func TestReadRegisterInvalid(t *testing.T) {
	t.Parallel()
	const provider = `{"code": "dcnap", "name": {"uk": "ЦНАП"}}`
	const centre = `{"code": "main", "kind": "centre", "name": {"uk": "ЦНАП"}}`
	service := func(fields string) string {
		return `{"code": "T-1", "provider": "dcnap", "name": {"uk": "Довідка"}, "summary": {"uk": "Довідка"},
			"conditions": {"uk": "Завжди"}, "result": {"uk": "Довідка"}, "appeal": {"uk": "До суду"},
			"documents": [{"uk": "Паспорт"}], "legal_basis": [{"uk": "Закон"}], "ways_to_submit": ["centre"],
			"term": {"days": 1}, "fee": {"free": true}` + fields + `}`
	}
	doc := func(providers, centres, services string) string {
		return `{"schema": "hromada.catalog.services/v1", "providers": [` + providers + `], "life_situations": [],
			"centres": [` + centres + `], "services": [` + services + `]}`
	}

	_, err := catalog.ReadRegister(strings.NewReader(doc(provider, centre, service(`, "centres": ["main"]`))))
	require.NoError(t, err)

	cases := map[string]struct{ doc, want string }{
		"NotJSON":         {`{"schema":`, "catalog: register: unexpected EOF"},
		"OtherSchema":     {`{"schema": "x/v1"}`, `schema "x/v1"`},
		"UnknownField":    {doc(provider, centre, service(`, "colour": "red"`)), `unknown field "colour"`},
		"UnknownProvider": {doc(``, centre, service(``)), `service T-1: provider "dcnap" is not in the register`},
		"UnknownCentre":   {doc(provider, centre, service(`, "centres": ["nope"]`)), `service T-1: centres: "nope" is not in the register`},
		"UnknownSituation": {doc(provider, centre, service(`, "life_situations": ["birth"]`)),
			`service T-1: life_situations: "birth" is not in the register`},
		"DuplicateService": {doc(provider, centre, service(``)+","+service(``)), "service T-1: code is not unique"},
		"EmptyProvider":    {doc(`{"code": ""}`, centre, ``), "provider #1: code is empty"},
		"BranchOfNothing":  {doc(provider, `{"code": "b", "kind": "branch", "name": {"uk": "Філія"}}`, ``), `centre b: parent_code "" is not a centre`},
		"BadTerm":          {doc(provider, centre, strings.Replace(service(``), `"days": 1`, `"days": 0`, 1)), "service T-1: term_days: error.catalog_term"},
		"BadCategory":      {doc(provider, centre, service(`, "user_categories": ["alien"]`)), `service T-1: user_categories: "alien"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := catalog.ReadRegister(strings.NewReader(tc.doc))
			require.ErrorContains(t, err, tc.want)
		})
	}
}
