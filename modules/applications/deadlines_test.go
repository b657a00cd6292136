package applications_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/tenant"
)

// at is a moment in Kyiv in March 2026 (the tests' calendar: Friday 6th,
// Monday 9th a day off).
func at(dayOfMarch, hour int) time.Time {
	return time.Date(2026, 3, dayOfMarch, hour, 0, 0, 0, tenant.Zone)
}

// deadlineEnv is a city with the tests' official at provider A and a
// second official and a head there too.
type deadlineEnv struct {
	*env
	head, colleague applications.Staff
}

func setupDeadlines(t *testing.T) *deadlineEnv {
	t.Helper()
	e := &deadlineEnv{env: setup(t)}
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, p := range []struct {
			rnokpp, name, role string
			st                 *applications.Staff
		}{
			{"3184710691", "Мельник Ганна Олексіївна", "provider_head", &e.head},
			{"3000000008", "Ткаченко Петро Ігорович", "official", &e.colleague},
			{rnokppO, nameO, "official", nil},
		} {
			acc, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: p.rnokpp, FullName: p.name})
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO access_grants (tenant_id, id, account_id, role, provider_id) VALUES (app_tenant_id(), $1, $2, $3, $4)`,
				uuid.New(), acc.ID, p.role, e.provA); err != nil {
				return err
			}
			if p.st != nil {
				*p.st = applications.Staff{AccountID: acc.ID, FullName: p.name, RNOKPP: p.rnokpp}
			}
		}
		return nil
	}))
	return e
}

// clock sets the service's time.
func (e *deadlineEnv) clock(t time.Time) { e.svc.Now = func() time.Time { return t } }

// notices counts the deadline notices of key an account has about app.
func (e *deadlineEnv) notices(t *testing.T, account, app uuid.UUID, key string) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM notifications WHERE account_id = $1 AND application_id = $2 AND key = $3`, account, app, key)
}

func (e *deadlineEnv) audited(t *testing.T, app uuid.UUID, action string) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM audit_events WHERE object_id = $1 AND action = $2`, app.String(), action)
}

// TestTermLocked: once submitted, the term — due_on and the pause —
// changes only through an extension or a pause, never by a direct UPDATE
// of the app role; its history is the database's to write; an extension
// is recorded, audited and told to the applicant.
func TestTermLocked(t *testing.T) {
	t.Parallel()
	e := setupDeadlines(t)
	app := e.submitted(t, e.o1, e.r1, "T-1")
	require.Equal(t, "2026-03-16", app.DueOn.Format(time.DateOnly), "five working days from Friday, Monday a day off")

	for _, c := range []struct{ name, sql string }{
		{"due_on later", `UPDATE applications SET due_on = due_on + 30 WHERE id = $1`},
		{"due_on cleared", `UPDATE applications SET due_on = NULL WHERE id = $1`},
		{"a pause", `UPDATE applications SET paused_at = now(), paused_days = 3 WHERE id = $1`},
		{"received_at", `UPDATE applications SET received_at = received_at + interval '10 days' WHERE id = $1`},
		{"a forged term change", `INSERT INTO application_term_changes (tenant_id, id, application_id, kind, reason)
			VALUES (app_tenant_id(), gen_random_uuid(), $1, 'extend', 'x')`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := e.exec(c.sql, app.ID)
			require.Equal(t, "42501", sqlState(err), "%v", err)
		})
	}
	// The function refuses a term moved earlier, or without a reason.
	require.Error(t, e.exec(`SELECT application_term_change($1, 'extend', '2026-03-10', NULL, 'раніше', NULL)`, app.ID))
	require.Error(t, e.exec(`SELECT application_term_change($1, 'extend', '2026-04-10', NULL, ' ', NULL)`, app.ID))

	require.ErrorIs(t, e.svc.Extend(e.ctx, e.staff, app.ID, at(20, 0), " "), applications.ErrNeedReason)
	require.ErrorIs(t, e.svc.Extend(e.ctx, e.staff, app.ID, at(16, 0), "ч. 3 ст. 10"), applications.ErrTermLater)
	require.NoError(t, e.svc.Extend(e.ctx, e.staff, app.ID, at(30, 0), "ч. 3 ст. 10 Закону: потрібна експертиза"))

	got, err := e.svc.Own(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.Equal(t, "2026-03-30", got.DueOn.Format(time.DateOnly))
	changes, err := e.svc.TermChanges(e.ctx, app.ID)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	require.Equal(t, "extend", changes[0].Kind)
	require.Equal(t, "2026-03-16", changes[0].OldDue.Format(time.DateOnly))
	require.Equal(t, "2026-03-30", changes[0].NewDue.Format(time.DateOnly))
	require.Equal(t, 1, e.audited(t, app.ID, "application.term.extend"))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE object_id = $1 AND action = 'application.term.extend'
		AND details->>'old_due_on' = '2026-03-16' AND details->>'due_on' = '2026-03-30' AND details->>'position' = 'головний спеціаліст'`, app.ID.String()))
	require.Equal(t, 1, e.notices(t, e.r1.AccountID, app.ID, "notify.term_extended"))
	// The term's history is append-only.
	require.Equal(t, "42501", sqlState(e.exec(`UPDATE application_term_changes SET reason = 'x' WHERE application_id = $1`, app.ID)))
	require.Equal(t, "42501", sqlState(e.exec(`DELETE FROM application_term_changes WHERE application_id = $1`, app.ID)))

	// A decided application's term is over: no extension.
	require.NoError(t, e.svc.Take(e.ctx, e.staff, app.ID))
	require.NoError(t, e.svc.Decide(e.ctx, e.staff, app.ID, true, "", ""))
	require.ErrorIs(t, e.svc.Extend(e.ctx, e.staff, app.ID, at(31, 0), "ще"), applications.ErrTransition)
}

