package centres

import (
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ICS is the booking as an iCalendar file (RFC 5545): one VEVENT with the
// booking's code as its UID, so that a calendar importing the file again
// after a move updates the event instead of adding a second one (SEQUENCE
// is the minutes since the booking was made: a later download is a newer
// version), and an alarm a day before.
// host is the portal's host (with its port, if any): the UID's domain
// and the booking page's address in the description.
func ICS(v *Visit, host string, now time.Time) []byte {
	return icsFile(v.Code, host, now, v.Start, v.End, func(line func(name, value string)) {
		line("SEQUENCE", strconv.Itoa(max(0, int(now.Sub(v.CreatedAt)/time.Minute))))
		line("STATUS", eventStatus(v.Status == Cancelled))
		line("SUMMARY", escapeText(v.ServiceName.UK+" — "+v.CentreName.UK))
		line("LOCATION", escapeText(v.CentreAddr.UK))
		line("DESCRIPTION", escapeText("Код запису: "+v.Code+"\n"+host+"/cabinet/bookings/"+v.Code))
		line("BEGIN", "VALARM")
		line("ACTION", "DISPLAY")
		line("DESCRIPTION", escapeText(v.ServiceName.UK))
		line("TRIGGER", "-P1D")
		line("END", "VALARM")
	})
}

// icsFile is an iCalendar file with one VEVENT: the lines every file of
// ours has (the calendar's header, the UID at host's name, the stamp and
// the times), then body's own.
func icsFile(uid, host string, now, start, end time.Time, body func(line func(name, value string))) []byte {
	const stamp = "20060102T150405Z"
	var b strings.Builder
	line := func(name, value string) { fold(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Hromada//Centres//UK")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("BEGIN", "VEVENT")
	domain := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		domain = h
	}
	line("UID", uid+"@"+domain)
	line("DTSTAMP", now.UTC().Format(stamp))
	line("DTSTART", start.UTC().Format(stamp))
	line("DTEND", end.UTC().Format(stamp))
	body(line)
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return []byte(b.String())
}

// eventStatus is an event's STATUS.
func eventStatus(cancelled bool) string {
	if cancelled {
		return "CANCELLED"
	}
	return "CONFIRMED"
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// fold writes a content line folded at 75 octets, never inside a UTF-8
// character (RFC 5545 §3.1), ended by CRLF.
func fold(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// EventICS is a centre's event as an iCalendar file: its id is the UID, so
// a calendar importing it again after a cancellation marks the same event
// cancelled.
func EventICS(e *Event, host string, now time.Time) []byte {
	return icsFile("event-"+e.ID.String(), host, now, e.Start, e.End, func(line func(name, value string)) {
		line("STATUS", eventStatus(e.Cancelled))
		line("SUMMARY", escapeText(e.Title))
		if e.Online {
			line("LOCATION", escapeText(e.Link))
			line("URL", e.Link)
		} else {
			line("LOCATION", escapeText(e.CentreName.UK+", "+e.CentreAddr.UK))
		}
		line("DESCRIPTION", escapeText(e.Description))
	})
}
