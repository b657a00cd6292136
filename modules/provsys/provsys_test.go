package provsys_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/identity"
	"hromada/modules/provsys"
	"hromada/modules/provsys/providersim"
	"hromada/modules/signature"
)

// TestWebhookRoundTrip is issue 26's path through a webhook: the
// application goes to the provider's system once (a failed attempt is
// retried, a message id seen once), the system takes it into work, asks
// for a clarification that the resident answers (the answer goes back),
// and issues a signed result that the resident gets and that verifies; a
// forged, a replayed and a stale callback change nothing.
func TestWebhookRoundTrip(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.route(t, provsys.Webhook)
	e.sim.FailNext(1)
	app := e.submitted(t)
	msgID := app.ID.String() + ":application"

	d := e.settled(t, msgID)
	require.Equal(t, provsys.Delivered, d.Status)
	require.Equal(t, 2, d.Attempts, "the 503 was retried")
	require.NotNil(t, d.SentAt)
	require.NotNil(t, d.ReceivedAt)
	msgs, arrivals := e.sim.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, 1, arrivals)
	m := msgs[msgID]
	require.Equal(t, "application", m.Kind)
	require.Equal(t, app.Number, m.Application.Number)
	require.Equal(t, app.Canonical, m.Application.Canonical)
	require.Equal(t, app.Signature, m.Application.Signature)
	require.NotEmpty(t, m.Application.DueOn)
	require.Len(t, m.Attachments, 1)
	require.Len(t, m.Attachments[0].SHA256, 64)
	// The officials' workspace was not told: the system took it.
	require.Zero(t, e.count(t, `SELECT count(*) FROM outbox WHERE topic = 'applications.new' AND payload->>'application_id' = $1`, app.ID.String()))

	send := func(cb provsys.Callback) int {
		t.Helper()
		cb.Application, cb.SentAt = app.ID.String(), providersim.Now()
		code, err := c.Send(cb)
		require.NoError(t, err)
		return code
	}
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "m1", Kind: "status", Status: "in_review"}))
	require.Equal(t, applications.InReview, e.status(t, app.ID))

	// Forged: signed by another system's key.
	other, err := providersim.New(e.ca.Pool())
	require.NoError(t, err)
	forged := &providersim.Client{System: other, Base: c.Base, ClientID: c.ClientID, Secret: c.Secret, HTTP: c.HTTP}
	require.NoError(t, forged.Token())
	code, err := forged.Send(provsys.Callback{MessageID: "f1", Application: app.ID.String(), SentAt: providersim.Now(), Kind: "clarification", Comment: "Підробка"})
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, code)
	// Bad credentials.
	bad := &providersim.Client{System: e.sim, Base: c.Base, ClientID: c.ClientID, Secret: "wrong", HTTP: c.HTTP}
	require.Error(t, bad.Token())
	// Stale: an old timestamp.
	old, err := json.Marshal(provsys.Callback{MessageID: "s1", Application: app.ID.String(), SentAt: time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		Kind: "clarification", Comment: "Застаріле"})
	require.NoError(t, err)
	cms, err := signature.SignDetached(old, e.sim.Cert, e.sim.Key)
	require.NoError(t, err)
	code, err = c.SendRaw(old, cms)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, applications.InReview, e.status(t, app.ID))

	// The clarification, and a replay of it.
	ask, err := json.Marshal(provsys.Callback{MessageID: "m2", Application: app.ID.String(), SentAt: providersim.Now(), Kind: "clarification",
		Comment: "Додайте погодження власника приміщення"})
	require.NoError(t, err)
	askCMS, err := signature.SignDetached(ask, e.sim.Cert, e.sim.Key)
	require.NoError(t, err)
	code, err = c.SendRaw(ask, askCMS)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, applications.Clarification, e.status(t, app.ID))
	code, err = c.SendRaw(ask, askCMS)
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'clarification'`, app.ID))

	// The resident answers in the cabinet; the answer goes to the system.
	require.NoError(t, e.apps.Answer(e.ctx, e.owner, e.resident, app.ID, "Погодження додаю", nil))
	require.Equal(t, provsys.Delivered, e.settled(t, app.ID.String()+":answer-1").Status)
	msgs, _ = e.sim.Messages()
	require.Equal(t, "Погодження додаю", msgs[app.ID.String()+":answer-1"].Answer)
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "m3", Kind: "status", Status: "in_review"}))

	// The result, signed by the provider's official.
	pdf := []byte("%PDF-1.4\n% Дозвіл\n%%EOF\n")
	cert, key, err := e.ca.Issue(rnokppO, nameO)
	require.NoError(t, err)
	sig, err := signature.SignDetached(pdf, cert, key)
	require.NoError(t, err)
	// A result whose signature does not verify changes nothing.
	require.Equal(t, http.StatusBadRequest, send(provsys.Callback{MessageID: "m4", Kind: "result", Decision: "approved", Position: "начальник відділу", FullName: nameO,
		Document: &provsys.ResultDocument{Title: "Дозвіл", Name: "dozvil.pdf", PDF: append([]byte("X"), pdf...), Signature: sig}}))
	require.Equal(t, applications.InReview, e.status(t, app.ID))
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "m5", Kind: "result", Decision: "approved", Position: "начальник відділу", FullName: nameO,
		Document: &provsys.ResultDocument{Title: "Дозвіл", Name: "dozvil.pdf", PDF: pdf, Signature: sig}}))
	got := e.issuedBy(t, app.ID, rnokppO)
	require.Equal(t, "approved", got.Decision)

	// Every callback is logged; the refused ones changed nothing.
	// (accepted: m1, m2, m3, m5; refused: the forged, the stale, the
	// replay of m2 and the result that did not verify)
	require.Equal(t, 4, e.count(t, `SELECT count(*) FROM provsys_callbacks WHERE outcome = 'accepted'`))
	require.Equal(t, 4, e.count(t, `SELECT count(*) FROM provsys_callbacks WHERE outcome = 'refused'`))
	// A callback after the result changes nothing.
	require.Equal(t, http.StatusConflict, send(provsys.Callback{MessageID: "m6", Kind: "clarification", Comment: "Ще щось"}))
	require.Equal(t, applications.Issued, e.status(t, app.ID))
}

// TestPullRoute: a pull route's system lists its messages after a cursor
// and acknowledges each (the receipt); the next page after the cursor is
// empty, and a second ack changes nothing.
func TestPullRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.route(t, provsys.Pull)
	app := e.submitted(t)
	next, err := c.Poll(0)
	require.NoError(t, err)
	require.Positive(t, next)
	msgs, _ := e.sim.Messages()
	require.Contains(t, msgs, app.ID.String()+":application")
	d := e.settled(t, app.ID.String()+":application")
	require.Equal(t, provsys.Delivered, d.Status)
	require.NotNil(t, d.SentAt)
	require.NotNil(t, d.ReceivedAt)
	again, err := c.Poll(next)
	require.NoError(t, err)
	require.Equal(t, next, again)
	require.Zero(t, e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'provsys.send'`))
}

