package tenant_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// A transaction's code says what it changed; the subscribers hear of it
// once it has committed — before Tx returns, so the writer's next read
// already sees fresh data — and never when it rolled back or only read.
func TestChangedReachesSubscribersOnCommit(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	a := tenanttest.NewTenant(t, db)
	ctx := tenant.With(t.Context(), a)
	var mu sync.Mutex
	var heard []uuid.UUID
	db.App.OnChange("test_channel", func(id uuid.UUID) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, id)
	})
	heardNow := func() []uuid.UUID {
		mu.Lock()
		defer mu.Unlock()
		return append([]uuid.UUID(nil), heard...)
	}

	// Said twice in one transaction: heard once, after the commit.
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tenant.Changed(ctx, "test_channel")
		tenant.Changed(ctx, "test_channel")
		tenant.Changed(ctx, "another_channel")
		require.Empty(t, heardNow(), "not before the commit")
		return nil
	}))
	require.Equal(t, []uuid.UUID{a.ID}, heardNow())

	// Rolled back: nothing.
	boom := errors.New("boom")
	require.ErrorIs(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tenant.Changed(ctx, "test_channel")
		return boom
	}), boom)
	// A read-only transaction and no transaction at all: nothing.
	require.NoError(t, db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tenant.Changed(ctx, "test_channel")
		return nil
	}))
	tenant.Changed(ctx, "test_channel")
	// Another channel's change: not this subscriber's.
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tenant.Changed(ctx, "another_channel")
		return nil
	}))
	require.Equal(t, []uuid.UUID{a.ID}, heardNow())
}
