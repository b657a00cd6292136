package provsys_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/egress"
	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/modules/forms"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/provsys"
	"hromada/modules/provsys/providersim"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/modules/signature"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

const (
	rnokppR, nameR = "3221501449", "Шевченко Олена Петрівна" // the resident
	rnokppO, nameO = "2756513668", "Бондар Марія Степанівна" // the provider's official
)

// env is a city whose provider "prov-a" may take its applications in its
// own system (the simulator, behind a test server that also serves the
// city's provider API), a resident, and River running the deliveries.
type env struct {
	db       *tenanttest.DB
	tn       *tenant.Tenant
	ctx      context.Context
	apps     *applications.Service
	svc      *provsys.Service
	ca       *signature.DevCA
	provider uuid.UUID
	resident applications.Person
	owner    applications.Owner
	sim      *providersim.System
	srv      *httptest.Server
	river    *river.Client[pgx.Tx]
	// regsim is the city's security server (the registries simulator,
	// under /trembita on srv), carrying Trembita calls to sim's service
	// trembitaService.
	regsim *simulator.Simulator
}

// trembitaService is the provider's system's service on the exchange, as
// the registries simulator carries calls to it; its registry_services
// code is its Code.
var trembitaService = simulator.MemberService{Code: "provsys-a", MemberClass: "GOV", MemberCode: "43214325", Subsystem: "PROV-A-SYS",
	ServiceCode: "applications", Version: "v1", Path: provsys.TrembitaPath}

func txt(uk string) catalog.Text { return catalog.Text{UK: uk} }

