package catalog

import (
	"bufio"
	"math/big"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// demoCategories is the fixed vocabulary of service categories the demo
// registers use.
var demoCategories = map[string]bool{
	"реєстрація":        true,
	"документи":         true,
	"соціальний захист": true,
	"сім’я і діти":      true,
	"житло":             true,
	"нерухомість":       true,
	"будівництво":       true,
	"благоустрій":       true,
	"транспорт":         true,
	"підприємництво":    true,
	"архів":             true,
}

// demoBounds is a city's rough bounding box for its centres' coordinates.
type demoBounds struct{ minLat, maxLat, minLon, maxLon float64 }

// demoMinimum is what a demo register must hold at least.
type demoMinimum struct{ providers, services, lifeSituations, centres int }

// demoRegister is the demo city's register, as the demo package reads it
// (demo/<slug>/register.json through ReadRegister); this package's own
// tests cannot import demo, which imports catalog.
func demoRegister(t *testing.T, slug string) Register {
	t.Helper()
	f, err := os.Open("../../demo/" + slug + "/register.json")
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	reg, err := ReadRegister(f)
	require.NoError(t, err)
	return reg
}

func TestDemoRegisters(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name   string
		reg    Register
		prefix string
		least  demoMinimum
		bounds demoBounds
	}{
		{"Kyiv", demoRegister(t, "kyiv"), "KY-", demoMinimum{6, 40, 8, 5}, demoBounds{50.40, 50.52, 30.40, 30.65}},
		{"Lviv", demoRegister(t, "lviv"), "LV-", demoMinimum{3, 12, 5, 2}, demoBounds{49.75, 49.90, 23.90, 24.15}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			demoCheckRegister(t, tc.reg, tc.prefix, tc.least, tc.bounds)
		})
	}
}

