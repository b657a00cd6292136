package applications_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/documents/doctest"
	"hromada/modules/signature"
)

func TestQueueByProvider(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a1 := e.submitted(t, e.o1, e.r1, "T-1")
	a2 := e.submitted(t, e.o2, e.r2, "T-1")
	b1 := e.submitted(t, e.o1, e.r1, "T-2")
	_, err := e.svc.Start(e.ctx, e.o2, e.r2, "T-2") // a draft: in no queue
	require.NoError(t, err)

	ids := func(f applications.ListFilter) ([]uuid.UUID, applications.Counts) {
		apps, c, err := e.svc.Queue(e.ctx, f)
		require.NoError(t, err)
		var out []uuid.UUID
		for _, a := range apps {
			out = append(out, a.ID)
		}
		return out, c
	}
	got, c := ids(applications.ListFilter{Provider: e.provA})
	require.ElementsMatch(t, []uuid.UUID{a1.ID, a2.ID}, got)
	require.Equal(t, 2, c.Total)
	require.Equal(t, map[applications.Status]int{applications.Received: 2}, c.ByStatus)
	require.Zero(t, c.Overdue)

	got, c = ids(applications.ListFilter{Provider: e.provB})
	require.Equal(t, []uuid.UUID{b1.ID}, got)
	require.Equal(t, 1, c.Total)

	got, _ = ids(applications.ListFilter{Provider: e.provA, Service: "T-2"})
	require.Empty(t, got, "B's service through A's queue")
	got, c = ids(applications.ListFilter{Provider: uuid.New()})
	require.Empty(t, got)
	require.Zero(t, c.Total)

	require.NoError(t, e.svc.Take(e.ctx, e.staff, a1.ID))
	got, c = ids(applications.ListFilter{Provider: e.provA, Status: applications.InReview})
	require.Equal(t, []uuid.UUID{a1.ID}, got)
	require.Equal(t, map[applications.Status]int{applications.Received: 1, applications.InReview: 1}, c.ByStatus)

	// Overdue, by the service's clock.
	late := &applications.Service{DB: e.svc.DB, Docs: e.svc.Docs, Sealer: e.svc.Sealer, Notify: e.notices, Now: func() time.Time { return now.AddDate(0, 1, 0) }}
	apps, c, err := late.Queue(e.ctx, applications.ListFilter{Provider: e.provA, Overdue: true})
	require.NoError(t, err)
	require.Len(t, apps, 2)
	require.Equal(t, 2, c.Overdue)
	require.True(t, apps[0].Overdue(now.AddDate(0, 1, 0)))
	require.False(t, apps[0].Overdue(now))
}

