package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"hromada/localpg"
	"hromada/migrations"
	"hromada/modules/catalog"
	"hromada/modules/operator"
	"hromada/tenant"
	"hromada/ukid"
	"hromada/web"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	demo := e.fs.Bool("demo", false, "load the demo cities before serving (dev)")
	if _, err := e.parse(args); err != nil {
		return err
	}
	log := newLogger(e.cfg, e.stderr)
	a, err := openApp(ctx, e.cfg, log, openOpts{Migrate: !e.cfg.Production(), Web: true, Workers: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if *demo {
		if _, err := a.loadDemo(ctx); err != nil {
			return fmt.Errorf("loading the demo cities: %w", err)
		}
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", e.cfg.Addr, err)
	}
	a.printWhereToGo(ctx, e, ln)
	return a.serve(ctx, ln, a.Handler(), true)
}

// printWhereToGo tells a person at the terminal which addresses to open.
func (a *App) printWhereToGo(ctx context.Context, e *env, ln net.Listener) {
	port := ""
	if _, p, err := net.SplitHostPort(ln.Addr().String()); err == nil && p != "80" {
		port = ":" + p
	}
	fmt.Fprintf(e.stdout, "\nHromada is serving (%s mode).\n", a.cfg.Env)
	if a.opPool != nil {
		if ts, err := a.operator.List(ctx); err == nil {
			for _, t := range ts {
				state := ""
				if t.Status != tenant.Active {
					state = " (" + string(t.Status) + ")"
				}
				fmt.Fprintf(e.stdout, "  %-10s http://%s.%s%s%s\n", t.Branding.DisplayName.UK, t.Slug, a.cfg.BaseDomain, port, state)
			}
		}
		if a.cfg.OperatorKey != "" {
			fmt.Fprintf(e.stdout, "  operator console: http://%s%s\n", a.cfg.BaseDomain, port)
			if !a.cfg.Production() {
				fmt.Fprintf(e.stdout, "  operator key:     %s  (also in %s)\n", a.cfg.OperatorKey, filepath.Join(a.cfg.DataDir, "operator-key"))
			}
		}
	}
	fmt.Fprintf(e.stdout, "  health: http://localhost%s/healthz  readiness: /readyz  metrics: /metrics\n", port)
	if a.cluster != nil {
		fmt.Fprintf(e.stdout, "  database: %s\n", a.cluster.DSN(localpg.Owner, databaseName))
	}
	fmt.Fprintln(e.stdout, "Press Ctrl+C to stop.")
}

func cmdWorker(ctx context.Context, e *env, args []string) error {
	if _, err := e.parse(args); err != nil {
		return err
	}
	log := newLogger(e.cfg, e.stderr)
	a, err := openApp(ctx, e.cfg, log, openOpts{Migrate: !e.cfg.Production(), Web: true, Workers: true})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", e.cfg.Addr, err)
	}
	return a.serve(ctx, ln, a.healthHandler(), true)
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	if _, err := e.parse(args); err != nil {
		return err
	}
	log := newLogger(e.cfg, e.stderr)
	dsn := e.cfg.OwnerDatabaseURL
	if dsn == "" {
		if e.cfg.Production() || !e.cfg.Embedded() {
			return configError{errors.New("migrate needs HROMADA_OWNER_DATABASE_URL")}
		}
		c, err := openEmbedded(ctx, e.cfg)
		if err != nil {
			return err
		}
		defer c.Stop() //nolint:errcheck
		dsn = c.DSN(localpg.Owner, databaseName)
	}
	if err := migrations.Up(ctx, dsn, log); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "The database is up to date.")
	return nil
}

// openEmbedded starts (or finds running) the embedded cluster with its
// database.
func openEmbedded(ctx context.Context, cfg *Config) (*localpg.Cluster, error) {
	c, err := localpg.Open(ctx, localpg.Options{Dir: filepath.Join(cfg.DataDir, "pg"), TCP: true, Durable: true})
	if err != nil {
		return nil, err
	}
	if err := c.EnsureDatabase(ctx, databaseName); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	if _, err := e.parse(args); err != nil {
		return err
	}
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, e.stderr), openOpts{})
	if err != nil {
		return err
	}
	defer a.Close()
	ts, err := a.loadDemo(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		fmt.Fprintf(e.stdout, "%s: http://%s.%s%s\n", t.Branding.DisplayName.UK, t.Slug, e.cfg.BaseDomain, portOf(e.cfg.Addr))
	}
	return nil
}

