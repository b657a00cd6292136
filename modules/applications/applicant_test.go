package applications_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
)

// TestApplicantIsTheSigner: the identity fields are the signed-in
// person's; another person's РНОКПП or name is refused on its step, naming
// the field (what was typed is kept), and again when signing, online or
// with an uploaded signature of the resident's own key.
func TestApplicantIsTheSigner(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.draft(t, e.o1, e.r1, "T-1")

	for field, value := range map[string]string{"rnokpp": rnokpp2, "full_name": name2} {
		t.Run(field, func(t *testing.T) {
			bad := step0(e.r1)
			bad[field] = []string{value}
			got, errs, err := e.svc.SaveStep(e.ctx, e.o1, app.ID, 0, bad, true)
			require.NoError(t, err)
			require.Len(t, errs, 1)
			require.ErrorIs(t, errs[field], applications.ErrApplicantMismatch)
			want := map[string]string{"rnokpp": rnokpp1, "full_name": name1}[field]
			require.Equal(t, map[string]any{"Field": map[string]string{"rnokpp": "РНОКПП", "full_name": "ПІБ"}[field], "Want": want}, errs[field].Args)
			require.Equal(t, value, got.Data[field], "what was typed is kept, with its error")

			_, _, err = e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, uuid.NewString())
			require.ErrorIs(t, err, applications.ErrApplicantMismatch)
			data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
			require.NoError(t, err)
			require.Contains(t, string(data), value, "the bytes signed would name the other person")
			_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, e.sign(t, e.r1, data))
			require.ErrorIs(t, err, applications.ErrApplicantMismatch, "the resident's own signature does not make it theirs")
			require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))
		})
	}

	_, errs, err := e.svc.SaveStep(e.ctx, e.o1, app.ID, 0, step0(e.r1), true)
	require.NoError(t, err)
	require.Empty(t, errs)
	got, _, err := e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, uuid.NewString())
	require.NoError(t, err)
	require.Equal(t, applications.Received, got.Status)
}
