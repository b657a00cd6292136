package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"hromada/lifeline"
	"hromada/localpg"
	"hromada/migrations"
	"hromada/modules/access"
	"hromada/modules/appeals"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/branding"
	"hromada/modules/catalog"
	"hromada/modules/centres"
	"hromada/modules/content"
	"hromada/modules/devidp"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/modules/documents/hsm"
	"hromada/modules/identity"
	"hromada/modules/jobsui"
	"hromada/modules/lifecycle"
	"hromada/modules/monitoring"
	"hromada/modules/notify"
	"hromada/modules/notify/fcmsim"
	"hromada/modules/notify/smssim"
	"hromada/modules/onboarding"
	"hromada/modules/operator"
	"hromada/modules/participation"
	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
	"hromada/modules/payments/monosim"
	"hromada/modules/provsys"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
	"hromada/modules/trustlist"
	"hromada/tenant"
	"hromada/web"
)

// App is the composition root: the pools, the services and the River
// client, wired from a Config. Wiring only; no business rules.
type App struct {
	cfg *Config
	log *slog.Logger
	// webPush is openOpts.WebPush.
	webPush *notify.WebPush
	// identityNow is openOpts.IdentityNow.
	identityNow func() time.Time

	cluster    *localpg.Cluster // nil unless embedded
	appPool    *pgxpool.Pool
	opPool     *pgxpool.Pool
	db         *tenant.DB
	dir        *tenant.Directory
	docs       docstore.Store
	operator   *operator.Service
	lifecycle  *lifecycle.Service // a city's export (nil until openDocs)
	onboarding *onboarding.Service
	river      *river.Client[pgx.Tx]
	line       *lifeline.Line // held by a process that works jobs
	renderer   *web.Renderer
	registry   *prometheus.Registry
	branding   *branding.Service
	identity   *identity.Service
	audit      *audit.Service
	access     *access.Service
	// portalGuard is the guard of the portal's routes, once Handler has
	// built them (tests ask it what a form's action allows).
	portalGuard *access.Guard
	apps        *applications.Service
	notify      *notify.Service
	content     *content.Service
	// catalogCache keeps the public pages' reads (catalog.Cache): dropped
	// for a city when its change commits here, or is announced by another
	// process (serve's listener).
	catalogCache *catalog.Cache
	pipeline     *applications.Pipeline
	appeals      *appeals.Service
	registries   *registries.Client
	regsim       *simulator.Simulator // the demo registries; nil in production
	smssim       *smssim.Simulator    // the SMS gateway in dev; nil in production
	fcmsim       *fcmsim.Simulator    // FCM in dev; nil in production
	sealer       *identity.Sealer
	devidp       *devidp.Provider // nil in production
	devIssuer    string
	// trust is the national Trusted List; trustMetrics its collector,
	// registered when a list is configured (an anchor is set).
	trust        *trustlist.Register
	trustMetrics *trustlist.Metrics
	// centres is the service centres' appointments and queues.
	centres *centres.Service

	// particip is participation: e-petitions and polls.
	particip *participation.Service
	// payments takes the services' fees; liqpaysim is LiqPay in dev (nil
	// in production).
	payments  *payments.Service
	liqpaysim *liqpaysim.Simulator
	monosim   *monosim.Simulator
	// documents renders and seals with the providers' seals (results.go).
	documents *documents.Service
	// provsys hands applications to the providers' own systems.
	provsys *provsys.Service

	// hsm is the token the providers' seal keys are in (hsm.go); nil
	// without one. releaseHSM withdraws it from documents.ActiveSeal.
	hsm        *hsm.HSM
	releaseHSM func()
	// monitoring is the indicators; views counts the cards' views.
	monitoring *monitoring.Service
	views      *monitoring.Views

	// extraRoutes lets tests mount routes of their own (see the graceful
	// stop test); nil in production.
	extraRoutes func(r chiRouter)

	// jobsUI is River's UI for operators (modules/jobsui); nil without the web.
	jobsUI http.Handler
}

