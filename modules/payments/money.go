package payments

import (
	"errors"
	"strconv"
	"strings"
)

// FormatKopecks writes an amount as Ukrainian text writes it: "25,74".
func FormatKopecks(k int64) string {
	return strings.Replace(decimalOf(k), ".", ",", 1)
}

// decimalOf writes an amount as the gateways' JSON does: "25.74".
func decimalOf(k int64) string {
	sign := ""
	if k < 0 {
		sign, k = "-", -k
	}
	frac := strconv.FormatInt(k%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(k/100, 10) + "." + frac
}

var errAmount = errors.New("payments: not an amount in hryvnias with at most two decimals")

// kopecksOf reads a decimal amount of hryvnias ("25.74", "25.7", "26")
// exactly, without floats: a third decimal that is not zero is refused,
// never rounded.
func kopecksOf(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	frac = strings.TrimRight(frac, "0")
	if whole == "" || len(frac) > 2 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, errAmount
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1<<40 {
		return 0, errAmount
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, errAmount
	}
	return w*100 + f, nil
}