func demoCheckRegister(t *testing.T, reg Register, prefix string, least demoMinimum, bounds demoBounds) {
	t.Helper()

	require.GreaterOrEqual(t, len(reg.Providers), least.providers, "providers")
	require.GreaterOrEqual(t, len(reg.Services), least.services, "services")
	require.GreaterOrEqual(t, len(reg.LifeSituations), least.lifeSituations, "life situations")
	require.GreaterOrEqual(t, len(reg.Centres), least.centres, "centres")

	providers := map[string]bool{}
	for _, p := range reg.Providers {
		require.NotEmpty(t, p.Code)
		require.False(t, providers[p.Code], "duplicate provider %q", p.Code)
		providers[p.Code] = true
		require.NotEmpty(t, p.Kind, p.Code)
		require.NotEmpty(t, p.Name.UK, p.Code)
		require.NotEmpty(t, p.Name.EN, p.Code)
		require.True(t, demoValidEDRPOU(p.EDRPOU), "provider %s: ЄДРПОУ %q", p.Code, p.EDRPOU)
		require.NotEmpty(t, p.Address.UK, p.Code)
		require.True(t, strings.HasPrefix(p.Phone, "+380 "), "provider %s: phone %q", p.Code, p.Phone)
		require.True(t, strings.HasPrefix(p.Website, "https://"), "provider %s: website %q", p.Code, p.Website)
		require.Contains(t, p.Email, "@", p.Code)
		require.NotEmpty(t, p.Hours.UK, p.Code)
		require.NotEmpty(t, p.Units, p.Code)
		require.NotEmpty(t, p.Responsible, p.Code)
		require.LessOrEqual(t, len(p.Responsible), 2, p.Code)
		for _, r := range p.Responsible {
			require.NotEmpty(t, r.Name, p.Code)
			require.True(t, strings.HasPrefix(r.Phone, "+380 "), "provider %s: responsible's phone %q", p.Code, r.Phone)
			require.Contains(t, r.Email, "@", p.Code)
		}
	}
	// The access module's demo officials belong to these providers.
	require.True(t, providers["dcnap"], "provider dcnap")
	require.True(t, providers["transport"], "provider transport")

	situations := map[string]bool{}
	positions := map[int]bool{}
	for _, ls := range reg.LifeSituations {
		require.NotEmpty(t, ls.Code)
		require.False(t, situations[ls.Code], "duplicate life situation %q", ls.Code)
		situations[ls.Code] = true
		require.False(t, positions[ls.Position], "duplicate life situation position %d", ls.Position)
		positions[ls.Position] = true
		require.NotEmpty(t, ls.Name.UK, ls.Code)
		require.NotEmpty(t, ls.Name.EN, ls.Code)
		require.NotEmpty(t, ls.Description.UK, ls.Code)
	}

	centres := map[string]Centre{}
	for _, c := range reg.Centres {
		require.NotEmpty(t, c.Code)
		_, dup := centres[c.Code]
		require.False(t, dup, "duplicate centre %q", c.Code)
		centres[c.Code] = c
	}
	for _, c := range reg.Centres {
		require.Contains(t, []string{"centre", "branch", "remote"}, c.Kind, c.Code)
		if c.Kind == "centre" {
			require.Empty(t, c.ParentCode, c.Code)
		} else {
			parent, ok := centres[c.ParentCode]
			require.True(t, ok, "centre %s: parent %q", c.Code, c.ParentCode)
			require.Equal(t, "centre", parent.Kind, c.Code)
		}
		require.NotEmpty(t, c.Body, c.Code)
		require.True(t, demoValidEDRPOU(c.BodyEDRPOU), "centre %s: ЄДРПОУ %q", c.Code, c.BodyEDRPOU)
		require.NotEmpty(t, c.Name.UK, c.Code)
		require.NotEmpty(t, c.Name.EN, c.Code)
		require.NotEmpty(t, c.Address.UK, c.Code)
		require.True(t, c.Lat >= bounds.minLat && c.Lat <= bounds.maxLat, "centre %s: latitude %v", c.Code, c.Lat)
		require.True(t, c.Lon >= bounds.minLon && c.Lon <= bounds.maxLon, "centre %s: longitude %v", c.Code, c.Lon)
		require.NotEmpty(t, c.Hours.UK, c.Code)
		require.True(t, strings.HasPrefix(c.Phone, "+380 "), "centre %s: phone %q", c.Code, c.Phone)
		require.Contains(t, c.Email, "@", c.Code)
	}

	codes := map[string]bool{}
	perSituation := map[string]int{}
	perCentre := map[string]int{}
	automatic := 0
	for _, rs := range reg.Services {
		s := rs.Content
		require.True(t, strings.HasPrefix(s.Code, prefix), "service code %q", s.Code)
		require.False(t, codes[s.Code], "duplicate service %q", s.Code)
		codes[s.Code] = true
		require.True(t, providers[rs.Provider], "service %s: provider %q", s.Code, rs.Provider)

		require.NotEmpty(t, s.Name.UK, s.Code)
		require.NotEmpty(t, s.Name.EN, s.Code)
		require.NotEmpty(t, s.Summary.UK, s.Code)
		require.NotEmpty(t, s.Summary.EN, s.Code)
		require.NotEmpty(t, s.UserCategories, s.Code)
		for _, u := range s.UserCategories {
			require.Contains(t, []string{Individual, LegalEntity}, u, s.Code)
		}
		require.NotEmpty(t, s.LegalBasis, s.Code)
		for _, lb := range s.LegalBasis {
			require.NotEmpty(t, lb.UK, s.Code)
		}
		require.NotEmpty(t, s.Conditions.UK, s.Code)
		require.GreaterOrEqual(t, len(s.FAQ), 2, s.Code)
		for _, qa := range s.FAQ {
			require.True(t, strings.HasSuffix(qa.Question.UK, "?"), "service %s: question %q", s.Code, qa.Question.UK)
			require.NotEmpty(t, qa.Answer.UK, s.Code)
		}
		require.NotEmpty(t, s.Documents, s.Code)
		for _, d := range s.Documents {
			require.NotEmpty(t, d.UK, s.Code)
		}
		require.NotEmpty(t, s.WaysToSubmit, s.Code)
		for _, w := range s.WaysToSubmit {
			require.Contains(t, []string{SubmitOnline, SubmitCentre, SubmitMail}, w, s.Code)
		}
		require.Positive(t, s.Term.Days, s.Code)
		require.NotEmpty(t, s.RefusalGrounds, s.Code)
		for _, r := range s.RefusalGrounds {
			require.NotEmpty(t, r.UK, s.Code)
		}
		require.NotEmpty(t, s.Appeal.UK, s.Code)
		require.NotEmpty(t, s.Result.UK, s.Code)
		require.NotEmpty(t, s.ResultDelivery, s.Code)
		for _, r := range s.ResultDelivery {
			require.NotEmpty(t, r.UK, s.Code)
		}

		if s.Fee.Free {
			require.Zero(t, s.Fee.AmountKopecks, s.Code)
			require.Empty(t, s.Fee.IBAN, s.Code)
		} else {
			require.Positive(t, s.Fee.AmountKopecks, s.Code)
			require.NotEmpty(t, s.Fee.Basis.UK, s.Code)
			require.True(t, demoValidIBAN(s.Fee.IBAN), "service %s: IBAN %q", s.Code, s.Fee.IBAN)
			require.True(t, demoValidEDRPOU(s.Fee.EDRPOU), "service %s: recipient's ЄДРПОУ %q", s.Code, s.Fee.EDRPOU)
			require.NotEmpty(t, s.Fee.Recipient, s.Code)
			require.NotEmpty(t, s.Fee.Purpose, s.Code)
		}
		if s.Automatic {
			automatic++
		}

		require.NotEmpty(t, s.LifeSituations, s.Code)
		for _, ls := range s.LifeSituations {
			require.True(t, situations[ls], "service %s: life situation %q", s.Code, ls)
			perSituation[ls]++
		}
		require.NotEmpty(t, s.Categories, s.Code)
		for _, c := range s.Categories {
			require.True(t, demoCategories[c], "service %s: category %q", s.Code, c)
		}
		require.GreaterOrEqual(t, len(s.Tags), 3, s.Code)
		require.LessOrEqual(t, len(s.Tags), 6, s.Code)
		for _, tag := range s.Tags {
			require.Equal(t, strings.ToLower(tag), tag, "service %s: tag %q", s.Code, tag)
			require.Equal(t, strings.TrimSpace(tag), tag, "service %s: tag %q", s.Code, tag)
			require.NotEmpty(t, tag, s.Code)
		}
		require.NotEmpty(t, s.Centres, s.Code)
		for _, c := range s.Centres {
			_, ok := centres[c]
			require.True(t, ok, "service %s: centre %q", s.Code, c)
			perCentre[c]++
		}
	}

	for _, ls := range reg.LifeSituations {
		require.GreaterOrEqual(t, perSituation[ls.Code], 3, "life situation %s groups too few services", ls.Code)
	}
	for _, c := range reg.Centres {
		require.Positive(t, perCentre[c.Code], "centre %s offers no service", c.Code)
	}
	require.Positive(t, automatic, "no service runs in automatic mode")

	// One apostrophe throughout the Ukrainian text: ’ (U+2019), never ' or ʼ.
	demoEachUK(reflect.ValueOf(reg), func(s string) {
		require.NotContains(t, s, "'", "ASCII apostrophe in %q", s)
		require.NotContains(t, s, "ʼ", "U+02BC apostrophe in %q", s)
		require.Equal(t, strings.TrimSpace(s), s, "surrounding space in %q", s)
	})
}