// openOpts says which parts a subcommand needs.
type openOpts struct {
	// Migrate applies migrations first (dev serve, migrate).
	Migrate bool
	// Web opens what serving pages needs (renderer, document store).
	Web bool
	// Workers registers River's workers and queues; without it the River
	// client can only insert.
	Workers bool
	// AddWorkers registers more workers (tests).
	AddWorkers func(*river.Workers)
	// Tracer, when set, sees every statement on the application's pool
	// (tests count the transactions a page opens).
	Tracer pgx.QueryTracer
	// CentresNow is the service centres' clock (tests: a day of the
	// queue whatever the hour); nil: time.Now.
	CentresNow func() time.Time
	// IdentityNow is the sign-in's clock (tests: a sign-in made minutes
	// ago, for the fresh sign-in sensitive actions need); nil: time.Now.
	IdentityNow func() time.Time
	// WebPush sends the Web Push notices (tests: to a push service
	// simulator); nil: notify.WebPush's defaults.
	WebPush *notify.WebPush
}

// River's fetch timing, set deliberately (see docs/perf.md): the default
// cooldown of 100 ms would add up to that to every hop of a job chain.
const (
	riverFetchCooldown     = 20 * time.Millisecond
	riverFetchPollInterval = time.Second
)

// deadlinesEvery is how often the cities' deadline notices are looked
// for.
const deadlinesEvery = 15 * time.Minute

// databaseName is the embedded cluster's database.
const databaseName = "hromada"

