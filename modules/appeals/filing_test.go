package appeals_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/appeals"
)

// TestFileAndRoute: a resident's pothole complaint with a point in Podil
// is numbered, given a month's term on the city's calendar and routed by
// the most specific rule to the roads provider's Podil unit, whose
// officials are told; a second submit is the same appeal; the keyword
// rule and the dispatcher's fallback route too.
func TestFileAndRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := pothole()
	a := e.file(t, e.r1, f)
	require.Regexp(t, `^З-2026-\d{6}$`, a.Number)
	require.Equal(t, e.roads, *a.ProviderID)
	require.Equal(t, "Подільська дільниця", a.Unit)
	require.Equal(t, "2026-04-06", a.DueOn.Format("2006-01-02"), "a complaint: a month, 6 April a Monday")
	require.Equal(t, 1, e.notices(t, e.roadsOff.ID, "notify.appeal_new"))
	require.Equal(t, 0, e.notices(t, e.housingOff.ID, "notify.appeal_new"))

	again, errs, err := e.svc.File(e.as(e.r1), f, nil)
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, a.ID, again.ID, "a double submit is one appeal")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM appeals`))

	// A statement: fifteen days, 21 March a Saturday, so Monday 23.
	st := e.file(t, e.r2, appeals.Filing{Kind: appeals.Statement, Category: "roads", Body: "Прошу встановити лежачого поліцейського та ліфт",
		Address: "вул. Садова, 1"})
	require.Equal(t, "2026-03-23", st.DueOn.Format("2006-01-02"))
	require.Equal(t, e.housing, *st.ProviderID, "the keyword rule beats the rule without one")

	// No rule for the category: the dispatcher's.
	other := e.file(t, e.r2, appeals.Filing{Kind: appeals.Proposal, Category: "other", Body: "Пропоную облаштувати велодоріжку на набережній"})
	require.Nil(t, other.ProviderID)
	require.Equal(t, 1, e.notices(t, e.dispatcher.ID, "notify.appeal_new"))
	unrouted, err := e.svc.Unrouted(e.as(e.dispatcher))
	require.NoError(t, err)
	require.Len(t, unrouted, 1)

	// The dry run says the same, changing nothing.
	r, err := e.svc.DryRun(e.ctx, "roads", "obolon", "яма")
	require.NoError(t, err)
	require.Equal(t, e.roads, *r.Provider())
	require.Empty(t, r.Unit())
	r, err = e.svc.DryRun(e.ctx, "other", "", "будь-що")
	require.NoError(t, err)
	require.Nil(t, r.Provider())
}

// TestFilingRefusals: art. 8 — no anonymous appeal, and a repeated appeal
// on a matter already answered is refused with the law's reason and the
// earlier number; one whose twin is still open is filed and linked. A
// wrong form loses nothing: the field errors come back, nothing stored.
func TestFilingRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, _, err := e.svc.File(e.ctx, pothole(), nil)
	require.ErrorIs(t, err, appeals.ErrAnonymous)

	_, errs, err := e.svc.File(e.as(e.r1), appeals.Filing{Kind: "petition", Category: "nope", Body: "коротко", Lat: "95", Lon: "30"}, nil)
	require.NoError(t, err)
	require.Equal(t, appeals.FieldErrors{"kind": "appeals.error_kind", "body": "appeals.error_body", "point": "appeals.error_point"}, errs)
	_, errs, err = e.svc.File(e.as(e.r1), appeals.Filing{Kind: appeals.Complaint, Category: "nope", Body: "Досить довгий текст скарги"}, nil)
	require.NoError(t, err)
	require.Equal(t, appeals.FieldErrors{"place": "appeals.error_place"}, errs)
	require.Zero(t, e.count(t, `SELECT count(*) FROM appeals`))

	first := e.file(t, e.r1, pothole())
	near := pothole()
	near.Lat, near.Lon = "50.4652", "30.5156" // about 13 m away
	second := e.file(t, e.r1, near)
	require.Equal(t, first.ID, *second.RepeatedOf, "the first is still open: linked")
	other := e.file(t, e.r2, pothole())
	require.Nil(t, other.RepeatedOf, "another resident's is no repeat")

	e.answer(t, first.ID, e.roadsOff, "Яму залатано 10.03.2026.")
	near.Key = uuid.NewString()
	_, _, err = e.svc.File(e.as(e.r1), near, nil)
	require.ErrorIs(t, err, appeals.ErrRepeated)
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, first.Number, ae.Args["Number"])
	far := pothole()
	far.Lat, far.Lon, far.Key = "50.47", "30.52", uuid.NewString()
	e.file(t, e.r1, far) // another place: another matter
}

// answer takes (when new) and answers id as the official.
func (e *env) answer(t *testing.T, id uuid.UUID, o person, text string) {
	t.Helper()
	ctx := e.as(o)
	c, err := e.svc.Open(ctx, id)
	require.NoError(t, err)
	if c.Appeal.Status == appeals.Received {
		require.NoError(t, e.svc.Take(ctx, id))
	}
	require.NoError(t, e.svc.Answer(ctx, id, text))
}

// application records a refused application of the resident, decided by
// the official at provider: what a complaint about a result is about.
func (e *env) application(t *testing.T, resident, official person, provider uuid.UUID) uuid.UUID {
	t.Helper()
	id := uuid.New()
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status,
				canonical, signature, signer_rnokpp, signer_name, signed_at, received_at, decision, grounds, decided_by, decided_at)
			SELECT app_tenant_id(), $1, '2026-000001', s.id, $2, f.id, $3, 'refused', '\x00', '\x00', $4, $5, now(), now(), 'refused', 'Неповний пакет', $6, now()
			FROM services s JOIN service_forms f ON f.service_id = s.id WHERE s.code = 'T-1'`, id, provider, resident.ID, resident.RNOKPP, resident.Name, official.ID)
		return err
	}))
	return id
}

