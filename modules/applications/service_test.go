package applications_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/signature"
	"hromada/modules/terms"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestFlow(t *testing.T) {
	t.Parallel()
	e := setup(t)

	// Start fills the draft from the person.
	app, err := e.svc.Start(e.ctx, e.o1, e.r1, "T-1")
	require.NoError(t, err)
	require.Equal(t, applications.Draft, app.Status)
	require.Equal(t, map[string]any{"full_name": name1, "rnokpp": rnokpp1, "phone": "+380671234567", "birth_date": "1988-03-14"}, app.Data)
	require.Equal(t, e.provA, app.ProviderID)
	require.Equal(t, 1, app.FormVersion)
	require.Empty(t, app.Number)

	again, err := e.svc.Start(e.ctx, e.o1, e.r1, "T-1")
	require.NoError(t, err)
	require.Equal(t, app.ID, again.ID, "one draft per service and owner")

	_, err = e.svc.Start(e.ctx, e.o1, e.r1, "NO-SUCH")
	require.ErrorIs(t, err, applications.ErrNoForm)

	// A bad value is an error of its field, and is kept as typed.
	bad := step0(e.r1)
	bad["phone"] = []string{"067 123"}
	got, errs, err := e.svc.SaveStep(e.ctx, e.o1, app.ID, 0, bad, true)
	require.NoError(t, err)
	require.Len(t, errs, 1)
	require.Equal(t, "error.form_format_phone_ua", errs["phone"].Key)
	require.Equal(t, "067 123", got.Data["phone"])
	require.Equal(t, 0, got.Step, "no next step with errors")
	_, errs, err = e.svc.SaveStep(e.ctx, e.o1, app.ID, 1, values{"rooms": {"три"}}, false)
	require.NoError(t, err)
	require.Equal(t, "error.form_type", errs["rooms"].Key)
	got, _, _, err = e.svc.Get(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.Equal(t, "067 123", got.Data["phone"], "saved, not lost")
	require.Equal(t, "три", got.Data["rooms"])

	// Signing waits for complete data.
	_, errs, err = e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, "k-1")
	require.ErrorIs(t, err, applications.ErrIncomplete)
	require.Contains(t, errs, "phone")
	require.Contains(t, errs, "rooms")
	require.Contains(t, errs, "area_total")
	require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))

	// Complete it; the sum rule is checked.
	got, errs, err = e.svc.SaveStep(e.ctx, e.o1, app.ID, 0, step0(e.r1), true)
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, 1, got.Step)
	wrongSum := step1()
	wrongSum["area_total"] = []string{"40"}
	_, errs, err = e.svc.SaveStep(e.ctx, e.o1, app.ID, 1, wrongSum, true)
	require.NoError(t, err)
	require.Equal(t, "error.form_sum", errs["area_total"].Key)
	got, errs, err = e.svc.SaveStep(e.ctx, e.o1, app.ID, 1, step1(), true)
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, 2, got.Step)

	got, errs, err = e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, "k-1")
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, applications.Received, got.Status)
	require.Equal(t, "2026-000001", got.Number)
	wantDue := terms.Due(now, catalog.Term{Days: 5, Working: true}, map[string]bool{holiday: true})
	require.Equal(t, "2026-03-16", wantDue.Format("2006-01-02"))
	require.NotNil(t, got.DueOn)
	require.Equal(t, wantDue.Format("2006-01-02"), got.DueOn.Format("2006-01-02"))
	require.Equal(t, rnokpp1, got.SignerRNOKPP)
	require.Equal(t, name1, got.SignerName)
	require.NotNil(t, got.SignedAt)
	require.NotNil(t, got.SentAt)
	require.NotNil(t, got.ReceivedAt)
	require.NotEmpty(t, got.Canonical)
	require.NotEmpty(t, got.Signature)
	_, err = signature.VerifyDetached(got.Canonical, got.Signature, signature.VerifyOptions{Roots: e.ca.Pool(), WantRNOKPP: rnokpp1})
	require.NoError(t, err, "the stored signature covers the stored canonical bytes")

	_, evs, _, err := e.svc.Get(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, [2]applications.Status{applications.Draft, applications.Signed}, [2]applications.Status{evs[0].From, evs[0].To})
	require.Equal(t, applications.Applicant, evs[0].ActorKind)
	require.Equal(t, name1, evs[0].ActorName)
	require.Equal(t, [2]applications.Status{applications.Signed, applications.Received}, [2]applications.Status{evs[1].From, evs[1].To})
	require.Equal(t, applications.System, evs[1].ActorKind)

	unread := func() int {
		return e.count(t, `SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL`, e.r1.AccountID)
	}
	require.Equal(t, 1, unread())
	inbox, err := e.notices.Inbox(e.ctx, e.r1.AccountID)
	require.NoError(t, err)
	require.Len(t, inbox, 1)
	require.Equal(t, "notify.received", inbox[0].Key)
	require.Equal(t, &app.ID, inbox[0].ApplicationID)
	require.Equal(t, "2026-000001", inbox[0].Args["Number"])
	require.Equal(t, 0, unread(), "read once shown")

	// Officials' service: a message in the outbox, no automatic job.
	require.Equal(t, 1, e.outbox(t, app.ID))
	require.Empty(t, e.insertCalls())

	mine, err := e.svc.Mine(e.ctx, e.o1, false)
	require.NoError(t, err)
	require.Len(t, mine, 1)
	drafts, err := e.svc.Mine(e.ctx, e.o1, true)
	require.NoError(t, err)
	require.Empty(t, drafts)

	// Automatic service: the job is inserted once, no outbox message.
	auto := e.submitted(t, e.o2, e.r2, "T-2")
	require.Equal(t, "2026-000002", auto.Number)
	require.True(t, auto.Automatic)
	require.Equal(t, "2026-03-10", auto.DueOn.Format("2006-01-02"), "a calendar day to Saturday, then Sunday, then the holiday")
	calls := e.insertCalls()
	require.Len(t, calls, 1)
	require.Equal(t, applications.AutomaticArgs{Envelope: tenant.Envelope{TenantID: e.tn.ID}, ApplicationID: auto.ID}, calls[0])
	require.Equal(t, "applications.automatic", calls[0].Kind())
	require.Equal(t, 0, e.outbox(t, auto.ID))
}

