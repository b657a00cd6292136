package centres_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"hromada/modules/centres"
)

func starts(slots []centres.Slot) []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = s.Start.Format("Mon 15:04")
	}
	return out
}

// TestSlots: the day's slots come from the centre's hours less the break,
// each as long as the service takes; none on a holiday, on a day without
// hours, or already begun.
func TestSlots(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	p, err := e.svc.Picker(e.ctx, "cnap-t", "T-1", at(3, 0, 0), uuid.Nil)
	require.NoError(t, err)
	require.Equal(t, 30, p.Minutes)
	require.Equal(t, []string{"Tue 09:00", "Tue 09:30", "Tue 10:30", "Tue 11:00", "Tue 11:30"}, starts(p.Slots))

	// Today from now on (10:00 has begun), no Wednesday (a holiday), no
	// Thursday to Sunday (no hours); next week's Monday to Wednesday.
	var days []string
	for _, d := range p.Days {
		days = append(days, d.Date.Format("Mon 02"))
	}
	require.Equal(t, []string{"Mon 02", "Tue 03", "Mon 09", "Tue 10", "Wed 11"}, days[:5])
	require.Equal(t, 15, p.Days[0].Free, "Monday 10:30 to 17:30")

	// Only T-1 is served by a window: T-2 is not bookable here.
	require.Len(t, p.Services, 1)
	_, err = e.svc.Picker(e.ctx, "cnap-t", "T-2", time.Time{}, uuid.Nil)
	require.ErrorIs(t, err, centres.ErrNoService)
	_, err = e.svc.Picker(e.ctx, "cnap-t", "T-1", at(4, 0, 0), uuid.Nil)
	require.ErrorIs(t, err, centres.ErrNoSlot, "a holiday")
	_, err = e.svc.Picker(e.ctx, "nowhere", "", time.Time{}, uuid.Nil)
	require.ErrorIs(t, err, centres.ErrNotFound)
}

// TestLastSlotOneWinner: many residents book the last free slot at the
// same instant; exactly one gets it, the others are told it is taken,
// and the table holds one booking. With two windows, two win.
func TestLastSlotOneWinner(t *testing.T) {
	t.Parallel()
	for _, windows := range []int{1, 2} {
		t.Run("Windows"+string(rune('0'+windows)), func(t *testing.T) {
			t.Parallel()
			e := setup(t, windows)
			const n = 40
			ctxs := make([]context.Context, n)
			for i := range ctxs {
				ctxs[i] = e.resident(t, i)
			}
			var (
				wg                sync.WaitGroup
				mu                sync.Mutex
				won, taken, other int
				start             = make(chan struct{})
			)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := e.svc.Book(ctxs[i], "cnap-t", "T-1", at(3, 11, 30), uuid.Nil)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case err == centres.ErrSlotTaken:
						taken++
					default:
						other++
						t.Errorf("booking %d: %v", i, err)
					}
				}()
			}
			close(start)
			wg.Wait()
			require.Equal(t, windows, won)
			require.Equal(t, n-windows, taken)
			require.Zero(t, other)
			require.Equal(t, windows, e.count(t, `SELECT count(*) FROM visits WHERE starts_at = $1 AND status = 'booked'`, at(3, 11, 30)))
		})
	}
}

