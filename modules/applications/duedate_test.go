package applications_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/tenant"
)

func TestDueDate(t *testing.T) {
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
			got := applications.DueDate(day(c.received), c.term, c.holidays)
			require.Equal(t, c.want, got.Format("2006-01-02"))
		})
	}
}
