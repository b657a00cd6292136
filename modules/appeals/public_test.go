package appeals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/appeals"
)

// TestComplaintAboutAnswer: once an appeal is answered its author may
// complain about the answer (seed 000 §4.8, art. 7): the complaint is
// linked to the appeal, carries the provider that answered and the
// official who signed, and is never routed, forwarded, taken or answered
// there — the roads' own rules are passed over, so the dispatcher sends
// it; the table's CHECK refuses the same. Only the author, only an
// answered appeal, only as a complaint.
func TestComplaintAboutAnswer(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.file(t, e.r1, pothole())
	off := e.as(e.roadsOff)
	require.NoError(t, e.svc.Take(off, a.ID))
	complaint := appeals.Filing{Kind: appeals.Complaint, Category: "roads", Body: "Яму не залатали, відповідь формальна", Appeal: &a.ID, Key: uuid.NewString()}
	_, _, err := e.svc.File(e.as(e.r1), complaint, nil)
	require.ErrorIs(t, err, appeals.ErrNotAnswered, "not answered yet")
	require.NoError(t, e.svc.Answer(off, a.ID, "Яму внесено до плану ремонту."))

	_, _, err = e.svc.File(e.as(e.r2), complaint, nil)
	require.ErrorIs(t, err, appeals.ErrNotAnswered, "another resident's appeal")
	proposal := complaint
	proposal.Kind = appeals.Proposal
	_, errs, err := e.svc.File(e.as(e.r1), proposal, nil)
	require.NoError(t, err)
	require.Equal(t, "appeals.error_kind_complaint", errs["kind"])

	c := e.file(t, e.r1, complaint)
	require.Equal(t, a.ID, *c.AboutAppeal)
	require.Equal(t, e.roads, *c.AboutProvider)
	require.Equal(t, e.roadsOff.ID, *c.AboutOfficial)
	require.Nil(t, c.ProviderID, "every roads rule is the roads provider's: the dispatcher sends it")
	require.Nil(t, c.RepeatedOf, "a complaint about the answer is no repeat of the appeal")
	require.Equal(t, 1, e.notices(t, e.dispatcher.ID, "notify.appeal_new"))

	disp := e.as(e.dispatcher)
	require.ErrorIs(t, e.svc.Forward(disp, c.ID, e.roads, "дороги"), appeals.ErrSubject)
	require.Equal(t, "appeals_not_to_subject", constraint(e.exec(`UPDATE appeals SET provider_id = $2 WHERE id = $1`, c.ID, e.roads)))
	require.Equal(t, "appeals_not_to_subject", constraint(e.exec(`UPDATE appeals SET assignee_id = $2 WHERE id = $1`, c.ID, e.roadsOff.ID)))
	require.Equal(t, "appeals_about_appeal_not_self", constraint(e.exec(`UPDATE appeals SET about_appeal_id = id WHERE id = $1`, c.ID)))
	require.NoError(t, e.svc.Forward(disp, c.ID, e.housing, "Контроль за ремонтом доріг — заступник міського голови"))
	// Who considers it reads the answer complained about.
	cs, err := e.svc.Open(e.as(e.housingOff), c.ID)
	require.NoError(t, err)
	require.Equal(t, a.Number, cs.About.Number)
	require.Equal(t, "Яму внесено до плану ремонту.", cs.About.Answer)
	require.ErrorIs(t, e.svc.Answer(off, c.ID, "все правильно"), appeals.ErrSubject)

	// The same complaint again, the first still open: filed, linked to it;
	// the same key again: the first, nothing twice.
	again := complaint
	again.Key = uuid.NewString()
	b := e.file(t, e.r1, again)
	require.Equal(t, c.ID, *b.RepeatedOf)
	first, _, err := e.svc.File(e.as(e.r1), complaint, nil)
	require.NoError(t, err)
	require.Equal(t, c.ID, first.ID)
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM appeals WHERE about_appeal_id = $1`, a.ID))
}

// TestPublicList: the public list shows only published appeals of public
// categories, without the author and with contacts scrubbed, filtered by
// category, status and district, a page at a time; one unpublished is not
// found.
func TestPublicList(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := pothole()
	f.Body = "Яма біля будинку 5, телефонуйте +380 67 123-45-67"
	a := e.file(t, e.r1, f)
	off := e.as(e.roadsOff)
	require.NoError(t, e.svc.Take(off, a.ID))
	require.NoError(t, e.svc.Answer(off, a.ID, "Залатано."))
	hidden := pothole()
	hidden.Public, hidden.Key, hidden.Lat, hidden.Lon = false, uuid.NewString(), "50,5", "30,4"
	unpublished := e.file(t, e.r1, hidden)
	private := appeals.Filing{Kind: appeals.Statement, Category: "housing", Body: "Протікає дах у квартирі 7", Address: "вул. Льва Толстого, 1", Public: true, Key: uuid.NewString()}
	notPublic := e.file(t, e.r2, private)
	require.False(t, notPublic.Public, "housing is no public category")
	for i := range appeals.PublicPageSize {
		g := pothole()
		g.Key, g.District, g.Body = uuid.NewString(), "obolon", fmt.Sprintf("Не світить ліхтар № %d на набережній", i)
		g.Lat, g.Lon = fmt.Sprintf("50.5%02d", i), "30.5"
		e.clock(now.Add(time.Duration(i+1) * time.Minute))
		e.file(t, e.r2, g)
	}

	all, err := e.svc.PublicList(e.ctx, appeals.PublicFilter{})
	require.NoError(t, err)
	require.Equal(t, appeals.PublicPageSize+1, all.Total)
	require.Equal(t, 2, all.Pages)
	require.Len(t, all.Appeals, appeals.PublicPageSize)
	last, err := e.svc.PublicList(e.ctx, appeals.PublicFilter{Page: 2})
	require.NoError(t, err)
	require.Len(t, last.Appeals, 1)
	got := last.Appeals[0]
	require.Equal(t, a.ID, got.ID, "newest first: the first filed is last")
	require.Equal(t, "Яма біля будинку 5, телефонуйте ***", got.Text)
	require.Equal(t, appeals.Answered, got.Status)
	require.Equal(t, "Подільський", got.District.UK)
	require.Equal(t, "Департамент транспортної інфраструктури", got.Provider.UK)
	far, err := e.svc.PublicList(e.ctx, appeals.PublicFilter{Page: 9})
	require.NoError(t, err)
	require.Equal(t, 2, far.Page, "a page past the end is the last")

	for _, c := range []struct {
		f    appeals.PublicFilter
		want int
	}{
		{appeals.PublicFilter{Status: "answered"}, 1},
		{appeals.PublicFilter{Status: "open"}, appeals.PublicPageSize},
		{appeals.PublicFilter{District: "podil"}, 1},
		{appeals.PublicFilter{District: "obolon", Status: "answered"}, 0},
		{appeals.PublicFilter{Category: "housing"}, 0},
		{appeals.PublicFilter{Category: "roads", District: "obolon"}, appeals.PublicPageSize},
	} {
		p, err := e.svc.PublicList(e.ctx, c.f)
		require.NoError(t, err)
		require.Equal(t, c.want, p.Total, "%+v", c.f)
	}

	one, err := e.svc.PublicOne(e.ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, got, *one)
	for _, id := range []uuid.UUID{unpublished.ID, notPublic.ID, uuid.New()} {
		_, err := e.svc.PublicOne(e.ctx, id)
		require.ErrorIs(t, err, appeals.ErrNotFound)
	}
}