func openApp(ctx context.Context, cfg *Config, log *slog.Logger, opts openOpts) (_ *App, err error) {
	a := &App{cfg: cfg, log: log, identityNow: opts.IdentityNow, webPush: opts.WebPush}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := a.openDatabase(ctx, opts.Migrate, opts.Tracer); err != nil {
		return nil, err
	}
	a.db = tenant.NewDB(a.appPool)
	a.catalogCache = catalog.NewCache(catalog.CacheOptions{})
	a.db.OnChange(tenant.PublicChannel, a.catalogCache.Forget)
	a.dir = tenant.NewDirectory(a.appPool, cfg.BaseDomain, nil)
	// A city's branding edited here shows on this process's next page.
	a.db.OnChange(tenant.ChangeChannel, a.dir.Forget)
	a.db.OnChange(tenant.ChangeChannel, a.catalogCache.Forget)
	if a.operator, err = operator.New(a.opPool); err != nil {
		return nil, err
	}
	a.branding = branding.NewService(a.db, log)
	a.audit = audit.New(a.db, log)
	a.branding.Editing(branding.EditOptions{Audit: a.audit, Insert: a.insertJob})
	a.access = access.New(a.db, &access.Options{Log: log, Journal: a.audit, Register: identity.Register})
	a.onboarding = onboarding.New(a.db, a.access, log)
	if err := a.openTrustList(); err != nil {
		return nil, err
	}
	if err := a.openHSM(); err != nil {
		return nil, err
	}

	if opts.Web || opts.Workers {
		if err := a.openApplications(ctx); err != nil {
			return nil, err
		}
		a.centres = centres.New(centres.Options{DB: a.db, Log: log, Notify: a.notify, Audit: a.audit, Docs: a.docs, Now: opts.CentresNow})
		if err := a.openMonitoring(); err != nil {
			return nil, err
		}
	}

	rc := &river.Config{
		Logger:               log,
		FetchCooldown:        riverFetchCooldown,
		FetchPollInterval:    riverFetchPollInterval,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobRescueAfter,
	}
	if opts.Workers {
		workers := river.NewWorkers()
		river.AddWorker(workers, branding.NewRefreshWorker(a.db))
		river.AddWorker(workers, access.NewInstallWorker(a.db, a.access))
		river.AddWorker(workers, access.NewUpgradeWorker(a.db, a.access))
		river.AddWorker(workers, &access.UpgradeAllWorker{DB: a.db})
		river.AddWorker(workers, onboarding.NewAppointWorker(a.db, a.onboarding))
		river.AddWorker(workers, identity.NewSweepWorker(a.db))
		river.AddWorker(workers, &identity.SweepAllWorker{DB: a.db})
		a.pipeline.AddWorkers(workers)
		river.AddWorker(workers, a.notify.Worker())
		river.AddWorker(workers, a.notify.BulkWorker())
		river.AddWorker(workers, a.notify.DigestWorker())
		river.AddWorker(workers, &notify.DigestAllWorker{DB: a.db})
		river.AddWorker(workers, applications.NewDeadlinesWorker(a.apps))
		river.AddWorker(workers, &applications.DeadlinesAllWorker{DB: a.db})
		river.AddWorker(workers, a.payments.NewRefundWorker())
		river.AddWorker(workers, a.payments.NewReconcileWorker())
		river.AddWorker(workers, &payments.ReconcileAllWorker{DB: a.db})
		rc.ErrorHandler = a.pipeline
		rc.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return identity.SweepAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
			}, nil),
			// Deadline notices: each is sent once (deadline_notices), so
			// the period only bounds how late a notice may come.
			river.NewPeriodicJob(river.PeriodicInterval(deadlinesEvery), func() (river.JobArgs, *river.InsertOpts) {
				return applications.DeadlinesAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: deadlinesEvery}}
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			// New default policy lines (a new module's permissions) reach
			// the existing cities when a release starts.
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return access.UpgradeAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			// The payments' daily reconciliation with the gateways'
			// statements, city by city.
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return payments.ReconcileAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 24 * time.Hour}}
			}, nil),
		}
		if len(cfg.TrustedListURLs) > 0 {
			river.AddWorker(workers, &trustlist.RefreshWorker{Register: a.trust, URLs: cfg.TrustedListURLs, Metrics: a.trustMetrics})
			rc.PeriodicJobs = append(rc.PeriodicJobs, trustlist.PeriodicRefresh())
		}
		a.appealsWorkers(workers, rc)
		// Service centres: the appointments' reminders, a day before.
		river.AddWorker(workers, centres.NewRemindWorker(a.centres))
		river.AddWorker(workers, &centres.RemindAllWorker{DB: a.db})
		rc.PeriodicJobs = append(rc.PeriodicJobs, centres.PeriodicReminders())
		// Officials who chose it get their new work as one summary a day.
		rc.PeriodicJobs = append(rc.PeriodicJobs, notify.PeriodicDigest())
		a.monitoringWorkers(workers, rc)
		river.AddWorker(workers, a.provsys.Worker())
		river.AddWorker(workers, lifecycle.NewExportWorker(a.lifecycle))
		if opts.AddWorkers != nil {
			opts.AddWorkers(workers)
		}
		rc.Workers = workers
		// Notices have their own, smaller queue: a flood of them never
		// starves the decisions.
		// The lanes of notices that leave the portal are queues of their
		// own too: urgent ones never wait behind bulk.
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20},
			applications.QueueAutomatic: {MaxWorkers: 20}, notify.QueueNormal: {MaxWorkers: notify.NormalWorkers},
			notify.QueueUrgent: {MaxWorkers: notify.UrgentWorkers}, notify.QueueBulk: {MaxWorkers: notify.BulkWorkers},
			provsys.Queue: {MaxWorkers: 5}}
	}
	if opts.Workers {
		// The process's life line: its jobs run again within seconds of
		// its death, not after JobRescueAfter (package lifeline).
		if a.line, err = lifeline.Hold(ctx, a.appPool, log); err != nil {
			return nil, err
		}
		rc.ID = a.line.ID
	}
	if a.river, err = river.NewClient(riverpgxv5.New(a.appPool), rc); err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}

	if opts.Web {
		if err := a.openWeb(ctx); err != nil {
			return nil, err
		}
		// The operators' view of the jobs (modules/jobsui, in the console).
		if a.jobsUI, err = jobsui.New(a.river, log); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *App) openDatabase(ctx context.Context, migrate bool, tracer pgx.QueryTracer) error {
	cfg := a.cfg
	ownerDSN := cfg.OwnerDatabaseURL
	if cfg.Embedded() {
		if cfg.Production() {
			return configError{errors.New("the embedded cluster is refused in production: set HROMADA_DATABASE_URL")}
		}
		c, err := localpg.Open(ctx, localpg.Options{
			Dir: filepath.Join(cfg.DataDir, "pg"), TCP: true, Durable: true,
			Log: func(f string, args ...any) { a.log.Info(fmt.Sprintf(f, args...)) },
		})
		if err != nil {
			return err
		}
		a.cluster = c
		if err := c.EnsureDatabase(ctx, databaseName); err != nil {
			return err
		}
		ownerDSN = c.DSN(localpg.Owner, databaseName)
		cfg.DatabaseURL = c.DSN(localpg.App, databaseName)
		cfg.OperatorDatabaseURL = c.DSN(localpg.Operator, databaseName)
		migrate = true // the embedded cluster is always brought up to date
	}
	if migrate {
		if ownerDSN == "" {
			return configError{errors.New("migrating needs HROMADA_OWNER_DATABASE_URL")}
		}
		if err := migrations.Up(ctx, ownerDSN, a.log); err != nil {
			return err
		}
	}
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return configError{fmt.Errorf("HROMADA_DATABASE_URL: %w", err)}
	}
	// The Ukrainian dictionary loads on its first use in each backend
	// (about half a second): pay it when the connection opens, not in the
	// first search someone makes on it.
	pc.AfterConnect = tenant.RegisterTypes
	pc.ConnConfig.Tracer = tracer
	if !cfg.coldDictionary {
		warm := warmDictionary(a.log)
		pc.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			if err := tenant.RegisterTypes(ctx, conn); err != nil {
				return err
			}
			return warm(ctx, conn)
		}
	}
	if a.appPool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	opDSN := cfg.OperatorDatabaseURL
	if opDSN == "" {
		// Without an operator URL the operator paths are off; the app
		// role could not write the platform tables anyway.
		return nil
	}
	if a.opPool, err = pgxpool.New(ctx, opDSN); err != nil {
		return fmt.Errorf("operator database: %w", err)
	}
	return nil
}

