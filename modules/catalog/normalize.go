package catalog

import (
	"slices"
	"strings"
	"unicode"
)

// normalizeText lower-cases s and makes the typographic variants people
// type interchangeable: every apostrophe becomes ', ґ stays ґ, and
// punctuation becomes space. Indexed text and queries go through it alike.
func normalizeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '’' || r == 'ʼ' || r == '`' || r == '´' || r == 'ʹ' || r == '‘' || r == '\'':
			b.WriteRune('\'')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Derivation is what the dictionary does not join: it lemmatises
// «зареєструватися» to the verb and «реєстрація» to the noun, two lemmas.
// variants adds the stems a resident's word shares with its relatives:
// without a verbal prefix and without a derivational ending, so that
// «зареєструвати» also looks for «реєстр…» and «паркувальний» for «паркув…».
var (
	derivationalEndings = []string{
		"уватися", "юватися", "уватись", "ювати", "увати", "ування", "ювання",
		"увальний", "увальна", "увальне", "увальні", "альний", "альна", "альне", "альні",
		"ання", "ення", "ити", "ати", "яти", "ння",
	}
	verbalPrefixes = []string{"пере", "роз", "від", "за", "ви", "до", "по"}
)

func variants(word string) []string {
	out := []string{word}
	add := func(s string) {
		if len([]rune(s)) >= 4 && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	base := word
	for _, p := range verbalPrefixes {
		if rest, ok := strings.CutPrefix(word, p); ok && len([]rune(rest)) >= 6 {
			base = rest
			add(rest)
			break
		}
	}
	for _, w := range []string{word, base} {
		for _, e := range derivationalEndings {
			if stem, ok := strings.CutSuffix(w, e); ok {
				add(stem)
				break
			}
		}
	}
	return out
}

// fold maps the letters fast typing confuses onto one: и, і, ї → і; е, є →
// е; ґ → г. Folded text matches «субсидия» with «субсидія» and «реестрація»
// with «реєстрація» by plain prefix search, before any trigram is needed.
func fold(s string) string {
	return folder.Replace(s)
}

var folder = strings.NewReplacer("и", "і", "ї", "і", "є", "е", "ґ", "г")