func TestOfficialWork(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.submitted(t, e.o1, e.r1, "T-1")
	other := e.submitted(t, e.o2, e.r2, "T-1")
	id := app.ID
	last := func(o applications.Owner) applications.Event {
		_, evs, _, err := e.svc.Get(e.ctx, o, id)
		require.NoError(t, err)
		return evs[len(evs)-1]
	}

	// A draft is not the officials'.
	dr, err := e.svc.Start(e.ctx, e.o1, e.r1, "T-2")
	require.NoError(t, err)
	_, _, _, _, err = e.svc.View(e.ctx, e.staff, dr.ID)
	require.ErrorIs(t, err, applications.ErrNotFound)
	require.ErrorIs(t, e.svc.Take(e.ctx, e.staff, dr.ID), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Take(e.ctx, e.staff, uuid.New()), applications.ErrNotFound)

	// Decide before taking: refused.
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, id, true, "", ""), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, id, false, refusalGround, ""), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Clarify(e.ctx, e.staff, id, "що?"), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Issue(e.ctx, e.staff, id, nil, nil, ""), applications.ErrTransition)

	require.NoError(t, e.svc.Take(e.ctx, e.staff, id))
	got, evs, _, grounds, err := e.svc.View(e.ctx, e.staff, id)
	require.NoError(t, err)
	require.Equal(t, applications.InReview, got.Status)
	require.Equal(t, &e.staff.AccountID, got.AssigneeID)
	require.Len(t, evs, 3)
	require.Equal(t, applications.Event{From: applications.Received, To: applications.InReview, ActorKind: applications.Official,
		ActorName: "головний спеціаліст " + nameO, At: evs[2].At}, evs[2])
	require.Len(t, grounds, 2)
	require.Equal(t, refusalGround, grounds[0].UK)
	require.ErrorIs(t, e.svc.Take(e.ctx, e.staff, id), applications.ErrTransition, "taken already")

	// Clarification.
	require.ErrorIs(t, e.svc.Clarify(e.ctx, e.staff, id, "  "), applications.ErrNeedComment)
	require.NoError(t, e.svc.Clarify(e.ctx, e.staff, id, " Додайте копію паспорта "))
	require.Equal(t, applications.Clarification, e.status(t, e.o1, id))
	require.Equal(t, "Додайте копію паспорта", last(e.o1).Comment)
	inbox, err := e.notices.Inbox(e.ctx, e.r1.AccountID)
	require.NoError(t, err)
	require.Equal(t, "notify.clarification", inbox[0].Key)
	require.Equal(t, "Додайте копію паспорта", inbox[0].Args["Comment"])
	require.ErrorIs(t, e.svc.Take(e.ctx, e.staff, id), applications.ErrTransition, "waiting for the applicant")

	// The applicant answers.
	require.ErrorIs(t, e.svc.Answer(e.ctx, e.o2, e.r2, id, "не моя", nil), applications.ErrNotFound)
	require.ErrorIs(t, e.svc.Answer(e.ctx, e.o1, e.r1, id, " ", nil), applications.ErrNeedComment)
	require.ErrorIs(t, e.svc.Answer(e.ctx, e.o2, e.r2, other.ID, "без запиту", nil), applications.ErrTransition)
	require.NoError(t, e.svc.Answer(e.ctx, e.o1, e.r1, id, "Копію додано", nil))
	require.Equal(t, applications.Resubmitted, e.status(t, e.o1, id))
	require.Equal(t, applications.Applicant, last(e.o1).ActorKind)
	require.Equal(t, 2, e.outbox(t, id), "back in the officials' queue")
	require.ErrorIs(t, e.svc.Answer(e.ctx, e.o1, e.r1, id, "ще раз", nil), applications.ErrTransition)

	require.NoError(t, e.svc.Take(e.ctx, e.staff, id))
	require.Equal(t, applications.InReview, e.status(t, e.o1, id))

	// A refusal names one of the service's grounds.
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, id, false, "", ""), applications.ErrNeedGrounds)
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, id, false, "Бо так", ""), applications.ErrNeedGrounds)
	require.Equal(t, applications.InReview, e.status(t, e.o1, id))
	require.NoError(t, e.svc.Decide(e.ctx, e.staff, id, false, " "+refusalGround+" ", "Бракує довідки"))
	got, _, _, _, err = e.svc.View(e.ctx, e.staff, id)
	require.NoError(t, err)
	require.Equal(t, applications.Refused, got.Status)
	require.Equal(t, "refused", got.Decision)
	require.Equal(t, refusalGround, got.Grounds)
	require.Equal(t, &e.staff.AccountID, got.DecidedBy)
	require.Equal(t, e.staff.Position, got.DecidedPos)
	require.Equal(t, nameO, got.DecidedName)
	require.NotNil(t, got.DecidedAt)
	require.True(t, got.DecidedAt.Equal(now))
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, id, true, "", ""), applications.ErrTransition, "decided already")
	require.ErrorIs(t, e.svc.Withdraw(e.ctx, e.o1, e.r1, id, ""), applications.ErrTransition)

	// Deciding on a received one is refused.
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, other.ID, true, "", ""), applications.ErrTransition)
	require.Equal(t, applications.Received, e.status(t, e.o2, other.ID))

	// Issue: the decision as a PDF signed by the official, inside and
	// detached, with the signed JSON record beside it as data.
	require.NoError(t, e.svc.Issue(e.ctx, e.staff, id, nil, nil, "Рішення додається"))
	got, evs, files, _, err := e.svc.View(e.ctx, e.staff, id)
	require.NoError(t, err)
	require.Equal(t, applications.Issued, got.Status)
	require.Equal(t, applications.Denied, got.Shown())
	require.Equal(t, applications.Issued, evs[len(evs)-1].To)
	byKind := map[string]applications.File{}
	for _, f := range files {
		byKind[f.Kind] = f
	}
	require.Len(t, byKind, 4)
	require.Equal(t, "rishennia-"+app.Number+".pdf", byKind["decision"].Name)
	require.Equal(t, "application/pdf", byKind["decision"].ContentType)
	_, pdf, err := e.svc.StaffFile(e.ctx, id, byKind["decision"].ID)
	require.NoError(t, err)
	_, pdfSig, err := e.svc.StaffFile(e.ctx, id, byKind["decision_signature"].ID)
	require.NoError(t, err)
	report := doctest.RequireSigned(t, pdf, pdfSig, e.ca.Certificate)
	require.Contains(t, report, nameO)
	text := doctest.Text(t, pdf)
	for _, want := range []string{"Рішення про відмову в наданні адміністративної послуги", "Відмовити в наданні послуги", refusalGround,
		"Рішення додається", "Порядок оскарження", "протягом 30 днів", "шести місяців", e.staff.Position, nameO,
		"06.03.2026 10:00 (за київським часом)", "/verify/"} {
		require.Contains(t, text, want)
	}
	// The refusal says where to complain online: the application page's
	// complaint form on the city's portal (issue 18).
	require.Contains(t, strings.Join(strings.Fields(text), ""), "Податискаргуонлайн:https://"+e.tn.Slug+".hromada.example/appeals/new?application="+id.String())
	dec, sig := e.staffFile(t, id, byKind["decision_data"]), e.staffFile(t, id, byKind["decision_data_signature"])
	signer, err := signature.VerifyDetached(dec, sig, signature.VerifyOptions{Roots: e.ca.Pool(), WantRNOKPP: rnokppO})
	require.NoError(t, err)
	require.Equal(t, nameO, signer.CommonName)
	var rec applications.DecisionRecord
	require.NoError(t, json.Unmarshal(dec, &rec))
	require.Equal(t, app.Number, rec.Number)
	require.Equal(t, "refused", rec.Decision)
	require.Equal(t, refusalGround, rec.Grounds)
	require.Equal(t, "Рішення додається", rec.Comment)
	require.Equal(t, e.staff.Position, rec.Position)
	require.Equal(t, nameO, rec.FullName)
	require.Equal(t, rnokpp1, rec.Applicant.RNOKPP)
	require.Equal(t, "prov-a", rec.Provider)
	require.Equal(t, byKind["decision"].SHA256, rec.Document.SHA256, "the record names the PDF")
	_, err = signature.VerifyDetached(dec, sig, signature.VerifyOptions{Roots: e.ca.Pool(), WantRNOKPP: rnokpp1})
	require.ErrorIs(t, err, signature.ErrWrongSigner)
	_, _, err = e.svc.StaffFile(e.ctx, other.ID, byKind["decision"].ID)
	require.ErrorIs(t, err, applications.ErrNotFound, "a file through another application")
	// The resident sees the result too, and anyone holding it can check it.
	_, _, mine, err := e.svc.Get(e.ctx, e.o1, id)
	require.NoError(t, err)
	require.Len(t, mine, 4)
	docID, err := e.svc.DocumentOf(e.ctx, id)
	require.NoError(t, err)
	v, err := e.svc.Verify(e.ctx, docID)
	require.NoError(t, err)
	require.True(t, v.Authentic, v.Problem)
	require.Equal(t, byKind["decision"].SHA256, v.SHA256)
	require.Equal(t, "refused", v.Summary["decision"])
	inbox, err = e.notices.Inbox(e.ctx, e.r1.AccountID)
	require.NoError(t, err)
	require.Equal(t, "notify.denied", inbox[0].Key)

	// After issue, nothing moves.
	require.ErrorIs(t, e.svc.Take(e.ctx, e.staff, id), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, id, true, "", ""), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Decide(e.ctx, e.staff, id, false, refusalGround, ""), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Clarify(e.ctx, e.staff, id, "ще"), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Issue(e.ctx, e.staff, id, nil, nil, ""), applications.ErrTransition)
	err = e.exec(`UPDATE applications SET decision = 'approved', grounds = '' WHERE id = $1`, id)
	require.Equal(t, "42501", sqlState(err), "%v", err)
	err = e.exec(`DELETE FROM application_files WHERE application_id = $1`, id)
	require.Equal(t, "42501", sqlState(err), "%v", err)

	// Approval clears grounds and needs none.
	require.NoError(t, e.svc.Take(e.ctx, e.staff, other.ID))
	require.NoError(t, e.svc.Decide(e.ctx, e.staff, other.ID, true, "будь-що", ""))
	got, _, _, _, err = e.svc.View(e.ctx, e.staff, other.ID)
	require.NoError(t, err)
	require.Equal(t, applications.Approved, got.Status)
	require.Equal(t, "approved", got.Decision)
	require.Empty(t, got.Grounds)
}