func portOf(addr string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil && p != "80" && p != "443" {
		return ":" + p
	}
	return ""
}

func cmdDB(_ context.Context, e *env, args []string) error {
	rest, err := e.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "url" {
		return usageError{errors.New(`usage: hromada db url`)}
	}
	if !e.cfg.Embedded() {
		fmt.Fprintln(e.stdout, e.cfg.DatabaseURL)
		return nil
	}
	c, err := localpg.Attach(filepath.Join(e.cfg.DataDir, "pg"))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, c.DSN(localpg.Owner, databaseName))
	return nil
}

func cmdTenant(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, tenantUsage)
			return nil
		}
		return usageError{errors.New("tenant needs a subcommand\n" + tenantUsage)}
	}
	sub, args := args[0], args[1:]
	fs := e.fs
	var p tenant.CreateParams
	var domains, admin, recipient, confirm string
	switch sub {
	case "create":
		fs.StringVar(&p.Slug, "slug", "", "short name, the subdomain: 3–32 of a-z, 0-9, '-' (required)")
		fs.StringVar(&p.Name, "name", "", "official name, e.g. \"Київська міська рада\" (required)")
		fs.StringVar(&p.Branding.DisplayName.UK, "display-name", "", "name in the portal's header (default: the name)")
		fs.StringVar(&p.Branding.DisplayName.EN, "display-name-en", "", "the same in English")
		fs.StringVar(&p.Branding.PrimaryColor, "primary-color", "", "#rrggbb")
		fs.StringVar(&p.Branding.AccentColor, "accent-color", "", "#rrggbb")
		fs.StringVar(&domains, "domains", "", "custom domains, comma-separated")
		fs.StringVar(&p.Branding.CoatOfArms, "coat-of-arms", "", "the coat of arms: a path on the portal or an https URL of the image")
		fs.StringVar(&p.Branding.Contacts.Phone, "phone", "", "the city's contact phone")
		fs.StringVar(&p.Branding.Contacts.Email, "email", "", "the city's contact e-mail")
		fs.StringVar(&p.Branding.Contacts.Address.UK, "address", "", "the city's contact address")
		fs.StringVar(&admin, "admin", "", "РНОКПП of the city's first administrator (required); appointed inside the city, not kept by the platform")
	case "appoint":
		fs.StringVar(&admin, "admin", "", "РНОКПП of the administrator to appoint (required); appointed inside the city, not kept by the platform")
	case "export":
		fs.StringVar(&recipient, "recipient", "", "the city's age public key (age1…, from age-keygen); the export is encrypted to it (required)")
	case "delete":
		fs.StringVar(&confirm, "confirm", "", "the city's slug typed again, to confirm (required)")
	case "list", "suspend", "resume":
	default:
		return usageError{fmt.Errorf("unknown tenant subcommand %q\n%s", sub, tenantUsage)}
	}
	fs.Init("hromada tenant "+sub, flag.ContinueOnError)
	rest, err := e.parse(args)
	if err != nil {
		return err
	}
	if sub == "create" {
		// Refuse bad input before touching the database.
		if err := tenant.ValidateSlug(p.Slug); err != nil {
			return err
		}
		if strings.TrimSpace(p.Name) == "" {
			return tenant.ErrInvalidName
		}
		switch admin = strings.TrimSpace(admin); {
		case admin == "":
			return operator.ErrAdministratorRequired
		case !ukid.ValidRNOKPP(admin):
			return operator.ErrAdministratorRNOKPP
		}
	}
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, e.stderr), openOpts{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.needOperator(); err != nil {
		return err
	}
	switch sub {
	case "create":
		if len(rest) > 0 {
			return usageError{fmt.Errorf("unexpected arguments %v", rest)}
		}
		p.Domains = operator.SplitDomains(domains)
		t, err := a.operator.CreateCity(ctx, p, admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Created %s (%s): http://%s.%s%s\n", t.Name, t.Slug, t.Slug, e.cfg.BaseDomain, portOf(e.cfg.Addr))
		fmt.Fprintln(e.stdout, "Its first administrator is being appointed inside the city (a background job); `hromada tenant list` shows when it is done.")
	case "list":
		ts, err := a.operator.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		admins, err := a.operator.Administrators(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "SLUG\tSTATUS\tADMINISTRATOR\tNAME\tDOMAINS")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Slug, t.Status, admins[t.ID], t.Name, strings.Join(append([]string{t.Slug + "." + e.cfg.BaseDomain}, t.Domains...), ", "))
		}
		return tw.Flush()
	case "appoint":
		if len(rest) != 1 {
			return usageError{errors.New("usage: hromada tenant appoint --admin RNOKPP <slug>")}
		}
		t, err := a.operator.AppointAdministrator(ctx, rest[0], admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "An administrator of %s (%s) is being appointed inside the city (a background job); `hromada tenant list` shows when it is done.\n", t.Name, t.Slug)
	case "export":
		if len(rest) != 1 {
			return usageError{errors.New("usage: hromada tenant export --recipient age1… SLUG")}
		}
		t, err := a.operator.RequestExport(ctx, rest[0], recipient)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "The export of %s (%s), encrypted to the city's key, is being made (a background job); `hromada tenant delete` needs it done.\n", t.Name, t.Slug)
	case "delete":
		if len(rest) != 1 {
			return usageError{errors.New("usage: hromada tenant delete --confirm SLUG SLUG")}
		}
		if err := a.openDocs(ctx); err != nil {
			return err
		}
		d, err := a.operator.Delete(ctx, rest[0], confirm, "cli:"+e.getenv("USER"))
		if err != nil {
			return err
		}
		printDeletion(e.stdout, rest[0], d)
	case "suspend", "resume":
		if len(rest) != 1 {
			return usageError{fmt.Errorf("usage: hromada tenant %s <slug>", sub)}
		}
		st := tenant.Suspended
		if sub == "resume" {
			st = tenant.Active
		}
		t, err := a.operator.SetStatus(ctx, rest[0], st)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (%s) is now %s.\n", t.Name, t.Slug, t.Status)
	}
	return nil
}