func setup(t *testing.T, opts ...func(*provsys.Options)) *env {
	t.Helper()
	e := &env{db: tenanttest.New(t)}
	e.tn = tenanttest.NewTenant(t, e.db)
	e.ctx = tenant.With(t.Context(), e.tn)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := identity.NewSealer(key)
	require.NoError(t, err)
	docs, err := docstore.OpenDir(t.TempDir())
	require.NoError(t, err)
	reg := catalog.Register{
		Providers: []catalog.Provider{{Code: "prov-a", Name: catalog.Text{UK: "Надавач А", EN: "Provider A"}, EDRPOU: "37261172"}},
		Services: []catalog.RegisteredService{{Provider: "prov-a", Content: catalog.Content{Code: "T-1", Name: txt("Дозвіл на розміщення"),
			Summary: txt("Дозвіл"), Term: catalog.Term{Days: 10, Working: true}, Fee: catalog.Fee{Free: true},
			RefusalGrounds: []catalog.Text{txt("Неповний пакет документів")}}}},
	}
	def := forms.Definition{
		Schema: []byte(`{"type":"object","required":["purpose"],"properties":{"purpose":{"type":"string","minLength":3,"maxLength":200}}}`),
		Layout: []forms.Section{{Title: txt("Заява"), Fields: []forms.Field{{Name: "purpose", Label: txt("Мета")}}}},
	}
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := catalog.LoadRegister(ctx, tx, reg); err != nil {
			return err
		}
		if _, err := applications.PublishForm(ctx, tx, "T-1", def, nil); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = 'prov-a'`).Scan(&e.provider); err != nil {
			return err
		}
		a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: rnokppR, FullName: nameR, Phone: "+380671234567"})
		if err != nil {
			return err
		}
		e.resident = applications.Person{AccountID: a.ID, RNOKPP: rnokppR, FullName: nameR, Phone: "+380671234567"}
		e.owner = applications.Owner{AccountID: a.ID}
		if e.ca, err = applications.EnsureDevCA(ctx, tx, sealer); err != nil {
			return err
		}
		_, err = documents.EnsureSeal(ctx, tx, sealer, e.ca, e.provider, "Надавач А")
		return err
	}))
	insert := func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, e.river, tx, args, nil)
		return err
	}
	notices, err := notify.New(notify.Options{DB: e.db.App, Log: slog.New(slog.DiscardHandler), Insert: insert,
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost" }})
	require.NoError(t, err)
	ds := &documents.Service{DB: e.db.App, Sealer: sealer, DevCA: func(ctx context.Context, tx pgx.Tx) (*signature.DevCA, error) {
		return applications.EnsureDevCA(ctx, tx, sealer)
	}}
	e.apps = &applications.Service{DB: e.db.App, Docs: docs, Sealer: sealer, Insert: insert, Notify: notices,
		Results: &applications.DocumentResults{Docs: ds, Assets: os.DirFS("../../web/static")},
		VerifyURL: func(t *tenant.Tenant, id uuid.UUID) string {
			return "https://" + t.Slug + ".example/verify/" + id.String()
		}}

	e.sim, err = providersim.New(e.ca.Pool())
	require.NoError(t, err)
	mux := chi.NewRouter()
	mux.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(tenant.With(r.Context(), e.tn)))
		})
	})
	mux.Handle("/hook", e.sim)
	mux.Handle("/sed", e.sim.SED())
	e.regsim = simulator.New()
	member := trembitaService
	member.Handler = e.sim.Trembita()
	e.regsim.AddMember(member)
	mux.Handle("/trembita/*", http.StripPrefix("/trembita", e.regsim))
	regs := registries.NewStore(e.db.App)
	mux.HandleFunc("/refuse", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "unknown service", http.StatusBadRequest) })
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	o := provsys.Options{DB: e.db.App, Log: slog.New(slog.DiscardHandler), Apps: e.apps, Insert: insert, Sealer: sealer, Notify: notices,
		FileKey: key, PortalURL: func(*tenant.Tenant) string { return e.srv.URL }, RetryAfter: func(int) time.Duration { return 10 * time.Millisecond },
		// The simulator listens on 127.0.0.1, as HROMADA_EGRESS_ALLOW lets it.
		HTTP:     egress.Policy{Allow: egress.Loopback}.Client(time.Minute),
		Audit:    audit.New(e.db.App, slog.New(slog.DiscardHandler)),
		Trembita: registries.NewClient(registries.Config{Services: regs, OnQuery: regs.OnQuery(slog.New(slog.DiscardHandler)), BackoffBase: 10 * time.Millisecond})}
	for _, f := range opts {
		f(&o)
	}
	e.svc, err = provsys.New(o)
	require.NoError(t, err)
	e.apps.Handover = e.svc.Handover
	(&provsys.API{Svc: e.svc, Log: slog.New(slog.DiscardHandler)}).Routes(mux, &access.Guard{})

	workers := river.NewWorkers()
	river.AddWorker(workers, e.svc.Worker())
	e.river, err = river.NewClient(riverpgxv5.New(e.db.App.Pool()), &river.Config{Workers: workers,
		FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{provsys.Queue: {MaxWorkers: 2}}})
	require.NoError(t, err)
	require.NoError(t, e.river.Start(t.Context()))
	t.Cleanup(func() { _ = e.river.Stop(context.WithoutCancel(t.Context())) })
	return e
}

// route routes prov-a's applications to the simulator and returns its
// client of the provider API, with a token.
func (e *env) route(t *testing.T, kind provsys.Kind) *providersim.Client {
	t.Helper()
	endpoint := e.srv.URL + "/hook"
	if kind == provsys.SED {
		endpoint = e.srv.URL + "/sed"
	}
	if kind == provsys.Trembita {
		// The city's exchange reaches the system's service through its
		// security server, configured as the registries are.
		_, err := registries.NewStore(e.db.App).Upsert(e.ctx, trembitaService.Service(e.srv.URL+"/trembita", registries.UXP))
		require.NoError(t, err)
		endpoint = trembitaService.Code
	}
	saved, err := e.svc.SaveRoute(e.ctx, provsys.RouteInput{ProviderID: e.provider, Kind: kind, Endpoint: endpoint, Certificate: e.sim.Cert.Raw})
	require.NoError(t, err)
	require.NotEmpty(t, saved.Secret)
	c := &providersim.Client{System: e.sim, Base: e.srv.URL, ClientID: saved.ClientID, Secret: saved.Secret, HTTP: http.DefaultClient}
	require.NoError(t, c.Token())
	return c
}

// submitted is the resident's application, with an attachment, signed
// online and submitted.
func (e *env) submitted(t *testing.T) *applications.Application {
	t.Helper()
	app, err := e.apps.Start(e.ctx, e.owner, e.resident, "T-1")
	require.NoError(t, err)
	_, errs, err := e.apps.SaveStep(e.ctx, e.owner, app.ID, 0, map[string][]string{"purpose": {"Літній майданчик кафе"}}, true)
	require.NoError(t, err)
	require.Empty(t, errs)
	_, err = e.apps.Attach(e.ctx, e.owner, app.ID, "plan.pdf", strings.NewReader("%PDF-1.4\n%%EOF\n"), uploads.Limits{})
	require.NoError(t, err)
	got, errs, err := e.apps.SignOnline(e.ctx, e.owner, e.resident, app.ID, uuid.NewString())
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, applications.Received, got.Status)
	return got
}

func (e *env) status(t *testing.T, id uuid.UUID) applications.Status {
	t.Helper()
	app, err := e.apps.Own(e.ctx, e.owner, id)
	require.NoError(t, err)
	return app.Status
}

// delivery is a delivery's state as the tests read it.
type delivery struct {
	Status             provsys.Status
	Attempts           int
	SentAt, ReceivedAt *time.Time
}

// settled waits until the delivery of messageID is delivered or failed;
// bounded only so a broken worker fails rather than hangs.
func (e *env) settled(t *testing.T, messageID string) delivery {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var d delivery
		err := e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT status, attempts, sent_at, received_at FROM provsys_deliveries WHERE message_id = $1`, messageID).
				Scan(&d.Status, &d.Attempts, &d.SentAt, &d.ReceivedAt)
		})
		require.NoError(t, err)
		if d.Status == provsys.Delivered || d.Status == provsys.Failed {
			return d
		}
		require.True(t, time.Now().Before(deadline), "delivery %s still %s", messageID, d.Status)
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error { return tx.QueryRow(ctx, sql, args...).Scan(&n) }))
	return n
}

