package ukid_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/ukid"
)

func TestValidRNOKPP(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		// python-stdnum's examples (tests/test_ua_rntrc.doctest).
		"1759013776": true,
		"2530414071": true,
		"1941106083": true,
		"3451517675": true,
		// idgovuatest's made-up people.
		"3300901248": true,
		"2879603710": true,
		// A negative weighted sum: -9 mod 11 is 2, not -9.
		"9000000002": true,
		"9000000009": false,
		"0000000000": true, // the check digit cannot tell; nothing else here does
		// Off by one in the check digit, and in a body digit.
		"1759013775": false,
		"1759013777": false,
		"1759013770": false,
		"1759013676": false,
		"2759013776": false,
		// Not 10 ASCII digits.
		"175901377":    false,
		"17590137760":  false,
		" 1759013776":  false,
		"1759013776 ":  false,
		"17 590137 76": false,
		"VV59013776":   false,
		"175901377б":   false,
		"١٧٥٩٠١٣٧٧٦":   false, // Arabic-Indic digits
		"":             false,
	} {
		require.Equalf(t, want, ukid.ValidRNOKPP(s), "%q", s)
	}
}

func TestValidEDRPOU(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		// python-stdnum's examples (tests/test_ua_edrpou.doctest): weights
		// 1..7, weights 7,1..6 (30–60 million), and each with the second
		// pass (the first sum mod 11 is 10).
		"32855961": true,
		"00022438": true,
		"20077720": true,
		"02010669": true,
		"39034697": true,
		"00131954": true, // second pass
		"20551088": true, // second pass
		"30674235": true, // second pass, 30–60 million
		"43808820": true, // second pass, 30–60 million
		"43127656": true, // idgovuatest's made-up legal entity
		// The 30–60 million range includes both ends: 30000005 takes the
		// second weights, 29999993 and 60000006 the first.
		"30000005": true,
		"30000003": false,
		"29999993": true,
		"60000006": true,
		"60000009": false,
		// Off by one.
		"32855968": false,
		"32855960": false,
		"32855962": false,
		"00131953": false,
		"00131955": false,
		"43808821": false,
		"42855961": false,
		// Not 8 ASCII digits.
		"3285596":   false,
		"328559610": false,
		"12345":     false,
		"VV855961":  false,
		" 2855961":  false,
		"":          false,
	} {
		require.Equalf(t, want, ukid.ValidEDRPOU(s), "%q", s)
	}
}

// TestCheckDigitIsUnique: for any body exactly one last digit is valid.
func TestCheckDigitIsUnique(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"175901377", "900000000", "000000000", "330090124", "999999999", "100000000"} {
		n := 0
		for d := range 10 {
			if ukid.ValidRNOKPP(fmt.Sprint(body, d)) {
				n++
			}
		}
		require.Equalf(t, 1, n, "РНОКПП %s?", body)
	}
	for _, body := range []string{"3285596", "0013195", "3067423", "4380882", "0000000", "9999999", "3000000", "5999999"} {
		n := 0
		for d := range 10 {
			if ukid.ValidEDRPOU(fmt.Sprint(body, d)) {
				n++
			}
		}
		require.Equalf(t, 1, n, "ЄДРПОУ %s?", body)
	}
}

func TestValidIBAN(t *testing.T) {
	t.Parallel()
	require.True(t, ukid.ValidIBAN("UA213223130000026007233566001"))
	require.True(t, ukid.ValidIBAN("ua21 3223 1300 0002 6007 2335 6600 1"))
	require.False(t, ukid.ValidIBAN("UA213223130000026007233566002"))
	require.False(t, ukid.ValidIBAN("DE89370400440532013000"))
	require.False(t, ukid.ValidIBAN("UA21322313000002600723356600"))
}

func TestValidKATOTTG(t *testing.T) {
	t.Parallel()
	require.True(t, ukid.ValidKATOTTG("UA80000000000093317"))
	require.False(t, ukid.ValidKATOTTG("UA8000000000009331"))
	require.False(t, ukid.ValidKATOTTG("ua80000000000093317"))
	require.False(t, ukid.ValidKATOTTG(""))
}