// TestEscalation: a due-soon notice reaches the official who took the
// case, an overdue case escalates to the provider head, each exactly once
// however often the job runs (time injected), and the head reassigns it.
func TestEscalation(t *testing.T) {
	t.Parallel()
	e := setupDeadlines(t)
	app := e.submitted(t, e.o1, e.r1, "T-1") // due Monday 16 March
	untaken := e.submitted(t, e.o2, e.r2, "T-1")
	require.NoError(t, e.svc.Take(e.ctx, e.staff, app.ID))

	e.clock(at(12, 10)) // Thursday: two working days left
	n, err := e.svc.Escalate(e.ctx)
	require.NoError(t, err)
	require.Equal(t, applications.Escalated{}, n)

	e.clock(at(13, 9)) // Friday: one working day left
	n, err = e.svc.Escalate(e.ctx)
	require.NoError(t, err)
	require.Equal(t, applications.Escalated{DueSoon: 2}, n)
	require.Equal(t, 1, e.notices(t, e.staff.AccountID, app.ID, "notify.deadline_due_soon"), "the official who took it")
	require.Equal(t, 0, e.notices(t, e.colleague.AccountID, app.ID, "notify.deadline_due_soon"), "only the one who took it")
	for _, o := range []applications.Staff{e.staff, e.colleague} {
		require.Equal(t, 1, e.notices(t, o.AccountID, untaken.ID, "notify.deadline_due_soon"), "nobody took it: every official of the provider")
	}
	e.clock(at(13, 17))
	n, err = e.svc.Escalate(e.ctx)
	require.NoError(t, err)
	require.Equal(t, applications.Escalated{}, n, "once")

	e.clock(at(17, 8)) // Tuesday: overdue
	queued, counts, err := e.svc.Queue(e.ctx, applications.ListFilter{Provider: e.provA, Overdue: true})
	require.NoError(t, err)
	require.Len(t, queued, 2)
	require.Equal(t, 2, counts.Overdue)
	for range 3 {
		_, err = e.svc.Escalate(e.ctx)
		require.NoError(t, err)
	}
	require.Equal(t, 1, e.notices(t, e.head.AccountID, app.ID, "notify.deadline_overdue"), "the head, exactly once")
	require.Equal(t, 1, e.notices(t, e.head.AccountID, untaken.ID, "notify.deadline_overdue"))
	require.Equal(t, 0, e.notices(t, e.staff.AccountID, app.ID, "notify.deadline_overdue"))
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM deadline_notices WHERE kind = 'overdue'`))

	// The head hands it to a colleague: audited, and the colleague told.
	require.ErrorIs(t, e.svc.Reassign(e.ctx, e.head, app.ID, e.r2.AccountID), applications.ErrNotOfficial, "a resident is no official")
	require.ErrorIs(t, e.svc.Reassign(e.ctx, e.head, app.ID, e.head.AccountID), applications.ErrNotOfficial, "the head does not process")
	require.NoError(t, e.svc.Reassign(e.ctx, e.head, app.ID, e.colleague.AccountID))
	got, _, _, _, err := e.svc.View(e.ctx, e.colleague, app.ID)
	require.NoError(t, err)
	require.Equal(t, e.colleague.AccountID, *got.AssigneeID)
	require.Equal(t, 1, e.notices(t, e.colleague.AccountID, app.ID, "notify.assigned"))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE object_id = $1 AND action = 'application.reassign'
		AND actor_id = $2 AND details->>'from' = $3 AND details->>'to' = $4`, app.ID.String(), e.head.AccountID.String(),
		e.staff.AccountID.String(), e.colleague.AccountID.String()))
	colleagues, err := e.svc.Officials(e.ctx, app.ID)
	require.NoError(t, err)
	require.Len(t, colleagues, 2)

	// An extension is a new due date: it may warn again, once.
	require.NoError(t, e.svc.Extend(e.ctx, e.colleague, app.ID, at(18, 0), "ч. 3 ст. 10"))
	n, err = e.svc.Escalate(e.ctx)
	require.NoError(t, err)
	require.Equal(t, applications.Escalated{DueSoon: 1}, n)
	require.Equal(t, 1, e.notices(t, e.colleague.AccountID, app.ID, "notify.deadline_due_soon"))
}