// TestComplaintNeverToSubject: art. 7 — a complaint about an
// application's result, filed from it, is linked to it and never routed
// to its provider (the next rule's provider gets it), never forwarded
// there, never taken or answered by the official who decided it; the
// table's CHECK refuses the same whatever writes the row.
func TestComplaintNeverToSubject(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.application(t, e.r1, e.cnapOff, e.cnap)
	f := appeals.Filing{Kind: appeals.Complaint, Category: "services", Body: "Відмовили безпідставно, документи були повні", Application: &app}
	_, _, err := e.svc.File(e.as(e.r2), f, nil)
	require.ErrorIs(t, err, appeals.ErrNotYours, "only the applicant complains from the application")

	c := e.file(t, e.r1, f)
	require.Equal(t, app, *c.ApplicationID)
	require.Equal(t, e.cnap, *c.AboutProvider)
	require.Equal(t, e.cnapOff.ID, *c.AboutOfficial)
	require.Equal(t, e.housing, *c.ProviderID, "the centre's rule is passed over: the complaint is about the centre")

	r, err := e.svc.DryRun(e.ctx, "services", "", "")
	require.NoError(t, err)
	require.Equal(t, e.cnap, *r.Provider(), "without a subject the first rule would win")

	require.ErrorIs(t, e.svc.Forward(e.as(e.housingOff), c.ID, e.cnap, "не наша компетенція"), appeals.ErrSubject)
	require.ErrorIs(t, e.svc.Take(e.as(e.cnapOff), c.ID), appeals.ErrSubject)
	require.ErrorIs(t, e.svc.Answer(e.as(e.cnapOff), c.ID, "все правильно"), appeals.ErrSubject)

	// The database refuses it too.
	require.Equal(t, "appeals_not_to_subject", constraint(e.exec(`UPDATE appeals SET provider_id = $2 WHERE id = $1`, c.ID, e.cnap)))
	require.Equal(t, "appeals_not_to_subject", constraint(e.exec(`UPDATE appeals SET assignee_id = $2 WHERE id = $1`, c.ID, e.cnapOff.ID)))

	// Filing it again is a repeat of an open complaint: linked.
	f.Key = uuid.NewString()
	again := e.file(t, e.r1, f)
	require.Equal(t, c.ID, *again.RepeatedOf)
}

// TestScrub: a published text loses e-mail addresses and phone numbers,
// keeps dates and house numbers.
func TestScrub(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Яма біля буд. 12, з 10.03.2026; дзвоніть *** або ***",
		appeals.Scrub("Яма біля буд. 12, з 10.03.2026; дзвоніть +380 (67) 123-45-67 або olena.sh@example.com"))
}
