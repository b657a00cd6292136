package forms

import (
	"regexp"
	"strings"
	"unicode"
)

// People write phone numbers and number plates in many ways; the form
// keeps one spelling, so that a check, a search by an official and a
// registry query all see the same value, and the page shows the person
// the value as kept.

// phoneSeparators are what people put between the digits of a phone
// number: spaces, hyphens, dots and brackets around the operator code.
var phoneSeparators = strings.NewReplacer(" ", "", "\u00a0", "", "-", "", ".", "", "(", "", ")", "", "\u2011", "", "\u2013", "")

var digitsRE = regexp.MustCompile(`^\d+$`)

// NormalisePhone writes a Ukrainian phone number as +380XXXXXXXXX from the
// common ways of writing it: «067 100 00 01», «(067) 100-00-01»,
// «+38 067 1000001», «0671000001», «380671000001», «80671000001». What
// is not one of these is returned as typed (trimmed), for the format check
// to refuse with the person's own text kept in the field.
func NormalisePhone(s string) string {
	s = strings.TrimSpace(s)
	d := phoneSeparators.Replace(s)
	plus := strings.HasPrefix(d, "+")
	d = strings.TrimPrefix(d, "+")
	if !digitsRE.MatchString(d) {
		return s
	}
	switch {
	case len(d) == 12 && strings.HasPrefix(d, "380"):
		return "+" + d
	case len(d) == 11 && strings.HasPrefix(d, "80") && !plus:
		return "+3" + d
	case len(d) == 10 && strings.HasPrefix(d, "0") && !plus:
		return "+38" + d
	}
	return s
}

// plateLetters are the letters Ukrainian number plates use (ДСТУ
// 4278:2019): the Cyrillic ones that look like Latin letters, so that a
// plate reads the same to a camera and abroad. Each Latin look-alike maps
// to its Cyrillic letter.
var plateLetters = map[rune]rune{
	'A': 'А', 'B': 'В', 'E': 'Е', 'I': 'І', 'K': 'К', 'M': 'М', 'H': 'Н', 'O': 'О', 'P': 'Р', 'C': 'С', 'T': 'Т', 'X': 'Х',
}

// plateRE is the current plate of a car, a lorry or a trailer: a region's
// two letters, four digits and a series of two letters, АА1234ВВ.
var plateRE = regexp.MustCompile(`^[АВЕІКМНОРСТХ]{2}\d{4}[АВЕІКМНОРСТХ]{2}$`)

// NormalisePlate writes a number plate as it is registered: upper case,
// Cyrillic letters, no spaces or hyphens. «аа 1234 вв», «AA-1234-BB»
// (Latin look-alikes) and «АА1234ВВ» are all АА1234ВВ.
func NormalisePlate(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsSpace(r) || r == '-' || r == '\u2011' || r == '\u2013' {
			continue
		}
		r = unicode.ToUpper(r)
		if c, ok := plateLetters[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validPlate is the plate-ua format: a normalised current plate.
func validPlate(s string) bool { return plateRE.MatchString(s) }

// normalise is what Decode does to a typed value before keeping it.
func normalise(format, s string) string {
	switch format {
	case "phone-ua":
		return NormalisePhone(s)
	case "plate-ua":
		return NormalisePlate(s)
	}
	return s
}

// markupRE finds what a browser would read as the start of a tag or a
// comment: "<" followed by a letter, "/", "!" or "?". A lone "<" (as in
// «площа < 50 м²» or «<3») is ordinary text.
var markupRE = regexp.MustCompile(`<[\p{L}/!?]`)

// hasMarkup says whether free text carries HTML markup. Free text is shown
// escaped everywhere, so markup is no danger to the portal; it is refused
// because it is never what a person means to send a council, and an
// official's system downstream may not escape it.
func hasMarkup(s string) bool { return markupRE.MatchString(s) }