// TestDatabaseRefusesDoubleBooking: the invariant is the database's, not
// the Service's: a second booking of a booked window's time, written
// straight into the table as the app role, is refused (23P01), and a
// cancelled booking frees its time.
func TestDatabaseRefusesDoubleBooking(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	v, err := e.svc.Book(e.resident(t, 1), "cnap-t", "T-1", at(3, 9, 0), uuid.Nil)
	require.NoError(t, err)
	double := func(from, to time.Time) error {
		return e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO visits (tenant_id, id, kind, code, ticket, centre_id, service_id, account_id, window_id, starts_at, ends_at, day, status)
				SELECT tenant_id, gen_random_uuid(), 'booking', 'X-'||gen_random_uuid(), 'X-'||gen_random_uuid(), centre_id, service_id, account_id, window_id, $2, $3, day, 'booked'
				FROM visits WHERE id = $1`, v.ID, from, to)
			return err
		})
	}
	err = double(at(3, 9, 15), at(3, 9, 45))
	var pg *pgconn.PgError
	require.ErrorAs(t, err, &pg)
	require.Equal(t, "23P01", pg.Code)
	require.Equal(t, "visits_no_double_booking", pg.ConstraintName)
	require.NoError(t, double(at(3, 9, 30), at(3, 10, 0)), "back to back is no overlap")

	_, err = e.svc.Cancel(e.resident(t, 1), v.Code)
	require.NoError(t, err)
	require.NoError(t, double(at(3, 9, 0), at(3, 9, 30)), "a cancelled booking frees its time")
}

// TestLimitPerPerson: one person holds at most MaxActive bookings to
// come, also when booking from several tabs at once; a cancellation
// makes room.
func TestLimitPerPerson(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	me := e.resident(t, 1)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.svc.Book(me, "cnap-t", "T-1", at(2, 11+i, 0), uuid.Nil)
		}()
	}
	wg.Wait()
	ok, tooMany := 0, 0
	for _, err := range errs {
		switch err {
		case nil:
			ok++
		case centres.ErrTooMany:
			tooMany++
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	require.Equal(t, centres.MaxActive, ok)
	require.Equal(t, 6-centres.MaxActive, tooMany)

	mine, err := e.svc.Mine(me)
	require.NoError(t, err)
	require.Len(t, mine, centres.MaxActive)
	_, err = e.svc.Cancel(me, mine[0].Code)
	require.NoError(t, err)
	_, err = e.svc.Book(me, "cnap-t", "T-1", at(3, 9, 0), uuid.Nil)
	require.NoError(t, err)
}

// TestRescheduleAndCancel: a booking moves to a free slot (its old one is
// free again), not to a taken one;
// others cannot see or touch it; a cancelled one is cancelled once.
func TestRescheduleAndCancel(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	me, other := e.resident(t, 1), e.resident(t, 2)
	v, err := e.svc.Book(me, "cnap-t", "T-1", at(2, 15, 0), uuid.Nil)
	require.NoError(t, err)
	require.Equal(t, v.Code, v.Ticket, "the ticket is given on arrival")
	require.Equal(t, 1, v.Window)
	theirs, err := e.svc.Book(other, "cnap-t", "T-1", at(3, 9, 0), uuid.Nil)
	require.NoError(t, err)

	_, err = e.svc.Reschedule(me, v.Code, at(3, 9, 0))
	require.ErrorIs(t, err, centres.ErrSlotTaken)
	_, err = e.svc.Reschedule(me, v.Code, at(3, 9, 10))
	require.ErrorIs(t, err, centres.ErrNoSlot, "not a slot's start")
	moved, err := e.svc.Reschedule(me, v.Code, at(3, 11, 0))
	require.NoError(t, err)
	require.True(t, moved.Start.Equal(at(3, 11, 0)))
	_, err = e.svc.Book(other, "cnap-t", "T-1", at(2, 15, 0), uuid.Nil)
	require.NoError(t, err, "the old slot is free again")

	_, err = e.svc.Booking(other, v.Code)
	require.ErrorIs(t, err, centres.ErrNotFound, "someone else's booking")
	_, err = e.svc.Cancel(other, v.Code)
	require.ErrorIs(t, err, centres.ErrNotFound)

	c, err := e.svc.Cancel(me, v.Code)
	require.NoError(t, err)
	require.Equal(t, centres.Cancelled, c.Status)
	_, err = e.svc.Cancel(me, v.Code)
	require.NoError(t, err, "a second cancel changes nothing")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE key = 'centres.notice_cancelled'`))
	_, err = e.svc.Reschedule(me, v.Code, at(3, 11, 30))
	require.ErrorIs(t, err, centres.ErrNotBooked)

	e.now = at(3, 9, 5)
	_, err = e.svc.Cancel(other, theirs.Code)
	require.ErrorIs(t, err, centres.ErrNotBooked, "its time has begun")
}

// TestCalendarFile: the .ics parses as iCalendar, with the booking's code
// as UID, its times in UTC, the centre's address and a reminder.
func TestCalendarFile(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	v, err := e.svc.Book(e.resident(t, 1), "cnap-t", "T-1", at(3, 9, 30), uuid.Nil)
	require.NoError(t, err)
	v.CentreAddr.UK = "вул. Тестова, 1; корпус «Б», дуже довга адреса, щоб рядок перевищив сімдесят п'ять октетів"
	raw := centres.ICS(v, "kyiv.hromada.example", e.now)
	require.NotContains(t, string(bytes.ReplaceAll(raw, []byte("\r\n"), nil)), "\n", "every line ends with CRLF")
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		require.LessOrEqual(t, len(line), 75, "folded at 75 octets: %q", line)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	require.NoError(t, err)
	events := cal.Events()
	require.Len(t, events, 1)
	ev := events[0]
	uid, err := ev.Props.Text(ical.PropUID)
	require.NoError(t, err)
	require.Equal(t, v.Code+"@kyiv.hromada.example", uid)
	start, err := ev.DateTimeStart(time.UTC)
	require.NoError(t, err)
	require.True(t, start.Equal(at(3, 9, 30)))
	end, err := ev.DateTimeEnd(time.UTC)
	require.NoError(t, err)
	require.True(t, end.Equal(at(3, 10, 0)))
	loc, err := ev.Props.Text(ical.PropLocation)
	require.NoError(t, err)
	require.Equal(t, v.CentreAddr.UK, loc)
	require.Len(t, ev.Children, 1)
	require.Equal(t, ical.CompAlarm, ev.Children[0].Name)
}

// TestReminders: a booking less than a day away is reminded of once;
// a cancelled one never; a moved one again for its new time.
func TestReminders(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	me := e.resident(t, 1)
	soon, err := e.svc.Book(me, "cnap-t", "T-1", at(3, 9, 0), uuid.Nil)
	require.NoError(t, err)
	cancelled, err := e.svc.Book(me, "cnap-t", "T-1", at(3, 9, 30), uuid.Nil)
	require.NoError(t, err)
	_, err = e.svc.Cancel(me, cancelled.Code)
	require.NoError(t, err)
	later, err := e.svc.Book(me, "cnap-t", "T-1", at(9, 9, 0), uuid.Nil)
	require.NoError(t, err)

	n, err := e.svc.Remind(e.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = e.svc.Remind(e.ctx)
	require.NoError(t, err)
	require.Zero(t, n, "once")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE key = 'centres.notice_reminder' AND args->>'Code' = $1`, soon.Code))

	_, err = e.svc.Reschedule(me, later.Code, at(3, 9, 30))
	require.NoError(t, err)
	n, err = e.svc.Remind(e.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the moved booking, now a day away")
}
