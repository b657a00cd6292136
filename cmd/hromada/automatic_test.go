package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/docstore"
	"hromada/modules/signature"
	"hromada/tenant/tenanttest"
)

// applyAutomatic submits KY-0003 (a certificate of the persons registered
// at a dwelling, automatic mode) as the resident with katottg, and returns
// the application's id.
func (e *appsEnv) applyAutomatic(c *http.Client, katottg string) string {
	e.t.Helper()
	id := e.start(c, "KY-0003")
	e.next(c, id, 0, appsApplicantStep(appsPersona(e.t, "resident")))
	e.next(c, id, 1, url.Values{"katottg": {katottg}, "address": {"вул. Січових Стрільців, 21, кв. 14"}, "persons": {"4"}, "purpose": {"bank"}})
	r := e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(e.t, http.StatusSeeOther, r.status, appsText(r))
	return id
}

// waitStatus polls the cabinet's status JSON until the application is in
// one of the statuses, and returns its last state.
func (e *appsEnv) waitStatus(c *http.Client, id string, within time.Duration, want ...string) (st struct {
	Status string
	Events []struct{ Label, Who, Comment string }
}) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := get(e.t, c, e.u("/cabinet/applications/"+id+"/status"))
		require.Equal(e.t, http.StatusOK, r.status)
		require.NoError(e.t, json.Unmarshal([]byte(r.body), &st))
		for _, w := range want {
			if st.Status == w {
				return st
			}
		}
		require.True(e.t, time.Now().Before(deadline), "still %s: %+v", st.Status, st)
		time.Sleep(50 * time.Millisecond)
	}
}

// A resident applies for an automatic-mode service and, with no human, gets
// a sealed result in the cabinet: the registry's data on it, the provider's
// seal over it (openssl verifies the downloaded pair with the city's CA),
// and a public verification page behind its QR code.
func TestAutomaticIssuesSealedResult(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	id := e.applyAutomatic(c, "UA80000000000093317")
	st := e.waitStatus(c, id, 20*time.Second, "issued")
	var labels []string
	for _, ev := range st.Events {
		labels = append(labels, ev.Label)
	}
	require.Equal(t, []string{"Підписано", "Отримано", "На розгляді", "Рішення: надати", "Надано"}, labels)
	for _, ev := range st.Events[2:] {
		require.Equal(t, "Громада (автоматично)", ev.Who, "no official took part")
	}

	page := get(t, c, e.u("/cabinet/applications/"+id))
	files := appsFiles(page.body)
	var pdfURL, p7sURL string
	for name, link := range files {
		switch {
		case strings.HasSuffix(name, ".pdf.p7s"):
			p7sURL = link
		case strings.HasSuffix(name, ".pdf"):
			pdfURL = link
		}
	}
	require.NotEmpty(t, pdfURL, "files: %v", files)
	require.NotEmpty(t, p7sURL, "files: %v", files)
	pdf, p7s := get(t, c, e.u(pdfURL)), get(t, c, e.u(p7sURL))
	require.Equal(t, http.StatusOK, pdf.status)
	require.Equal(t, "application/pdf", pdf.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(pdf.body, "%PDF-"))

	ca := e.devCA()
	s, err := signature.VerifyDetached([]byte(pdf.body), []byte(p7s.body), signature.VerifyOptions{Roots: ca.Pool(), Seal: true})
	require.NoError(t, err, "the seal verifies with the city's trust list")
	require.Contains(t, s.Certificate.Subject.String(), "Департамент (Центр) надання адміністративних послуг")

	bin, err := exec.LookPath("openssl")
	require.NoError(t, err, "openssl is not installed: run .ci/deps.sh (apt-get install openssl)")
	{
		dir := t.TempDir()
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(p, b, 0o600))
			return p
		}
		caPEM := write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Certificate.Raw}))
		out, err := exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", write("result.p7s", []byte(p7s.body)),
			"-content", write("result.pdf", []byte(pdf.body)), "-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		require.NoError(t, err, "openssl cms -verify: %s", out)
		tampered := []byte(pdf.body)
		tampered[len(tampered)/2] ^= 1
		out, err = exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", filepath.Join(dir, "result.p7s"),
			"-content", write("tampered.pdf", tampered), "-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		require.Error(t, err, "a changed byte fails: %s", out)
	}

	// The public verification page, as the QR code opens it: no sign-in,
	// authentic, the hash, no full name.
	var doc uuid.UUID
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM issued_documents WHERE application_id = $1`, id).Scan(&doc)
	})
	anon := e.ta.client(t)
	v := get(t, anon, e.u("/verify/"+doc.String()))
	require.Equal(t, http.StatusOK, v.status)
	text := appsText(v)
	require.Contains(t, text, "Документ справжній")
	require.Contains(t, text, "Довідка про зареєстрованих у житловому приміщенні осіб")
	require.NotContains(t, text, "Шевченко", "the verification page shows no full name")
	require.NotContains(t, text, "3221501449", "nor the РНОКПП")
	require.Contains(t, text, "О. П. Ш.")

	// Comparing a copy: the same bytes match, one changed byte does not.
	same := appsMultipart(t, anon, e.u("/verify/"+doc.String()), nil, appsFile{field: "document", name: "copy.pdf", body: []byte(pdf.body)})
	require.Contains(t, appsText(same), "саме цей документ")
	changed := []byte(pdf.body)
	changed[100] ^= 1
	diff := appsMultipart(t, anon, e.u("/verify/"+doc.String()), nil, appsFile{field: "document", name: "copy.pdf", body: changed})
	// The verdict banner is the comparison's: no green «authentic» above
	// a changed copy.
	require.Contains(t, appsText(diff), `<div class="error-summary" role="alert" id="verdict"><h2>Ваш файл не збігається з виданим документом</h2>`)
	require.NotContains(t, appsText(diff), "Документ справжній")
	require.NotContains(t, appsText(diff), "verified")
	require.Equal(t, http.StatusNotFound, get(t, anon, e.u("/verify/"+uuid.NewString())).status)

	// Exactly one result, one notice; every query to the registry logged.
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1 AND kind = 'result'`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE application_id = $1 AND key = 'notify.granted'`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM registry_queries WHERE subject = '3221501449' AND purposes @> ARRAY['KY-0003']`))

	// The auditor sees who issued it: the automatic mode, in words.
	r := get(t, e.as(appsKyiv, "auditor"), e.u("/admin/audit?action=application.issue"))
	require.Equal(t, http.StatusOK, r.status)
	row := auditRow(t, r.body, "Видано результат")
	require.Contains(t, row, "Автоматичний режим")
	require.Contains(t, row, "Заява № "+e.row(id).Number)
}

