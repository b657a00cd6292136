package applications_test

import (
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/signature"
	"hromada/modules/signature/signtest"
	"hromada/modules/trustlist"
	"hromada/modules/trustlist/trustlisttest"
)

// TestStampedSignatureOfAWithdrawnCA: a resident's CA is on the national
// Trusted List, withdrawn two minutes ago. A signature its certificate
// made with no timestamp, or stamped after the withdrawal, is refused as
// untrusted; one a qualified TSA of the list stamped while the CA was
// granted stands — the list's history decides, not only its present.
func TestStampedSignatureOfAWithdrawnCA(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.svc.Now = time.Now // the list and the certificates are real-time
	now := time.Now().UTC().Truncate(time.Second)
	anchor := trustlisttest.NewCA(t, "Центральний засвідчувальний орган", trustlisttest.Key(t, false))
	gone := trustlisttest.NewCA(t, "КНЕДП, що припинив діяльність", trustlisttest.Key(t, false))
	tsp := trustlisttest.NewCA(t, "Служба позначок часу КНЕДП", trustlisttest.Key(t, false))
	withdrawnAt := now.Add(-2 * time.Minute)
	list := &trustlisttest.List{Territory: "UA", SchemeName: "Довірчий список", Sequence: 1,
		IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
		Providers: []trustlisttest.Provider{{Name: "КНЕДП «Колишній»", Services: []trustlisttest.Service{
			{Type: trustlist.TypeCAQC, Name: "ЦСК", Cert: gone.Cert, Status: trustlist.StatusWithdrawn, Since: withdrawnAt,
				History: []trustlisttest.Status{{Status: trustlist.StatusGranted, Since: now.Add(-20 * time.Hour), ASI: []string{trustlisttest.ForESignatures}}}},
			{Type: trustlist.TypeTSAQC, Name: "TSP", Cert: tsp.Cert, Status: trustlist.StatusGranted, Since: now.Add(-20 * time.Hour)},
		}}},
	}
	reg := trustlist.New(e.db.App.Pool(), &trustlist.Options{Anchors: []*x509.Certificate{anchor.Cert}})
	_, _, err := reg.Import(e.ctx, anchor.Seal(t, list.XML(t)), "test.xml")
	require.NoError(t, err)

	cert, certKey, err := (&signature.DevCA{Certificate: gone.Cert, Key: gone.Key}).IssueValid(rnokpp1, name1, now.Add(-20*time.Hour), now.AddDate(1, 0, 0))
	require.NoError(t, err)
	tsa, err := signtest.NewTSA(&signature.DevCA{Certificate: tsp.Cert, Key: tsp.Key}, now.Add(-20*time.Hour), 48*time.Hour)
	require.NoError(t, err)
	app := e.draft(t, e.o1, e.r1, "T-1")
	data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	cms, err := signature.SignDigest(sum[:], cert, certKey, now.Add(-4*time.Minute))
	require.NoError(t, err)

	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, cms)
	require.ErrorIs(t, err, signature.ErrUntrusted, "no stamp: judged now, when the CA is withdrawn")
	late, err := tsa.Stamp(cms, now.Add(-time.Minute))
	require.NoError(t, err)
	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, late)
	require.ErrorIs(t, err, signature.ErrUntrusted, "stamped after the withdrawal")
	require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))

	stamped, err := tsa.Stamp(cms, now.Add(-4*time.Minute))
	require.NoError(t, err)
	got, _, err := e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, stamped)
	require.NoError(t, err, "stamped while the CA was granted")
	require.Equal(t, applications.Received, got.Status)
}