const tenantUsage = `Usage:
  hromada tenant create --slug SLUG --name NAME --admin RNOKPP [--display-name …] [--primary-color #rrggbb] [--accent-color #rrggbb] [--domains a.gov.ua,b.ua] [--coat-of-arms …] [--phone …] [--email …] [--address …]
  hromada tenant list
  hromada tenant appoint --admin RNOKPP SLUG
  hromada tenant suspend SLUG
  hromada tenant resume SLUG
  hromada tenant export --recipient AGE_PUBLIC_KEY SLUG   (a suspended city; encrypted to the city's key)
  hromada tenant delete --confirm SLUG SLUG              (a suspended city with an export made since)`

// printDeletion says what a city's deletion did, and plainly what stays.
func printDeletion(w io.Writer, slug string, d *operator.Deletion) {
	if d == nil {
		fmt.Fprintf(w, "%s is deleted.\n", slug)
		return
	}
	fmt.Fprintf(w, "%s (%s) is deleted: %d rows, %d stored objects removed; recorded as deleted by %s at %s.\n",
		d.Name, d.Slug, d.TotalRows(), d.ObjectsRemoved, d.DeletedBy, d.DeletedAt.UTC().Format(time.RFC3339))
	if len(d.Retained) == 0 {
		fmt.Fprintln(w, "No document under retention is left.")
		return
	}
	fmt.Fprintf(w, "%d documents stay until %s because of retention requirements:\n", len(d.Retained), d.RetainedDate())
	for _, r := range d.Retained {
		fmt.Fprintf(w, "  %s  %s\n", r.Date(), r.Key)
	}
}

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: hromada audit verify --tenant SLUG")
			return nil
		}
		return usageError{errors.New("usage: hromada audit verify --tenant SLUG")}
	}
	slug := e.fs.String("tenant", "", "the tenant's slug (required)")
	if _, err := e.parse(args[1:]); err != nil {
		return err
	}
	if *slug == "" {
		return usageError{errors.New("audit verify needs --tenant SLUG")}
	}
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, e.stderr), openOpts{})
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, t, err := a.inTenant(ctx, *slug)
	if err != nil {
		return err
	}
	rep, err := a.audit.VerifyLog(ctx)
	if err != nil {
		return err
	}
	// Every lane, broken or not, so the operator sees what was checked.
	for _, l := range rep.Lanes {
		state := "ok"
		if !l.OK() {
			state = "BROKEN at record " + strconv.FormatInt(l.FirstBroken, 10) + ": " + l.Reason
		}
		fmt.Fprintf(e.stdout, "lane %d: %d records, last %d, head at %d: %s\n", l.Lane, l.Rows, l.LastSeq, l.HeadSeq, state)
	}
	if !rep.OK() {
		return fmt.Errorf("the audit log of %s is broken in lane %d at record %d (%d records in all): %s", t.Slug, rep.Lane, rep.FirstBroken, rep.Rows, rep.Reason)
	}
	fmt.Fprintf(e.stdout, "The audit log of %s is intact: %d records in %d lanes.\n", t.Slug, rep.Rows, len(rep.Lanes))
	return nil
}

