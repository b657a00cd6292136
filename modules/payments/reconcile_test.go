package payments_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
)

// The reconciliation finds a payment whose callback the platform never
// saw in LiqPay's "reports" and records it from there; a second run finds
// nothing more.
func TestReconcileFindsMissedPayment(t *testing.T) {
	t.Parallel()
	e := setup(t)
	seen := e.application(t)
	e.pay(t, seen, false)
	missed := e.application(t)
	e.drop.Store(true)
	e.pay(t, missed, false)
	e.drop.Store(false)
	require.Equal(t, payments.Open, e.invoice(t, missed).Status, "the callback was lost")

	ds, err := e.svc.Reconcile(e.ctx)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, "missed", ds[0].Kind)
	require.Equal(t, "recorded from the statement: accepted ", ds[0].Detail)
	got := e.invoice(t, missed)
	require.Equal(t, payments.Paid, got.Status)
	require.Equal(t, ds[0].GatewayID, got.Payments[0].GatewayID)
	require.Len(t, got.Callbacks, 1)
	require.Equal(t, payments.Accepted, got.Callbacks[0].Outcome)

	ds, err = e.svc.Reconcile(e.ctx)
	require.NoError(t, err)
	require.Empty(t, ds)
}
