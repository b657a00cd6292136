package centres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
)

// Picker is the booking page's state: the centre and the services one may
// book there, and once a service is chosen the days ahead with free slots,
// and once a day is chosen its free times.
type Picker struct {
	Centre   *catalog.Centre
	Services []catalog.Published // bookable here
	Service  *catalog.Published  // chosen
	Minutes  int
	Days     []Day // the next Horizon days, with how many slots are free
	Day      time.Time
	Slots    []Slot // the chosen day's free slots
}

// Day is a day one may book on.
type Day struct {
	Date time.Time
	Free int // free slots
}

// Picker reads the booking page for the centre with code, the service
// with serviceCode ("": not chosen yet) and day (zero: not chosen yet).
// except is a booking being moved: its own slot counts as free.
func (s *Service) Picker(ctx context.Context, code, serviceCode string, day time.Time, except uuid.UUID) (*Picker, error) {
	var p Picker
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return s.picker(ctx, tx, &p, code, serviceCode, day, except)
	})
	return &p, err
}

func (s *Service) picker(ctx context.Context, tx pgx.Tx, p *Picker, code, serviceCode string, day time.Time, except uuid.UUID) error {
	c, svcs, err := catalog.CentreByCode(ctx, tx, code)
	if errors.Is(err, catalog.ErrNoService) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	p.Centre = c
	cid, err := centreID(ctx, tx, code)
	if err != nil {
		return err
	}
	ok, err := bookable(ctx, tx, cid)
	if err != nil {
		return err
	}
	for i := range svcs {
		if ok[svcs[i].ID] {
			p.Services = append(p.Services, svcs[i])
			if svcs[i].Content.Code == serviceCode {
				p.Service = &p.Services[len(p.Services)-1]
			}
		}
	}
	if p.Service == nil {
		if serviceCode != "" {
			return ErrNoService
		}
		return nil
	}
	now := s.now()
	cal, err := s.calendar(ctx, tx, cid, p.Service.ID, now, except)
	if err != nil {
		return err
	}
	p.Minutes = cal.minutes
	for _, d := range cal.days {
		n := 0
		for _, sl := range d.slots {
			if sl.Free > 0 {
				n++
			}
		}
		p.Days = append(p.Days, Day{Date: d.day, Free: n})
		if !day.IsZero() && d.day.Equal(localDay(day)) {
			p.Day = d.day
			for _, sl := range d.slots {
				if sl.Free > 0 {
					p.Slots = append(p.Slots, sl)
				}
			}
		}
	}
	if !day.IsZero() && p.Day.IsZero() {
		return ErrNoSlot
	}
	return nil
}

// calendar is a service's slots at a centre for the Horizon days from now.
type calendar struct {
	minutes int
	windows []window
	days    []calendarDay
}

type calendarDay struct {
	day   time.Time
	slots []Slot
}

// calendar computes every slot of service at centre from today for
// Horizon days, each with its free windows; slots already begun are left
// out. except is a booking whose own slot counts as free (a move).
func (s *Service) calendar(ctx context.Context, tx pgx.Tx, centre, service uuid.UUID, now time.Time, except uuid.UUID) (*calendar, error) {
	minutes, err := minutesOf(ctx, tx, service)
	if err != nil {
		return nil, err
	}
	windows, err := windowsServing(ctx, tx, centre, service)
	if err != nil {
		return nil, err
	}
	return s.calendarOf(ctx, tx, centre, minutes, windows, now, except, Horizon)
}

// calendarOf computes the slots of minutes at windows of centre for days
// days from today (as calendar).
func (s *Service) calendarOf(ctx context.Context, tx pgx.Tx, centre uuid.UUID, minutes int, windows []window, now time.Time, except uuid.UUID, days int) (*calendar, error) {
	cal := calendar{minutes: minutes, windows: windows}
	hours, err := centreHours(ctx, tx, centre)
	if err != nil {
		return nil, err
	}
	holidays, err := catalog.HolidaySet(ctx, tx)
	if err != nil {
		return nil, err
	}
	first := localDay(now)
	last := first.AddDate(0, 0, days)
	booked, err := bookedSpans(ctx, tx, centre, first, last, except)
	if err != nil {
		return nil, err
	}
	numbers := make([]int, len(cal.windows))
	for i, w := range cal.windows {
		numbers[i] = w.Number
	}
	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		var slots []Slot
		for _, sl := range grid(d, hours, holidays, cal.minutes) {
			if !sl.Start.After(now) {
				continue
			}
			sl.Free = len(freeWindows(sl, numbers, booked))
			slots = append(slots, sl)
		}
		if len(slots) > 0 {
			cal.days = append(cal.days, calendarDay{day: d, slots: slots})
		}
	}
	return &cal, nil
}

