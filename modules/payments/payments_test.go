package payments_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
)

// LiqPay's signature over a known data string, computed outside Go
// (base64(sha1(private + data + private)) with Python's hashlib).
func TestLiqPaySignature(t *testing.T) {
	t.Parallel()
	data := "eyJwdWJsaWNfa2V5IjoiaTAwMCIsInZlcnNpb24iOjN9"
	raw, err := base64.StdEncoding.DecodeString(data)
	require.NoError(t, err)
	require.JSONEq(t, `{"public_key":"i000","version":3}`, string(raw))
	require.Equal(t, "yNCMuYrX92ZWQFO5kWEys0qff+0=", payments.LiqPaySign("sandbox_test_private", data))
	require.True(t, payments.LiqPayVerify("sandbox_test_private", data, "yNCMuYrX92ZWQFO5kWEys0qff+0="))
	require.False(t, payments.LiqPayVerify("sandbox_test_privatf", data, "yNCMuYrX92ZWQFO5kWEys0qff+0="))
	require.False(t, payments.LiqPayVerify("", data, payments.LiqPaySign("", data)), "no key verifies nothing")
}

func TestPurposeInTreasuryFormat(t *testing.T) {
	t.Parallel()
	p := payments.Purpose(payments.Bill{Number: "2026-000017", Fee: fee, Payer: "Петренко Олена Іванівна", PayerRNOKPP: "3184710691"})
	require.Equal(t, "*;101;3184710691;Адміністративний збір за реєстрацію місця проживання, заява 2026-000017, Петренко Олена Іванівна;;;", p)
}

// The whole round: the checkout signed for the simulator, the tester's
// click, the simulator's callback to server_url: the invoice is paid by
// the gateway's payment, with its evidence, and the callback logged.
func TestPayThroughSimulator(t *testing.T) {
	t.Parallel()
	e := setup(t)
	inv := e.application(t)
	require.Equal(t, payments.Open, inv.Status)
	require.Equal(t, "25,74", inv.Amount())

	c, err := e.svc.Checkout(e.ctx, e.account, inv.ID, "uk")
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(c.Data)
	require.NoError(t, err)
	var params map[string]any
	require.NoError(t, json.Unmarshal(raw, &params))
	require.Equal(t, "25.74", params["amount"])
	require.Equal(t, "UAH", params["currency"])
	require.Equal(t, inv.ID.String(), params["order_id"])
	require.Equal(t, e.srv.URL+payments.LiqPayCallbackPath, params["server_url"])

	sp := e.pay(t, inv, false)
	require.Equal(t, 200, sp.Delivered)
	got := e.invoice(t, inv)
	require.Equal(t, payments.Paid, got.Status)
	require.Len(t, got.Payments, 1)
	p := got.Payments[0]
	require.Equal(t, *got.PaidBy, p.ID)
	require.Equal(t, payments.Succeeded, p.Status)
	require.Equal(t, int64(2574), p.AmountKopecks)
	require.Equal(t, "424242*42", p.Evidence["sender_card_mask2"])
	require.Len(t, got.Callbacks, 1)
	require.Equal(t, payments.Accepted, got.Callbacks[0].Outcome)

	// Paid: nothing more to check out.
	c, err = e.svc.Checkout(e.ctx, e.account, inv.ID, "uk")
	require.NoError(t, err)
	require.Empty(t, c.Action)

	// A declined payment leaves an invoice open.
	other := e.application(t)
	sp = e.pay(t, other, true)
	require.Equal(t, "failure", sp.Status)
	got = e.invoice(t, other)
	require.Equal(t, payments.Open, got.Status)
	require.Equal(t, payments.Failed, got.Payments[0].Status)

	// The history: both, newest first, each with its payment.
	mine, err := e.svc.Mine(e.ctx, e.account)
	require.NoError(t, err)
	require.Len(t, mine, 2)
	require.Equal(t, []payments.InvoiceStatus{payments.Open, payments.Paid}, []payments.InvoiceStatus{mine[0].Status, mine[1].Status})
	require.Len(t, mine[1].Payments, 1)

	// Another resident's invoice is not found.
	_, err = e.svc.Checkout(e.ctx, other.ID, inv.ID, "uk")
	require.ErrorIs(t, err, payments.ErrNotFound)
}

