package payments_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
	"hromada/modules/uploads"
)

// A bank receipt instead of paying online: one waits at a time; rejected
// only with a reason, the invoice stays open; accepted, the invoice is
// paid by a "bank" payment naming the official; a decided receipt is not
// decided again; each check is in the audit log; a fee paid at a bank is
// not sent to a gateway for a refund.
func TestProofs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	official := e.staff(t, "Посадовиця Оксана")
	inv := e.application(t)
	file := func(name string) *uploads.File {
		return &uploads.File{Key: "payments/" + inv.ID.String() + "/" + uuid.NewString(), Name: name, ContentType: "application/pdf", Size: 1234,
			SHA256: "ab12"}
	}
	require.NoError(t, e.svc.UploadProof(e.ctx, e.account, inv.ID, file("kvytantsiia.pdf")))
	require.ErrorIs(t, e.svc.UploadProof(e.ctx, e.account, inv.ID, file("znovu.pdf")), payments.ErrProofPending)
	require.ErrorIs(t, e.svc.UploadProof(e.ctx, uuid.New(), inv.ID, file("chuzha.pdf")), payments.ErrNotFound)
	got := e.invoice(t, inv)
	require.Len(t, got.Proofs, 1)
	first := got.WaitingProof()
	require.NotNil(t, first)

	_, err := e.svc.DecideProof(official, first.ID, false, "  ")
	require.ErrorIs(t, err, payments.ErrReasonMissing)
	app, err := e.svc.DecideProof(official, first.ID, false, "Сума у квитанції 25,00 грн, а не 25,74 грн.")
	require.NoError(t, err)
	require.Equal(t, inv.Application, app)
	_, err = e.svc.DecideProof(official, first.ID, true, "")
	require.ErrorIs(t, err, payments.ErrProofDecided, "decided once")
	got = e.invoice(t, inv)
	require.Equal(t, payments.Open, got.Status)
	require.Nil(t, got.WaitingProof())
	require.Equal(t, payments.ProofRejected, got.Proofs[0].Status)
	require.Equal(t, "Посадовиця Оксана", got.Proofs[0].DecidedName)

	require.NoError(t, e.svc.UploadProof(e.ctx, e.account, inv.ID, file("kvytantsiia-2.pdf")))
	second := e.invoice(t, inv).WaitingProof()
	require.NotNil(t, second)
	_, err = e.svc.DecideProof(e.ctx, second.ID, true, "")
	require.Error(t, err, "no one signed in")
	_, err = e.svc.DecideProof(official, second.ID, true, "")
	require.NoError(t, err)
	got = e.invoice(t, inv)
	require.Equal(t, payments.Paid, got.Status)
	require.Len(t, got.Payments, 1)
	p := got.Payments[0]
	require.Equal(t, *got.PaidBy, p.ID)
	require.Equal(t, payments.Bank, p.Gateway)
	require.Equal(t, second.ID.String(), p.GatewayID)
	require.Equal(t, int64(2574), p.AmountKopecks)
	require.Equal(t, "Посадовиця Оксана", p.Evidence["checked_by_name"])
	require.ErrorIs(t, e.svc.UploadProof(e.ctx, e.account, inv.ID, file("treti.pdf")), payments.ErrNothingToPay)

	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'payments.proof.reject' AND details->>'reason' LIKE 'Сума%'`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'payments.proof.accept' AND actor_name = 'Посадовиця Оксана'`))

	// Refused later with a refundable fee: no gateway holds this money
	// (the service has no Insert: asking one would fail).
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return e.svc.Refund(ctx, tx, inv.Application)
	}))
}
