package applications_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
	"hromada/tenant"
)

// TestPayFirst: a service whose register says «Оплата до подання» is
// paid before it is signed. Before the fee is paid, signing online and a
// direct submission of a signed draft are both refused with the same
// error and change nothing; the resident's «Сплатити» makes the draft's
// one invoice, without a number, twice the same; a forged callback pays
// nothing; once the gateway's signed callback marks it paid, the
// submission goes through, numbers that invoice and makes no second one.
// A billed draft is not deleted.
func TestPayFirst(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.NoError(t, e.exec(`UPDATE services SET content = jsonb_set(content, '{fee}',
		'{"free": false, "amount_kopecks": 2574, "iban": "UA858999980333199331000026001", "recipient": "ГУК у м. Києві/м. Київ/22012500",
		  "edrpou": "37994106", "purpose": "Адміністративний збір", "pay_first": true}') WHERE code = 'T-1'`))
	pay := e.payments(t)
	app := e.draft(t, e.o1, e.r1, "T-1")

	fee, err := e.svc.FeeFirst(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.NotNil(t, fee)
	require.Equal(t, "25,74", fee.Amount())
	require.Nil(t, fee.Invoice)
	require.False(t, fee.Paid())

	unpaid := func() {
		t.Helper()
		_, _, err := e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, uuid.NewString())
		require.ErrorIs(t, err, applications.ErrUnpaid)
		require.Equal(t, "app.pay_first_unpaid", apperr.As(err).Key)
		data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
		require.NoError(t, err)
		_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, e.sign(t, e.r1, data))
		require.ErrorIs(t, err, applications.ErrUnpaid)
		require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))
		require.Zero(t, e.count(t, `SELECT count(*) FROM applications WHERE id = $1 AND number IS NOT NULL`, app.ID))
		require.Zero(t, e.outbox(t, app.ID))
	}
	unpaid() // no invoice yet

	inv, err := e.svc.PayFirst(e.ctx, e.o1, e.r1, app.ID)
	require.NoError(t, err)
	require.Equal(t, payments.Open, inv.Status)
	require.Equal(t, int64(2574), inv.AmountKopecks)
	require.Empty(t, inv.Number)
	require.True(t, inv.Draft())
	require.Contains(t, inv.Purpose, "заява до подання "+strings.ToUpper(app.ID.String()[:8]))
	again, err := e.svc.PayFirst(e.ctx, e.o1, e.r1, app.ID)
	require.NoError(t, err)
	require.Equal(t, inv.ID, again.ID, "a double click makes one invoice")
	_, err = e.svc.PayFirst(e.ctx, e.o2, e.r2, app.ID)
	require.ErrorIs(t, err, applications.ErrNotFound, "not another's draft")
	unpaid() // open

	require.ErrorIs(t, e.svc.Discard(e.ctx, e.o1, app.ID), applications.ErrBilledDraft)
	require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))

	// A forged callback (another key) changes nothing.
	public := "sandbox_i" + e.tn.Slug
	cb := liqpaysim.Callback(liqpaysim.Payment{PaymentID: 770001, PublicKey: public, OrderID: inv.ID.String(), Status: "success", Amount: "25.74", Currency: "UAH"})
	data, sig, err := payments.LiqPayEncode("sandbox_not_the_citys_key", cb)
	require.NoError(t, err)
	res, err := pay.svc.LiqPayCallback(e.ctx, data, sig)
	require.NoError(t, err)
	require.Equal(t, payments.Refused, res.Outcome)
	unpaid()

	// The gateway's callback, signed with the city's key, pays it.
	data, sig, err = payments.LiqPayEncode(pay.sim.PrivateKey(public), cb)
	require.NoError(t, err)
	res, err = pay.svc.LiqPayCallback(e.ctx, data, sig)
	require.NoError(t, err)
	require.Equal(t, payments.Accepted, res.Outcome)
	fee, err = e.svc.FeeFirst(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.True(t, fee.Paid())

	key := uuid.NewString()
	got, errs, err := e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, key)
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, applications.Received, got.Status)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM invoices WHERE application_id = $1`, app.ID), "exactly one invoice")
	var st, number, purpose string
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT status, number, purpose FROM invoices WHERE application_id = $1`, app.ID).Scan(&st, &number, &purpose)
	}))
	require.Equal(t, "paid", st)
	require.Equal(t, got.Number, number, "the submission numbers the invoice")
	require.Equal(t, inv.Purpose, purpose, "the purpose stays as it was paid")
	// The same submission again changes nothing.
	_, _, err = e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, key)
	require.NoError(t, err)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM invoices WHERE application_id = $1`, app.ID))

	// A service paid after submission: no paying first, the invoice comes
	// with the submission, numbered.
	require.NoError(t, e.exec(`UPDATE services SET content = jsonb_set(content, '{fee,pay_first}', 'false') WHERE code = 'T-1'`))
	later := e.draft(t, e.o2, e.r2, "T-1")
	fee, err = e.svc.FeeFirst(e.ctx, e.o2, later.ID)
	require.NoError(t, err)
	require.Nil(t, fee)
	_, err = e.svc.PayFirst(e.ctx, e.o2, e.r2, later.ID)
	require.ErrorIs(t, err, applications.ErrNotPayFirst)
	sub, _, err := e.svc.SignOnline(e.ctx, e.o2, e.r2, later.ID, uuid.NewString())
	require.NoError(t, err)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM invoices WHERE application_id = $1 AND status = 'open' AND number = $2`, later.ID, sub.Number))
}

// payEnv is the city's payments through the LiqPay simulator (its keys;
// the callbacks are posted straight to the Service).
type payEnv struct {
	svc *payments.Service
	sim *liqpaysim.Simulator
}

func (e *env) payments(t *testing.T) *payEnv {
	t.Helper()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i + 7)
	}
	sealer, err := identity.NewSealer(key)
	require.NoError(t, err)
	p := &payEnv{sim: liqpaysim.New(key, http.DefaultClient)}
	p.svc, err = payments.New(payments.Options{DB: e.db.App, Log: slog.New(slog.DiscardHandler), Sealer: sealer,
		PortalURL:   func(*tenant.Tenant) string { return "http://" + e.tn.Slug + ".localhost" },
		LiqPayURL:   func(*tenant.Tenant) string { return "http://" + e.tn.Slug + ".localhost" + liqpaysim.Prefix },
		MonobankURL: func(*tenant.Tenant) string { return "" }})
	require.NoError(t, err)
	public := "sandbox_i" + e.tn.Slug
	require.NoError(t, p.svc.SaveSettings(e.ctx, payments.Settings{Gateway: payments.LiqPay, PublicKey: public, Secret: p.sim.PrivateKey(public)}))
	return p
}
