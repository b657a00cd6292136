package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hromada/modules/access"
	"hromada/modules/appeals"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/branding"
	"hromada/modules/catalog"
	"hromada/modules/centres"
	"hromada/modules/cityapi"
	"hromada/modules/content"
	"hromada/modules/devidp"
	"hromada/modules/identity"
	"hromada/modules/jobsui"
	"hromada/modules/lifecycle"
	"hromada/modules/mydocs"
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
	"hromada/modules/workspace"
	"hromada/tenant"
	"hromada/web"
)

type chiRouter = chi.Router

// handlerTimeout bounds a handler's context; the server's write timeout is
// a little longer so the handler's own error page gets out.
const handlerTimeout = 30 * time.Second

// uploadBodyBytes is the largest multipart body (a file upload with its
// form): modules/uploads refuses a file over its own 10 MiB limit by name.
const uploadBodyBytes = 11 << 20

// largerUploads are the routes that take bigger files: «Мої документи»'s
// upload, a short video (mydocs.VideoMaxBytes) with its form.
var largerUploads = []web.LargerUpload{{Method: http.MethodPost, Path: "/cabinet/documents", Limit: mydocs.VideoMaxBytes + 1<<20}}

// Handler is the whole web surface:
//
//	any host          /healthz /static/*
//	the machine's own /readyz /metrics, dev simulators (an IP address or
//	                  localhost: probes, Prometheus, the demo's own calls)
//	<base domain>     the operator console
//	tenant's host     the tenant's portal (unknown host 404, suspended 503)
func (a *App) Handler() http.Handler {
	rd := a.renderer
	r := chi.NewRouter()
	r.Use(middleware.RequestID, audit.NewMiddleware(audit.MiddlewareOptions{TrustedProxies: a.cfg.TrustedProxies}), web.RequestLogger(a.log), rd.Recoverer,
		web.SecurityHeaders(a.cfg.Production()), web.Metrics(a.registry),
		rd.BodyLimit(a.cfg.MaxBodyBytes, uploadBodyBytes, largerUploads...), middleware.Timeout(handlerTimeout), rd.CrossOriginProtection())
	r.NotFound(rd.NotFound().ServeHTTP)
	a.healthRoutes(r)
	r.Handle("/static/*", web.Static())
	if a.devidp != nil {
		// The development IdP answers on every host, at its issuer's path.
		r.Handle("/devidp/*", a.devidp.Handler())
	}
	if a.regsim != nil {
		// The demo registries, at the address the demo cities' registry
		// services name (dev only; production has no simulator).
		// Internal: it answers residents' register data by РНОКПП.
		r.Group(func(r chi.Router) {
			r.Use(internalOnly(rd))
			simulator.Mount(r, a.regsim)
		})
	}
	if a.smssim != nil {
		// The SMS gateway of dev, where notify's SMS go.
		// Internal: GET /smssim/messages lists people's numbers.
		r.With(internalOnly(rd)).Handle(smssim.Prefix+"/*", a.smssim)
	}
	if a.fcmsim != nil {
		// FCM of dev, where notify's push notices to the city app go.
		r.Handle(fcmsim.Prefix+"/*", a.fcmsim)
	}
	if a.liqpaysim != nil {
		// LiqPay of dev, on every city's host, where residents pay.
		r.Handle(liqpaysim.Prefix+"/*", a.liqpaysim)
	}
	if a.monosim != nil {
		// monobank of dev, likewise.
		r.Handle(monosim.Prefix+"/*", a.monosim)
	}

	platform := chi.NewRouter()
	platform.NotFound(rd.NotFound().ServeHTTP)
	platform.Post("/prefs", rd.Prefs())
	if a.opPool != nil && a.cfg.OperatorKey != "" {
		console := operator.NewConsole(a.operator, rd, a.cfg.OperatorKey, a.cfg.BaseDomain, a.cfg.Production())
		client := &http.Client{Timeout: 10 * time.Second}
		switch {
		case a.cfg.OperatorIssuer != "":
			console.WithOIDC(&operator.OIDC{Issuer: a.cfg.OperatorIssuer, ClientID: a.cfg.OperatorClientID,
				ClientSecret: a.cfg.OperatorSecret, Operators: a.cfg.Operators, Client: client})
		case a.devidp != nil:
			// In dev the development IdP's operator persona signs in.
			console.WithOIDC(&operator.OIDC{Issuer: a.devIssuer, ClientID: "hromada-operator", ClientSecret: devidp.ClientSecret,
				Operators: devOperators(), Client: client})
		}
		if a.jobsUI != nil {
			// River's jobs UI, for the signed-in operator (issue 23).
			console.WithJobs(jobsui.Prefix, a.jobsUI)
		}
		console.Routes(platform)
	} else {
		platform.Get("/", rd.UnknownHost().ServeHTTP)
	}

	portal := a.portal()

	r.Handle("/*", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if a.dir.IsPlatformHost(req.Host) {
			platform.ServeHTTP(w, req)
			return
		}
		portal.ServeHTTP(w, req)
	}))
	return r
}