// A registry that answers garbage, or keeps failing, sends the case to the
// officials with the reason; nothing hangs, nothing is lost.
func TestAutomaticRegistryFailureGoesToOfficials(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	off := e.as(appsKyiv, "official-dcnap")

	check := func(id, reason string) {
		t.Helper()
		require.Eventually(t, func() bool {
			return e.count(`SELECT count(*) FROM application_events WHERE application_id = $1 AND comment LIKE '%' || $2 || '%'`, id, reason) == 1
		}, 30*time.Second, 50*time.Millisecond, "the reason %q in the history", reason)
		require.Equal(t, "received", e.row(id).Status)
		require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE topic = 'applications.new' AND payload->>'application_id' = $1`, id))
		r := get(t, off, e.u("/work/applications/"+id))
		require.Equal(t, http.StatusOK, r.status)
		require.Contains(t, appsText(r), reason, "the official sees why")
		require.Contains(t, r.body, `action="/work/applications/`+id+`/take"`)
		require.Zero(t, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1`, id), "no result")
	}

	e.ta.regsim.SetGarbage(true)
	garbage := e.applyAutomatic(c, "UA80000000000093317")
	check(garbage, "Реєстр надіслав відповідь, яку не вдалося прочитати")
	e.ta.regsim.SetGarbage(false)

	// 503 for every query: the client's retries, the pipeline's attempts,
	// then the officials.
	e.ta.regsim.FailNext(1000, http.StatusServiceUnavailable)
	down := e.applyAutomatic(c, "UA80000000000093317")
	check(down, "недоступний")
}

