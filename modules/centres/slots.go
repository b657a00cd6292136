package centres

import (
	"time"

	"hromada/tenant"
)

// Hours are a centre's appointment hours on one weekday, as minutes after
// midnight in the city's time; BreakFrom == BreakTo: no break.
type Hours struct {
	Weekday            int // ISO: 1 = Monday … 7 = Sunday
	Opens, Closes      int
	BreakFrom, BreakTo int
}

// Slot is a time one may book, and how many windows are still free then.
type Slot struct {
	Start, End time.Time
	Free       int
}

// isoWeekday is d's ISO weekday (1 = Monday … 7 = Sunday).
func isoWeekday(d time.Time) int {
	if w := int(d.Weekday()); w != 0 {
		return w
	}
	return 7
}

// grid is the day's slots of a service taking minutes, from the day's
// hours: back to back from the opening, none across the break or past the
// closing; none on a holiday or a day without hours. day is a local date
// (midnight in tenant.Zone); the slots are real instants, so a day of a
// clock change has its true length.
func grid(day time.Time, hours []Hours, holidays map[string]bool, minutes int) []Slot {
	if minutes <= 0 || holidays[day.Format(time.DateOnly)] {
		return nil
	}
	var h *Hours
	for i := range hours {
		if hours[i].Weekday == isoWeekday(day) {
			h = &hours[i]
		}
	}
	if h == nil {
		return nil
	}
	at := func(m int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, tenant.Zone)
	}
	var out []Slot
	for m := h.Opens; m+minutes <= h.Closes; {
		if h.BreakFrom < h.BreakTo && m < h.BreakTo && m+minutes > h.BreakFrom {
			m = h.BreakTo
			continue
		}
		out = append(out, Slot{Start: at(m), End: at(m + minutes)})
		m += minutes
	}
	return out
}

// span is a booked time of a window.
type span struct {
	Window     int
	Start, End time.Time
}

// freeWindows are the windows (numbers, in order) free for the whole of s,
// of those serving the service.
func freeWindows(s Slot, windows []int, booked []span) []int {
	var out []int
	for _, w := range windows {
		free := true
		for _, b := range booked {
			if b.Window == w && b.Start.Before(s.End) && s.Start.Before(b.End) {
				free = false
				break
			}
		}
		if free {
			out = append(out, w)
		}
	}
	return out
}

// localDay is the local date of t, at midnight in tenant.Zone.
func localDay(t time.Time) time.Time {
	t = t.In(tenant.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, tenant.Zone)
}
