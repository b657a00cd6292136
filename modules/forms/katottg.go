package forms

import (
	"context"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Settlement is a populated place of the codifier КАТОТТГ (migrations/
// 0019_katottg.sql says where its rows come from): what the address
// picker offers and what a settlement field keeps the code of.
type Settlement struct {
	Code      string
	Category  string // the codifier's letter: K, M, T, C or X
	Name      string
	Community string // e.g. «Броварська громада»; empty for Kyiv
	District  string // e.g. «Броварський район»
	Oblast    string // e.g. «Київська область»
}

// kinds are the settlements' categories as people write them before the
// name.
var kinds = map[string]string{"M": "м.", "K": "м.", "T": "смт", "C": "с.", "X": "с-ще"}

// Short is the settlement as an address names it: «м. Бровари».
func (s Settlement) Short() string { return kinds[s.Category] + " " + s.Name }

// Label tells places of one name apart: «с. Михайлівка, Баришівська
// громада, Броварський район, Київська область».
func (s Settlement) Label() string {
	parts := []string{s.Short()}
	for _, p := range []string{s.Community, s.District, s.Oblast} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Codifier reads the codifier. It is national reference data (no tenant's
// rows), read in the tenant of the request like everything else. A code's
// row changes only with a migration, so the settlements read by code are
// kept: a page that shows a form's values reads each place once per
// process, not once per view.
type Codifier struct {
	db    *tenant.DB
	known sync.Map // code → Settlement
}

// NewCodifier returns the codifier over db.
func NewCodifier(db *tenant.DB) *Codifier { return &Codifier{db: db} }

// settlementCategories are the codifier's categories of populated places.
var settlementCategories = []string{"K", "M", "T", "C", "X"}

// apostrophes are the ways people type the apostrophe; the codifier
// writes ’ (U+2019).
var apostrophes = strings.NewReplacer("'", "’", "ʼ", "’", "`", "’", "‘", "’")

// Search returns up to limit settlements whose name begins with q (case
// and the apostrophe's spelling ignored), cities first, then by name.
func (c *Codifier) Search(ctx context.Context, q string, limit int) ([]Settlement, error) {
	q = apostrophes.Replace(strings.ToLower(strings.TrimSpace(q)))
	if q == "" {
		return nil, nil
	}
	var out []Settlement
	err := c.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT code, category, name, community, district, oblast FROM katottg
			WHERE category = ANY($1) AND lower(name) LIKE $2 || '%'
			ORDER BY lower(name) = $2 DESC, array_position($1, category), name, community, code LIMIT $3`,
			settlementCategories, likeEscape(q), limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanSettlement)
		return err
	})
	return out, err
}

// Get returns the settlements of the codes given that the codifier has.
func (c *Codifier) Get(ctx context.Context, codes []string) (map[string]Settlement, error) {
	out := map[string]Settlement{}
	var unknown []string
	for _, code := range codes {
		if s, ok := c.known.Load(code); ok {
			out[code] = s.(Settlement)
		} else {
			unknown = append(unknown, code)
		}
	}
	if len(unknown) == 0 {
		return out, nil
	}
	err := c.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT code, category, name, community, district, oblast FROM katottg
			WHERE code = ANY($1) AND category = ANY($2)`, unknown, settlementCategories)
		if err != nil {
			return err
		}
		ss, err := pgx.CollectRows(rows, scanSettlement)
		for _, s := range ss {
			out[s.Code] = s
			c.known.Store(s.Code, s)
		}
		return err
	})
	return out, err
}

func scanSettlement(r pgx.CollectableRow) (Settlement, error) {
	var s Settlement
	err := r.Scan(&s.Code, &s.Category, &s.Name, &s.Community, &s.District, &s.Oblast)
	return s, err
}

// likeEscape makes q match itself in LIKE.
func likeEscape(q string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q)
}

// SearchSuffix names the text input of a settlement field: the field's
// own name carries the code (a hidden input, or the radio buttons of the
// choices), name+SearchSuffix what the person typed.
const SearchSuffix = "__search"

// Pick is what reading a settlement field of a posted step found: the
// text typed, and when it names no one settlement, the places to choose
// from and the message key saying so.
type Pick struct {
	Typed   string
	Choices []Settlement
	Problem string // "" when the field's code is settled
}

// maxChoices is how many places a search offers.
const maxChoices = 10

// Resolve reads the settlement fields of section i of f from a posted
// form and sets each field's value in vals to the code of the settlement
// named: the code picked (a list item or a radio button) while the text
// still reads as that settlement, else the one settlement whose name is
// the text typed. What names none or several is left without a code and
// reported in the Pick, with the places to choose from.
func (c *Codifier) Resolve(ctx context.Context, f *Form, i int, vals map[string][]string) (map[string]Pick, error) {
	picks := map[string]Pick{}
	if i < 0 || i >= len(f.layout) {
		return picks, nil
	}
	for _, fl := range f.layout[i].Fields {
		if fl.Widget != WidgetSettlement {
			continue
		}
		typed := strings.TrimSpace(first(vals[fl.Name+SearchSuffix]))
		code := strings.TrimSpace(first(vals[fl.Name]))
		p, err := c.resolve(ctx, code, typed)
		if err != nil {
			return nil, err
		}
		vals[fl.Name] = []string{p.code}
		picks[fl.Name] = p.Pick
	}
	return picks, nil
}

type resolved struct {
	Pick
	code string
}

func (c *Codifier) resolve(ctx context.Context, code, typed string) (resolved, error) {
	if code != "" {
		got, err := c.Get(ctx, []string{code})
		if err != nil {
			return resolved{}, err
		}
		if s, ok := got[code]; ok && (typed == "" || sameText(typed, s.Label()) || sameText(typed, s.Short()) || sameText(typed, s.Name)) {
			return resolved{Pick: Pick{Typed: s.Label()}, code: code}, nil
		}
	}
	if typed == "" {
		return resolved{}, nil // required or not, the schema says
	}
	found, err := c.Search(ctx, trimKind(typed), maxChoices)
	if err != nil {
		return resolved{}, err
	}
	var exact []Settlement
	for _, s := range found {
		if sameText(typed, s.Label()) || sameText(typed, s.Short()) || sameText(typed, s.Name) {
			exact = append(exact, s)
		}
	}
	switch {
	case len(exact) == 1:
		return resolved{Pick: Pick{Typed: exact[0].Label()}, code: exact[0].Code}, nil
	case len(found) == 0:
		return resolved{Pick: Pick{Typed: typed, Problem: "error.settlement_unknown"}}, nil
	}
	return resolved{Pick: Pick{Typed: typed, Choices: found, Problem: "error.settlement_choose"}}, nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func sameText(a, b string) bool {
	return apostrophes.Replace(strings.ToLower(strings.TrimSpace(a))) == apostrophes.Replace(strings.ToLower(b))
}

// trimKind drops what people write before a place's name («м. Бровари»,
// «с.Гора») and anything after its first comma, leaving the name to search.
func trimKind(s string) string {
	s, _, _ = strings.Cut(s, ",")
	s = strings.TrimSpace(s)
	for _, k := range []string{"м.", "смт", "с-ще", "с.", "село", "місто", "селище"} {
		if rest, ok := strings.CutPrefix(strings.ToLower(s), k); ok && (strings.HasPrefix(rest, " ") || strings.HasSuffix(k, ".")) {
			return strings.TrimSpace(s[len(k):])
		}
	}
	return s
}