// Issue 17's safety rules: each bad callback changes nothing (or only
// flags a payment) and is logged with its reason.
func TestCallbackSafety(t *testing.T) {
	t.Parallel()
	e := setup(t)
	key := e.sim.PrivateKey(e.public)

	// state is an invoice's status and its payments' statuses and flags.
	type state struct {
		Status   payments.InvoiceStatus
		Payments []string
	}
	stateOf := func(inv *payments.Invoice) (state, []payments.Callback) {
		got := e.invoice(t, inv)
		s := state{Status: got.Status}
		for _, p := range got.Payments {
			f := ""
			if p.RefundDue {
				f = " refund_due"
			}
			s.Payments = append(s.Payments, p.GatewayID+" "+string(p.Status)+f)
		}
		return s, got.Callbacks
	}
	paid := func(t *testing.T) (*payments.Invoice, liqpaysim.Payment) {
		inv := e.application(t)
		return inv, e.pay(t, inv, false)
	}
	requireUnchanged := func(t *testing.T, inv *payments.Invoice, before state, res payments.Result, err error, outcome payments.Outcome, reason payments.Reason) {
		t.Helper()
		require.NoError(t, err)
		require.Equal(t, outcome, res.Outcome)
		require.Equal(t, reason, res.Reason)
		after, cbs := stateOf(inv)
		require.Equal(t, before, after, "the callback changed something")
		last := cbs[len(cbs)-1]
		require.Equal(t, outcome, last.Outcome)
		require.Equal(t, reason, last.Reason)
	}

	t.Run("Replayed", func(t *testing.T) {
		inv, sp := paid(t)
		before, _ := stateOf(inv)
		res, err := e.callback(t, key, liqpaysim.Callback(sp))
		requireUnchanged(t, inv, before, res, err, payments.Ignored, payments.ReasonReplay)
	})
	t.Run("ForgedSignature", func(t *testing.T) {
		inv := e.application(t)
		before, _ := stateOf(inv)
		forged := liqpaysim.Callback(liqpaysim.Payment{PaymentID: 7001, PublicKey: e.public, OrderID: inv.ID.String(), Status: "success", Amount: "25.74", Currency: "UAH"})
		res, err := e.callback(t, "sandbox_not_the_citys_key", forged)
		require.NoError(t, err)
		require.Equal(t, payments.Refused, res.Outcome)
		require.Equal(t, payments.ReasonSignature, res.Reason)
		after, _ := stateOf(inv)
		require.Equal(t, before, after)
		// Not believed, so not tied to the invoice it names: the log has
		// it with the raw body.
		var n int
		require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM payment_callbacks WHERE reason = 'bad_signature' AND invoice_id IS NULL AND body LIKE 'data=%'`).Scan(&n)
		}))
		require.Equal(t, 1, n)
	})
	t.Run("WrongAmount", func(t *testing.T) {
		inv := e.application(t)
		before, _ := stateOf(inv)
		res, err := e.callback(t, key, liqpaysim.Callback(liqpaysim.Payment{PaymentID: 7002, PublicKey: e.public, OrderID: inv.ID.String(), Status: "success", Amount: "0.01", Currency: "UAH"}))
		requireUnchanged(t, inv, before, res, err, payments.Refused, payments.ReasonAmount)
		res, err = e.callback(t, key, liqpaysim.Callback(liqpaysim.Payment{PaymentID: 7003, PublicKey: e.public, OrderID: inv.ID.String(), Status: "success", Amount: "25.741", Currency: "UAH"}))
		requireUnchanged(t, inv, before, res, err, payments.Refused, payments.ReasonAmount)
	})
	t.Run("WrongCurrency", func(t *testing.T) {
		inv := e.application(t)
		before, _ := stateOf(inv)
		res, err := e.callback(t, key, liqpaysim.Callback(liqpaysim.Payment{PaymentID: 7004, PublicKey: e.public, OrderID: inv.ID.String(), Status: "success", Amount: "25.74", Currency: "USD"}))
		requireUnchanged(t, inv, before, res, err, payments.Refused, payments.ReasonCurrency)
	})
	t.Run("FailureAfterSuccess", func(t *testing.T) {
		inv, sp := paid(t)
		before, _ := stateOf(inv)
		sp.Status = "failure"
		res, err := e.callback(t, key, liqpaysim.Callback(sp))
		requireUnchanged(t, inv, before, res, err, payments.Ignored, payments.ReasonOutOfOrder)
	})
	t.Run("SecondPaymentFlaggedForRefund", func(t *testing.T) {
		inv, _ := paid(t)
		before, _ := stateOf(inv)
		res, err := e.callback(t, key, liqpaysim.Callback(liqpaysim.Payment{PaymentID: 7005, PublicKey: e.public, OrderID: inv.ID.String(), Status: "success", Amount: "25.74", Currency: "UAH"}))
		require.NoError(t, err)
		require.Equal(t, payments.Accepted, res.Outcome)
		require.Equal(t, payments.ReasonAlreadyPaid, res.Reason)
		after, _ := stateOf(inv)
		require.Equal(t, payments.Paid, after.Status)
		require.Equal(t, before.Payments, after.Payments[1:], "the first payment still settles it")
		require.Equal(t, "7005 succeeded refund_due", after.Payments[0])
	})
	t.Run("UnknownOrder", func(t *testing.T) {
		res, err := e.callback(t, key, liqpaysim.Callback(liqpaysim.Payment{PaymentID: 7006, PublicKey: e.public, OrderID: "00000000-0000-0000-0000-000000000001", Status: "success", Amount: "25.74", Currency: "UAH"}))
		require.NoError(t, err)
		require.Equal(t, payments.Refused, res.Outcome)
		require.Equal(t, payments.ReasonUnknownInvoice, res.Reason)
	})
	t.Run("ReversedRefunds", func(t *testing.T) {
		inv, sp := paid(t)
		sp.Status = "reversed"
		res, err := e.callback(t, key, liqpaysim.Callback(sp))
		require.NoError(t, err)
		require.Equal(t, payments.Accepted, res.Outcome)
		after, _ := stateOf(inv)
		require.Equal(t, payments.Refunded, after.Status)
		// and a success replayed after the reversal does not pay it again
		sp.Status = "success"
		res, err = e.callback(t, key, liqpaysim.Callback(sp))
		requireUnchanged(t, inv, after, res, err, payments.Ignored, payments.ReasonOutOfOrder)
	})
}