// openDocs opens the document store (and gives it to the operator's
// paths, whose deletion of a city empties the city's space in it).
func (a *App) openDocs(ctx context.Context) error {
	cfg := a.cfg
	store := cfg.ObjectStore
	if store == "" {
		store = "file://" + filepath.Join(cfg.DataDir, "docs")
	}
	if cfg.ObjectStore == "" && cfg.Production() {
		return configError{errors.New("production needs HROMADA_OBJECT_STORE: the local document store is for development only")}
	}
	var err error
	if a.docs, err = docstore.Open(ctx, store); err != nil {
		return err
	}
	a.operator.WithDocs(a.docs)
	// A city's export (modules/lifecycle).
	a.lifecycle = lifecycle.New(lifecycle.Options{DB: a.db, Docs: a.docs, Insert: a.insertJob, Log: a.log, Version: version})
	return nil
}

// openApplications opens what applications need in serving and in
// workers: the document store, the sealer of secrets at rest, the
// applications service and the automatic-mode pipeline.
func (a *App) openApplications(ctx context.Context) error {
	cfg := a.cfg
	if err := a.openDocs(ctx); err != nil {
		return err
	}
	var err error
	key := cfg.SecretKey
	if key == nil {
		if cfg.Production() {
			return configError{errors.New("production needs HROMADA_SECRET_KEY (32 bytes, base64)")}
		}
		if key, err = devSecretKey(cfg.DataDir); err != nil {
			return err
		}
	}
	if a.sealer, err = identity.NewSealer(key); err != nil {
		return err
	}
	var sms *notify.TurboSMS
	switch {
	case cfg.TurboSMSToken != "":
		sms = &notify.TurboSMS{BaseURL: cfg.TurboSMSURL, Token: cfg.TurboSMSToken}
	case !cfg.Production():
		// The SMS of dev go to the simulator on this server
		// (GET /smssim/messages shows them).
		a.smssim = smssim.New("dev")
		sms = &notify.TurboSMS{BaseURL: "http://127.0.0.1" + portOf(cfg.Addr) + smssim.Prefix, Token: "dev"}
	}
	var fcm *notify.FCM
	switch {
	case cfg.FCMCredentialsFile != "":
		creds, err := os.ReadFile(cfg.FCMCredentialsFile)
		if err != nil {
			return configError{fmt.Errorf("HROMADA_FCM_CREDENTIALS_FILE: %w", err)}
		}
		if fcm, err = notify.NewFCM(creds, cfg.FCMURL, nil); err != nil {
			return configError{fmt.Errorf("HROMADA_FCM_CREDENTIALS_FILE: %w", err)}
		}
	case !cfg.Production():
		// The push notices of dev go to the FCM simulator on this
		// server (GET /fcmsim/messages shows them).
		if a.fcmsim, err = fcmsim.New("hromada-dev"); err != nil {
			return err
		}
		base := "http://127.0.0.1" + portOf(cfg.Addr) + fcmsim.Prefix
		if fcm, err = notify.NewFCM(a.fcmsim.Credentials(base), base, nil); err != nil {
			return err
		}
	}
	if err := a.openNotify(key, sms, fcm); err != nil {
		return err
	}
	a.content = content.New(a.db, content.Options{Audit: a.audit, Docs: a.docs, Notify: a.notify, Log: a.log, PortalURL: a.portalURL})
	a.apps = &applications.Service{DB: a.db, Docs: a.docs, Insert: a.insertJob, Audit: a.audit, Notify: a.notify, Log: a.log}
	if !cfg.Production() {
		a.apps.Sealer = a.sealer // the development CA and signer
	}
	if cfg.SignerURL != "" {
		a.apps.Signer = &signature.Remote{BaseURL: cfg.SignerURL, Token: cfg.SignerToken}
	}
	if cfg.Production() {
		// Residents' and officials' certificates are asked of their CAs
		// (OCSP, then the CRL); the development CA runs no responder.
		a.apps.Revocation = &revocation.Checker{Client: revocationClient(cfg.Egress())}
	}
	regs := registries.NewStore(a.db)
	a.registries = registries.NewClient(registries.Config{Services: regs, OnQuery: regs.OnQuery(a.log)})
	a.apps.RegistryAutofill = func(ctx context.Context, rnokpp string, sources []string) (map[string]any, error) {
		return registries.Autofill(ctx, a.registries, rnokpp, sources)
	}
	retry := pipelineRetry
	if cfg.pipelineRetry != nil {
		retry = cfg.pipelineRetry
	}
	a.pipeline = &applications.Pipeline{Svc: a.apps, RetryAfter: retry, Log: a.log,
		Registry: &registries.Pipeline{Client: a.registries, NoRecord: applications.ErrNoRecord}}
	a.wireResults()
	a.openAppeals()
	a.particip = participation.New(participation.Options{DB: a.db, Audit: a.audit, Notify: a.notify,
		Register: participation.RegisterOf(a.registries), Signatures: a.apps, Log: a.log})
	if err := a.openPayments(key); err != nil {
		return err
	}
	if err := a.openProvsys(key); err != nil {
		return err
	}
	if !cfg.Production() {
		// The demo registries answer in dev only, on this server.
		a.regsim = simulator.New()
	}
	return nil
}