func TestDemoKyivAutomaticShare(t *testing.T) {
	t.Parallel()

	n := 0
	for _, rs := range demoRegister(t, "kyiv").Services {
		if rs.Content.Automatic {
			n++
		}
	}
	require.GreaterOrEqual(t, n, 6)
	require.LessOrEqual(t, n, 12)
}

func TestDemoSearchQueries(t *testing.T) {
	t.Parallel()

	codes := map[string]bool{}
	for _, rs := range demoRegister(t, "kyiv").Services {
		codes[rs.Content.Code] = true
	}

	f, err := os.Open("testdata/search_queries.tsv")
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })

	sc := bufio.NewScanner(f)
	require.True(t, sc.Scan())
	require.Equal(t, "query\texpected\tnote", sc.Text())

	seen := map[string]bool{}
	n := 0
	for sc.Scan() {
		line := sc.Text()
		n++
		cols := strings.Split(line, "\t")
		require.Len(t, cols, 3, "line %d: %q", n+1, line)
		query, expected, note := cols[0], cols[1], cols[2]
		require.NotEmpty(t, strings.TrimSpace(query), "line %d", n+1)
		require.Equal(t, strings.TrimSpace(query), query, "line %d", n+1)
		require.False(t, seen[query], "line %d: duplicate query %q", n+1, query)
		seen[query] = true
		require.NotEmpty(t, note, "line %d", n+1)
		for _, code := range strings.Split(expected, ",") {
			require.True(t, codes[code], "line %d: unknown service %q", n+1, code)
		}
		hasLetter := strings.IndexFunc(query, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0
		require.True(t, hasLetter, "line %d: query %q is not in Ukrainian", n+1, query)
	}
	require.NoError(t, sc.Err())
	require.GreaterOrEqual(t, n, 70)
}