// guard is the access check every non-public portal route goes through.
func (a *App) guard() *access.Guard {
	rd := a.renderer
	return &access.Guard{
		Access:          a.access,
		Subject:         identity.Subject,
		Unauthenticated: identity.SignInRedirect,
		Denied: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rd.Error(w, r, access.ErrForbidden)
		}),
		Locked: access.LockedPage(rd),
		Error:  rd.Error,
		// Sensitive staff actions need a sign-in of the last minutes.
		Fresh: a.identity.Fresh,
	}
}

// portal is the router of a city's portal.
func (a *App) portal() chi.Router {
	rd := a.renderer
	portal := chi.NewRouter()
	journal := &audit.StaffJournal{Audit: a.audit, Staff: a.identity.Staff}
	portal.Use(tenant.Middleware(a.dir, rd.UnknownHost(), rd.Suspended(), rd.Error), web.NoteTenant, a.identity.Middleware, journal.Middleware)
	portal.NotFound(rd.NotFound().ServeHTTP)
	guard := a.guard()
	portal.Use(guard.InContext)
	cat := catalog.New(a.db, &catalog.Options{Audit: a.audit, Log: a.log, Online: applications.OnlineServices, Content: a.content,
		Views: a.views, Cache: a.catalogCache})
	catalog.NewSite(cat, rd).Routes(portal, guard)
	guard.Public(portal, http.MethodPost, "/prefs", rd.Prefs())
	a.identity.Routes(portal, guard)
	(&workspace.HTTP{Access: a.access, Apps: a.apps, Audit: a.audit, RD: rd}).Routes(portal, guard)
	access.NewConsole(a.access, rd).Routes(portal, guard)
	audit.NewConsole(a.audit, rd).Routes(portal, guard)
	(&applications.HTTP{Svc: a.apps, Guard: guard, RD: rd}).Routes(portal)
	notify.NewHTTP(a.notify, rd).Routes(portal, guard)
	a.branding.Routes(portal, guard)
	branding.NewEditorHTTP(a.branding, rd).Routes(portal, guard)
	onboarding.NewHTTP(a.onboarding, rd).Routes(portal, guard)
	content.NewHTTP(a.content, rd).Routes(portal, guard)
	registries.NewHTTP(registries.NewStore(a.db), rd).Routes(portal, guard)
	cabinetDocs := mydocs.New(a.db, a.docs, a.log, nil).WithAudit(a.audit)
	a.apps.FileOpened = cabinetDocs.CopyOpened // the person sees an official open the copy they attached
	mydocs.NewHTTP(cabinetDocs, a.apps, rd).Routes(portal, guard)
	(&appeals.HTTP{Svc: a.appeals, RD: rd, Tiles: a.cfg.MapTiles}).Routes(portal, guard)
	centresHTTP := centres.NewHTTP(a.centres, rd, a.cfg.MapTiles)
	centresHTTP.Appeals = a.mapAppeals // published appeals beside the centres
	centresHTTP.Routes(portal, guard)
	participation.NewHTTP(a.particip, rd).Routes(portal, guard)
	payments.NewHTTP(a.payments, rd).Routes(portal, guard)
	a.monitoringRoutes(portal, guard)
	// The city-app API (issue 22).
	cityapi.NewHTTP(cityapi.New(a.db, a.log, nil).WithAudit(a.audit), a.apps, a.notify, rd, cityapi.DefaultRate).WithNews(a.content).
		WithResident(cityapi.Resident{Payments: a.payments, Centres: a.centres, Appeals: a.appeals, Participation: a.particip}).Routes(portal, guard)
	provsys.NewConsole(a.provsys, rd).Routes(portal, guard)
	lifecycle.NewHTTP(a.lifecycle, rd).Routes(portal, guard)
	(&provsys.API{Svc: a.provsys, Log: a.log}).Routes(portal, guard)
	if a.extraRoutes != nil {
		a.extraRoutes(portal)
	}
	// Pages decide which links and forms to show on the routes themselves.
	guard.MountedOn(portal)
	a.portalGuard = guard
	return portal
}

