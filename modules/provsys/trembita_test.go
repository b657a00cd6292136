package provsys_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/provsys"
	"hromada/modules/provsys/providersim"
	"hromada/modules/registries/simulator"
	"hromada/modules/signature"
)

// TestTrembitaRoundTrip is issue 26's round trip through the Trembita
// route, against the registries simulator: the application goes to the
// provider's system as a call to its service on the exchange, through the
// city's security server with the city's client identifiers (the exchange
// failing first, so the job retries); the system gets it once, sealed, and
// the call is in the accountable query log under the applicant's РНОКПП.
// The system takes it, asks for a clarification (a replay and a forgery
// change nothing), the resident's answer goes back over Trembita, and the
// system's signed result reaches the resident and verifies.
func TestTrembitaRoundTrip(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.route(t, provsys.Trembita)
	// The first attempt's three tries (the registries client's own
	// retries) meet a failing exchange; the job's second attempt gets
	// through.
	e.regsim.FailNext(3, http.StatusServiceUnavailable)
	app := e.submitted(t)
	msgID := app.ID.String() + ":application"

	d := e.settled(t, msgID)
	require.Equal(t, provsys.Delivered, d.Status)
	require.Equal(t, 2, d.Attempts, "the failed attempt was retried")
	require.NotNil(t, d.SentAt)
	require.NotNil(t, d.ReceivedAt)
	msgs, arrivals := e.sim.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, 1, arrivals)
	m := msgs[msgID]
	require.Equal(t, app.Number, m.Application.Number)
	require.Equal(t, app.Canonical, m.Application.Canonical)
	require.Equal(t, app.Signature, m.Application.Signature)
	require.Len(t, m.Attachments, 1, "fetched by link and checked against its SHA-256 by the system")
	require.Equal(t, []string{strings.Join([]string{simulator.Instance, simulator.ClientMemberClass, simulator.ClientMemberCode, simulator.ClientSubsystem}, "/")},
		e.sim.TrembitaClients(), "called as the city's client subsystem")
	require.Zero(t, e.count(t, `SELECT count(*) FROM outbox WHERE topic = 'applications.new' AND payload->>'application_id' = $1`, app.ID.String()))
	require.Zero(t, e.count(t, `SELECT count(*) FROM provsys_deliveries WHERE message_id = $1 AND status <> 'delivered'`, msgID))
	// The exchange's accountable log: the failed call and the delivered
	// one, about the applicant, for the service.
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM registry_queries WHERE service_code = $1 AND subject = $2 AND outcome = 'ok' AND $3 = ANY (purposes)`,
		trembitaService.Code, rnokppR, "T-1"))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM registry_queries WHERE service_code = $1 AND outcome = 'unavailable'`, trembitaService.Code))

	systemAnswers(t, e, c, app, func() {
		require.Equal(t, provsys.Delivered, e.settled(t, app.ID.String()+":answer-1").Status)
		msgs, _ := e.sim.Messages()
		require.Equal(t, "Погодження додаю", msgs[app.ID.String()+":answer-1"].Answer)
		require.Len(t, e.sim.TrembitaClients(), 2, "the answer went over Trembita too")
	})
}

// systemAnswers is the system's side of a round trip, whatever the route
// that brought it the application: it takes it into work, asks for a
// clarification (a forged and a replayed callback change nothing), lets
// the resident answer (answered checks the answer reached it), and
// returns a result signed by the provider's official, which the resident
// downloads and which verifies.
func systemAnswers(t *testing.T, e *env, c *providersim.Client, app *applications.Application, answered func()) {
	t.Helper()
	send := func(cb provsys.Callback) int {
		t.Helper()
		cb.Application, cb.SentAt = app.ID.String(), providersim.Now()
		code, err := c.Send(cb)
		require.NoError(t, err)
		return code
	}
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "t1", Kind: "status", Status: "in_review"}))
	require.Equal(t, applications.InReview, e.status(t, app.ID))
	other, err := providersim.New(e.ca.Pool())
	require.NoError(t, err)
	forged := &providersim.Client{System: other, Base: c.Base, ClientID: c.ClientID, Secret: c.Secret, HTTP: c.HTTP}
	require.NoError(t, forged.Token())
	code, err := forged.Send(provsys.Callback{MessageID: "f1", Application: app.ID.String(), SentAt: providersim.Now(), Kind: "clarification", Comment: "Підробка"})
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, code)
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "t2", Kind: "clarification", Comment: "Додайте погодження власника приміщення"}))
	require.Equal(t, applications.Clarification, e.status(t, app.ID))
	require.Equal(t, http.StatusConflict, send(provsys.Callback{MessageID: "t2", Kind: "clarification", Comment: "Додайте погодження власника приміщення"}))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'clarification'`, app.ID))

	require.NoError(t, e.apps.Answer(e.ctx, e.owner, e.resident, app.ID, "Погодження додаю", nil))
	answered()
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "t3", Kind: "status", Status: "in_review"}))

	pdf := []byte("%PDF-1.4\n% Дозвіл\n%%EOF\n")
	cert, key, err := e.ca.Issue(rnokppO, nameO)
	require.NoError(t, err)
	sig, err := signature.SignDetached(pdf, cert, key)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, send(provsys.Callback{MessageID: "t4", Kind: "result", Decision: "approved", Position: "начальник відділу", FullName: nameO,
		Document: &provsys.ResultDocument{Title: "Дозвіл", Name: "dozvil.pdf", PDF: pdf, Signature: sig}}))
	e.issuedBy(t, app.ID, rnokppO)
	// accepted: t1, t2, t3, t4; refused: the forgery and the replay.
	require.Equal(t, 4, e.count(t, `SELECT count(*) FROM provsys_callbacks WHERE outcome = 'accepted'`))
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM provsys_callbacks WHERE outcome = 'refused'`))
}

// TestTrembitaRefusals: a Trembita route must name a service the city's
// exchange has (else the form says so and nothing is saved), and a call
// the exchange refuses (an unknown service at the security server) fails
// the delivery for good at once.
func TestTrembitaRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, Kind: provsys.Trembita, Endpoint: "no-such-service"})
	require.ErrorIs(t, err, provsys.ErrTrembitaService)
	_, err = e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, Kind: provsys.Trembita, Endpoint: " "})
	require.ErrorIs(t, err, provsys.ErrTrembitaService)
	require.Zero(t, e.count(t, `SELECT count(*) FROM provsys_routes`))

	// A service the city configured, that the security server does not
	// know (its subsystem misspelt).
	wrong := trembitaService.Service(e.srv.URL+"/trembita", "uxp")
	wrong.Code, wrong.Subsystem = "provsys-typo", "PROV-A-SYZ"
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := registriesUpsert(ctx, tx, wrong)
		return err
	}))
	saved, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, Kind: provsys.Trembita, Endpoint: "provsys-typo"})
	require.NoError(t, err)
	require.NoError(t, e.svc.TestDelivery(e.ctx, saved.ID))
	o, err := e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Len(t, o.Attention, 1)
	d := e.settled(t, o.Attention[0].MessageID)
	require.Equal(t, provsys.Failed, d.Status)
	require.Equal(t, 1, d.Attempts, "a refusal of the exchange is not retried")
	o, err = e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Contains(t, o.Attention[0].LastError, "Client.UnknownService")
}
