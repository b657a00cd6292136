package centres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/tenant"
)

// The staff's editor of how a centre receives people (issue 19; until now
// only demo/<city>/centres.json set it): its weekly hours with a break,
// its windows and the services each serves, how long each service takes.
// Bookings already made are kept: a change that would leave a booking
// still to come outside the hours, in a break, or at a window that no
// longer serves its service is refused, naming the bookings (the centre
// moves or cancels them first, or keeps the hours). A shorter or longer
// appointment applies to new bookings; those made keep their times.

// SetupForm is the editor as typed: per ISO weekday (index 0 = Monday)
// its hours, "HH:MM" each, all empty for a day closed; the windows by
// number with the service codes each serves; a new window's number and
// services (empty: none added); each service's minutes.
type SetupForm struct {
	Hours      [7]DayForm
	Windows    map[int][]string
	NewWindow  string
	NewServes  []string
	Minutes    map[string]string
	Centre     *catalog.Centre // filled by SetupOf, for the page
	Services   []catalog.Published
	WindowList []int // the windows' numbers, in order
}

// DayForm is a weekday's hours as typed.
type DayForm struct {
	Opens, Closes, BreakFrom, BreakTo string
}

// ErrOrphans refuses a change that would leave bookings outside what the
// centre offers; Args.Bookings lists them.
var ErrOrphans = apperr.New(apperr.Conflict, "centres.error_orphans")

// SetupOf reads the centre's set-up as the editor shows it.
func (s *Service) SetupOf(ctx context.Context, code string) (*SetupForm, error) {
	f := &SetupForm{Windows: map[int][]string{}, Minutes: map[string]string{}}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		c, svcs, err := catalog.CentreByCode(ctx, tx, code)
		if errors.Is(err, catalog.ErrNoService) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		f.Centre, f.Services = c, svcs
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		hs, err := centreHours(ctx, tx, cid)
		if err != nil {
			return err
		}
		for _, h := range hs {
			d := DayForm{Opens: hhmm(h.Opens), Closes: hhmm(h.Closes)}
			if h.BreakTo > 0 {
				d.BreakFrom, d.BreakTo = hhmm(h.BreakFrom), hhmm(h.BreakTo)
			}
			f.Hours[h.Weekday-1] = d
		}
		rows, err := tx.Query(ctx, `SELECT w.number, coalesce(array_agg(sv.code ORDER BY sv.code) FILTER (WHERE sv.code IS NOT NULL), '{}')
			FROM centre_windows w LEFT JOIN window_services ws ON ws.tenant_id = w.tenant_id AND ws.window_id = w.id
			LEFT JOIN services sv ON sv.tenant_id = ws.tenant_id AND sv.id = ws.service_id
			WHERE w.centre_id = $1 GROUP BY w.number ORDER BY w.number`, cid)
		if err != nil {
			return fmt.Errorf("centres: set-up windows: %w", err)
		}
		var n int
		var codes []string
		if _, err := pgx.ForEachRow(rows, []any{&n, &codes}, func() error {
			f.Windows[n] = codes
			f.WindowList = append(f.WindowList, n)
			return nil
		}); err != nil {
			return fmt.Errorf("centres: set-up windows: %w", err)
		}
		for _, sv := range svcs {
			var m int
			err := tx.QueryRow(ctx, `SELECT minutes FROM service_durations WHERE service_id = $1`, sv.ID).Scan(&m)
			if err == nil {
				f.Minutes[sv.Content.Code] = strconv.Itoa(m)
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("centres: set-up durations: %w", err)
			}
		}
		return nil
	})
	return f, err
}

