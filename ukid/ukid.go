// Package ukid checks Ukrainian identifiers: the РНОКПП a person is keyed
// by, a legal entity's ЄДРПОУ, a Ukrainian IBAN and a КАТОТТГ code. It is a
// leaf: forms, identity, the catalog and the registries all use it, and it
// imports nothing of the project's.
package ukid

import (
	"math/big"
	"regexp"
	"strings"
)

// The check digits of the two identifiers a person is keyed by. They catch a
// mistyped or corrupted number (format-logical control); they cannot tell
// whether the number was ever issued. The algorithms are the State Tax
// Service's, as python-stdnum implements them (stdnum/ua/rntrc.py,
// stdnum/ua/edrpou.py).

// ValidRNOKPP reports whether s is a taxpayer number (РНОКПП, formerly
// ІПН): exactly 10 ASCII digits whose last is the check digit of the first
// nine, weighted -1,5,7,9,4,6,10,5,7, the sum taken mod 11 (normalised to
// 0–10) and then mod 10. s is not trimmed.
func ValidRNOKPP(s string) bool {
	d, ok := digits(s, 10)
	if !ok {
		return false
	}
	weights := [9]int{-1, 5, 7, 9, 4, 6, 10, 5, 7}
	sum := 0
	for i, w := range weights {
		sum += w * d[i]
	}
	// Go's % keeps the sign of the dividend; the first weight is negative,
	// so the sum can be.
	r := (sum%11 + 11) % 11
	return r%10 == d[9]
}

// ValidEDRPOU reports whether s is a legal entity's code in the unified
// state register (ЄДРПОУ): exactly 8 ASCII digits whose last is the check
// digit of the first seven. The weights are 1…7, or 7,1,2,3,4,5,6 for codes
// from 30000000 to 60000000; the check is the sum mod 11, and when that is
// 10 the weights grow by 2 and the check is the new sum mod 11 mod 10. s is
// not trimmed.
func ValidEDRPOU(s string) bool {
	d, ok := digits(s, 8)
	if !ok {
		return false
	}
	weights := [7]int{1, 2, 3, 4, 5, 6, 7}
	if n := number(d); n >= 30_000_000 && n <= 60_000_000 {
		weights = [7]int{7, 1, 2, 3, 4, 5, 6}
	}
	sum := func(extra int) int {
		s := 0
		for i, w := range weights {
			s += (w + extra) * d[i]
		}
		return s
	}
	check := sum(0) % 11
	if check == 10 {
		check = sum(2) % 11 % 10
	}
	return check == d[7]
}

// digits returns the values of s's digits if s is exactly n ASCII digits.
func digits(s string, n int) ([]int, bool) {
	if len(s) != n {
		return nil, false
	}
	d := make([]int, n)
	for i := range n {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, false
		}
		d[i] = int(c - '0')
	}
	return d, true
}

func number(d []int) int {
	n := 0
	for _, x := range d {
		n = n*10 + x
	}
	return n
}

// ValidIBAN checks a Ukrainian IBAN: UA, 27 more characters, and the ISO
// 13616 mod-97 check. Spaces and lower case are accepted, as people type
// them.
func ValidIBAN(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(s) != 29 || !strings.HasPrefix(s, "UA") {
		return false
	}
	var digits strings.Builder
	for _, r := range s[4:] + s[:4] {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

var katottgRE = regexp.MustCompile(`^UA\d{17}$`)

// ValidKATOTTG checks the shape of a code in the Codifier of administrative
// and territorial units (КАТОТТГ): UA and 17 digits. The codifier has no
// check digit, so a well-formed code may still name no unit.
func ValidKATOTTG(s string) bool { return katottgRE.MatchString(s) }
