package centres_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/centres"
	"hromada/modules/identity"
)

// TestRatings: a visit is rated once it was served, once, on the
// four-level scale with known reasons; the provider's answer is public;
// the centre's averages count every rating, per service too.
func TestRatings(t *testing.T) {
	t.Parallel()
	e := setup(t, 1)
	me := e.resident(t, 1)
	b, err := e.svc.Book(me, "cnap-t", "T-1", at(3, 9, 0), uuid.Nil)
	require.NoError(t, err)
	require.ErrorIs(t, e.svc.Rate(me, b.Code, centres.Good, nil, ""), centres.ErrNotServed)

	e.now = at(3, 8, 55)
	_, err = e.svc.CheckIn(e.ctx, "cnap-t", b.ID)
	require.NoError(t, err)
	_, err = e.svc.CallNext(e.ctx, "cnap-t", 1)
	require.NoError(t, err)
	_, err = e.svc.Finish(e.ctx, "cnap-t", b.ID, centres.Served)
	require.NoError(t, err)

	require.ErrorIs(t, e.svc.Rate(me, b.Code, 5, nil, ""), centres.ErrScore)
	require.ErrorIs(t, e.svc.Rate(me, b.Code, centres.Good, []string{"bribes"}, ""), centres.ErrBadReasons)
	require.ErrorIs(t, e.svc.Rate(e.resident(t, 2), b.Code, centres.Good, nil, ""), centres.ErrNotFound, "someone else's visit")
	require.NoError(t, e.svc.Rate(me, b.Code, centres.Good, []string{"waiting", "politeness", "waiting"}, "  Швидко, але тісно.  "))
	require.NoError(t, e.svc.Rate(me, b.Code, centres.Awful, nil, "ще раз"), "a second rating changes nothing")
	r, err := e.svc.RatingOf(me, b.Code)
	require.NoError(t, err)
	require.Equal(t, centres.Good, r.Score)
	require.Equal(t, []string{"politeness", "waiting"}, r.Reasons)
	require.Equal(t, "Швидко, але тісно.", r.Comment)

	head := identity.WithSigned(e.ctx, &identity.Signed{AccountID: *b.Account})
	require.ErrorIs(t, e.svc.Answer(head, "cnap-t", b.ID, "   "), centres.ErrNoAnswer)
	require.NoError(t, e.svc.Answer(head, "cnap-t", b.ID, "Дякуємо, розширюємо зал очікування."))
	require.ErrorIs(t, e.svc.Answer(head, "cnap-t", uuid.New(), "?"), centres.ErrNotFound)

	sum, err := e.svc.Summary(e.ctx, "cnap-t")
	require.NoError(t, err)
	require.Equal(t, 1, sum.Count)
	require.InDelta(t, 3.0, sum.Average, 0.001)
	require.Equal(t, []centres.Level{{Score: 4}, {Score: 3, Count: 1}, {Score: 2}, {Score: 1}}, sum.Distribution())
	require.Len(t, sum.Services, 1)
	require.Equal(t, "Паспорт громадянина України", sum.Services[0].Name.UK)
	require.Len(t, sum.Latest, 1)
	require.Equal(t, "Дякуємо, розширюємо зал очікування.", sum.Latest[0].Answer)
}
