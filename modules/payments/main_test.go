package payments_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
	"hromada/modules/payments/monosim"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// env is a city taking payments through the LiqPay simulator, served
// with the city's callback endpoint on one test server, and one resident.
type env struct {
	db      *tenanttest.DB
	tn      *tenant.Tenant
	ctx     context.Context
	svc     *payments.Service
	sim     *liqpaysim.Simulator
	mono    *monosim.Simulator
	srv     *httptest.Server
	account uuid.UUID
	public  string
	// drop makes the city's endpoint lose the callbacks (a network's
	// failure): the gateway believes it delivered, the platform saw
	// nothing.
	drop atomic.Bool
}

var fee = catalog.Fee{AmountKopecks: 2574, IBAN: "UA858999980333199331000026001", Recipient: "ГУК у м. Києві/м. Київ/22012500", EDRPOU: "37994106",
	Purpose: "Адміністративний збір за реєстрацію місця проживання; ПІБ і РНОКПП платника"}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{db: tenanttest.New(t)}
	e.tn = tenanttest.NewTenant(t, e.db)
	e.ctx = tenant.With(t.Context(), e.tn)
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: "3184710691", FullName: "Олена Петренко"})
		e.account = a.ID
		return err
	}))
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := identity.NewSealer(key)
	require.NoError(t, err)
	e.sim = liqpaysim.New(key, http.DefaultClient)
	mux := http.NewServeMux()
	mux.Handle(liqpaysim.Prefix+"/", e.sim)
	e.mono = monosim.New(key, http.DefaultClient)
	mux.Handle(monosim.Prefix+"/", e.mono)
	mux.HandleFunc("POST "+payments.MonobankWebhookPath, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		res, err := e.svc.MonobankWebhook(e.ctx, body, r.Header.Get("X-Sign"))
		if err != nil || res.Outcome == payments.Refused {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("POST "+payments.LiqPayCallbackPath, func(w http.ResponseWriter, r *http.Request) {
		if e.drop.Load() {
			return
		}
		res, err := e.svc.LiqPayCallback(e.ctx, r.PostFormValue("data"), r.PostFormValue("signature"))
		if err != nil || res.Outcome == payments.Refused {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /cabinet/payments/{id}", func(http.ResponseWriter, *http.Request) {})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.svc, err = payments.New(payments.Options{DB: e.db.App, Log: slog.New(slog.DiscardHandler), Sealer: sealer, Audit: audit.New(e.db.App, nil),
		PortalURL:   func(*tenant.Tenant) string { return e.srv.URL },
		LiqPayURL:   func(*tenant.Tenant) string { return e.srv.URL + liqpaysim.Prefix },
		MonobankURL: func(*tenant.Tenant) string { return e.srv.URL + monosim.Prefix }})
	require.NoError(t, err)
	e.public = "sandbox_i" + e.tn.Slug
	require.NoError(t, e.svc.SaveSettings(e.ctx, payments.Settings{Gateway: payments.LiqPay, PublicKey: e.public, Secret: e.sim.PrivateKey(e.public)}))
	return e
}

// application makes a submitted application of the resident's and its
// invoice, as the submission's transaction does.
func (e *env) application(t *testing.T) *payments.Invoice {
	t.Helper()
	return e.issue(t, true)
}

// draftApplication is a draft of the resident's whose fee is paid before
// submission: its invoice has no number yet.
func (e *env) draftApplication(t *testing.T) *payments.Invoice {
	t.Helper()
	return e.issue(t, false)
}

func (e *env) issue(t *testing.T, numbered bool) *payments.Invoice {
	t.Helper()
	var inv *payments.Invoice
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		provider, service, form, app := uuid.New(), uuid.New(), uuid.New(), uuid.New()
		number := "2026-" + app.String()[:6]
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO providers (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), $1, $2, 'ЦНАП')`, []any{provider, provider.String()}},
			{`INSERT INTO services (tenant_id, id, code, provider_id, content) VALUES (app_tenant_id(), $1, $2, $3, '{}')`, []any{service, service.String(), provider}},
			{`INSERT INTO service_forms (tenant_id, id, service_id, version, definition) VALUES (app_tenant_id(), $1, $2, 1, '{}')`, []any{form, service}},
			{`INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status) VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, 'draft')`,
				[]any{app, number, service, provider, form, e.account}},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		var err error
		if !numbered {
			number = ""
		}
		inv, err = payments.Issue(ctx, tx, payments.Bill{Application: app, Account: e.account, Provider: provider, Number: number, Service: "Реєстрація місця проживання",
			Fee: fee, Payer: "Петренко Олена Іванівна", PayerRNOKPP: "3184710691"})
		return err
	}))
	require.NotNil(t, inv)
	return inv
}

// invoice reads the invoice again, with its payments and callbacks.
func (e *env) invoice(t *testing.T, inv *payments.Invoice) *payments.Invoice {
	t.Helper()
	var out *payments.Invoice
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = payments.Of(ctx, tx, inv.Application)
		return err
	}))
	return out
}

// pay goes through the simulator's checkout as a browser would: the
// platform's signed form to the checkout page, then the «Сплатити» (or,
// declining, «Відмовитися») button; the simulator delivers the callback
// before it redirects.
func (e *env) pay(t *testing.T, inv *payments.Invoice, decline bool) liqpaysim.Payment {
	t.Helper()
	c, err := e.svc.Checkout(e.ctx, e.account, inv.ID, "uk")
	require.NoError(t, err)
	require.NotEmpty(t, c.Action)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(c.Action, url.Values{"data": {c.Data}, "signature": {c.Signature}})
	require.NoError(t, err)
	body := readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	m := tokenRE.FindStringSubmatch(body)
	require.NotNil(t, m, body)
	form := url.Values{"token": {m[1]}}
	if decline {
		form.Set("decline", "1")
	}
	resp, err = client.PostForm(e.srv.URL+liqpaysim.Prefix+"/pay", form)
	require.NoError(t, err)
	_ = readAll(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, e.srv.URL+"/cabinet/payments/"+inv.ID.String()+"?returned=1", resp.Header.Get("Location"))
	ps := e.sim.Payments()
	return ps[len(ps)-1]
}

// callback posts a callback's data, signed with key, as the gateway does.
func (e *env) callback(t *testing.T, key string, data map[string]any) (payments.Result, error) {
	t.Helper()
	d, sig, err := payments.LiqPayEncode(key, data)
	require.NoError(t, err)
	return e.svc.LiqPayCallback(e.ctx, d, sig)
}