// openTrustList opens the national Trusted List, pinned to the anchor file
// when one is configured (without it lists can be read but not imported).
func (a *App) openTrustList() error {
	var anchors []*x509.Certificate
	if p := a.cfg.TrustedListAnchor; p != "" {
		raw, err := os.ReadFile(p)
		if err != nil {
			return configError{fmt.Errorf("HROMADA_TRUSTED_LIST_ANCHOR: %w", err)}
		}
		if anchors, err = trustlist.ParseAnchors(raw); err != nil {
			return configError{fmt.Errorf("HROMADA_TRUSTED_LIST_ANCHOR %s: %w", p, err)}
		}
	}
	a.trust = trustlist.New(a.appPool, &trustlist.Options{Anchors: anchors, Log: a.log})
	a.trustMetrics = trustlist.NewMetrics(a.trust)
	return nil
}

// pipelineRetry is how long a failed step of automatic mode waits: short
// first (a registry's hiccup), then longer; five attempts in about a minute.
func pipelineRetry(attempt int) time.Duration {
	return time.Duration(attempt*attempt) * 2 * time.Second
}

func (a *App) openWeb(ctx context.Context) error {
	cfg := a.cfg
	var err error
	if cfg.OperatorKey == "" && !cfg.Production() {
		if cfg.OperatorKey, err = devOperatorKey(cfg.DataDir); err != nil {
			return err
		}
	}
	a.registry = prometheus.NewRegistry()
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.cfg.TrustedListAnchor != "" {
		a.registry.MustRegister(a.trustMetrics)
	}
	// The footer shows the city's pages (modules/content, opened with the
	// applications after the renderer).
	footer := func(ctx context.Context, lang string) []web.Link {
		if a.content == nil {
			return nil
		}
		return a.content.Footer(ctx, lang)
	}
	if a.renderer, err = web.New(web.Options{Log: a.log, Secure: cfg.Production(), ThemeURL: branding.ThemeURL, Decide: decideLinks, Footer: footer}); err != nil {
		return err
	}
	return a.openIdentity()
}