// slotAt finds the slot starting at start in cal and the windows free
// then, in order; ErrNoSlot when no slot starts then.
func (cal *calendar) slotAt(start time.Time, booked []span) (Slot, []window, error) {
	for _, d := range cal.days {
		for _, sl := range d.slots {
			if !sl.Start.Equal(start) {
				continue
			}
			var free []window
			for _, w := range cal.windows {
				if len(freeWindows(sl, []int{w.Number}, booked)) == 1 {
					free = append(free, w)
				}
			}
			return sl, free, nil
		}
	}
	return Slot{}, nil, ErrNoSlot
}

// signed is the signed-in person; ErrNotAllowed without one.
func signed(ctx context.Context) (*identity.Signed, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, ErrNotAllowed
	}
	return sg, nil
}

// Book books, for the signed-in person, the slot of the service with
// serviceCode at the centre with code that starts at start: at the first
// window free then, in one transaction with its confirmation notice.
// ErrNoSlot when no slot starts then (or it has begun), ErrSlotTaken when
// every window is booked then (the database's exclusion constraint is
// the last word: two people booking the last slot at once get one
// booking), ErrTooMany over MaxActive.
//
// key is the booking form's own id, which becomes the booking's: the same
// form sent twice (a double click, a retry) returns the booking the first
// made and books nothing more. uuid.Nil: a new id.
func (s *Service) Book(ctx context.Context, code, serviceCode string, start time.Time, key uuid.UUID) (*Visit, error) {
	sg, err := signed(ctx)
	if err != nil {
		return nil, err
	}
	if key == uuid.Nil {
		key = uuid.New()
	}
	var v *Visit
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		now := s.now()
		// The person's lock also orders a form sent twice: the second
		// waits for the first and finds its booking.
		if err := lockPerson(ctx, tx, sg.AccountID); err != nil {
			return err
		}
		done, err := visits(ctx, tx, `WHERE v.id = $1`, key)
		if err != nil {
			return err
		}
		if len(done) > 0 {
			if done[0].Account == nil || *done[0].Account != sg.AccountID {
				return ErrNotAllowed
			}
			v = &done[0]
			return nil
		}
		n, err := activeBookings(ctx, tx, sg.AccountID, now)
		if err != nil {
			return err
		}
		if n >= MaxActive {
			return ErrTooMany
		}
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		svc, err := serviceAt(ctx, tx, code, serviceCode)
		if err != nil {
			return err
		}
		cal, err := s.calendar(ctx, tx, cid, svc.ID, now, uuid.Nil)
		if err != nil {
			return err
		}
		day := localDay(start)
		booked, err := bookedSpans(ctx, tx, cid, day, day.AddDate(0, 0, 1), uuid.Nil)
		if err != nil {
			return err
		}
		slot, free, err := cal.slotAt(start, booked)
		if err != nil {
			return err
		}
		acc := sg.AccountID
		v = &Visit{ID: key, Kind: "booking", Code: newCode(), Account: &acc, Start: slot.Start, End: slot.End, Status: Booked, CreatedAt: now}
		if err := insertBooking(ctx, tx, v, cid, svc.ID, free); err != nil {
			return err
		}
		if v, err = ownBooking(ctx, tx, sg.AccountID, v.Code, false); err != nil {
			return err
		}
		return s.tell(ctx, tx, v, "centres.notice_booked")
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// tell posts a notice about booking v to its person.
func (s *Service) tell(ctx context.Context, tx pgx.Tx, v *Visit, key string) error {
	if s.notify == nil || v.Account == nil {
		return errors.New("centres: no notify service")
	}
	_, err := s.notify.Post(ctx, tx, notify.Notice{Account: *v.Account, Kind: notify.KindStatus, Key: key, Args: map[string]any{
		"Code": v.Code, "Centre": v.CentreName.UK, "Address": v.CentreAddr.UK, "Service": v.ServiceName.UK,
		"When": v.Start.In(tenant.Zone).Format("02.01.2006 15:04"), "Link": "/cabinet/bookings/" + v.Code,
	}})
	if err != nil {
		return fmt.Errorf("centres: notice %s: %w", key, err)
	}
	return nil
}

// Mine are the signed-in person's bookings, the coming ones first.
func (s *Service) Mine(ctx context.Context) ([]Visit, error) {
	sg, err := signed(ctx)
	if err != nil {
		return nil, err
	}
	var out []Visit
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		out, err = visits(ctx, tx, `WHERE v.account_id = $1 AND v.kind = 'booking'
			ORDER BY (v.status = 'booked' AND v.ends_at > $2) DESC, v.starts_at DESC LIMIT 50`, sg.AccountID, s.now())
		return err
	})
	return out, err
}

