package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Query is a search of the register.
type Query struct {
	Text          string
	LifeSituation string // code
	Category      string
	Provider      string // code
	// Online keeps only the services that can be applied for online.
	Online        bool
	Limit, Offset int

	// among are the services that can be applied for online, which the
	// Service reads for Online (Options.Online); Search itself cannot.
	among []uuid.UUID
}

// Hit is a service found, with its rank and its name marked where the
// query's words matched. Its Content holds only what a list of hits shows:
// code, name, summary, term and whether it is free.
type Hit struct {
	ID       uuid.UUID
	Code     string
	Content  Content
	Rank     float64
	Headline template.HTML // the name with <mark> around matched words, escaped
	Provider Text
	// Online says the service can be applied for online (Options.Online);
	// the Service's methods set it.
	Online bool
}

// maxQueryLen bounds what a search box may send; longer text is cut.
const maxQueryLen = 200

// tsQuery turns what a person typed into a tsquery text: each word a
// prefix ("прописк" finds «прописка»), or any of its derivational stems,
// words joined by op.
func tsQuery(words []string, op string) string {
	parts := make([]string, 0, len(words))
	for _, w := range words {
		// Words reach to_tsquery as quoted lexemes, so nothing in them is
		// an operator (normalizeText left letters, digits, - and ' only,
		// and ' was split on above).
		var alts []string
		for _, v := range variants(w) {
			alts = append(alts, "'"+v+"':*")
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	return strings.Join(parts, " "+op+" ")
}

// Search finds published services of the tenant in ctx matching q, best
// first: full-text matches (every word, in any inflected form, or a
// prefix) rank first; then matches of some words; then, for typos and the
// і/и, е/є slips of fast typing, trigram similarity of the name and tags.
func Search(ctx context.Context, tx pgx.Tx, q Query) ([]Hit, int, error) {
	text := normalizeText(q.Text)
	if r := []rune(text); len(r) > maxQueryLen {
		text = string(r[:maxQueryLen]) // by letters: a cut rune is invalid UTF-8
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	// PostgreSQL's parser splits words at apostrophes («сім'ї» → сім, ї);
	// the query's words are split the same way, and one-letter pieces
	// dropped (a prefix of one letter would match half the register).
	var lexemes []string
	for _, w := range strings.Fields(strings.ReplaceAll(text, "'", " ")) {
		if len([]rune(w)) > 1 {
			lexemes = append(lexemes, w)
		}
	}
	all, any := tsQuery(lexemes, "&"), tsQuery(lexemes, "|")
	// Full-text first; the trigram match (typos, і/и and е/є slips) only
	// when the words themselves find nothing: it costs a scan of the
	// tenant's trigram index, full-text matches a lookup.
	hits, total, err := searchSQL(ctx, tx, all, any, text, q, modeWords)
	if err != nil || total > 0 || text == "" {
		return hits, total, err
	}
	// The same words with the letters of fast-typing slips folded.
	var folded []string
	for _, w := range lexemes {
		folded = append(folded, fold(w))
	}
	hits, total, err = searchSQL(ctx, tx, tsQuery(folded, "&"), tsQuery(folded, "|"), text, q, modeFolded)
	if err != nil || total > 0 {
		return hits, total, err
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('pg_trgm.word_similarity_threshold', '0.45', true)`); err != nil {
		return nil, 0, fmt.Errorf("catalog: search: %w", err)
	}
	return searchSQL(ctx, tx, all, any, text, q, modeTrigrams)
}

// The ways searchSQL matches, tried in this order until one finds a service.
const (
	modeWords    = iota // the words, lemmatised by the dictionary, as prefixes
	modeFolded          // the same with confusable letters folded (simple configuration)
	modeTrigrams        // trigram similarity: typos
)

func searchSQL(ctx context.Context, tx pgx.Tx, all, any, text string, q Query, mode int) ([]Hit, int, error) {
	words := strings.Fields(text)
	// The tsqueries are written into the WHERE clause itself (not taken
	// from a CTE) so that the planner can use the GIN index with them.
	match, rank := `true`, `0::real`
	switch {
	case mode == modeTrigrams:
		match, rank = `$3 <% s.search_text`, `word_similarity($3, s.search_text)`
	case mode == modeFolded:
		match = `s.search_folded @@ to_tsquery('simple', $2)`
		rank = `ts_rank(s.search_folded, to_tsquery('simple', $2), 1)
		      + 4 * ts_rank(s.search_folded, to_tsquery('simple', $1), 1) * (s.search_folded @@ to_tsquery('simple', $1))::int`
	case any != "":
		match = `s.search @@ to_tsquery('ukrainian', $2)`
		rank = `ts_rank(s.search, to_tsquery('ukrainian', $2), 1)
		      + 4 * ts_rank(s.search, to_tsquery('ukrainian', $1), 1) * (s.search @@ to_tsquery('ukrainian', $1))::int`
	}
	// The best candidates by the full-text rank are re-ranked with the
	// trigram similarity of the name and tags (which favours a name or tag
	// that matches as typed); computing it for every match would cost a
	// trigram comparison per row.
	// The inner query touches only the index columns and the ranks of the
	// matches; the cards (large, compressed jsonb) are read for the page's
	// hits only.
	rows, err := tx.Query(ctx, `
		SELECT s.id, s.code,
		       jsonb_build_object('code', s.code, 'name', s.content->'name', 'summary', s.content->'summary',
		           'term', s.content->'term', 'fee', jsonb_build_object('free', s.content->'fee'->'free')),
		       p.name, c.rank + CASE WHEN $3 = '' THEN 0 ELSE word_similarity($3, s.search_text) END AS score, c.total
		FROM (
		    SELECT s.id, `+rank+` AS rank, count(*) OVER () AS total
		    FROM services s
		    WHERE s.content IS NOT NULL AND `+match+`
		      AND ($1 = $1 AND $2 = $2)
		      AND ($4 = '' OR EXISTS (SELECT FROM service_life_situations sl JOIN life_situations l ON l.id = sl.life_situation_id
		                               WHERE sl.service_id = s.id AND l.code = $4))
		      AND ($5 = '' OR s.content->'categories' ? $5)
		      AND ($6 = '' OR EXISTS (SELECT FROM providers pp WHERE pp.id = s.provider_id AND pp.code = $6))
		      AND (NOT $9 OR s.id = ANY($10))
		    ORDER BY rank DESC, s.code LIMIT $7::int + $8::int + 50
		) c
		JOIN services s ON s.id = c.id
		JOIN providers p ON p.id = s.provider_id
		ORDER BY score DESC, s.code LIMIT $7 OFFSET $8`,
		all, any, text, q.LifeSituation, q.Category, q.Provider, q.Limit, q.Offset, q.Online, q.among)
	if err != nil {
		return nil, 0, fmt.Errorf("catalog: search: %w", err)
	}
	defer rows.Close()
	var (
		hits  []Hit
		total int
	)
	for rows.Next() {
		var (
			h        Hit
			raw, pnm []byte
		)
		if err := rows.Scan(&h.ID, &h.Code, &raw, &pnm, &h.Rank, &total); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal(raw, &h.Content); err != nil {
			return nil, 0, err
		}
		_ = json.Unmarshal(pnm, &h.Provider)
		h.Headline = highlight(h.Content.Name.UK, words)
		hits = append(hits, h)
	}
	return hits, total, rows.Err()
}

// highlight marks in name the words that begin like a query word's stem
// (its first letters, so «довідку» marks «довідка»), escaping the rest.
func highlight(name string, words []string) template.HTML {
	var b strings.Builder
	for i, w := range strings.Fields(name) {
		if i > 0 {
			b.WriteByte(' ')
		}
		nw := normalizeText(w)
		marked := false
		for _, q := range words {
			stem := []rune(q)
			if len(stem) > 5 {
				stem = stem[:len(stem)-2] // drop an inflection
			}
			if len(stem) >= 3 && strings.HasPrefix(nw, string(stem)) {
				marked = true
				break
			}
		}
		if marked {
			b.WriteString("<mark>" + html.EscapeString(w) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(w))
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every piece escaped above
}