// TestFailedDeliveryAlerts: a system that refuses a message (4xx) fails
// the delivery for good at once, and the city's administrator is told, in
// the transaction that records it; the console lists it first.
func TestFailedDeliveryAlerts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var admin uuid.UUID
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: "2916002336", FullName: "Коваленко Андрій Іванович"})
		if err != nil {
			return err
		}
		admin = a.ID
		_, err = tx.Exec(ctx, `INSERT INTO access_grants (tenant_id, id, account_id, role) VALUES (app_tenant_id(), $1, $2, 'administrator')`, uuid.New(), admin)
		return err
	}))
	saved, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, Kind: provsys.Webhook, Endpoint: e.srv.URL + "/refuse"})
	require.NoError(t, err)
	require.NoError(t, e.svc.TestDelivery(e.ctx, saved.ID))
	o, err := e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Len(t, o.Attention, 1)
	d := e.settled(t, o.Attention[0].MessageID)
	require.Equal(t, provsys.Failed, d.Status)
	require.Equal(t, 1, d.Attempts, "a refusal is not retried")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE account_id = $1 AND key = 'notify.provsys_failed'`, admin))
	o, err = e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Equal(t, provsys.Failed, o.Attention[0].Status)
	require.Contains(t, o.Attention[0].LastError, "400")
}

// TestWebhookToInternalAddressRefused: without the allow-list, a webhook
// address on the platform's own network (here 127.0.0.1) is never
// connected to; the delivery fails for good at once, with the reason
// recorded for the console.
func TestWebhookToInternalAddressRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *provsys.Options) { o.HTTP = nil })
	saved, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, Kind: provsys.Webhook, Endpoint: e.srv.URL + "/refuse"})
	require.NoError(t, err)
	require.NoError(t, e.svc.TestDelivery(e.ctx, saved.ID))
	o, err := e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Len(t, o.Attention, 1)
	d := e.settled(t, o.Attention[0].MessageID)
	require.Equal(t, provsys.Failed, d.Status)
	require.Equal(t, 1, d.Attempts, "a refused address is not retried")
	o, err = e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Contains(t, o.Attention[0].LastError, "заборонена адреса призначення 127.0.0.1")
	require.NotContains(t, o.Attention[0].LastError, "400", "the address's own answer (400) never came")
}