// registriesUpsert configures a service of the city's exchange.
var registriesUpsert = registries.UpsertTx

// issuedBy checks that the application is issued with the provider's
// decision and its detached signature, made by the official with rnokpp,
// and that the issued document verifies on the city's verification page;
// it returns the application.
func (e *env) issuedBy(t *testing.T, id uuid.UUID, rnokpp string) *applications.Application {
	t.Helper()
	got, _, files, err := e.apps.Get(e.ctx, e.owner, id)
	require.NoError(t, err)
	require.Equal(t, applications.Issued, got.Status)
	var pdfFile, sigFile applications.File
	for _, f := range files {
		switch f.Kind {
		case "decision":
			pdfFile = f
		case "decision_signature":
			sigFile = f
		}
	}
	gotPDF, err := e.apps.Download(e.ctx, pdfFile)
	require.NoError(t, err)
	gotSig, err := e.apps.Download(e.ctx, sigFile)
	require.NoError(t, err)
	signer, err := signature.VerifyDetached(gotPDF, gotSig, signature.VerifyOptions{Roots: e.ca.Pool()})
	require.NoError(t, err)
	require.Equal(t, rnokpp, signer.RNOKPP)
	var doc uuid.UUID
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM issued_documents WHERE application_id = $1`, id).Scan(&doc)
	}))
	v, err := e.apps.Verify(context.WithoutCancel(e.ctx), doc)
	require.NoError(t, err)
	require.True(t, v.Authentic, v.Problem)
	return got
}