// openIdentity wires sign-in: the sealer of secrets at rest and, in dev,
// the development identity provider on every host at /devidp.
func (a *App) openIdentity() error {
	cfg := a.cfg
	sealer := a.sealer
	var err error
	var dev *identity.DevIdP
	if !cfg.Production() {
		issuer := "http://localhost" + portOf(cfg.Addr) + "/devidp"
		if a.devidp, err = devidp.New(devidp.Config{Issuer: issuer, AllowRedirect: a.devRedirectAllowed}); err != nil {
			return err
		}
		dev = &identity.DevIdP{Issuer: issuer, ClientSecret: devidp.ClientSecret}
		a.devIssuer = issuer
	}
	// The platform's default sign-in method: offered to a city until it
	// enables a provider of its own.
	var def *identity.Provider
	if cfg.IDGovUAURL != "" {
		def = &identity.Provider{Kind: identity.KindIDGovUA, Name: "ID.GOV.UA — КЕП, BankID, Дія", Issuer: cfg.IDGovUAURL,
			ClientID: cfg.IDGovUAClientID, ClientSecret: cfg.IDGovUASecret}
	}
	a.identity = identity.New(identity.Options{DB: a.db, Sealer: sealer, Dev: dev, Default: def, Renderer: a.renderer, Log: a.log, Secure: cfg.Production(),
		Audit: a.audit, Access: a.access, Now: a.identityNow, HTTPClient: identityClient(cfg.Egress())})
	return nil
}

// insertJob puts a job in a module's transaction.
func (a *App) insertJob(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
	_, err := tenant.InsertTx(ctx, a.river, tx, args, nil)
	return err
}

// devRedirectAllowed lets the development IdP send people back to any
// city's portal on this server, and nowhere else.
func (a *App) devRedirectAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	if u.Port() != strings.TrimPrefix(portOf(a.cfg.Addr), ":") {
		return false
	}
	if u.Hostname() == a.cfg.BaseDomain { // the operator console
		return u.Path == "/signin/callback" || u.Path == "/"
	}
	if u.Path != "/auth/callback" && u.Path != "/" {
		return false
	}
	slug, ok := strings.CutSuffix(u.Hostname(), "."+a.cfg.BaseDomain)
	return ok && tenant.ValidateSlug(slug) == nil
}

