package forms_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/forms"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func codifier(t *testing.T) (*forms.Codifier, context.Context) {
	t.Helper()
	db := tenanttest.New(t)
	return forms.NewCodifier(db.App), tenant.With(t.Context(), tenanttest.NewTenant(t, db))
}

// The codifier as shipped: the demo cities and their oblasts, with the
// codes of the published codifier; a search by the beginning of a name
// ignores case and the apostrophe's spelling, and offers the cities first.
func TestCodifierSearch(t *testing.T) {
	t.Parallel()
	c, ctx := codifier(t)
	labels := func(q string) []string {
		ss, err := c.Search(ctx, q, 10)
		require.NoError(t, err)
		var out []string
		for _, s := range ss {
			out = append(out, s.Code+" "+s.Label())
		}
		return out
	}
	require.Equal(t, []string{"UA80000000000093317 м. Київ", "UA46100170040052051 с. Київець, Розвадівська громада, Стрийський район, Львівська область"},
		labels("київ"), "a city before a village, the name's beginning is enough")
	require.Equal(t, []string{"UA46060250010015970 м. Львів, Львівська громада, Львівський район, Львівська область"}, labels("ЛЬВІВ"))
	require.Equal(t, []string{"UA32060050010081797 м. Бровари, Броварська громада, Броварський район, Київська область"}, labels("Бровар"))
	require.Equal(t, []string{"UA46100190050031463 с. Кам’янка, Сколівська громада, Стрийський район, Львівська область",
		"UA46060190010052224 м. Кам’янка-Бузька, Кам’янка-Бузька громада, Львівський район, Львівська область"},
		labels("кам'янка"), "the name itself before a longer one, even a city's")
	mykh := labels("Михайлівка")
	require.Len(t, mykh, 7, "six villages of this name in the two oblasts, each with its community and district, then Михайлівка-Рубежівка")
	require.Equal(t, "UA32080150050013069 с. Михайлівка-Рубежівка, Ірпінська громада, Бучанський район, Київська область", mykh[6], "the name itself first")
	require.Contains(t, mykh, "UA46120010140046889 с. Михайлівка, Белзька громада, Червоноградський район, Львівська область")
	require.Empty(t, labels("Одеса"), "only the demo cities' oblasts are shipped")
	require.Empty(t, labels("%"), "LIKE's wildcards are text")
	require.Empty(t, labels("Голосіївський"), "a city's district is not a settlement")
}

const placeForm = `{"schema": {"type": "object", "required": ["place"], "properties": {"place": {"type": "string", "format": "katottg"}}},
  "layout": [{"title": {"uk": "Адреса"}, "fields": [{"name": "place", "label": {"uk": "Населений пункт"}, "widget": "settlement"}]}]}`

// Resolve turns what a person typed or picked into the code: a name of one
// place gives its code, a name of several offers them to choose from, an
// unknown name says so, and a code picked stays while the text still
// reads as its place.
func TestCodifierResolve(t *testing.T) {
	t.Parallel()
	c, ctx := codifier(t)
	var def forms.Definition
	require.NoError(t, json.Unmarshal([]byte(placeForm), &def))
	f, err := forms.Compile(def, nil)
	require.NoError(t, err)
	resolve := func(code, typed string) (string, forms.Pick) {
		vals := map[string][]string{"place": {code}, "place" + forms.SearchSuffix: {typed}}
		picks, err := c.Resolve(ctx, f, 0, vals)
		require.NoError(t, err)
		return vals["place"][0], picks["place"]
	}

	code, p := resolve("", "Бровари")
	require.Equal(t, "UA32060050010081797", code)
	require.Empty(t, p.Problem)
	require.Equal(t, "м. Бровари, Броварська громада, Броварський район, Київська область", p.Typed, "the page shows the place picked")

	code, p = resolve("", "м. Київ")
	require.Equal(t, "UA80000000000093317", code)

	code, p = resolve("", "Михайлівка")
	require.Empty(t, code)
	require.Equal(t, "error.settlement_choose", p.Problem)
	require.Len(t, p.Choices, 7)

	code, p = resolve("UA46120010140046889", "с. Михайлівка, Белзька громада, Червоноградський район, Львівська область")
	require.Equal(t, "UA46120010140046889", code, "the radio button picked")
	require.Empty(t, p.Problem)

	code, p = resolve("UA46120010140046889", "Ірпінь")
	require.Equal(t, "UA32080150010049888", code, "the text changed after the pick: the text wins")

	code, p = resolve("", "Атлантида")
	require.Empty(t, code)
	require.Equal(t, "error.settlement_unknown", p.Problem)
	require.Equal(t, "Атлантида", p.Typed, "what was typed is kept")

	code, p = resolve("UA99999999999999999", "")
	require.Empty(t, code, "a code the codifier does not have is not kept")
	require.Empty(t, p.Problem, "nothing typed: the schema's required says so")
}
