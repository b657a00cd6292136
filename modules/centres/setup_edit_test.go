package centres_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/centres"
)

// TestSetupEditor: the staff's editor reads the centre's set-up, refuses
// wrong fields by name, refuses a change that would leave a booking still
// to come outside the hours, in a break or at a window no longer serving
// it (nothing written), and saves the rest with an audit entry.
func TestSetupEditor(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	svc, _ := e.staff(t)
	head := e.resident(t, 9)

	f, err := svc.SetupOf(e.ctx, "cnap-t")
	require.NoError(t, err)
	require.Equal(t, centres.DayForm{Opens: "09:00", Closes: "12:00", BreakFrom: "10:00", BreakTo: "10:30"}, f.Hours[1])
	require.Equal(t, centres.DayForm{}, f.Hours[3], "Thursday: closed")
	require.Equal(t, []int{1}, f.WindowList)
	require.Equal(t, []string{"T-1"}, f.Windows[1])
	require.Equal(t, "30", f.Minutes["T-1"])

	bad := *f
	bad.Hours[0] = centres.DayForm{Opens: "25:00", Closes: "18:00"}
	bad.Hours[2] = centres.DayForm{Opens: "12:00", Closes: "09:00"}
	bad.Hours[4] = centres.DayForm{Opens: "09:00", Closes: "12:00", BreakFrom: "11:00", BreakTo: "13:00"}
	bad.Windows = map[int][]string{1: {"T-1", "NO-SUCH"}}
	bad.NewWindow = "1"
	bad.Minutes = map[string]string{"T-1": "3"}
	require.Equal(t, map[string]string{"opens_1": "centres.error_time", "closes_3": "centres.error_closes_order",
		"break_to_5": "centres.error_break_order", "window_1": "centres.error_window_service", "window_new": "centres.error_window_taken",
		"minutes_T-1": "centres.error_minutes"}, fieldErrs(t, svc.SaveSetup(head, "cnap-t", &bad)))

	// A booking on Tuesday at 9:00, window 1.
	me := e.resident(t, 1)
	b, err := e.svc.Book(me, "cnap-t", "T-1", at(3, 9, 0), uuid.Nil)
	require.NoError(t, err)

	later := *f
	later.Hours[1] = centres.DayForm{Opens: "10:30", Closes: "12:00"}
	err = svc.SaveSetup(head, "cnap-t", &later)
	require.ErrorIs(t, err, centres.ErrOrphans)
	require.Contains(t, apperr.As(err).Args["Bookings"], b.Code+" (03.03.2026 09:00, № 1)", "the refusal names the booking")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM centre_hours WHERE weekday = 2 AND opens = '09:00'`), "nothing written")

	brk := *f
	brk.Hours[1] = centres.DayForm{Opens: "08:00", Closes: "12:00", BreakFrom: "08:30", BreakTo: "09:30"}
	require.ErrorIs(t, svc.SaveSetup(head, "cnap-t", &brk), centres.ErrOrphans, "the booking would fall in the break")

	none := *f
	none.Windows = map[int][]string{1: {}}
	require.ErrorIs(t, svc.SaveSetup(head, "cnap-t", &none), centres.ErrOrphans, "its window would no longer serve its service")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM window_services`))

	// What keeps the booking is saved: Tuesday from 8:00 without a break,
	// Thursday open, a second window, 20-minute appointments.
	ok := *f
	ok.Hours[1] = centres.DayForm{Opens: "08:00", Closes: "13:00"}
	ok.Hours[3] = centres.DayForm{Opens: "09:00", Closes: "17:00", BreakFrom: "13:00", BreakTo: "14:00"}
	ok.NewWindow, ok.NewServes = "2", []string{"T-1", "T-2"}
	ok.Minutes = map[string]string{"T-1": "20", "T-2": ""}
	require.NoError(t, svc.SaveSetup(head, "cnap-t", &ok))
	got, err := svc.SetupOf(e.ctx, "cnap-t")
	require.NoError(t, err)
	require.Equal(t, centres.DayForm{Opens: "08:00", Closes: "13:00"}, got.Hours[1])
	require.Equal(t, centres.DayForm{Opens: "09:00", Closes: "17:00", BreakFrom: "13:00", BreakTo: "14:00"}, got.Hours[3])
	require.Equal(t, []int{1, 2}, got.WindowList)
	require.Equal(t, []string{"T-1", "T-2"}, got.Windows[2])
	require.Equal(t, "20", got.Minutes["T-1"])
	v, err := e.svc.Booking(me, b.Code)
	require.NoError(t, err)
	require.Equal(t, centres.Booked, v.Status, "the booking is kept")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'centre.setup.update'`))
	_, err = svc.SetupOf(e.ctx, "no-such")
	require.ErrorIs(t, err, centres.ErrNotFound)
}