// TestAuditEvents: every transition and staff view is recorded in the
// audit log in its transaction; an error there undoes the transition.
func TestAuditEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// The audit log refusing the issue's record, as a log that is down
	// would: a trigger of the owner's, for the one action.
	auditDown := func(down bool) {
		t.Helper()
		sql := `DROP TRIGGER audit_down ON audit_events`
		if down {
			_, err := e.db.Owner.Exec(e.ctx, `CREATE OR REPLACE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.action = 'application.issue' THEN RAISE EXCEPTION 'audit is down'; END IF; RETURN NEW; END $$`)
			require.NoError(t, err)
			sql = `CREATE TRIGGER audit_down BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_down()`
		}
		_, err := e.db.Owner.Exec(e.ctx, sql)
		require.NoError(t, err)
	}
	actions := func() []string {
		t.Helper()
		var out []string
		require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT substr(action, length('application.') + 1) || ':' || (details->>'status')
				FROM audit_events WHERE object_type = 'application' ORDER BY at, id`)
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		}))
		return out
	}
	app := e.submitted(t, e.o1, e.r1, "T-1")
	_, _, _, _, err := e.svc.View(e.ctx, e.staff, app.ID)
	require.NoError(t, err)
	require.NoError(t, e.svc.Take(e.ctx, e.staff, app.ID))
	require.NoError(t, e.svc.Clarify(e.ctx, e.staff, app.ID, "Уточніть площу"))
	require.NoError(t, e.svc.Answer(e.ctx, e.o1, e.r1, app.ID, "Уточнено", nil))
	require.NoError(t, e.svc.Take(e.ctx, e.staff, app.ID))
	require.NoError(t, e.svc.Decide(e.ctx, e.staff, app.ID, true, "", ""))

	auditDown(true)
	require.Error(t, e.svc.Issue(e.ctx, e.staff, app.ID, nil, nil, ""))
	require.Equal(t, applications.Approved, e.status(t, e.o1, app.ID), "rolled back")
	require.Equal(t, 0, e.count(t, `SELECT count(*) FROM application_files WHERE application_id = $1`, app.ID))
	auditDown(false)
	require.NoError(t, e.svc.Issue(e.ctx, e.staff, app.ID, nil, nil, ""))

	other := e.submitted(t, e.o2, e.r2, "T-1")
	require.NoError(t, e.svc.Withdraw(e.ctx, e.o2, e.r2, other.ID, ""))

	require.Equal(t, []string{"submit:received", "view:received", "take:in_review", "clarify:clarification", "answer:resubmitted",
		"take:in_review", "approve:approved", "issue:issued", "submit:received", "withdraw:withdrawn"}, actions())
}

// staffFile is a file of an application as an official downloads it.
func (e *env) staffFile(t *testing.T, app uuid.UUID, f applications.File) []byte {
	t.Helper()
	_, b, err := e.svc.StaffFile(e.ctx, app, f.ID)
	require.NoError(t, err)
	return b
}
