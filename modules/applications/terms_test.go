package applications_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
)

// TestQueueFiltersByTerm: the queue's "due today", "due this week" and
// assignee filters, and an official's «Мої справи», select by the same
// definition (terms.go): the week ends on Sunday, a term ending today is
// due this week too, the day after it is overdue, and only the cases
// assigned to the official are theirs.
func TestQueueFiltersByTerm(t *testing.T) {
	t.Parallel()
	e := setupDeadlines(t)
	mine := e.submitted(t, e.o1, e.r1, "T-1") // due Monday 16 March
	untaken := e.submitted(t, e.o2, e.r2, "T-1")
	require.NoError(t, e.svc.Take(e.ctx, e.staff, mine.ID))
	ids := func(apps []*applications.Application) []string {
		var out []string
		for _, a := range apps {
			out = append(out, a.ID.String())
		}
		return out
	}
	queue := func(f applications.ListFilter) []string {
		t.Helper()
		f.Provider = e.provA
		apps, _, err := e.svc.Queue(e.ctx, f)
		require.NoError(t, err)
		return ids(apps)
	}
	cases := func(who applications.Staff) applications.Terms {
		t.Helper()
		m, err := e.svc.MyCases(e.ctx, who.AccountID, []uuid.UUID{e.provA})
		require.NoError(t, err)
		require.Len(t, m, 1)
		return m[0].Terms
	}
	me := &e.staff.AccountID

	e.clock(at(12, 10)) // Thursday: the 16th is next week
	require.Empty(t, queue(applications.ListFilter{Due: applications.DueWeek}))
	require.Empty(t, queue(applications.ListFilter{Due: applications.DueToday}))
	require.Equal(t, applications.Terms{Open: 1}, cases(e.staff))

	e.clock(at(16, 10)) // Monday the 16th: due today, and this week
	require.ElementsMatch(t, []string{mine.ID.String(), untaken.ID.String()}, queue(applications.ListFilter{Due: applications.DueToday}))
	require.ElementsMatch(t, []string{mine.ID.String(), untaken.ID.String()}, queue(applications.ListFilter{Due: applications.DueWeek}))
	require.Equal(t, []string{mine.ID.String()}, queue(applications.ListFilter{Due: applications.DueToday, Assignee: me}))
	require.Equal(t, []string{untaken.ID.String()}, queue(applications.ListFilter{Due: applications.DueToday, Unassigned: true}))
	require.Empty(t, queue(applications.ListFilter{Overdue: true}))
	require.Equal(t, applications.Terms{Open: 1, DueToday: 1, DueWeek: 1}, cases(e.staff))
	require.Equal(t, applications.Terms{}, cases(e.colleague), "nothing assigned to the colleague")

	e.clock(at(17, 8)) // Tuesday: overdue, no longer due
	require.Empty(t, queue(applications.ListFilter{Due: applications.DueWeek}))
	require.Equal(t, []string{mine.ID.String()}, queue(applications.ListFilter{Overdue: true, Assignee: me}))
	require.Empty(t, queue(applications.ListFilter{Overdue: true, Assignee: &e.colleague.AccountID}))
	require.Equal(t, applications.Terms{Open: 1, Overdue: 1}, cases(e.staff))
}