// TestPausedTermIsNotOverdue: where the service's law stops the term
// during a clarification, a case waiting for the applicant is neither
// overdue nor escalated, and its term resumes from the answer with the
// working days it had left; the pause and the resumption are audited.
func TestPausedTermIsNotOverdue(t *testing.T) {
	t.Parallel()
	e := setupDeadlines(t)
	require.NoError(t, e.exec(`UPDATE services SET content = jsonb_set(content, '{term,pauses_on_clarification}', 'true') WHERE code = 'T-1'`))
	app := e.submitted(t, e.o1, e.r1, "T-1") // due Monday 16 March
	other := e.submitted(t, e.o2, e.r2, "T-1")
	require.NoError(t, e.svc.Take(e.ctx, e.staff, app.ID))

	e.clock(at(10, 11)) // Tuesday: 11, 12, 13, 16 are left
	require.NoError(t, e.svc.Clarify(e.ctx, e.staff, app.ID, "Додайте договір оренди"))
	got, err := e.svc.Own(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.NotNil(t, got.PausedAt)
	require.Equal(t, 4, got.PausedLeft())
	require.Equal(t, 1, e.audited(t, app.ID, "application.term.pause"))

	e.clock(at(18, 9)) // Wednesday after the term
	got, err = e.svc.Own(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.False(t, got.Overdue(at(18, 9)), "paused: the applicant's move")
	_, counts, err := e.svc.Queue(e.ctx, applications.ListFilter{Provider: e.provA})
	require.NoError(t, err)
	require.Equal(t, 1, counts.Overdue, "only the other case")
	n, err := e.svc.Escalate(e.ctx)
	require.NoError(t, err)
	require.Equal(t, applications.Escalated{Overdue: 1}, n)
	require.Equal(t, 0, e.notices(t, e.head.AccountID, app.ID, "notify.deadline_overdue"))
	require.Equal(t, 1, e.notices(t, e.head.AccountID, other.ID, "notify.deadline_overdue"))

	e.clock(at(19, 15)) // Thursday: the answer; four working days from it
	require.NoError(t, e.svc.Answer(e.ctx, e.o1, e.r1, app.ID, "Договір додаю", nil))
	got, err = e.svc.Own(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.Nil(t, got.PausedAt)
	require.Equal(t, "2026-03-25", got.DueOn.Format(time.DateOnly))
	require.Equal(t, 1, e.audited(t, app.ID, "application.term.resume"))
	changes, err := e.svc.TermChanges(e.ctx, app.ID)
	require.NoError(t, err)
	require.Len(t, changes, 2)
	require.Equal(t, "pause", changes[0].Kind)
	require.Equal(t, 4, *changes[0].PausedDays)
	require.Equal(t, "resume", changes[1].Kind)
	require.Equal(t, "2026-03-25", changes[1].NewDue.Format(time.DateOnly))

	// Where the law does not stop it, a clarification leaves the term
	// running.
	require.NoError(t, e.svc.Take(e.ctx, e.staff, other.ID))
	require.NoError(t, e.exec(`UPDATE services SET content = jsonb_set(content, '{term,pauses_on_clarification}', 'false') WHERE code = 'T-1'`))
	require.NoError(t, e.svc.Clarify(e.ctx, e.staff, other.ID, "Уточніть адресу"))
	got, err = e.svc.Own(e.ctx, e.o2, other.ID)
	require.NoError(t, err)
	require.Nil(t, got.PausedAt)
	require.True(t, got.Overdue(at(19, 15)))
}
