package appeals_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/appeals"
)

func date(s string) time.Time {
	d, _ := time.Parse("2006-01-02", s)
	return d
}

// TestTermExtension: the term is counted on the city's calendar by kind
// (art. 20) and extended only later, with a reason the resident is told,
// and never past 45 days from receipt (the table's CHECK says the same).
func TestTermExtension(t *testing.T) {
	t.Parallel()
	e := setup(t)
	hs := map[string]bool{"2026-03-23": true}
	require.Equal(t, "2026-03-24", appeals.TermOf(appeals.Statement, now, hs).Format("2006-01-02"),
		"15 days end on Saturday 21 March; Monday 23 is a day off: Tuesday")
	require.Equal(t, "2026-04-06", appeals.TermOf(appeals.Proposal, now, hs).Format("2006-01-02"), "a month: Monday 6 April")

	a := e.file(t, e.r1, pothole()) // due 6 April
	off := e.as(e.roadsOff)
	require.ErrorIs(t, e.svc.Extend(off, a.ID, date("2026-04-10"), "  "), appeals.ErrNeedReason)
	require.ErrorIs(t, e.svc.Extend(off, a.ID, date("2026-04-06"), "потрібна експертиза"), appeals.ErrTermLater)
	require.ErrorIs(t, e.svc.Extend(off, a.ID, date("2026-04-21"), "потрібна експертиза"), appeals.ErrTermMax, "6 March + 45 days is 20 April")
	require.NoError(t, e.svc.Extend(off, a.ID, date("2026-04-20"), "потрібна експертиза дорожнього покриття"))
	require.Equal(t, 1, e.notices(t, e.r1.ID, "notify.appeal_extended"))
	c, err := e.svc.Own(e.as(e.r1), a.ID)
	require.NoError(t, err)
	require.Equal(t, "2026-04-20", c.Appeal.DueOn.Format("2006-01-02"))
	require.Len(t, c.Terms, 2)
	require.Equal(t, "extend", c.Terms[1].Kind)
	require.Equal(t, "потрібна експертиза дорожнього покриття", c.Terms[1].Reason)
	require.Equal(t, "appeals_term_max", constraint(e.exec(`UPDATE appeals SET due_on = '2026-04-21' WHERE id = $1`, a.ID)))
}

// TestEscalation: one working day before the term ends the official who
// took it is reminded; once it passes the provider head is told; a
// working day later the dispatcher; each once however often the job runs
// (time injected).
func TestEscalation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	st := e.file(t, e.r1, statement()) // due Monday 23 March
	require.NoError(t, e.svc.Take(e.as(e.roadsOff), st.ID))
	require.Equal(t, "2026-03-23", st.DueOn.Format("2006-01-02"))

	run := func(at time.Time) appeals.Escalated {
		t.Helper()
		e.clock(at)
		n, err := e.svc.Escalate(e.ctx)
		require.NoError(t, err)
		return n
	}
	require.Equal(t, appeals.Escalated{}, run(at(19, 10)), "Thursday: two working days left")
	require.Equal(t, appeals.Escalated{DueSoon: 1}, run(at(20, 10)), "Friday: one working day left")
	require.Equal(t, appeals.Escalated{}, run(at(20, 17)), "once")
	require.Equal(t, 1, e.notices(t, e.roadsOff.ID, "notify.appeal_due_soon"))
	require.Equal(t, appeals.Escalated{}, run(at(23, 12)), "the last day: not yet overdue")
	require.Equal(t, appeals.Escalated{Overdue: 1}, run(at(24, 9)), "Tuesday: overdue")
	require.Equal(t, appeals.Escalated{}, run(at(24, 18)))
	require.Equal(t, 1, e.notices(t, e.roadsHead.ID, "notify.appeal_overdue"))
	require.Equal(t, 0, e.notices(t, e.dispatcher.ID, "notify.appeal_late"))
	require.Equal(t, appeals.Escalated{Late: 1}, run(at(25, 9)), "Wednesday: the working day after it passed has passed too, the dispatcher")
	require.Equal(t, appeals.Escalated{}, run(at(26, 9)))
	require.Equal(t, 1, e.notices(t, e.dispatcher.ID, "notify.appeal_late"))

	// Answered, nothing more.
	require.NoError(t, e.svc.Answer(e.as(e.roadsOff), st.ID, "Відповідь надано."))
	require.Equal(t, appeals.Escalated{}, run(at(31, 9)))
}

// statement is a statement about a road in Obolon (fifteen days).
func statement() appeals.Filing {
	return appeals.Filing{Kind: appeals.Statement, Category: "roads", Body: "Прошу відновити розмітку на пішохідному переході", District: "obolon",
		Address: "просп. Оболонський, 1"}
}