// devSecretKey reads, or makes, the development secret key.
func devSecretKey(dataDir string) ([]byte, error) {
	p := filepath.Join(dataDir, "secret-key")
	if raw, err := os.ReadFile(p); err == nil {
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw))); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	return b, os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(b)+"\n"), 0o600)
}

// warmDictionary loads the Ukrainian dictionary into a new connection's
// backend.
func warmDictionary(log *slog.Logger) func(ctx context.Context, c *pgx.Conn) error {
	return func(ctx context.Context, c *pgx.Conn) error {
		if _, err := c.Exec(ctx, `SELECT ts_lexize('uk_hunspell', 'довідка')`); err != nil {
			log.Warn("warming the Ukrainian dictionary", "error", err)
		}
		return nil
	}
}

// devOperatorKey reads, or makes, the development operator key.
func devOperatorKey(dataDir string) (string, error) {
	p := filepath.Join(dataDir, "operator-key")
	if raw, err := os.ReadFile(p); err == nil && len(strings.TrimSpace(string(raw))) >= 32 {
		return strings.TrimSpace(string(raw)), nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	key := base64.RawURLEncoding.EncodeToString(b)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	return key, os.WriteFile(p, []byte(key+"\n"), 0o600)
}

// Close releases the pools and stops the embedded cluster if this process
// started it.
func (a *App) Close() {
	a.closeHSM()
	if a.line != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.line.Close(ctx)
		cancel()
	}
	if a.appPool != nil {
		a.appPool.Close()
	}
	if a.opPool != nil {
		a.opPool.Close()
	}
	if a.cluster != nil {
		if err := a.cluster.Stop(); err != nil {
			a.log.Error("stopping the embedded cluster", "error", err)
		}
	}
}

// needOperator fails when the operator paths are not configured.
func (a *App) needOperator() error {
	if a.opPool == nil {
		return configError{errors.New("this command needs HROMADA_OPERATOR_DATABASE_URL")}
	}
	return nil
}

// openPayments wires the fees: LiqPay at HROMADA_LIQPAY_URL and monobank
// at HROMADA_MONOBANK_URL, or in dev their simulators on this server, on
// each city's own host (so the checkout is same-origin); the simulators'
// merchants' keys derive from the secret key, and their callbacks (and
// the platform's calls to them) reach the cities' hosts through the
// loopback.
func (a *App) openPayments(secret []byte) error {
	liqpay := func(*tenant.Tenant) string { return a.cfg.LiqPayURL }
	mono := func(*tenant.Tenant) string { return a.cfg.MonobankURL }
	var client *http.Client
	if !a.cfg.Production() {
		loopback := "127.0.0.1" + portOf(a.cfg.Addr)
		client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, loopback)
			}}}
		derive := func(name string) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte("hromada " + name))
			return m.Sum(nil)
		}
		if a.cfg.LiqPayURL == "" {
			a.liqpaysim = liqpaysim.New(derive("liqpaysim"), client)
			liqpay = func(t *tenant.Tenant) string { return a.portalURL(t) + liqpaysim.Prefix }
		}
		if a.cfg.MonobankURL == "" {
			a.monosim = monosim.New(derive("monosim"), client)
			mono = func(t *tenant.Tenant) string { return a.portalURL(t) + monosim.Prefix }
		}
	}
	var err error
	a.payments, err = payments.New(payments.Options{DB: a.db, Log: a.log, Sealer: a.sealer, Notify: a.notify, PortalURL: a.portalURL,
		LiqPayURL: liqpay, MonobankURL: mono, Client: client, Documents: a.documents, Docs: a.docs, Assets: web.StaticFS(), Insert: a.insertJob,
		Audit: a.audit})
	a.apps.Payments = a.payments // refunds of refused applications' fees
	return err
}