// catalogUsage is the catalog command's usage line; FILE is a register in
// the open-data format (services.json, or services.csv; docs/opendata.md).
const catalogUsage = "usage: hromada catalog import --tenant SLUG [--dry-run] [--skip-refused] [--publish] FILE (services.json or services.csv)"

// cmdCatalog imports a register into a city: the plan (the dry run) is
// printed row by row; without --dry-run it is applied in one transaction,
// its services left unpublished unless --publish.
func cmdCatalog(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, catalogUsage)
			return nil
		}
		return usageError{errors.New(catalogUsage)}
	}
	slug := e.fs.String("tenant", "", "the tenant's slug (required)")
	dryRun := e.fs.Bool("dry-run", false, "print what the import would do and change nothing")
	skip := e.fs.Bool("skip-refused", false, "apply the rows that can be, leaving out the refused ones")
	publish := e.fs.Bool("publish", false, "publish the imported services at once (else they wait for the administrator)")
	rest, err := e.parse(args[1:])
	if err != nil {
		return err
	}
	if *slug == "" || len(rest) != 1 {
		return usageError{errors.New(catalogUsage)}
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	reg, err := catalog.DecodeRegisterFile(rest[0], f)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, e.stderr), openOpts{})
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, _, err = a.inTenant(ctx, *slug)
	if err != nil {
		return err
	}
	l, err := web.NewLocalizer(cliLang(e.getenv))
	if err != nil {
		return err
	}
	svc := catalog.New(a.db, &catalog.Options{Audit: a.audit, Log: a.log})
	if *dryRun {
		plan, err := svc.PlanImport(ctx, reg)
		if err != nil {
			return err
		}
		return printPlan(e.stdout, l, plan)
	}
	res, err := svc.ApplyImport(ctx, reg, catalog.ImportOptions{SkipRefused: *skip, Source: filepath.Base(rest[0])})
	if res.Plan != nil && (err != nil || res.Skipped > 0) {
		if perr := printPlan(e.stdout, l, res.Plan); perr != nil {
			return perr
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, l.T("import.applied", "Created", res.Created, "Changed", res.Changed, "Skipped", res.Skipped,
		"Revisions", len(res.Revisions)))
	if *publish {
		n, err := svc.PublishRevisions(ctx, res.Revisions)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, l.T("import.published", "Count", n))
	}
	return nil
}

// printPlan prints an import's plan, a row a line, each refusal's reasons
// beneath it.
func printPlan(w io.Writer, l *web.Localizer, plan *catalog.Plan) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, r := range plan.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.T("import.kind_"+r.Kind), r.Code, l.T("import.action_"+r.Action), strings.Join(r.Fields, ", "))
		for _, p := range r.Problems {
			fmt.Fprintf(tw, "\t\t\t%s: %s\n", p.Field, l.Message(p.Err.Key, p.Err.Args))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, l.T("import.plan_counts", "Created", plan.Created, "Changed", plan.Changed,
		"Unchanged", plan.Unchanged, "Refused", plan.Refused))
	return err
}

// inTenant is ctx in the tenant with slug, for a subcommand that acts in
// one city (--tenant SLUG).
func (a *App) inTenant(ctx context.Context, slug string) (context.Context, *tenant.Tenant, error) {
	t, err := tenant.BySlug(ctx, a.appPool, slug)
	if err != nil {
		return nil, nil, err
	}
	return tenant.With(ctx, t), t, nil
}
