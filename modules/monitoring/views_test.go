package monitoring_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/monitoring"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestCardViewsCountedAndFlushedOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	other := tenanttest.NewTenant(t, e.db)
	now := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC) // 1:30 on 3 March in Kyiv
	views := monitoring.NewViews(e.db.App, nil, func() time.Time { return now })

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			views.CardViewed(e.ctx, e.ids["S-1"])
			views.CardViewed(e.ctx, e.ids["S-3"])
		})
	}
	wg.Wait()
	views.CardViewed(context.Background(), e.ids["S-1"]) // no city: not counted
	require.NoError(t, views.Flush(t.Context()))
	require.NoError(t, views.Flush(t.Context()), "an empty flush")
	views.CardViewed(e.ctx, e.ids["S-1"])
	require.NoError(t, views.Flush(t.Context()))

	count := func(ctx context.Context, code string) int64 {
		var n int64
		require.NoError(t, e.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT coalesce(sum(v.views), 0) FROM service_card_views v JOIN services s ON s.id = v.service_id
				WHERE s.code = $1 AND v.day = '2026-03-03'`, code).Scan(&n)
		}))
		return n
	}
	require.EqualValues(t, 51, count(e.ctx, "S-1"))
	require.EqualValues(t, 50, count(e.ctx, "S-3"))
	require.EqualValues(t, 0, count(tenant.With(t.Context(), other), "S-1"), "another city sees none")

	// A view of a service that is not there (removed meanwhile) is
	// dropped; a flush that fails keeps its counts for the next one.
	views.CardViewed(e.ctx, e.ids["window"])
	views.CardViewed(e.ctx, e.ids["S-3"])
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	require.Error(t, views.Flush(cancelled))
	require.EqualValues(t, 50, count(e.ctx, "S-3"), "nothing written by the failed flush")
	require.NoError(t, views.Flush(t.Context()))
	require.EqualValues(t, 51, count(e.ctx, "S-3"), "the failed flush's count written by the next")
}
