package terms_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/catalog"
	"hromada/modules/terms"
	"hromada/tenant"
)

func TestDue(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, tenant.Zone)
		require.NoError(t, err)
		return d
	}
	// 2026-03-06 is a Friday; 2026-03-09 (Monday) is a day off.
	hs := map[string]bool{"2026-03-09": true}
	for _, c := range []struct {
		name     string
		received string
		term     catalog.Term
		holidays map[string]bool
		want     string
	}{
		{"working days skip the weekend", "2026-03-04 10:00", catalog.Term{Days: 3, Working: true}, nil, "2026-03-09"},
		{"working days skip the weekend and a holiday", "2026-03-04 10:00", catalog.Term{Days: 3, Working: true}, hs, "2026-03-10"},
		{"five working days from a Friday with a holiday", "2026-03-06 10:00", catalog.Term{Days: 5, Working: true}, hs, "2026-03-16"},
		{"ten working days from a Friday", "2026-03-06 17:59", catalog.Term{Days: 10, Working: true}, nil, "2026-03-20"},
		{"ten working days from a Friday with a holiday", "2026-03-06 17:59", catalog.Term{Days: 10, Working: true}, hs, "2026-03-23"},
		{"one working day from a Saturday", "2026-03-07 09:00", catalog.Term{Days: 1, Working: true}, nil, "2026-03-09"},
		{"calendar days", "2026-03-02 10:00", catalog.Term{Days: 3}, nil, "2026-03-05"},
		{"calendar days count the weekend", "2026-03-05 10:00", catalog.Term{Days: 4}, nil, "2026-03-09"},
		{"calendar term ending on Saturday moves to Monday", "2026-03-05 10:00", catalog.Term{Days: 2}, nil, "2026-03-09"},
		{"calendar term ending on Sunday moves to Monday", "2026-03-05 10:00", catalog.Term{Days: 3}, nil, "2026-03-09"},
		{"calendar term ending on Saturday before a holiday moves to Tuesday", "2026-03-05 10:00", catalog.Term{Days: 2}, hs, "2026-03-10"},
		{"calendar term ending on a holiday moves on", "2026-03-08 10:00", catalog.Term{Days: 1}, hs, "2026-03-10"},
		{"0 working days is the same day", "2026-03-06 10:00", catalog.Term{Days: 0, Working: true}, hs, "2026-03-06"},
		{"0 calendar days is the same day", "2026-03-06 10:00", catalog.Term{Days: 0}, hs, "2026-03-06"},
		{"0 days on a Saturday is that Saturday", "2026-03-07 10:00", catalog.Term{Days: 0}, nil, "2026-03-07"},
		{"late evening counts as its own day in Kyiv", "2026-03-06 23:30", catalog.Term{Days: 1, Working: true}, nil, "2026-03-09"},
		{"across the year", "2026-12-30 10:00", catalog.Term{Days: 3, Working: true}, map[string]bool{"2027-01-01": true}, "2027-01-05"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := terms.Due(day(c.received), c.term, c.holidays)
			require.Equal(t, c.want, got.Format("2006-01-02"))
		})
	}
}

func TestDueMonths(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", s, tenant.Zone)
		require.NoError(t, err)
		return d
	}
	// 2026-04-06 (a Monday) is a day off.
	hs := map[string]bool{"2026-04-06": true}
	for _, c := range []struct{ name, received, want string }{
		{"the same date a month later", "2026-03-02", "2026-04-02"},
		{"February has fewer days, the date is the same", "2026-02-04", "2026-03-04"},
		{"a month ending on a Sunday before a day off moves to Tuesday", "2026-03-05", "2026-04-07"},
		{"31 January ends on the last day of February", "2026-01-31", "2026-03-02"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.want, terms.DueMonths(day(c.received), 1, hs).Format("2006-01-02"))
		})
	}
}

func TestDaysLeft(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	hs := map[string]bool{"2026-03-09": true}
	require.Equal(t, 2, terms.DaysLeft(d("2026-03-06"), d("2026-03-11"), true, hs), "Tue and Wed; the weekend and Monday's day off do not count")
	require.Equal(t, 5, terms.DaysLeft(d("2026-03-06"), d("2026-03-11"), false, hs))
	require.Equal(t, 0, terms.DaysLeft(d("2026-03-11"), d("2026-03-11"), true, hs))
	require.Equal(t, -1, terms.DaysLeft(d("2026-03-12"), d("2026-03-11"), true, hs))
}