func TestAutomaticWithoutInsertGoesToOfficials(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.svc.Insert = nil
	app := e.submitted(t, e.o1, e.r1, "T-2")
	require.Equal(t, 1, e.outbox(t, app.ID))
}

func TestSubmitIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.draft(t, e.o1, e.r1, "T-1")
	data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	cms := e.sign(t, e.r1, data)

	// Two at once with the same key: one application, one number.
	var (
		wg   sync.WaitGroup
		got  [2]*applications.Application
		errs [2]error
	)
	for i := range 2 {
		wg.Go(func() { got[i], _, errs[i] = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, "same-key", data, cms) })
	}
	wg.Wait()
	for i := range 2 {
		require.NoError(t, errs[i])
		require.Equal(t, app.ID, got[i].ID)
		require.Equal(t, "2026-000001", got[i].Number)
		require.Equal(t, applications.Received, got[i].Status)
	}
	// And once more, later.
	third, _, err := e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, "same-key", data, cms)
	require.NoError(t, err)
	require.Equal(t, "2026-000001", third.Number)
	require.Equal(t, applications.Received, third.Status)

	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM applications WHERE number IS NOT NULL`))
	require.Equal(t, 1, e.count(t, `SELECT last FROM application_counters`))
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1`, app.ID))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE application_id = $1`, app.ID))
	require.Equal(t, 1, e.outbox(t, app.ID))

	// Another key on a submitted application is a conflict.
	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, "other-key", data, cms)
	require.ErrorIs(t, err, applications.ErrTransition)
	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, "", data, cms)
	require.ErrorIs(t, err, applications.ErrTransition)
	_, _, err = e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, "yet-another")
	require.ErrorIs(t, err, applications.ErrTransition)
	// Once submitted, Canonical returns what was signed.
	signed, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.Equal(t, data, signed)
}

// Submit reads what its checks need with the application (issue 24): for
// anyone but the draft's owner, and in another city, the draft is still
// not found, and nothing is written.
func TestSubmitOfAnotherOwnersDraft(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.draft(t, e.o1, e.r1, "T-1")
	data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	org := applications.Owner{AccountID: e.r1.AccountID, EDRPOU: "12345678", OrgName: "ТОВ «Ромашка»"}
	other := tenant.With(t.Context(), tenanttest.NewTenant(t, e.db))
	for _, c := range []struct {
		name string
		ctx  context.Context
		o    applications.Owner
		p    applications.Person
	}{
		{"another person", e.ctx, e.o2, e.r2},
		{"the owner's organisation", e.ctx, org, e.r1},
		{"another city", other, e.o1, e.r1},
	} {
		_, _, err := e.svc.Submit(c.ctx, c.o, c.p, app.ID, "", data, e.sign(t, c.p, data))
		require.ErrorIs(t, err, applications.ErrNotFound, c.name)
	}
	require.Zero(t, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1`, app.ID))
	got, _, err := e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, "", data, e.sign(t, e.r1, data))
	require.NoError(t, err)
	require.Equal(t, applications.Received, got.Status)
}

