package catalog_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/catalog"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func txt(uk string) catalog.Text { return catalog.Text{UK: uk} }

// smallRegister is a register of three services, enough to test the store
// and the search without the demo content.
func smallRegister() catalog.Register {
	return catalog.Register{
		Providers: []catalog.Provider{{Code: "dcnap", Name: catalog.Text{UK: "Департамент (Центр) надання адміністративних послуг", EN: "ASC Department"}}},
		LifeSituations: []catalog.LifeSituation{
			{Code: "moving", Name: txt("Зміна місця проживання")},
			{Code: "family", Name: txt("Сім’я та діти")},
		},
		Centres: []catalog.Centre{{Code: "main", Kind: "centre", Name: txt("ЦНАП на Дніпровській набережній"), Address: txt("Дніпровська наб., 19б")}},
		Services: []catalog.RegisteredService{
			{Provider: "dcnap", Content: catalog.Content{Code: "T-1", Name: txt("Реєстрація місця проживання"),
				Summary: txt("Реєстрація за новою адресою"), Tags: []string{"прописка"}, LifeSituations: []string{"moving"}, Centres: []string{"main"},
				Term: catalog.Term{Days: 1, Working: true}, Fee: catalog.Fee{Free: true}}},
			{Provider: "dcnap", Content: catalog.Content{Code: "T-2", Name: txt("Довідка про склад сім’ї"),
				Summary: txt("Витяг про зареєстрованих осіб"), Tags: []string{"склад сім'ї"}, LifeSituations: []string{"family"},
				Term: catalog.Term{Days: 1}, Fee: catalog.Fee{Free: true}}},
			{Provider: "dcnap", Content: catalog.Content{Code: "T-3", Name: txt("Житлова субсидія"),
				Summary: txt("Допомога на оплату житлово-комунальних послуг"), Tags: []string{"субсидія"}, Categories: []string{"соціальний захист"},
				Term: catalog.Term{Days: 10}, Fee: catalog.Fee{Free: true}}},
		},
	}
}

func load(t *testing.T, db *tenanttest.DB, tn *tenant.Tenant, reg catalog.Register) {
	t.Helper()
	require.NoError(t, db.App.Tx(tenant.With(t.Context(), tn), func(ctx context.Context, tx pgx.Tx) error {
		return catalog.LoadRegister(ctx, tx, reg)
	}))
}

func search(t *testing.T, db *tenanttest.DB, tn *tenant.Tenant, q catalog.Query) []string {
	t.Helper()
	var codes []string
	require.NoError(t, db.App.ReadTx(tenant.With(t.Context(), tn), func(ctx context.Context, tx pgx.Tx) error {
		hits, _, err := catalog.Search(ctx, tx, q)
		for _, h := range hits {
			codes = append(codes, h.Code)
		}
		return err
	}))
	return codes
}

func TestSearch(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	kyiv, lviv := tenanttest.NewTenant(t, db), tenanttest.NewTenant(t, db)
	load(t, db, kyiv, smallRegister())
	load(t, db, kyiv, smallRegister()) // idempotent

	for q, want := range map[string]string{
		"довідку":                 "T-2", // an inflected form
		"ДОВІДОК":                 "T-2", // any case
		"прописк":                 "T-1", // part of a word (a tag)
		"реєстрації":              "T-1",
		"зареєструватися":         "T-1",
		"субсидію":                "T-3",
		"субсид":                  "T-3",
		"субсидия":                "T-3", // і/и
		"реестрація":              "T-1", // е/є
		"субсідія":                "T-3", // misspelt
		"склад сім'ї":             "T-2", // apostrophes
		"склад сімʼї":             "T-2",
		"довідка про склад сім’ї": "T-2",
	} {
		got := search(t, db, kyiv, catalog.Query{Text: q})
		require.NotEmptyf(t, got, "%q found nothing", q)
		require.Containsf(t, got[:min(3, len(got))], want, "%q: top 3 %v", q, got)
	}
	require.Empty(t, search(t, db, kyiv, catalog.Query{Text: "космодром"}))
	// Filters.
	require.Equal(t, []string{"T-1"}, search(t, db, kyiv, catalog.Query{LifeSituation: "moving"}))
	require.Equal(t, []string{"T-3"}, search(t, db, kyiv, catalog.Query{Category: "соціальний захист"}))
	// Only the tenant's own services.
	require.Empty(t, search(t, db, lviv, catalog.Query{Text: "довідка"}))
	require.Empty(t, search(t, db, lviv, catalog.Query{}))
	// Operators and quotes in the query are text, not syntax.
	require.NotPanics(t, func() { search(t, db, kyiv, catalog.Query{Text: `довідка' & !( | :* <-> "`}) })
}

func TestServicePage(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	kyiv := tenanttest.NewTenant(t, db)
	load(t, db, kyiv, smallRegister())
	require.NoError(t, db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		p, err := catalog.ServiceByCode(ctx, tx, "T-1")
		require.NoError(t, err)
		require.Equal(t, "Реєстрація місця проживання", p.Content.Name.UK)
		require.Equal(t, "dcnap", p.Provider.Code)
		require.Len(t, p.LifeSituations, 1)
		require.Len(t, p.Centres, 1)
		_, err = catalog.ServiceByCode(ctx, tx, "nope")
		require.ErrorIs(t, err, catalog.ErrNoService)
		return nil
	}))
}