// decideLinks answers a page's questions (web.Can) with the guard's own
// decision on the routes the links and forms lead to.
func decideLinks(r *http.Request, asks []web.Ask) (map[string]bool, error) {
	links := make([]access.Link, len(asks))
	for i, a := range asks {
		links[i] = access.Link{Method: a.Method, URL: a.URL, Form: a.Form}
	}
	return access.Allows(r, links...)
}

// healthRoutes: /healthz on any host (it says only "ok"); /readyz and
// /metrics only to requests addressed to the machine itself, as probes
// and Prometheus address the pod by its IP — on a city's host they told
// anyone the state of the database, the Trusted List and the traffic.
func (a *App) healthRoutes(r chi.Router) {
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	in := r.With(internalOnly(a.renderer))
	in.Get("/readyz", a.handleReady)
	in.Handle("/metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{Registry: a.registry}))
}

// internalOnly passes requests whose Host is an IP address or localhost
// (the machine addressed directly, never through a city's or the
// platform's public name) and answers the others 404, as if there were
// nothing there.
func internalOnly(rd *web.Renderer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
			if host == "localhost" || net.ParseIP(host) != nil {
				next.ServeHTTP(w, r)
				return
			}
			rd.NotFound().ServeHTTP(w, r)
		})
	}
}

// handleReady reports whether the database and the document store answer.
func (a *App) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "object_store": "ok"}
	ready := true
	if err := a.db.Ping(ctx); err != nil {
		checks["database"], ready = "unreachable", false
		a.log.Warn("not ready: database", "error", err)
	}
	if err := a.docs.Ping(ctx); err != nil {
		checks["object_store"], ready = "unreachable", false
		a.log.Warn("not ready: object store", "error", err)
	}
	if a.cfg.TrustedListAnchor != "" {
		a.trustListReadiness(ctx, checks)
	}
	if !a.hsmReadiness(checks) {
		ready = false
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(checks)
}

// trustListReadiness adds the Trusted List's state to the readiness checks:
// "ok", "stale" (past its NextUpdate) or "none" (never imported), and its
// age. A stale or missing list degrades the portal (signatures are checked
// against old news, or their qualified status cannot be) but does not take
// it out of service: the state is reported, the status stays 200.
func (a *App) trustListReadiness(ctx context.Context, checks map[string]string) {
	h, err := a.trust.Health(ctx)
	if err != nil {
		checks["trusted_list"] = "unreadable"
		a.log.Warn("readiness: the Trusted List", "error", err)
		return
	}
	checks["trusted_list"] = h.State
	if h.State != "none" {
		checks["trusted_list_age"] = h.Age.Truncate(time.Second).String()
	}
	if h.State != "ok" {
		checks["status"] = "degraded"
	}
}

// devOperators are the development IdP's operator personas' РНОКПП.
func devOperators() []string {
	var out []string
	for _, p := range devidp.Personas {
		if p.Role == "operator" {
			out = append(out, p.RNOKPP)
		}
	}
	return out
}

// mapAppeals are the newest published appeals still open that have a
// point, in the centres' map's form: appeals' public view (no personal
// data), read for the map page.
func (a *App) mapAppeals(ctx context.Context, lang string) ([]centres.MapAppeal, error) {
	page, err := a.appeals.PublicList(ctx, appeals.PublicFilter{Status: "open", Page: 1})
	if err != nil {
		return nil, err
	}
	var out []centres.MapAppeal
	for _, p := range page.Appeals {
		if p.Lat == nil || p.Lon == nil {
			continue
		}
		out = append(out, centres.MapAppeal{ID: p.ID.String(), Category: p.Category.In(lang), Status: string(p.Status),
			Address: p.Address, Lat: *p.Lat, Lon: *p.Lon})
	}
	return out, nil
}
