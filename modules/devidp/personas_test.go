package devidp_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/devidp"
)

// weighted is Σ digit×weight over the first len(weights) digits of s.
func weighted(s string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return sum
}

var tenDigits, eightDigits = regexp.MustCompile(`^\d{10}$`), regexp.MustCompile(`^\d{8}$`)

// validRNOKPP checks the check digit of a taxpayer number: weights
// -1,5,7,9,4,6,10,5,7 over digits 1–9, check = (sum mod 11) mod 10.
func validRNOKPP(s string) bool {
	if !tenDigits.MatchString(s) {
		return false
	}
	r := weighted(s, []int{-1, 5, 7, 9, 4, 6, 10, 5, 7}) % 11
	if r < 0 {
		r += 11
	}
	return int(s[9]-'0') == r%10
}

// birthDate is what digits 1–5 of a РНОКПП encode: days since 1899-12-31.
func birthDate(s string) time.Time {
	days, _ := strconv.Atoi(s[:5])
	return time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
}

// validEDRPOU checks the check digit of a company code: weights 1..7, or
// 7,1,2,3,4,5,6 for codes between 30,000,000 and 60,000,000; check = sum
// mod 11, and if that is 10, weights +2 and (sum mod 11) mod 10.
func validEDRPOU(s string) bool {
	if !eightDigits.MatchString(s) {
		return false
	}
	n, _ := strconv.Atoi(s)
	weights := []int{1, 2, 3, 4, 5, 6, 7}
	if n >= 30_000_000 && n <= 60_000_000 {
		weights = []int{7, 1, 2, 3, 4, 5, 6}
	}
	check := weighted(s, weights) % 11
	if check == 10 {
		for i := range weights {
			weights[i] += 2
		}
		check = weighted(s, weights) % 11 % 10
	}
	return int(s[7]-'0') == check
}

// withLastDigit replaces the check digit, to prove the validators reject.
func withLastDigit(s string, d int) string {
	return s[:len(s)-1] + strconv.Itoa(d)
}

func TestValidators(t *testing.T) {
	t.Parallel()
	// Published codes (Ощадбанк, ПриватБанк), and the edge cases of the rules.
	require.True(t, validEDRPOU("00032129"))   // weights 1..7
	require.True(t, validEDRPOU("14360570"))   // weights 1..7
	require.True(t, validEDRPOU("32855961"))   // 7,1,2,…
	require.True(t, validEDRPOU("00000035"))   // a sum of 10: weights +2
	require.True(t, validEDRPOU("30000005"))   // the same in the 30–60 million range
	require.False(t, validEDRPOU("00000030"))  // the plain sum mod 11 is not a digit
	require.True(t, validRNOKPP("9000000002")) // a negative sum: -9 mod 11 is 2
	require.False(t, validEDRPOU("0003212"))   // too short
	require.False(t, validRNOKPP("12345678"))  // too short
	require.False(t, validRNOKPP("12345678ab"))
}

var ukrainianName = regexp.MustCompile(`^[А-ЩЬЮЯҐЄІЇ][а-щьюяґєії’'-]+$`)

func TestPersonas(t *testing.T) {
	t.Parallel()
	roles := map[string]int{}
	ids := map[string]bool{}
	adult := time.Now().AddDate(-18, 0, 0)
	for _, p := range devidp.Personas {
		roles[p.Role]++
		require.False(t, ids[p.ID], "duplicate id %s", p.ID)
		ids[p.ID] = true
		require.NotContains(t, p.ID, ":")

		for _, name := range []string{p.FamilyName, p.GivenName, p.MiddleName} {
			require.Regexp(t, ukrainianName, name, p.ID)
		}
		require.Equal(t, p.GivenName+" "+p.MiddleName+" "+p.FamilyName, p.FullName())

		require.Truef(t, validRNOKPP(p.RNOKPP), "%s: РНОКПП %s", p.ID, p.RNOKPP)
		for d := range 10 {
			if bad := withLastDigit(p.RNOKPP, d); bad != p.RNOKPP {
				require.False(t, validRNOKPP(bad), bad)
			}
		}
		born := birthDate(p.RNOKPP)
		require.True(t, born.Before(adult) && born.Year() > 1930, "%s born %s", p.ID, born)
		// The ninth digit is even for women, odd for men; the patronymic tells which.
		woman := strings.HasSuffix(p.MiddleName, "івна") || strings.HasSuffix(p.MiddleName, "ївна")
		require.Equal(t, woman, (p.RNOKPP[8]-'0')%2 == 0, p.ID)

		if p.Role == "legal_rep" {
			require.Truef(t, validEDRPOU(p.EDRPOU), "%s: ЄДРПОУ %s", p.ID, p.EDRPOU)
			for d := range 10 {
				if bad := withLastDigit(p.EDRPOU, d); bad != p.EDRPOU {
					require.False(t, validEDRPOU(bad), bad)
				}
			}
			require.NotEmpty(t, p.OrgName)
		} else {
			require.Empty(t, p.EDRPOU, p.ID)
			require.Empty(t, p.OrgName, p.ID)
		}
		if p.Role == "provider_head" || p.Role == "official" {
			require.Contains(t, []string{"dcnap", "transport"}, p.Provider, p.ID)
		} else {
			require.Empty(t, p.Provider, p.ID)
		}

		require.Regexp(t, `^[a-z.]+@example\.com$`, p.Email)
		require.Regexp(t, `^\+380\d{9}$`, p.Phone)
		require.NotEmpty(t, p.About.UK)
		require.NotEmpty(t, p.About.EN)
	}
	for _, role := range []string{"resident", "legal_rep", "provider_head", "official", "administrator", "dispatcher", "owner", "auditor", "operator"} {
		require.Positive(t, roles[role], "no persona is %s", role)
	}
	require.Len(t, roles, 9, "unknown role among %v", roles)
}
