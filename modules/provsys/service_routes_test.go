package provsys_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/provsys"
)

// TestServiceRoutes: a service's own route wins over its provider's (here
// the provider's webhook, the service's pull); a service of no provider's
// is refused; once removed (twice: nothing changes the second time), the
// service's applications follow the provider's route again, while the
// removed route's system may still answer and its deliveries stay on
// record; a provider's route cannot be removed. Every change is audited.
func TestServiceRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.route(t, provsys.Webhook)
	var service uuid.UUID
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM services WHERE code = 'T-1'`).Scan(&service)
	}))
	stranger := uuid.New()
	_, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, ServiceID: &stranger, Kind: provsys.Pull})
	require.ErrorIs(t, err, provsys.ErrService)
	own, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, ServiceID: &service, Kind: provsys.Pull, Certificate: e.sim.Cert.Raw})
	require.NoError(t, err)
	require.NotEmpty(t, own.Secret, "the service's system is a client of its own")
	require.NotEqual(t, c.ClientID, own.ClientID)
	o, err := e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Len(t, o.Providers, 1)
	require.Len(t, o.Providers[0].ServiceRoutes, 1)
	require.Equal(t, "T-1", o.Providers[0].ServiceRoutes[0].Service.Code)

	first := e.submitted(t)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM provsys_deliveries WHERE message_id = $1 AND route_id = $2`, first.ID.String()+":application", own.ID))
	require.Zero(t, e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'provsys.send'`), "pulled, not pushed")

	_, err = e.svc.RemoveRoute(e.ctx, o.Providers[0].Route.ID)
	require.ErrorIs(t, err, provsys.ErrNotServiceRoute)
	_, err = e.svc.RemoveRoute(e.ctx, own.ID)
	require.NoError(t, err)
	_, err = e.svc.RemoveRoute(e.ctx, own.ID)
	require.NoError(t, err, "a second submit changes nothing")
	require.ErrorIs(t, e.svc.TestDelivery(e.ctx, own.ID), provsys.ErrNotFound)
	o, err = e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Empty(t, o.Providers[0].ServiceRoutes)

	second := e.submitted(t)
	require.Equal(t, provsys.Delivered, e.settled(t, second.ID.String()+":application").Status, "the provider's webhook again")
	msgs, _ := e.sim.Messages()
	require.Contains(t, msgs, second.ID.String()+":application")
	require.NotContains(t, msgs, first.ID.String()+":application")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM provsys_deliveries WHERE route_id = $1`, own.ID), "the removed route's delivery stays")

	// The removed route's system can still pick up and answer for what it took.
	pull := *c
	pull.ClientID, pull.Secret = own.ClientID, own.Secret
	require.NoError(t, pull.Token())
	_, err = pull.Poll(0)
	require.NoError(t, err, "a removed route still lists what it was given")

	// Set again, the same route (and client) comes back.
	back, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, ServiceID: &service, Kind: provsys.Pull})
	require.NoError(t, err)
	require.Equal(t, own.ID, back.ID)
	require.Empty(t, back.Secret)
	require.Equal(t, 3, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'provsys.route.save'`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'provsys.route.remove'`))
}
