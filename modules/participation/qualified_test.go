package participation_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/modules/participation"
)

// TestQualifiedSignatures: a city that requires a qualified signature
// takes a petition's signature only as the signed-in person's CMS over the
// petition's signing text, verified as an application's is (applications'
// signer and trust list, the development CA here), and keeps it with the
// signature; a city that does not takes one click.
func TestQualifiedSignatures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := identity.NewSealer(key)
	require.NoError(t, err)
	apps := &applications.Service{DB: b.db.App, Sealer: sealer}
	svc := participation.New(participation.Options{DB: b.db.App, Signatures: apps})
	form := participation.SettingsForm{PetitionDays: "60", Threshold: "100", ConsiderationDays: "10", Qualified: true}
	require.NoError(t, svc.SetSettings(b.ctx, form))
	st, err := svc.Settings(b.ctx)
	require.NoError(t, err)
	require.True(t, st.Qualified)
	id, other := b.published(t), b.published(t)

	// One click is not enough, nor is no file.
	require.ErrorIs(t, svc.Sign(b.as("legal_rep"), id), participation.ErrQualifiedRequired)
	errs, ok := svc.SignWith(b.as("legal_rep"), id, nil).(participation.FieldErrors)
	require.True(t, ok)
	require.Equal(t, "error.petition_signature_file", errs["signature"].Key)

	// The signing text names the petition, its text's hash and the signer.
	text, err := svc.SigningText(b.as("resident"), id)
	require.NoError(t, err)
	var c participation.SignedPetition
	require.NoError(t, json.Unmarshal(text, &c))
	require.Equal(t, id.String(), c.Petition)
	require.Equal(t, "Облаштувати велодоріжку на вулиці Січових Стрільців", c.Title)
	require.Len(t, c.TextSHA256, 64)
	require.Equal(t, b.accounts["resident"].RNOKPP, c.Signer.RNOKPP)

	// Online, through the city's (development) signer.
	require.NoError(t, svc.SignOnline(b.as("resident"), id))
	var content, cms []byte
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT signed_content, signature FROM petition_signatures WHERE petition_id = $1 AND rnokpp = $2`,
			id, b.accounts["resident"].RNOKPP).Scan(&content, &cms)
	}))
	require.Equal(t, text, content, "what was signed is kept")
	signer, err := apps.VerifyFor(b.ctx, content, cms, b.accounts["resident"].RNOKPP)
	require.NoError(t, err, "and the kept signature verifies")
	require.Equal(t, b.accounts["resident"].RNOKPP, signer.RNOKPP)

	sign := func(persona string, petition uuid.UUID, signer string) []byte {
		t.Helper()
		data, err := svc.SigningText(b.as(persona), petition)
		require.NoError(t, err)
		p := b.accounts[signer]
		cms, err := apps.SignFor(b.ctx, p.RNOKPP, p.FullName, "petition.json", data)
		require.NoError(t, err)
		return cms
	}
	// A file made by the person over their text: taken.
	require.NoError(t, svc.SignWith(b.as("provider_head"), id, sign("provider_head", id, "provider_head")))
	// Someone else's key over the person's text: refused, by name.
	err = svc.SignWith(b.as("legal_rep"), id, sign("legal_rep", id, "owner"))
	require.ErrorIs(t, err, applications.ErrSignatureOther)
	require.Equal(t, "error.petition_signature_other_person", apperr.As(err).Key, "in a petition's words")
	// The person's signature of another petition: refused.
	err = svc.SignWith(b.as("legal_rep"), id, sign("legal_rep", other, "legal_rep"))
	require.ErrorIs(t, err, applications.ErrSignatureTampered)
	// Garbage: refused.
	require.ErrorIs(t, svc.SignWith(b.as("legal_rep"), id, []byte("not a CMS")), applications.ErrSignatureMalformed)
	// A second signature of the same person: refused before any check.
	require.ErrorIs(t, svc.SignOnline(b.as("resident"), id), participation.ErrAlreadySigned)

	p, err := svc.Petition(b.ctx, id)
	require.NoError(t, err)
	require.Equal(t, 2, p.Signatures, "only the two good signatures count")

	// The city turns it off: one click again, nothing kept but the click.
	form.Qualified = false
	require.NoError(t, svc.SetSettings(b.ctx, form))
	require.NoError(t, svc.Sign(b.as("legal_rep"), id))
	var kept bool
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT signature IS NOT NULL FROM petition_signatures WHERE petition_id = $1 AND rnokpp = $2`,
			id, b.accounts["legal_rep"].RNOKPP).Scan(&kept)
	}))
	require.False(t, kept)
}
