package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/provsys"
	"hromada/modules/provsys/providersim"
	"hromada/modules/signature"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// provsysSim is the provider's simulated system for the app under test:
// its webhook on a test server, trusting the city's development CA (the
// platform's seals), fetching attachments through the app.
func provsysSim(t *testing.T, ta *testApp, ctx context.Context) (*providersim.System, *httptest.Server, *signature.DevCA) {
	t.Helper()
	var ca *signature.DevCA
	require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		ca, err = applications.EnsureDevCA(ctx, tx, ta.sealer)
		return err
	}))
	sim, err := providersim.New(ca.Pool())
	require.NoError(t, err)
	sim.HTTP = ta.client(t)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv, ca
}

// waitMessage waits until the system has the message; bounded only so a
// broken delivery fails rather than hangs.
func waitMessage(t *testing.T, sim *providersim.System, id string) provsys.Message {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if m, ok := func() (provsys.Message, bool) { ms, _ := sim.Messages(); m, ok := ms[id]; return m, ok }(); ok {
			return m
		}
		require.True(t, time.Now().Before(deadline), "message %s never arrived", id)
		time.Sleep(50 * time.Millisecond)
	}
}

// TestProviderSystemInBrowser is issue 26's "done when" through the
// webhook route, in Chromium: the administrator routes the Kyiv ЦНАП's
// applications to its own system (a test delivery arrives, the client
// secret is shown once), sets one service's own route and removes it
// again; a resident applies; the system gets the sealed
// application once, takes it and asks for a clarification; the resident
// answers in the cabinet on a phone, and the answer goes to the system;
// the system returns a result signed by its official, which the resident
// downloads, which verifies, and whose page says it is genuine. A forged
// and a replayed callback change nothing. Every page passes axe-core.
func TestProviderSystemInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	ctx := tenant.With(t.Context(), ts[0])
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	_, err = ta.apps.RotateSeal(ctx, "dcnap") // the ЦНАП's e-seal, which signs its messages
	require.NoError(t, err)
	var provider *catalog.Provider
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		provider, _, err = catalog.ProviderByCode(ctx, tx, "dcnap")
		return err
	}))
	var kyService uuid.UUID
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM services WHERE code = 'KY-0001'`).Scan(&kyService)
	}))
	sim, hook, ca := provsysSim(t, ta, ctx)
	card := "#provider-" + provider.ID.String()
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sim.Cert.Raw}))
	signIn := func(s *browsertest.Scenario, persona, ret string) {
		s.Steps = append(s.Steps, browsertest.Step{Op: "goto", URL: u("/auth/login?return=" + ret)},
			browsertest.Step{Op: "click", Selector: "button[value=" + persona + "]"})
	}
	run := func(s browsertest.Scenario) []browsertest.StepResult {
		t.Helper()
		res := browsertest.Run(t, []browsertest.Scenario{s})
		browsertest.RequireOK(t, res)
		browsertest.RequireNoViolations(t, res)
		return res[0].Steps
	}

	// The administrator sets the route, with a mistake first.
	admin := browsertest.Scenario{Name: "AdministratorRoutes", Viewport: phone}
	signIn(&admin, "administrator", "/admin/provider-systems")
	add := func(s *browsertest.Scenario, st browsertest.Step) int {
		s.Steps = append(s.Steps, st)
		return len(s.Steps) - 1
	}
	add(&admin, browsertest.Step{Op: "select", Selector: card + " select[name=kind]", Value: "webhook"})
	add(&admin, browsertest.Step{Op: "fill", Selector: card + " input[name=endpoint]", Value: "ftp://system.dcnap.example/hook"})
	add(&admin, browsertest.Step{Op: "fill", Selector: card + " textarea[name=certificate]", Value: certPEM})
	mistake := add(&admin, browsertest.Step{Op: "click", Selector: card + " form button[type=submit]"}) // not http(s)
	invalid := add(&admin, browsertest.Step{Op: "text", Selector: card + " .field.invalid"})
	kept := add(&admin, browsertest.Step{Op: "attr", Selector: card + " input[name=endpoint]", Name: "value"})
	add(&admin, browsertest.Step{Op: "axe"})
	add(&admin, browsertest.Step{Op: "screenshot", Name: "hromada-provsys-error", FullPage: true})
	add(&admin, browsertest.Step{Op: "fill", Selector: card + " input[name=endpoint]", Value: hook.URL + "/hook"})
	add(&admin, browsertest.Step{Op: "click", Selector: card + " form button[type=submit]"})
	clientID := add(&admin, browsertest.Step{Op: "text", Selector: card + " .client-id"})
	secret := add(&admin, browsertest.Step{Op: "text", Selector: card + " .client-secret"})
	overflow := add(&admin, browsertest.Step{Op: "overflow"})
	add(&admin, browsertest.Step{Op: "axe"})
	add(&admin, browsertest.Step{Op: "screenshot", Name: "hromada-provsys-secret", FullPage: true})
	add(&admin, browsertest.Step{Op: "click", Selector: card + " form[action$='/test'] button"})
	tested := add(&admin, browsertest.Step{Op: "text", Selector: "main"})
	add(&admin, browsertest.Step{Op: "axe"})
	// A route of one service's own (pulled), then removed again: the
	// resident's application below follows the provider's webhook.
	save := card + " form[action='/admin/provider-systems'] button[type=submit]"
	add(&admin, browsertest.Step{Op: "select", Selector: card + " select[name=service]", Value: kyService.String()})
	add(&admin, browsertest.Step{Op: "select", Selector: card + " select[name=kind]", Value: "pull"})
	add(&admin, browsertest.Step{Op: "fill", Selector: card + " input[name=endpoint]", Value: ""})
	add(&admin, browsertest.Step{Op: "click", Selector: save})
	secretFor := add(&admin, browsertest.Step{Op: "text", Selector: card + " .flash"})
	serviceRoute := add(&admin, browsertest.Step{Op: "text", Selector: card + " .service-route"})
	serviceOverflow := add(&admin, browsertest.Step{Op: "overflow"})
	add(&admin, browsertest.Step{Op: "axe"})
	add(&admin, browsertest.Step{Op: "screenshot", Name: "hromada-provsys-service-route", FullPage: true})
	add(&admin, browsertest.Step{Op: "click", Selector: card + " .service-route form[action$='/remove'] button"})
	removed := add(&admin, browsertest.Step{Op: "text", Selector: "main"})
	add(&admin, browsertest.Step{Op: "axe"})
	steps := run(admin)
	require.Equal(t, http.StatusUnprocessableEntity, steps[mistake].Status)
	require.Contains(t, steps[invalid].Text, "Адреса вебхука")
	require.Equal(t, "ftp://system.dcnap.example/hook", steps[kept].Text, "what was typed is kept")
	require.Equal(t, "0", steps[overflow].Text, "no sideways scrolling at 390 px")
	require.Contains(t, steps[tested].Text, "Тестове повідомлення поставлено в чергу")
	require.Contains(t, steps[secretFor].Text, "Новий клієнт маршруту послуги KY-0001", "the secret shown is the service's client's")
	require.Contains(t, steps[serviceRoute].Text, "KY-0001")
	require.Contains(t, steps[serviceRoute].Text, "Система надавача забирає заяви сама (API)")
	require.Equal(t, "0", steps[serviceOverflow].Text)
	require.Contains(t, steps[removed].Text, "Маршрут послуги вилучено")
	require.NotContains(t, steps[removed].Text, "Маршрути окремих послуг")
	client := &providersim.Client{System: sim, Base: u(""), ClientID: strings.TrimSpace(steps[clientID].Text), Secret: strings.TrimSpace(steps[secret].Text), HTTP: ta.client(t)}
	require.NoError(t, client.Token())
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ms, _ := sim.Messages()
		if len(ms) == 1 {
			for _, m := range ms {
				require.Equal(t, "test", m.Kind)
			}
			break
		}
		require.True(t, time.Now().Before(deadline), "the test delivery never arrived")
		time.Sleep(50 * time.Millisecond)
	}

	// The resident applies (as the applications' browser test does).
	pdf := filepath.Join(t.TempDir(), "pravo.pdf")
	require.NoError(t, os.WriteFile(pdf, appsPDF, 0o600))
	apply := browsertest.Scenario{Name: "ResidentApplies", Viewport: phone}
	signIn(&apply, "resident", "/services/KY-0001")
	apply.Steps = append(apply.Steps,
		browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0001/apply'] button"},
		browsertest.Step{Op: "click", Selector: "button[value=next]"},
		browsertest.Step{Op: "fill", Selector: "#f-katottg", Value: "Київ"},
		browsertest.Step{Op: "waitText", Selector: "#f-katottg-list li[role=option]", Value: "Київ", TimeoutMs: 20000},
		browsertest.Step{Op: "click", Selector: "#f-katottg-list li[role=option]"},
		browsertest.Step{Op: "fill", Selector: "#f-address", Value: "вул. Хрещатик, 10, кв. 5"},
		browsertest.Step{Op: "check", Selector: "input[name=basis][value=owner]"},
		browsertest.Step{Op: "fill", Selector: "#f-moved_on", Value: "2026-10-01"},
		browsertest.Step{Op: "click", Selector: "button[value=next]"},
		browsertest.Step{Op: "click", Selector: "button[value=next]"},
		browsertest.Step{Op: "select", Selector: "#f-document", Value: "4"},
		browsertest.Step{Op: "upload", Selector: "#f-file", Value: pdf},
		browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"},
		browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"},
		browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"},
		browsertest.Step{Op: "text", Selector: "h1"},
	)
	steps = run(apply)
	require.Contains(t, steps[len(steps)-1].Text, "Заява № 2026-")
	var app *applications.Application
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var id uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT id FROM applications WHERE status = 'received' AND provider_id = $1`, provider.ID).Scan(&id); err != nil {
			return err
		}
		h, err := applications.Handed(ctx, tx, id)
		if err == nil {
			app = h.App
		}
		return err
	}))
	m := waitMessage(t, sim, app.ID.String()+":application")
	require.Equal(t, app.Number, m.Application.Number)
	require.NotEmpty(t, m.Attachments, "the attachment by link, fetched and checked by the system")

	send := func(cb provsys.Callback) int {
		t.Helper()
		cb.Application, cb.SentAt = app.ID.String(), providersim.Now()
		code, err := client.Send(cb)
		require.NoError(t, err)
		return code
	}
	status := func() applications.Status {
		t.Helper()
		var st applications.Status
		require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT status FROM applications WHERE id = $1`, app.ID).Scan(&st)
		}))
		return st
	}
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "take-1", Kind: "status", Status: "in_review"}))
	ask, err := json.Marshal(provsys.Callback{MessageID: "ask-1", Application: app.ID.String(), SentAt: providersim.Now(), Kind: "clarification",
		Comment: "Додайте, будь ласка, номер під’їзду."})
	require.NoError(t, err)
	askCMS, err := signature.SignDetached(ask, sim.Cert, sim.Key)
	require.NoError(t, err)
	code, err := client.SendRaw(ask, askCMS)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, applications.Clarification, status())
	// Replayed and forged: nothing changes.
	code, err = client.SendRaw(ask, askCMS)
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, code)
	other, err := providersim.New(ca.Pool())
	require.NoError(t, err)
	forged := &providersim.Client{System: other, Base: client.Base, ClientID: client.ClientID, Secret: client.Secret, HTTP: client.HTTP}
	require.NoError(t, forged.Token())
	code, err = forged.Send(provsys.Callback{MessageID: "forged-1", Application: app.ID.String(), SentAt: providersim.Now(), Kind: "status", Status: "in_review"})
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, code)
	require.Equal(t, applications.Clarification, status())

	// The resident answers in the cabinet.
	answer := browsertest.Scenario{Name: "ResidentAnswers", Viewport: phone}
	signIn(&answer, "resident", "/cabinet")
	answer.Steps = append(answer.Steps,
		browsertest.Step{Op: "click", Selector: "main table tbody a"},
		browsertest.Step{Op: "text", Selector: "#timeline"}, // 3: the system's question
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "screenshot", Name: "hromada-provsys-clarification", FullPage: true},
		browsertest.Step{Op: "fill", Selector: "#f-comment", Value: "Під’їзд № 2."},
		browsertest.Step{Op: "click", Selector: "form[action$='/answer'] button"},
		browsertest.Step{Op: "text", Selector: "#app-status"}, // 8
		browsertest.Step{Op: "overflow"},                      // 9
		browsertest.Step{Op: "axe"},
	)
	steps = run(answer)
	require.Contains(t, steps[3].Text, "Додайте, будь ласка, номер під’їзду.")
	require.Equal(t, "Уточнення надано", steps[8].Text)
	require.Equal(t, "0", steps[9].Text)
	require.Equal(t, "Під’їзд № 2.", waitMessage(t, sim, app.ID.String()+":answer-1").Answer)

	// The result, signed by the ЦНАП's official.
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "take-2", Kind: "status", Status: "in_review"}))
	cert, key, err := ca.Issue("2756513668", "Бондар Марія Степанівна")
	require.NoError(t, err)
	sig, err := signature.SignDetached(appsPDF, cert, key)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "result-1", Kind: "result", Decision: "approved",
		Position: "начальник відділу реєстрації", FullName: "Бондар Марія Степанівна",
		Document: &provsys.ResultDocument{Title: "Рішення про реєстрацію місця проживання", Name: "rishennia.pdf", PDF: appsPDF, Signature: sig}}))
	require.Equal(t, applications.Issued, status())

	result := browsertest.Scenario{Name: "ResidentGetsResult", Viewport: phone}
	signIn(&result, "resident", "/cabinet")
	result.Steps = append(result.Steps,
		browsertest.Step{Op: "click", Selector: "main table tbody a"},
		browsertest.Step{Op: "text", Selector: "#app-status"}, // 3
		browsertest.Step{Op: "download", Selector: "#ready-download"},
		browsertest.Step{Op: "download", Selector: "#ready .muted a[download]"},
		browsertest.Step{Op: "overflow"}, // 6
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "screenshot", Name: "hromada-provsys-result", FullPage: true},
		browsertest.Step{Op: "click", Selector: "#ready a[href^='/verify/']"},
		browsertest.Step{Op: "text", Selector: ".verified"}, // 10
		browsertest.Step{Op: "axe"},
	)
	steps = run(result)
	require.Equal(t, "Надано", steps[3].Text)
	gotPDF, err := os.ReadFile(steps[4].File)
	require.NoError(t, err)
	gotSig, err := os.ReadFile(steps[5].File)
	require.NoError(t, err)
	signer, err := signature.VerifyDetached(gotPDF, gotSig, signature.VerifyOptions{Roots: ca.Pool()})
	require.NoError(t, err, "the downloaded result verifies")
	require.Equal(t, "2756513668", signer.RNOKPP)
	require.Equal(t, "0", steps[6].Text)
	require.Contains(t, steps[10].Text, "Документ справжній")
	_, arrivals := sim.Messages()
	require.Equal(t, 3, arrivals, "the test, the application and the answer, each once")
}