// Booking is the signed-in person's booking with code.
func (s *Service) Booking(ctx context.Context, code string) (*Visit, error) {
	sg, err := signed(ctx)
	if err != nil {
		return nil, err
	}
	var v *Visit
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		v, err = ownBooking(ctx, tx, sg.AccountID, code, false)
		return err
	})
	return v, err
}

// Cancel cancels the signed-in person's booking with code, freeing its
// slot; cancelling again changes nothing. ErrNotBooked once it is past
// or the person came.
func (s *Service) Cancel(ctx context.Context, code string) (*Visit, error) {
	sg, err := signed(ctx)
	if err != nil {
		return nil, err
	}
	var v *Visit
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if v, err = ownBooking(ctx, tx, sg.AccountID, code, true); err != nil {
			return err
		}
		if v.Status == Cancelled {
			return nil
		}
		if v.Status != Booked || !v.Start.After(s.now()) {
			return ErrNotBooked
		}
		if _, err := tx.Exec(ctx, `UPDATE visits SET status = 'cancelled', cancelled_at = $2 WHERE id = $1`, v.ID, s.now()); err != nil {
			return fmt.Errorf("centres: cancel: %w", err)
		}
		v.Status = Cancelled
		return s.tell(ctx, tx, v, "centres.notice_cancelled")
	})
	return v, err
}

// Reschedule moves the signed-in person's booking with code to the slot
// of the same service and centre that starts at start (ErrNoSlot,
// ErrSlotTaken as Book). Moving it to where it is changes nothing.
func (s *Service) Reschedule(ctx context.Context, code string, start time.Time) (*Visit, error) {
	sg, err := signed(ctx)
	if err != nil {
		return nil, err
	}
	var v *Visit
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		now := s.now()
		if v, err = ownBooking(ctx, tx, sg.AccountID, code, true); err != nil {
			return err
		}
		if v.Status != Booked || !v.Start.After(now) {
			return ErrNotBooked
		}
		if v.Start.Equal(start) {
			return nil
		}
		var cid, sid uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT centre_id, service_id FROM visits WHERE id = $1`, v.ID).Scan(&cid, &sid); err != nil {
			return fmt.Errorf("centres: reschedule: %w", err)
		}
		cal, err := s.calendar(ctx, tx, cid, sid, now, v.ID)
		if err != nil {
			return err
		}
		day := localDay(start)
		booked, err := bookedSpans(ctx, tx, cid, day, day.AddDate(0, 0, 1), v.ID)
		if err != nil {
			return err
		}
		slot, free, err := cal.slotAt(start, booked)
		if err != nil {
			return err
		}
		if err := moveBooking(ctx, tx, v, slot, free); err != nil {
			return err
		}
		return s.tell(ctx, tx, v, "centres.notice_moved")
	})
	return v, err
}

// CentresFor are the centres where the service with code may be booked,
// and the service.
func (s *Service) CentresFor(ctx context.Context, code string) ([]catalog.Centre, *catalog.Page, error) {
	var (
		out  []catalog.Centre
		page *catalog.Page
	)
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		page, err = catalog.ServiceByCode(ctx, tx, code)
		if errors.Is(err, catalog.ErrNoService) {
			return ErrNoService
		}
		if err != nil {
			return err
		}
		for _, c := range page.Centres {
			cid, err := centreID(ctx, tx, c.Code)
			if err != nil {
				return err
			}
			ws, err := windowsServing(ctx, tx, cid, page.ID)
			if err != nil {
				return err
			}
			if len(ws) > 0 {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, page, err
}
