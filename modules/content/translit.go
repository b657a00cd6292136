package content

import (
	"strings"
	"unicode"
)

// latin is the official romanisation of Ukrainian (CMU resolution No. 55 of
// 27.01.2010), lower case; є, ї, й, ю, я take their word-initial forms
// (ye, yi, y, yu, ya) only at a word's start.
var latin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "h", 'ґ': "g", 'д': "d", 'е': "e", 'є': "ie", 'ж': "zh",
	'з': "z", 'и': "y", 'і': "i", 'ї': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n",
	'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ь': "", 'ю': "iu", 'я': "ia", '\'': "", '’': "", 'ʼ': "",
}

var initial = map[rune]string{'є': "ye", 'ї': "yi", 'й': "y", 'ю': "yu", 'я': "ya"}

// Slug makes an address part from a title: romanised, lower case, words
// joined by hyphens, at most 80 characters ("Нові маршрути" → "novi-marshruty").
func Slug(title string) string {
	var b strings.Builder
	start, dash := true, false
	runes := []rune(strings.ToLower(title))
	for i, r := range runes {
		var part string
		switch s, ok := latin[r]; {
		case r == 'г' && i > 0 && runes[i-1] == 'з':
			part = "gh" // зг is zgh, never read as ж
		case start && initial[r] != "":
			part = initial[r]
		case ok:
			part = s // ь and apostrophes drop out
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			part = string(r)
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
			start = true
			continue
		}
		b.WriteString(part)
		start, dash = false, dash && part == ""
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	return s
}
