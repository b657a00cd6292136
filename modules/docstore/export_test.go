package docstore

import "time"

// Retention is the shortest time a document of class c is kept: its
// years in the retention table, at 365 days each. The tests check that
// RetainUntil(c, t) is never earlier than t+Retention(c). It is zero for
// ClassTemporary; an unknown class gets the longest period.
func Retention(c Class) time.Duration {
	return time.Duration(years(c)) * 365 * 24 * time.Hour
}