// A form's fields marked for it are filled from the registries when the
// draft is made (seed 003 §3.1.7), and the query is logged with its purpose.
func TestAutofillFromRegistries(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	id := e.start(c, "KY-0003")
	r := get(t, c, e.u("/cabinet/applications/"+id+"/steps/1"))
	require.Equal(t, http.StatusOK, r.status)
	body := appsText(r)
	require.Contains(t, body, `value="UA80000000000093317"`)
	require.Contains(t, body, `value="м. Київ, вул. Січових Стрільців, 21, кв. 14"`)
	require.Contains(t, body, `value="4"`, "the household's size, her and three children")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM registry_queries WHERE subject = '3221501449' AND purposes @> ARRAY['application-autofill']`))

	// A registry that is down fills nothing and delays nothing.
	e.ta.regsim.SetGarbage(true)
	defer e.ta.regsim.SetGarbage(false)
	l := e.as(appsKyiv, "legal_rep")
	id2 := e.start(l, "KY-0003")
	r = get(t, l, e.u("/cabinet/applications/"+id2+"/steps/1"))
	require.Equal(t, http.StatusOK, r.status)
	require.NotContains(t, appsText(r), `value="UA80000000000093317"`)
}

// The same with the documents in a real MinIO: the result is written once
// under a compliance lock with its SHA-256 in the object's metadata, and
// the cabinet and the verification page read it back checked.
func TestAutomaticWithMinIO(t *testing.T) {
	t.Parallel()
	m := tenanttest.MinIO(t)
	ta := startApp(t, testAppOpts{objectStore: m.URL(m.NewBucket(t))})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	e := &appsEnv{t: t, ta: ta}
	for _, tn := range ts {
		if tn.Slug == "kyiv" {
			e.kyiv = tn
		}
	}
	c := e.as(appsKyiv, "resident")
	id := e.applyAutomatic(c, "UA80000000000093317")
	e.waitStatus(c, id, 30*time.Second, "issued")

	var key, sum string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT object_key, sha256 FROM application_files WHERE application_id = $1 AND kind = 'result'`, id).Scan(&key, &sum)
	})
	st, err := ta.docs.Stat(t.Context(), key)
	require.NoError(t, err)
	require.Equal(t, sum, st.SHA256)
	require.Equal(t, docstore.ClassResult, st.Class)
	require.True(t, st.RetainUntil.After(time.Now().AddDate(5, 0, 0)), "kept under lock for years: %s", st.RetainUntil)
	require.ErrorIs(t, ta.docs.Delete(t.Context(), key), docstore.ErrLocked)

	page := get(t, c, e.u("/cabinet/applications/"+id))
	for name, link := range appsFiles(page.body) {
		r := get(t, c, e.u(link))
		require.Equal(t, http.StatusOK, r.status, name)
	}
	var doc uuid.UUID
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM issued_documents WHERE application_id = $1`, id).Scan(&doc)
	})
	require.Contains(t, appsText(get(t, e.ta.client(t), e.u("/verify/"+doc.String()))), "Документ справжній")
}

// `hromada seal rotate` retires a provider's seal and issues a new one:
// new results are sealed with the new key, and results sealed before still
// verify.
func TestSealRotation(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.as(appsKyiv, "resident")
	first := e.applyAutomatic(c, "UA80000000000093317")
	e.waitStatus(c, first, 20*time.Second, "issued")

	env := map[string]string{"HROMADA_DATABASE_URL": e.ta.db.AppDSN, "HROMADA_OPERATOR_DATABASE_URL": e.ta.db.OperatorDSN,
		"HROMADA_DATA_DIR": t.TempDir(), "HROMADA_OBJECT_STORE": e.ta.cfg.ObjectStore, "HROMADA_LOG_LEVEL": "warn",
		"HROMADA_SECRET_KEY": base64.StdEncoding.EncodeToString(e.ta.cfg.SecretKey)}
	code, out, errOut := runCLI(t, env, "seal", "rotate", "--tenant", "kyiv", "--provider", "dcnap")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "dcnap: new seal")
	code, _, errOut = runCLI(t, env, "seal", "rotate", "--tenant", "kyiv")
	require.Equal(t, exitUsage, code, errOut)

	second := e.applyAutomatic(c, "UA80000000000093317")
	e.waitStatus(c, second, 20*time.Second, "issued")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM provider_seals WHERE status = 'retired'`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM provider_seals WHERE status = 'active'`))
	ca := e.devCA()
	for id, status := range map[string]string{first: "retired", second: "active"} {
		var doc uuid.UUID
		e.tx(func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM issued_documents WHERE application_id = $1`, id).Scan(&doc)
		})
		page := appsText(get(t, e.ta.client(t), e.u("/verify/"+doc.String())))
		require.Contains(t, page, "Документ справжній", "a result sealed before the rotation still verifies")
		var pdf, p7s []byte
		for name, link := range appsFiles(get(t, c, e.u("/cabinet/applications/"+id)).body) {
			switch {
			case strings.HasSuffix(name, ".pdf.p7s"):
				p7s = []byte(get(t, c, e.u(link)).body)
			case strings.HasSuffix(name, ".pdf"):
				pdf = []byte(get(t, c, e.u(link)).body)
			}
		}
		s, err := signature.VerifyDetached(pdf, p7s, signature.VerifyOptions{Roots: ca.Pool(), Seal: true})
		require.NoError(t, err)
		var cert []byte
		e.tx(func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT certificate FROM provider_seals WHERE status = $1`, status).Scan(&cert)
		})
		require.Equal(t, cert, s.Certificate.Raw, "sealed with the %s seal", status)
	}
}