func hhmm(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// parseHHMM is "HH:MM" as minutes after midnight.
func parseHHMM(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// check returns the set-up f describes, its fields' errors by field name
// ("opens_1" is Monday's opening, "window_new", "minutes_<code>") with
// the centre's services known.
func (f *SetupForm) check(code, provider string, known []string) (Setup, FieldErrors) {
	errs := FieldErrors{}
	bad := func(field, key string) { errs[field] = apperr.New(apperr.Invalid, key) }
	st := Setup{Centre: code, Provider: provider, Minutes: map[string]int{}}
	for i, d := range f.Hours {
		wd := strconv.Itoa(i + 1)
		if d == (DayForm{}) {
			continue // closed
		}
		o, ok1 := parseHHMM(d.Opens)
		c, ok2 := parseHHMM(d.Closes)
		if !ok1 {
			bad("opens_"+wd, "centres.error_time")
		}
		if !ok2 {
			bad("closes_"+wd, "centres.error_time")
		}
		if ok1 && ok2 && o >= c {
			bad("closes_"+wd, "centres.error_closes_order")
		}
		h := SetupHours{Weekday: i + 1, Opens: hhmm(o), Closes: hhmm(c)}
		if strings.TrimSpace(d.BreakFrom) != "" || strings.TrimSpace(d.BreakTo) != "" {
			bf, ok3 := parseHHMM(d.BreakFrom)
			bt, ok4 := parseHHMM(d.BreakTo)
			switch {
			case !ok3:
				bad("break_from_"+wd, "centres.error_time")
			case !ok4:
				bad("break_to_"+wd, "centres.error_time")
			case bf >= bt || bf < o || bt > c:
				bad("break_to_"+wd, "centres.error_break_order")
			}
			h.Break = hhmm(bf) + "-" + hhmm(bt)
		}
		st.Hours = append(st.Hours, h)
	}
	serves := func(field string, codes []string) []string {
		var out []string
		for _, c := range codes {
			if !slices.Contains(known, c) {
				bad(field, "centres.error_window_service")
				return nil
			}
			out = append(out, c)
		}
		return out
	}
	for n, codes := range f.Windows {
		st.Windows = append(st.Windows, SetupWindow{Number: n, Services: serves("window_"+strconv.Itoa(n), codes)})
	}
	if nw := strings.TrimSpace(f.NewWindow); nw != "" {
		n, err := strconv.Atoi(nw)
		switch {
		case err != nil || n < 1 || n > 999:
			bad("window_new", "centres.error_window_number")
		case f.Windows[n] != nil || slices.Contains(f.WindowList, n):
			bad("window_new", "centres.error_window_taken")
		default:
			st.Windows = append(st.Windows, SetupWindow{Number: n, Services: serves("window_new", f.NewServes)})
		}
	}
	slices.SortFunc(st.Windows, func(a, b SetupWindow) int { return a.Number - b.Number })
	for code, v := range f.Minutes {
		if strings.TrimSpace(v) == "" {
			continue
		}
		m, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || m < 5 || m > 240 {
			bad("minutes_"+code, "centres.error_minutes")
			continue
		}
		if !slices.Contains(known, code) {
			bad("minutes_"+code, "centres.error_window_service")
			continue
		}
		st.Minutes[code] = m
	}
	return st, errs
}

// Orphan is a booking still to come that a change would leave outside
// what the centre offers.
type Orphan struct {
	Code   string
	Start  time.Time
	Window int
}

// SaveSetup writes the centre's set-up f describes, by the signed-in
// person, in one transaction with its audit entry. FieldErrors name the
// wrong fields; ErrOrphans (with Args.Bookings) refuses a change that
// would leave bookings still to come outside the new hours, in a break,
// or at a window no longer serving their service: nothing is written.
func (s *Service) SaveSetup(ctx context.Context, code string, f *SetupForm) error {
	sg, err := signed(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, svcs, err := catalog.CentreByCode(ctx, tx, code)
		if errors.Is(err, catalog.ErrNoService) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var known []string
		for _, sv := range svcs {
			known = append(known, sv.Content.Code)
		}
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		var provider string
		if err := tx.QueryRow(ctx, `SELECT p.code FROM centre_settings s JOIN providers p ON p.tenant_id = s.tenant_id AND p.id = s.provider_id
			WHERE s.centre_id = $1 FOR UPDATE OF s`, cid).Scan(&provider); errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound // a centre no provider runs takes no bookings: nothing to edit
		} else if err != nil {
			return fmt.Errorf("centres: set-up: %w", err)
		}
		st, errs := f.check(code, provider, known)
		if len(errs) > 0 {
			return errs
		}
		if err := Configure(ctx, tx, st); err != nil {
			return err
		}
		orphans, err := orphans(ctx, tx, cid, s.now())
		if err != nil {
			return err
		}
		if len(orphans) > 0 {
			var list []string
			for _, o := range orphans {
				list = append(list, fmt.Sprintf("%s (%s, № %d)", o.Code, o.Start.In(tenant.Zone).Format("02.01.2006 15:04"), o.Window))
			}
			return ErrOrphans.With(map[string]any{"Bookings": strings.Join(list, "; "), "Count": len(orphans)})
		}
		return s.record(ctx, tx, sg, audit.Event{Action: "centre.setup.update", ObjectType: "centre", ObjectID: code,
			Details: map[string]any{"hours": st.Hours, "windows": st.Windows, "minutes": st.Minutes}})
	})
}

// orphans are the centre's bookings still to come (after now) that its
// set-up, as tx sees it, no longer offers.
func orphans(ctx context.Context, tx pgx.Tx, centre uuid.UUID, now time.Time) ([]Orphan, error) {
	rows, err := tx.Query(ctx, `SELECT v.code, v.starts_at, w.number FROM visits v JOIN centre_windows w ON w.tenant_id = v.tenant_id AND w.id = v.window_id
		WHERE v.centre_id = $1 AND v.kind = 'booking' AND v.status = 'booked' AND v.starts_at > $2 AND (
			NOT EXISTS (SELECT FROM window_services ws WHERE ws.window_id = v.window_id AND ws.service_id = v.service_id)
			OR NOT EXISTS (SELECT FROM centre_hours h WHERE h.centre_id = v.centre_id
				AND h.weekday = extract(isodow FROM v.starts_at AT TIME ZONE $3)
				AND (v.starts_at AT TIME ZONE $3)::time >= h.opens AND (v.ends_at AT TIME ZONE $3)::time <= h.closes
				AND (h.break_from IS NULL OR (v.ends_at AT TIME ZONE $3)::time <= h.break_from OR (v.starts_at AT TIME ZONE $3)::time >= h.break_to)))
		ORDER BY v.starts_at LIMIT 20`, centre, now, tenant.Zone.String())
	if err != nil {
		return nil, fmt.Errorf("centres: orphaned bookings: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Orphan])
	if err != nil {
		return nil, fmt.Errorf("centres: orphaned bookings: %w", err)
	}
	return out, nil
}
