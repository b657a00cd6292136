package registries_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestStoreServices(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	store := registries.NewStore(db.App)
	ctxA := tenant.With(t.Context(), tenanttest.NewTenant(t, db))
	ctxB := tenant.With(t.Context(), tenanttest.NewTenant(t, db))

	for _, svc := range simulator.DemoServices("https://ss.kyiv.example:8443") {
		stored, err := store.Upsert(ctxA, svc)
		require.NoError(t, err)
		require.NotZero(t, stored.ID)
		require.Equal(t, svc.ServiceID(), stored.ServiceID())
		require.Equal(t, svc.ClientID(), stored.ClientID())
		require.Equal(t, svc.Timeout, stored.Timeout)
	}
	list, err := store.List(ctxA)
	require.NoError(t, err)
	var codes []string
	for _, s := range list {
		codes = append(codes, s.Code)
	}
	require.Equal(t, []string{"benefits", "land", "residents", "vehicles"}, codes)

	// Upserting by code replaces the configuration in place.
	before, err := store.Service(ctxA, registries.CodeResidents)
	require.NoError(t, err)
	changed := before
	changed.BaseURL, changed.Timeout = "https://ss2.kyiv.example", 1500*time.Millisecond
	after, err := store.Upsert(ctxA, changed)
	require.NoError(t, err)
	require.Equal(t, before.ID, after.ID)
	require.Equal(t, "https://ss2.kyiv.example", after.BaseURL)
	require.Equal(t, 1500*time.Millisecond, after.Timeout)
	require.Equal(t, before.CreatedAt, after.CreatedAt)
	list, err = store.List(ctxA)
	require.NoError(t, err)
	require.Len(t, list, 4)

	_, err = store.Service(ctxA, "passports")
	require.ErrorIs(t, err, registries.ErrNotConfigured)
	bad := changed
	bad.Dialect = "soap"
	_, err = store.Upsert(ctxA, bad)
	require.ErrorIs(t, err, registries.ErrInvalidService)

	// Another city sees none of it.
	list, err = store.List(ctxB)
	require.NoError(t, err)
	require.Empty(t, list)
	_, err = store.Service(ctxB, registries.CodeResidents)
	require.ErrorIs(t, err, registries.ErrNotConfigured)

	require.NoError(t, store.Delete(ctxA, registries.CodeResidents))
	_, err = store.Service(ctxA, registries.CodeResidents)
	require.ErrorIs(t, err, registries.ErrNotConfigured)

	// No tenant, no configuration.
	_, err = store.Service(t.Context(), registries.CodeResidents)
	require.ErrorIs(t, err, tenant.ErrNoTenant)
}

func TestQueryLog(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	store := registries.NewStore(db.App)
	ctxA := tenant.With(t.Context(), tenanttest.NewTenant(t, db))
	ctxB := tenant.With(t.Context(), tenanttest.NewTenant(t, db))

	cfg := fastConfig()
	cfg.Services = store
	cfg.OnQuery = store.OnQuery(nil)
	b := setup(t, cfg, nil)
	for _, svc := range b.services {
		_, err := store.Upsert(ctxA, svc)
		require.NoError(t, err)
	}
	olena := persona(t, "resident")

	// City A asks; the log is written even when the caller's context is
	// done by the time the query ends.
	_, err := registries.Residence(ctxA, b.client, olena.RNOKPP, "residence-extract")
	require.NoError(t, err)
	nobody := unknownRNOKPP(t)
	_, err = registries.Vehicles(ctxA, b.client, nobody, "parking-permit")
	require.ErrorIs(t, err, registries.ErrNotFound)
	b.sim.SetDelay(5 * time.Second)
	short, cancel := context.WithTimeout(ctxA, 100*time.Millisecond)
	defer cancel()
	_, err = registries.Benefits(short, b.client, olena.RNOKPP, "subsidy")
	require.ErrorIs(t, err, registries.ErrUnavailable)
	b.sim.SetDelay(0)

	logged, err := store.Queries(ctxA, registries.QueryFilter{})
	require.NoError(t, err)
	require.Len(t, logged, 3)
	byCode := map[string]registries.QueryLog{}
	for _, q := range logged {
		byCode[q.ServiceCode] = q
	}
	res := byCode[registries.CodeResidents]
	require.Equal(t, registries.OutcomeOK, res.Outcome)
	require.Equal(t, olena.RNOKPP, res.Subject)
	require.Equal(t, olena.RNOKPP, res.UserID)
	require.Equal(t, []string{"residence-extract"}, res.Purposes)
	require.Equal(t, "SEVDEIR-TEST/GOV/37261172/RESIDENCE/ResidenceByRNOKPP/v1", res.Service)
	require.Equal(t, "SEVDEIR-TEST/GOV/43611027/HROMADA", res.Client)
	require.Equal(t, registries.UXP, res.Dialect)
	require.Equal(t, registries.PathResidence, res.Path)
	require.Equal(t, 200, res.Status)
	require.Equal(t, 1, res.Attempts)
	require.NoError(t, res.Err)
	require.WithinDuration(t, time.Now(), res.At, time.Minute)

	veh := byCode[registries.CodeVehicles]
	require.Equal(t, registries.OutcomeNotFound, veh.Outcome)
	require.Equal(t, 404, veh.Status)
	require.Equal(t, registries.XRoad, veh.Dialect)
	require.Error(t, veh.Err)

	ben := byCode[registries.CodeBenefits]
	require.Equal(t, registries.OutcomeUnavailable, ben.Outcome)
	// The query's time is recorded, and it is the caller's deadline that
	// ended it, not the registry's five-second answer. No lower bound: on a
	// loaded machine the client starts late and its measured share of the
	// 100 ms is smaller.
	require.Positive(t, ben.Duration)
	require.Less(t, ben.Duration, 5*time.Second)

	// A person's own view: the queries about them.
	mine, err := store.Queries(ctxA, registries.QueryFilter{Subject: olena.RNOKPP})
	require.NoError(t, err)
	require.Len(t, mine, 2)

	// City B sees nothing of A's log, and cannot reach A's services.
	other, err := store.Queries(ctxB, registries.QueryFilter{})
	require.NoError(t, err)
	require.Empty(t, other)
	_, err = registries.Residence(ctxB, b.client, olena.RNOKPP, "residence-extract")
	require.ErrorIs(t, err, registries.ErrNotConfigured)

	// The log is append-only, even for the city itself.
	for _, stmt := range []string{"UPDATE registry_queries SET purposes = '{}'", "DELETE FROM registry_queries"} {
		err = db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, stmt)
			return err
		})
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "%s: %v", stmt, err)
		require.Equal(t, "42501", pgErr.Code)
	}

	// A query id is logged once.
	require.NoError(t, store.LogQuery(ctxA, res))
	logged, err = store.Queries(ctxA, registries.QueryFilter{})
	require.NoError(t, err)
	require.Len(t, logged, 3)
}
