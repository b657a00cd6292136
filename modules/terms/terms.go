// Package terms counts legal terms on a city's calendar: the last day of a
// term of working or calendar days (or months) from the day something was
// received, and the days left of one. Applications (seed 003 §5) and
// appeals (the Law «Про звернення громадян», art. 20) count alike: working
// days skip weekends and the city's days off (catalog.HolidaySet); a
// calendar term that ends on a day off ends on the next working day.
// Dates are the city's (Kyiv) days, held as midnight UTC as a date column
// holds them.
package terms

import (
	"strings"
	"time"

	"hromada/modules/catalog"
	"hromada/tenant"
)

// Day is t's date in the city, as a date column holds it (midnight UTC).
func Day(t time.Time) time.Time {
	t = t.In(tenant.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Due is the last day of term counted from the day received (its date in
// the city). A term of 0 days is the same day.
func Due(received time.Time, term catalog.Term, holidays map[string]bool) time.Time {
	d := Day(received)
	if term.Working {
		for range term.Days {
			d = catalog.NextWorkingDay(d, holidays)
		}
		return d
	}
	end := d.AddDate(0, 0, term.Days)
	if term.Days > 0 {
		end = OnWorkingDay(end, holidays)
	}
	return end
}

// DueMonths is the last day of a term of months counted from the day
// received: the same date months later (the month's last day when it has
// no such date), moved to the next working day when it is a day off.
func DueMonths(received time.Time, months int, holidays map[string]bool) time.Time {
	d := Day(received)
	end := d.AddDate(0, months, 0)
	if end.Day() != d.Day() {
		// 31 January + 1 month: 3 March in Go; the law's month ends on the
		// last day of February.
		end = end.AddDate(0, 0, -end.Day())
	}
	return OnWorkingDay(end, holidays)
}

// OnWorkingDay is d when it is a working day, else the next working day.
func OnWorkingDay(d time.Time, holidays map[string]bool) time.Time {
	return catalog.NextWorkingDay(d.AddDate(0, 0, -1), holidays)
}

// DaysLeft is how many days of the term are left after today up to due:
// working days for a term in working days, else calendar days; -1 when
// due has passed.
func DaysLeft(today, due time.Time, working bool, holidays map[string]bool) int {
	if due.Before(today) {
		return -1
	}
	if !working {
		return int(due.Sub(today).Hours() / 24)
	}
	n := 0
	for d := catalog.NextWorkingDay(today, holidays); !d.After(due); d = catalog.NextWorkingDay(d, holidays) {
		n++
	}
	return n
}

// ParseDate reads a date as a date input sends it (2006-01-02) or as
// people in Ukraine write it (02.01.2006), in the city's time zone.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseInLocation(time.DateOnly, s, tenant.Zone)
	if err != nil {
		d, err = time.ParseInLocation("02.01.2006", s, tenant.Zone)
	}
	return d, err
}