// expiredCert is a certificate of p from the city's CA that was valid
// from notBefore to notAfter.
func expiredCert(t *testing.T, ca *signature.DevCA, p applications.Person, notBefore, notAfter time.Time) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	cert, key, err := ca.IssueValid(p.RNOKPP, p.FullName, notBefore, notAfter)
	require.NoError(t, err)
	return cert, key
}

func TestSubmitSignatureRejections(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.draft(t, e.o1, e.r1, "T-1")
	e.attach(t, e.o1, app.ID, "pasport.pdf")
	data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.Contains(t, string(data), `"attachments":[{"name":"pasport.pdf"`)

	signWith := func(cert *x509.Certificate, key crypto.Signer, b []byte) []byte {
		cms, err := signature.SignDetached(b, cert, key)
		require.NoError(t, err)
		return cms
	}
	stranger, err := signature.NewDevCA("Чужий ЦСК")
	require.NoError(t, err)
	strangerCert, strangerKey, err := stranger.Issue(rnokpp1, name1)
	require.NoError(t, err)
	oldCert, oldKey := expiredCert(t, e.ca, e.r1, time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0))
	newCert, newKey := expiredCert(t, e.ca, e.r1, time.Now().AddDate(0, 0, 1), time.Now().AddDate(1, 0, 0))

	tampered := append([]byte(nil), data...)
	tampered[len(tampered)-2] ^= 1

	for _, c := range []struct {
		name       string
		signedData []byte
		cms        []byte
		want       error
		cause      error
	}{
		{"tampered canonical bytes", tampered, e.sign(t, e.r1, tampered), applications.ErrChanged, nil},
		{"a signature over other bytes", data, e.sign(t, e.r1, []byte(`{"application":"другa"}`)), applications.ErrSignatureTampered, signature.ErrBadSignature},
		{"a signature over other bytes, no signedData", nil, e.sign(t, e.r1, []byte("x")), applications.ErrSignatureTampered, signature.ErrBadSignature},
		{"another person's certificate", data, e.sign(t, e.r2, data), applications.ErrSignatureOther, signature.ErrWrongSigner},
		{"an untrusted CA", data, signWith(strangerCert, strangerKey, data), applications.ErrSignatureUntrusted, signature.ErrUntrusted},
		{"an expired certificate", data, signWith(oldCert, oldKey, data), applications.ErrSignatureExpired, signature.ErrExpired},
		{"a certificate not yet valid", data, signWith(newCert, newKey, data), applications.ErrSignatureExpired, signature.ErrExpired},
		{"not a CMS", data, []byte("підпис"), applications.ErrSignatureMalformed, signature.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), c.signedData, c.cms)
			require.ErrorIs(t, err, c.want)
			if c.cause != nil {
				require.ErrorIs(t, err, c.cause)
				require.ErrorIs(t, err, applications.ErrSignature, "every reason is a refused signature")
				require.Equal(t, apperr.As(c.want).Key, apperr.As(err).Key, "the person reads the reason, not the general refusal")
			}
			require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID))
		})
	}
	require.Equal(t, 0, e.count(t, `SELECT count(*) FROM application_counters`), "no number spent on a refusal")
	// Each refusal is a security event with its reason and the detail,
	// outliving the submission's rolled-back transaction.
	for reason, n := range map[string]int{"tampered": 2, "other_person": 1, "untrusted_ca": 1, "not_valid_at_signing": 2, "malformed": 1} {
		require.Equal(t, n, e.count(t, `SELECT count(*) FROM security_events WHERE kind = 'signature_refused' AND subject = $1
			AND details->>'application' = $2 AND details->>'reason' = $3 AND details->>'detail' <> ''`, e.r1.AccountID.String(), app.ID.String(), reason), reason)
	}

	// A signature made by a third-party tool with a certificate of the
	// city's CA.
	t.Run("openssl cms", func(t *testing.T) {
		bin, err := exec.LookPath("openssl")
		if err != nil {
			t.Fatal("openssl is not installed: run .ci/deps.sh (apt-get install openssl)")
		}
		cert, key, err := e.ca.Issue(rnokpp1, name1)
		require.NoError(t, err)
		rawKey, err := x509.MarshalPKCS8PrivateKey(key)
		require.NoError(t, err)
		dir := t.TempDir()
		path := func(n string) string { return filepath.Join(dir, n) }
		require.NoError(t, os.WriteFile(path("cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600))
		require.NoError(t, os.WriteFile(path("key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rawKey}), 0o600))
		require.NoError(t, os.WriteFile(path("canonical.json"), data, 0o600))
		out, err := exec.CommandContext(t.Context(), bin, "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
			"-signer", path("cert.pem"), "-inkey", path("key.pem"), "-in", path("canonical.json"), "-out", path("sig.der")).CombinedOutput()
		require.NoError(t, err, "%s", out)
		cms, err := os.ReadFile(path("sig.der"))
		require.NoError(t, err)

		got, _, err := e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, "openssl", data, cms)
		require.NoError(t, err)
		require.Equal(t, applications.Received, got.Status)
		require.Equal(t, rnokpp1, got.SignerRNOKPP)
		require.Equal(t, cms, got.Signature)
	})
}

// TestSubmitRefusesBackdatedSignature: a certificate that expired before
// the signature was made must not pass because the signer wrote a
// signingTime inside its validity (signingTime is the signer's claim, and
// VerifyDetached checks the chain at it): Submit refuses a signing time
// before the draft's last change.
func TestSubmitRefusesBackdatedSignature(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.draft(t, e.o1, e.r1, "T-1")
	data, err := e.svc.Canonical(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	// The city's dev CA is valid from an hour ago; the certificate was valid
	// from 50 to 10 minutes ago, and the signature claims 30 minutes ago.
	wall := time.Now()
	cert, key := expiredCert(t, e.ca, e.r1, wall.Add(-50*time.Minute), wall.Add(-10*time.Minute))
	digest := sha256.Sum256(data)
	cms, err := signature.SignDigest(digest[:], cert, key, wall.Add(-30*time.Minute))
	require.NoError(t, err)

	_, _, err = e.svc.Submit(e.ctx, e.o1, e.r1, app.ID, "backdated", data, cms)
	require.ErrorIs(t, err, applications.ErrSignature, "a certificate expired before the submission must not be accepted")
}

func TestIDOR(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sub := e.submitted(t, e.o1, e.r1, "T-1")
	dr, err := e.svc.Start(e.ctx, e.o1, e.r1, "T-2")
	require.NoError(t, err)

	t.Run("another resident", func(t *testing.T) {
		for _, id := range []uuid.UUID{sub.ID, dr.ID} {
			_, _, _, err := e.svc.Get(e.ctx, e.o2, id)
			require.ErrorIs(t, err, applications.ErrNotFound)
			_, _, err = e.svc.SaveStep(e.ctx, e.o2, id, 0, step0(e.r2), true)
			require.ErrorIs(t, err, applications.ErrNotFound)
			require.ErrorIs(t, e.svc.Withdraw(e.ctx, e.o2, e.r2, id, ""), applications.ErrNotFound)
			_, err = e.svc.Canonical(e.ctx, e.o2, id)
			require.ErrorIs(t, err, applications.ErrNotFound)
			_, _, err = e.svc.Submit(e.ctx, e.o2, e.r2, id, "k", nil, []byte("x"))
			require.ErrorIs(t, err, applications.ErrNotFound)
			require.ErrorIs(t, e.svc.Answer(e.ctx, e.o2, e.r2, id, "відповідь", nil), applications.ErrNotFound)
			require.ErrorIs(t, e.svc.Discard(e.ctx, e.o2, id), applications.ErrNotFound)
		}
		_, err := e.svc.Attach(e.ctx, e.o2, dr.ID, "a.pdf", strings.NewReader("%PDF-1.4\n"), uploads.Limits{})
		require.ErrorIs(t, err, applications.ErrNotFound)
		mine, err := e.svc.Mine(e.ctx, e.o2, false)
		require.NoError(t, err)
		require.Empty(t, mine)
		// The resident's own draft is untouched.
		got, _, _, err := e.svc.Get(e.ctx, e.o1, dr.ID)
		require.NoError(t, err)
		require.Equal(t, name1, got.Data["full_name"])
	})

	t.Run("legal entity and person", func(t *testing.T) {
		org := applications.Owner{AccountID: e.r1.AccountID, EDRPOU: edrpou, OrgName: "ТОВ «Ромашка»"}
		orgApp := e.submitted(t, org, e.r1, "T-1")
		require.NotEqual(t, sub.ID, orgApp.ID, "the entity's draft is not the person's")
		require.Equal(t, edrpou, orgApp.EDRPOU)

		_, _, _, err := e.svc.Get(e.ctx, e.o1, orgApp.ID)
		require.ErrorIs(t, err, applications.ErrNotFound, "the person does not see the entity's")
		_, _, _, err = e.svc.Get(e.ctx, org, sub.ID)
		require.ErrorIs(t, err, applications.ErrNotFound, "the entity does not see the person's")
		require.ErrorIs(t, e.svc.Withdraw(e.ctx, org, e.r1, sub.ID, ""), applications.ErrNotFound)

		ids := func(o applications.Owner, drafts bool) []uuid.UUID {
			apps, err := e.svc.Mine(e.ctx, o, drafts)
			require.NoError(t, err)
			var out []uuid.UUID
			for _, a := range apps {
				out = append(out, a.ID)
			}
			return out
		}
		require.Equal(t, []uuid.UUID{orgApp.ID}, ids(org, false))
		require.Equal(t, []uuid.UUID{sub.ID}, ids(e.o1, false))
		require.Equal(t, []uuid.UUID{dr.ID}, ids(e.o1, true))
		require.Empty(t, ids(org, true))
	})

	t.Run("another city", func(t *testing.T) {
		other := tenanttest.NewTenant(t, e.db)
		ctx := tenant.With(t.Context(), other)
		for _, id := range []uuid.UUID{sub.ID, dr.ID} {
			_, _, _, err := e.svc.Get(ctx, e.o1, id)
			require.ErrorIs(t, err, applications.ErrNotFound)
			_, err = e.svc.Canonical(ctx, e.o1, id)
			require.ErrorIs(t, err, applications.ErrNotFound)
			_, _, _, _, err = e.svc.View(ctx, e.staff, id)
			require.ErrorIs(t, err, applications.ErrNotFound)
			require.ErrorIs(t, e.svc.Take(ctx, e.staff, id), applications.ErrNotFound)
			require.ErrorIs(t, e.svc.Withdraw(ctx, e.o1, e.r1, id, ""), applications.ErrNotFound)
		}
		apps, c, err := e.svc.Queue(ctx, applications.ListFilter{Provider: e.provA})
		require.NoError(t, err)
		require.Empty(t, apps)
		require.Zero(t, c.Total)
		require.Equal(t, applications.Received, e.status(t, e.o1, sub.ID))
	})
}

func TestWithdraw(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.submitted(t, e.o1, e.r1, "T-1")
	require.ErrorIs(t, e.svc.Withdraw(e.ctx, e.o2, e.r2, app.ID, ""), applications.ErrNotFound)
	require.NoError(t, e.svc.Withdraw(e.ctx, e.o1, e.r1, app.ID, "  передумала  "))
	got, evs, _, err := e.svc.Get(e.ctx, e.o1, app.ID)
	require.NoError(t, err)
	require.Equal(t, applications.Withdrawn, got.Status)
	last := evs[len(evs)-1]
	require.Equal(t, applications.Received, last.From)
	require.Equal(t, applications.Withdrawn, last.To)
	require.Equal(t, applications.Applicant, last.ActorKind)
	require.Equal(t, "передумала", last.Comment)
	require.ErrorIs(t, e.svc.Withdraw(e.ctx, e.o1, e.r1, app.ID, ""), applications.ErrTransition, "twice")
	require.ErrorIs(t, e.svc.Take(e.ctx, e.staff, app.ID), applications.ErrTransition)

	// A draft is discarded, not withdrawn.
	dr, err := e.svc.Start(e.ctx, e.o1, e.r1, "T-2")
	require.NoError(t, err)
	require.ErrorIs(t, e.svc.Withdraw(e.ctx, e.o1, e.r1, dr.ID, ""), applications.ErrTransition)

	// Issued: too late.
	issued := e.submitted(t, e.o2, e.r2, "T-1")
	require.NoError(t, e.svc.Take(e.ctx, e.staff, issued.ID))
	require.NoError(t, e.svc.Decide(e.ctx, e.staff, issued.ID, true, "", ""))
	require.ErrorIs(t, e.svc.Withdraw(e.ctx, e.o2, e.r2, issued.ID, ""), applications.ErrTransition, "decided")
	require.NoError(t, e.svc.Issue(e.ctx, e.staff, issued.ID, nil, nil, ""))
	require.ErrorIs(t, e.svc.Withdraw(e.ctx, e.o2, e.r2, issued.ID, ""), applications.ErrTransition, "issued")
	require.Equal(t, applications.Issued, e.status(t, e.o2, issued.ID))
}

func TestBirthDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		rnokpp1: "1988-03-14", rnokpp2: "1979-11-02", rnokppO: "1975-06-21",
		"0000012345": "", "123": "", "12a4567890": "", "0000112345": "1900-01-01",
	} {
		require.Equal(t, want, applications.BirthDate(in), in)
	}
}
