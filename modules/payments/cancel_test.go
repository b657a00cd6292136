package payments_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
)

// An application refused or withdrawn before its fee is paid: the open
// invoice is cancelled (nothing to check out any more); a payment that
// still arrives is recorded and flagged for refund, never counted; a paid
// invoice is not cancelled.
func TestCancel(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cancel := func(inv *payments.Invoice) {
		t.Helper()
		require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return payments.Cancel(ctx, tx, inv.Application)
		}))
	}
	open := e.application(t)
	cancel(open)
	cancel(open) // twice: nothing more
	got := e.invoice(t, open)
	require.Equal(t, payments.Cancelled, got.Status)
	c, err := e.svc.Checkout(e.ctx, e.account, open.ID, "uk")
	require.NoError(t, err)
	require.Empty(t, c.Action, "nothing to pay")

	res, err := e.callback(t, e.sim.PrivateKey(e.public), liqpaysim.Callback(liqpaysim.Payment{PaymentID: 880001, PublicKey: e.public,
		OrderID: open.ID.String(), Status: "success", Amount: "25.74", Currency: "UAH"}))
	require.NoError(t, err)
	require.Equal(t, payments.Accepted, res.Outcome)
	require.Equal(t, payments.ReasonCancelled, res.Reason)
	got = e.invoice(t, open)
	require.Equal(t, payments.Cancelled, got.Status)
	require.Nil(t, got.PaidBy)
	require.Len(t, got.Payments, 1)
	require.True(t, got.Payments[0].RefundDue)

	paid := e.application(t)
	e.pay(t, paid, false)
	cancel(paid)
	require.Equal(t, payments.Paid, e.invoice(t, paid).Status)
}
