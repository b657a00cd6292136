package payments_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
)

// The administrator's change of the gateway: each bad field named and
// nothing saved; a secret left empty keeps the stored one (the page never
// shows it); the audit log records the change without the secret.
func TestChangeSettings(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := e.staff(t, "Адміністратор Петро")
	fields := func(s payments.Settings) map[string]string {
		t.Helper()
		errs, err := e.svc.ChangeSettings(ctx, s)
		require.NoError(t, err)
		out := map[string]string{}
		for f, e := range errs {
			out[f] = e.Key
		}
		return out
	}
	require.Equal(t, map[string]string{"gateway": "pay.settings_gateway_unknown"}, fields(payments.Settings{Gateway: "paypal", Secret: "x"}))
	require.Equal(t, map[string]string{"public_key": "pay.settings_public_key_missing"}, fields(payments.Settings{Gateway: payments.LiqPay, Secret: "x"}))
	require.Equal(t, map[string]string{"secret": "pay.settings_secret_missing"}, fields(payments.Settings{Gateway: payments.Monobank}))
	gs, err := e.svc.Gateways(e.ctx)
	require.NoError(t, err)
	require.Len(t, gs, 1, "nothing saved")
	require.Equal(t, payments.LiqPay, gs[0].Gateway)
	require.True(t, gs[0].Active)

	// monobank with its token: active; LiqPay's keys kept.
	token := e.mono.Token(e.tn.Slug)
	require.Empty(t, fields(payments.Settings{Gateway: payments.Monobank, Secret: " " + token + " "}))
	gs, err = e.svc.Gateways(e.ctx)
	require.NoError(t, err)
	require.Len(t, gs, 2)
	require.Equal(t, []payments.Gateway{payments.Monobank, payments.LiqPay}, []payments.Gateway{gs[0].Gateway, gs[1].Gateway})
	require.Equal(t, []bool{true, false}, []bool{gs[0].Active, gs[1].Active})

	// Back to LiqPay with the secret left empty: the stored private key
	// still signs the checkout the simulator verifies, and a payment goes
	// through.
	require.Empty(t, fields(payments.Settings{Gateway: payments.LiqPay, PublicKey: e.public}))
	inv := e.application(t)
	sp := e.pay(t, inv, false)
	require.Equal(t, 200, sp.Delivered)
	require.Equal(t, payments.Paid, e.invoice(t, inv).Status)

	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'payments.settings.save' AND actor_name = 'Адміністратор Петро'`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'payments.settings.save' AND (details->>'secret_changed')::boolean
		AND details->>'gateway' = 'monobank'`))
	require.Equal(t, 0, e.count(t, `SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%'`, token), "the secret is not in the log")

	// No one signed in: refused.
	_, err = e.svc.ChangeSettings(e.ctx, payments.Settings{Gateway: payments.Monobank, Secret: token})
	require.Error(t, err)
}

// The connection check asks the gateway with the city's keys: the right
// keys pass, wrong ones fail with the check's error, for either gateway.
func TestCheckConnection(t *testing.T) {
	t.Parallel()
	e := setup(t)
	check := func() (payments.Gateway, error) {
		t.Helper()
		return e.svc.CheckConnection(e.ctx)
	}
	g, err := check()
	require.NoError(t, err)
	require.Equal(t, payments.LiqPay, g)
	require.NoError(t, e.svc.SaveSettings(e.ctx, payments.Settings{Gateway: payments.LiqPay, PublicKey: e.public, Secret: "not-the-private-key"}))
	_, err = check()
	require.ErrorIs(t, err, payments.ErrCheckFailed)

	require.NoError(t, e.svc.SaveSettings(e.ctx, payments.Settings{Gateway: payments.Monobank, Secret: e.mono.Token(e.tn.Slug)}))
	g, err = check()
	require.NoError(t, err)
	require.Equal(t, payments.Monobank, g)
	require.NoError(t, e.svc.SaveSettings(e.ctx, payments.Settings{Gateway: payments.Monobank, Secret: "uNknown-token"}))
	_, err = check()
	require.ErrorIs(t, err, payments.ErrCheckFailed)
}