func TestDemoValidators(t *testing.T) {
	t.Parallel()

	t.Run("EDRPOU", func(t *testing.T) {
		t.Parallel()
		// python-stdnum's examples: 32855961 is valid, 32855968 is not.
		require.True(t, demoValidEDRPOU("32855961"))
		require.False(t, demoValidEDRPOU("32855968"))
		require.False(t, demoValidEDRPOU("3285596"))
		require.False(t, demoValidEDRPOU("3285596a"))
		require.False(t, demoValidEDRPOU(""))
	})
	t.Run("IBAN", func(t *testing.T) {
		t.Parallel()
		require.True(t, demoValidIBAN("UA858999980333199331000026001"))
		require.False(t, demoValidIBAN("UA858999980333199331000026002"))
		require.False(t, demoValidIBAN("UA85899998033319933100002600"))
		require.False(t, demoValidIBAN("PL858999980333199331000026001"))
		require.False(t, demoValidIBAN(""))
	})
}

// demoValidEDRPOU reports whether s is an ЄДРПОУ code: 8 digits, the last
// a check digit (python-stdnum stdnum/ua/edrpou.py).
func demoValidEDRPOU(s string) bool {
	if len(s) != 8 {
		return false
	}
	d := make([]int, 8)
	for i, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		d[i] = int(r - '0')
	}
	weights := []int{1, 2, 3, 4, 5, 6, 7}
	if s >= "30000000" && s < "60000000" {
		weights = []int{7, 1, 2, 3, 4, 5, 6}
	}
	sum := func(add int) int {
		total := 0
		for i, w := range weights {
			total += (w + add) * d[i]
		}
		return total % 11
	}
	check := sum(0)
	if check == 10 {
		check = sum(2) % 10
	}
	return check == d[7]
}

// demoValidIBAN reports whether s is a Ukrainian IBAN: UA, 27 digits, and
// ISO 13616 mod-97 equal to 1.
func demoValidIBAN(s string) bool {
	if len(s) != 29 || !strings.HasPrefix(s, "UA") {
		return false
	}
	for _, r := range s[2:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	// Move the country and check digits to the end; U = 30, A = 10.
	n, ok := new(big.Int).SetString(s[4:]+"3010"+s[2:4], 10)
	if !ok {
		return false
	}
	return new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// demoEachUK calls fn with the Ukrainian side of every Text in v, and with
// every tag.
func demoEachUK(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(Text{}) {
			if uk := v.FieldByName("UK").String(); uk != "" {
				fn(uk)
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).Name == "Tags" {
				for _, tag := range v.Field(i).Interface().([]string) {
					fn(tag)
				}
				continue
			}
			demoEachUK(v.Field(i), fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			demoEachUK(v.Index(i), fn)
		}
	}
}
