package payments_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
	"hromada/modules/uploads"
)

// A fee paid before submission: the draft's invoice has no number, so
// its purpose names the draft by its id; it is paid through the gateway
// as any other, but takes no bank receipt (no official sees a draft);
// the submission's Numbered gives it the number once and leaves the
// purpose as paid; Issue again returns it, not a second.
func TestPayBeforeSubmission(t *testing.T) {
	t.Parallel()
	e := setup(t)
	inv := e.draftApplication(t)
	require.True(t, inv.Draft())
	require.Equal(t, "*;101;3184710691;Адміністративний збір за реєстрацію місця проживання, заява до подання "+
		strings.ToUpper(inv.Application.String()[:8])+", Петренко Олена Іванівна;;;", inv.Purpose)
	err := e.svc.UploadProof(e.ctx, e.account, inv.ID, &uploads.File{Key: "payments/x", Name: "k.pdf", ContentType: "application/pdf", Size: 1, SHA256: "ab"})
	require.ErrorIs(t, err, payments.ErrProofBeforeSubmission)

	e.pay(t, inv, false)
	got := e.invoice(t, inv)
	require.Equal(t, payments.Paid, got.Status)

	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		st, ok, err := payments.StatusOf(ctx, tx, inv.Application)
		require.True(t, ok)
		require.Equal(t, payments.Paid, st)
		if err != nil {
			return err
		}
		if err := payments.Numbered(ctx, tx, inv.Application, "2026-000042"); err != nil {
			return err
		}
		if err := payments.Numbered(ctx, tx, inv.Application, "2026-000043"); err != nil {
			return err
		}
		again, err := payments.Issue(ctx, tx, payments.Bill{Application: inv.Application, Account: e.account, Provider: inv.Provider, Number: "2026-000042",
			Service: inv.Service, Fee: fee, Payer: inv.Payer, PayerRNOKPP: inv.PayerTaxID})
		require.Equal(t, inv.ID, again.ID)
		return err
	}))
	got = e.invoice(t, inv)
	require.Equal(t, "2026-000042", got.Number, "numbered once")
	require.Equal(t, inv.Purpose, got.Purpose)
	require.False(t, got.Draft())
}
