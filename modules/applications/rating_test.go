package applications_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
)

// TestRateResult: an applicant rates the result once it was decided, on
// the four levels with known reasons, once; someone else's application
// is not found; the page's case carries the rating.
func TestRateResult(t *testing.T) {
	t.Parallel()
	e := setup(t)
	open := e.submitted(t, e.o1, e.r1, "T-1")
	require.ErrorIs(t, e.svc.RateResult(e.ctx, e.o1, open.ID, 3, nil, ""), applications.ErrNotDecided)

	app := e.decided(t, true)
	require.ErrorIs(t, e.svc.RateResult(e.ctx, e.o1, app.ID, 5, nil, ""), applications.ErrRatingScore)
	require.ErrorIs(t, e.svc.RateResult(e.ctx, e.o1, app.ID, 3, []string{"premises"}, ""), applications.ErrRatingReasons)
	require.ErrorIs(t, e.svc.RateResult(e.ctx, e.o2, app.ID, 3, nil, ""), applications.ErrNotFound, "someone else's")
	require.Zero(t, e.count(t, `SELECT count(*) FROM result_ratings`))

	require.NoError(t, e.svc.RateResult(e.ctx, e.o1, app.ID, 3, []string{"speed", "result", "speed"}, "  Швидко.  "))
	require.NoError(t, e.svc.RateResult(e.ctx, e.o1, app.ID, 1, nil, "ще раз"), "a second rating changes nothing")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM result_ratings WHERE score = 3 AND service_id = $1 AND provider_id = $2`, app.ServiceID, app.ProviderID))
	c, err := e.svc.Case(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.NotNil(t, c.Rating)
	require.Equal(t, 3, c.Rating.Score)
	require.Equal(t, []string{"result", "speed"}, c.Rating.Reasons)
	require.Equal(t, "Швидко.", c.Rating.Comment)
}
