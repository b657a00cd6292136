package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"hromada/demo"
	"hromada/localpg"
	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/modules/signature"
	"hromada/tenant"
	"hromada/ukid"
	"hromada/web"
)

// runApplications measures the signed submission end to end: concurrent
// clients POST a detached signature (.p7s) to the real handler
// (POST /cabinet/applications/{id}/sign, method=upload) — the portal's
// middleware, the tenant middleware, the access guard, applications.HTTP,
// Service.Submit verifying the CMS signature and recording the application
// in one tenant.Tx with its River job (or outbox message) and audit record —
// against pgbench running the same SQL transaction on prepared drafts, as the
// same role under the same row-level security, in alternating rounds.
func runApplications() error {
	o := appsOptions{}
	flag.IntVar(&o.tenants, "tenants", 4, "cities; each submission goes to the city of its draft (a city's submissions queue on its number counter)")
	flag.IntVar(&o.residents, "residents", 200, "residents (accounts) per city; drafts are spread over them")
	clients := flag.String("clients", "1,8,16", "concurrent clients, a comma-separated list: each is measured in its own rounds")
	flag.IntVar(&o.rounds, "rounds", 5, "alternating rounds (hromada, pgbench, pgbench, hromada, …) per client count")
	flag.IntVar(&o.seconds, "seconds", 3, "seconds each side runs in each round")
	flag.BoolVar(&o.automatic, "automatic", true, "the service runs in automatic mode: a River job is inserted in the submission's transaction (false: the officials' outbox message)")
	// The audit record is always made: the applications module records
	// its events itself, in the submission's transaction.
	o.audit = true
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured rounds to this file; samples are labelled bench=handler, client or prepare")
	flag.Float64Var(&o.busy, "busy", 0.25, "run a round again (twice at most, -rounds times in all) when other processes used more than this share of the machine's CPUs during it")
	flag.BoolVar(&o.showSQL, "sql", false, "print every statement of one submission and the pgbench script")
	flag.IntVar(&o.many, "many", 0, "W4: measure the city's submissions and pages alone, then among this many more cities (use -tenants 1); 0: off")
	flag.IntVar(&o.manyApps, "many-apps", 1000000, "W4: the applications of the other cities, spread evenly")
	flag.BoolVar(&statementStats, "pgstat", false, "print PostgreSQL's statements of the measured rounds by the time they took (pg_stat_statements: time, buffers per call)")
	flag.StringVar(&o.baseline, "baseline", "fixed", "what pgbench runs: fixed (the minimal transaction of issue 24 into the bench's own tables: applications_baseline.go) or submit (Submit's transaction statement for statement)")
	flag.Parse()
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-clients: %q is not a positive number", f)
		}
		o.clients = append(o.clients, n)
	}
	if o.baseline != "fixed" && o.baseline != "submit" {
		return fmt.Errorf("-baseline: %q is neither fixed nor submit", o.baseline)
	}
	if o.rounds < 1 || o.seconds < 1 || o.tenants < 1 || o.residents < 1 {
		return errors.New("-rounds, -seconds, -tenants and -residents must be positive")
	}
	b := &appsBench{appsOptions: o, est: map[string]float64{}}
	return b.run(context.Background())
}

type appsOptions struct {
	tenants, residents, rounds, seconds int
	clients                             []int
	automatic, audit, showSQL           bool
	busy                                float64
	cpuProfile, baseline                string
	many, manyApps                      int
}

// fixed says whether pgbench runs the fixed baseline (no drafts needed).
func (o *appsOptions) fixed() bool { return o.baseline == "fixed" }

// benchDomain is the base domain of the bench's cities: city00.bench.test.
const benchDomain = "bench.test"

// subjectHeader names the signed-in account of a bench request: the bench's
// stand-in for the session cookie (identity.Middleware is not mounted).
const subjectHeader = "X-Bench-Account"

// rnokppHeader and nameHeader carry what the server's session keeps of the
// person (identity.Signed), so Who reads nothing, as in the server.
const (
	rnokppHeader = "X-Bench-Rnokpp"
	nameHeader   = "X-Bench-Name"
)

type appsBench struct {
	appsOptions
	cluster *localpg.Cluster
	super   *pgxpool.Pool // set-up of the bench's own tables, CHECKPOINT, counts
	app     *pgxpool.Pool // hromada_app: the handler's pool
	db      *tenant.DB
	svc     *applications.Service
	cities  []*city
	pgbench string // its path
	srv     *httptest.Server
	client  *http.Client

	drafts []*draft // signed drafts for the handler, taken in order
	next   atomic.Int64

	pgAssigned int64 // drafts prepared for pgbench: n = 1…pgAssigned
	script     string
	pgVars     []string // pgbench -D NAME=VALUE
	postmaster int      // the cluster's postmaster pid

	est      map[string]float64 // the highest rate measured per side
	repeated int                // rounds run again because the machine was busy

	canonBytes, cmsBytes int // sizes of the signed drafts, averaged
}

// city is one tenant with the demo register of Київ, the demo residence
// form (KY-0001) published, its development CA and its residents.
type city struct {
	t         *tenant.Tenant
	host      string
	service   uuid.UUID
	provider  uuid.UUID
	form      uuid.UUID
	ca        *signature.DevCA
	residents []*resident
	next      int // the resident the next draft goes to
}

type resident struct {
	account               uuid.UUID
	rnokpp, name, phone   string
	family, given, middle string
	data                  string // the filled form, JSON
	cert                  *x509.Certificate
	key                   crypto.Signer
	canonical, signature  []byte // of the last draft signed (for the pgbench sizes)
}

// draft is a filled, signed draft and the request that submits it.
type draft struct {
	path, host, account, contentType string
	rnokpp, name                     string // what the session keeps of the person
	body                             []byte
}

func (b *appsBench) run(ctx context.Context) error {
	start := time.Now()
	c, stop, err := startCluster(ctx)
	if err != nil {
		return err
	}
	defer stop()
	b.cluster = c
	bin, err := localpg.BinDir()
	if err != nil {
		return err
	}
	b.pgbench = filepath.Join(bin, "pgbench")
	if _, err := os.Stat(b.pgbench); err != nil {
		return fmt.Errorf("pgbench not found next to the server binaries: %w", err)
	}
	if b.super, err = pgxpool.New(ctx, c.DSN(localpg.Superuser, "bench")); err != nil {
		return err
	}
	defer b.super.Close()
	owner, err := pgxpool.New(ctx, c.DSN(localpg.Owner, "bench"))
	if err != nil {
		return err
	}
	defer owner.Close()
	maxC := slices.Max(b.clients)
	pc, err := pgxpool.ParseConfig(c.DSN(localpg.App, "bench") + fmt.Sprintf("&pool_max_conns=%d&pool_min_conns=%d", maxC+1, maxC))
	if err != nil {
		return err
	}
	pc.AfterConnect = tenant.RegisterTypes // as the server's pool
	if b.app, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return err
	}
	defer b.app.Close()
	b.db = tenant.NewDB(b.app)

	fmt.Printf("setting up %d cities with %d residents each…\n", b.tenants, b.residents)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := identity.NewSealer(key)
	if err != nil {
		return err
	}
	for i := range b.tenants {
		ct, err := setupCity(ctx, owner, b.db, sealer, i, b.residents, b.automatic)
		if err != nil {
			return fmt.Errorf("city %d: %w", i, err)
		}
		b.cities = append(b.cities, ct)
	}
	if _, err := b.super.Exec(ctx, `
		CREATE TABLE bench_pg_drafts (
		    n            bigint PRIMARY KEY,
		    tenant_id    uuid NOT NULL,
		    id           uuid NOT NULL,
		    applicant_id uuid NOT NULL,
		    rnokpp       text NOT NULL,
		    full_name    text NOT NULL,
		    service_id   uuid NOT NULL,
		    form_id      uuid NOT NULL);
		CREATE SEQUENCE bench_pg_seq;
		-- Time-ordered ids for pgbench's rows, as uuid.NewV7 makes the
		-- handler's: random ones would scatter the inserts over the indexes.
		CREATE FUNCTION bench_uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
		    SELECT encode(overlay(uuid_send(gen_random_uuid()) PLACING
		        substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 'hex')::uuid $$;
		GRANT SELECT ON bench_pg_drafts TO hromada_app;
		GRANT USAGE, UPDATE ON SEQUENCE bench_pg_seq TO hromada_app;`); err != nil {
		return err
	}

	// The server: the handler stack on the app pool, River insert-only.
	handler, svc, err := b.stack(b.app)
	if err != nil {
		return err
	}
	b.svc = svc
	b.srv = httptest.NewServer(handler)
	defer b.srv.Close()
	b.client = &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: maxC * 2, MaxIdleConns: maxC * 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       time.Minute,
	}

	// What one submission executes, through a traced pool.
	if err := b.addDrafts(ctx, 4*len(b.cities)); err != nil {
		return err
	}
	stmts, err := b.traceOne(ctx)
	if err != nil {
		return err
	}
	b.script, b.pgVars = b.pgbenchScript()
	if b.fixed() {
		if _, err := b.super.Exec(ctx, baselineDDL); err != nil {
			return fmt.Errorf("baseline tables: %w", err)
		}
		b.script, b.pgVars = baselineScript, []string{"data=" + baselineData()}
	}
	if b.showSQL {
		fmt.Println("\none submission through the handler, statement by statement:")
		for i, s := range stmts {
			fmt.Printf("  %2d %s\n", i+1, s)
		}
		fmt.Printf("\npgbench script:\n%s\n", b.script)
	}
	fmt.Printf("one submission: %s\n", summarize(stmts))
	fmt.Printf("signed content %d bytes, CMS signature %d bytes (averages)\n", b.canonBytes, b.cmsBytes)

	// Warm up both sides at the highest concurrency; their rates size the
	// drafts each run needs.
	if err := b.addDrafts(ctx, 3000); err != nil {
		return err
	}
	if !b.fixed() {
		if err := b.addPgDrafts(ctx, 12000); err != nil {
			return err
		}
	}
	if _, err := b.super.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return err
	}
	fmt.Printf("set up in %s; warming up…\n", time.Since(start).Round(time.Second))
	hw, err := b.runHromada(ctx, maxC, 2*time.Second)
	if err != nil {
		return fmt.Errorf("hromada warm-up: %w", err)
	}
	pw, err := b.runPgbench(ctx, maxC, 2)
	if err != nil {
		return fmt.Errorf("pgbench warm-up: %w", err)
	}
	if err := b.checkEffects(ctx); err != nil {
		return err
	}
	// The tables the submissions write (invoices, notifications, River's,
	// the baseline's) were empty at the set-up's ANALYZE: the plans the
	// connections cached in the warm-up are the empty tables' (a sequential
	// scan of invoices for the numbering UPDATE, 118 buffers a call by the
	// end of a run). Analysed again, the plans are remade for tables of the
	// size they are (as autovacuum's analyse does in production).
	if _, err := b.super.Exec(ctx, `ANALYZE`); err != nil {
		return err
	}
	fmt.Printf("warm-up at %d clients: hromada %.0f/s, pgbench %.0f TPS\n", maxC, hw.rate(), pw.rate())
	b.est["hromada"], b.est["pgbench"] = hw.rate(), pw.rate()
	if b.many > 0 {
		return b.runMany(ctx)
	}

	if statementStats {
		if err := enableStatements(ctx, b.super); err != nil {
			return err
		}
	}
	if b.cpuProfile != "" {
		f, err := os.Create(b.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	var rows []appsRow
	for _, cl := range b.clients {
		row := appsRow{clients: cl}
		for round := range b.rounds {
			// Alternate which side goes first. The machine is shared: a
			// round in which other processes took more than -busy of the
			// CPUs is run again, twice at most and -rounds times in all.
			sides := []string{"hromada", "pgbench"}
			if round%2 == 1 {
				sides = []string{"pgbench", "hromada"}
			}
			var h, p *sideResult
			for try := 0; ; try++ {
				for _, side := range sides {
					res, err := b.measure(ctx, side, cl)
					if err != nil {
						return fmt.Errorf("%s, %d clients, round %d: %w", side, cl, round+1, err)
					}
					if side == "hromada" {
						h = res
					} else {
						p = res
					}
				}
				line := fmt.Sprintf("clients %d round %d/%d: hromada %4.0f/s p50 %5.1f ms p99 %5.1f ms | pgbench %4.0f TPS p50 %5.1f ms p99 %5.1f ms | ratio %.2f | other processes %2.0f%% / %2.0f%% of the CPUs",
					cl, round+1, b.rounds, h.rate(), ms(h.pct(0.5)), ms(h.pct(0.99)), p.rate(), ms(p.pct(0.5)), ms(p.pct(0.99)), h.rate()/p.rate(), 100*h.others, 100*p.others)
				if max(h.others, p.others) <= b.busy || try == 2 || b.repeated >= b.rounds {
					fmt.Println(line)
					break
				}
				fmt.Println(line + ": again")
				b.repeated++
			}
			row.add(h, p)
		}
		rows = append(rows, row)
	}
	if err := b.checkEffects(ctx); err != nil {
		return err
	}
	b.report(rows, time.Since(start))
	if statementStats {
		if err := b.statements(ctx); err != nil {
			return err
		}
	}
	return b.perCommand(ctx)
}

// statements prints the statements of the measured rounds (both sides'),
// those that took the most time first: where PostgreSQL's share of a
// submission goes, per call.
func (b *appsBench) statements(ctx context.Context) error {
	st, err := readStatements(ctx, b.super)
	if err != nil {
		return err
	}
	st.print("PostgreSQL's statements of the measured rounds", 0, "")
	return nil
}

// perCommand runs the pgbench script once more with one client and
// --report-per-command, and prints each statement's mean latency: where
// the transaction's time goes in PostgreSQL.
func (b *appsBench) perCommand(ctx context.Context) error {
	if !b.fixed() {
		if err := b.addPgDrafts(ctx, int(b.est["pgbench"]*3)+2000); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "hromada-pgbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "submit.sql")
	if err := os.WriteFile(script, []byte(b.script), 0o644); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, b.pgbench, append(b.pgbenchArgs(), "-n", "-M", "prepared", "-c", "1", "-T", "2", "-r", "-f", script)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgbench -r: %w\n%s", err, out)
	}
	fmt.Println("\npgbench, 1 client, --report-per-command (mean ms per statement):")
	_, rest, _ := strings.Cut(string(out), "statement latencies in milliseconds")
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "and failures") {
			continue
		}
		if len(l) > 150 {
			l = l[:150] + "…"
		}
		fmt.Println("  " + l)
	}
	return nil
}

// stack builds the portal's handler for the signing route on pool: the
// server's middleware, the tenant middleware, the access guard (the real
// access.Service and lockout check) and applications.HTTP with Who reading
// the account as the server does; the subject comes from subjectHeader.
func (b *appsBench) stack(pool *pgxpool.Pool) (http.Handler, *applications.Service, error) {
	db := tenant.NewDB(pool)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{}) // insert-only: no queues, no workers
	if err != nil {
		return nil, nil, err
	}
	auditSvc := audit.New(db, nil)
	insert := func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, rc, tx, args, nil)
		return err
	}
	notices, err := benchNotices(db, insert)
	if err != nil {
		return nil, nil, err
	}
	svc := &applications.Service{DB: db, Audit: auditSvc, Insert: insert, Notify: notices}
	rd, err := web.New(web.Options{Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		return nil, nil, err
	}
	// The lockout check in the decision's transaction, as the server's.
	acc := access.New(db, &access.Options{Journal: auditSvc})
	guard := &access.Guard{
		Access: acc,
		Subject: func(r *http.Request) (access.Subject, bool) {
			id, err := uuid.Parse(r.Header.Get(subjectHeader))
			return access.Subject{AccountID: id}, err == nil
		},
		Unauthenticated: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no subject", http.StatusUnauthorized) }),
		Denied:          http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rd.Error(w, r, access.ErrForbidden) }),
		Error:           rd.Error,
	}
	h := &applications.HTTP{Svc: svc, Guard: guard, RD: rd}
	dir := tenant.NewDirectory(pool, benchDomain, nil)
	r := chi.NewRouter()
	// cmd/hromada's middleware, with the request log discarded after it is
	// formatted and metrics in a registry of their own.
	r.Use(middleware.RequestID, audit.Middleware, web.RequestLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))), rd.Recoverer,
		web.SecurityHeaders(false), web.Metrics(prometheus.NewRegistry()), rd.BodyLimit(1<<20, 11<<20),
		middleware.Timeout(30*time.Second), rd.CrossOriginProtection())
	portal := chi.NewRouter()
	portal.Use(tenant.Middleware(dir, rd.UnknownHost(), rd.Suspended(), rd.Error), signedFromHeaders)
	h.Routes(portal)
	r.Mount("/", portal)
	// The handler's samples of a CPU profile carry bench=handler.
	labelled := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		pprof.Do(req.Context(), pprof.Labels("bench", "handler"), func(ctx context.Context) { r.ServeHTTP(w, req.WithContext(ctx)) })
	})
	return labelled, svc, nil
}

// signedFromHeaders stands in for identity's session middleware: the
// signed-in person is what the headers say, with no read (a session keeps
// the account, РНОКПП and name).
func signedFromHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(r.Header.Get(subjectHeader))
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		name, _ := url.QueryUnescape(r.Header.Get(nameHeader))
		sg := &identity.Signed{AccountID: id, RNOKPP: r.Header.Get(rnokppHeader), FullName: name}
		next.ServeHTTP(w, r.WithContext(identity.WithSigned(r.Context(), sg)))
	})
}

// setupCity creates city number i: the tenant, the demo register of Київ
// (KY-0001 in automatic mode or not), the demo forms, the public holidays
// of three years, the residents' accounts, the development CA and a
// certificate for every resident.
func setupCity(ctx context.Context, owner *pgxpool.Pool, db *tenant.DB, sealer applications.Sealer, i, residents int, automatic bool) (*city, error) {
	var t *tenant.Tenant
	err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		var err error
		t, err = tenant.Create(ctx, tx, tenant.CreateParams{Slug: fmt.Sprintf("city%02d", i), Name: fmt.Sprintf("Громада %d", i)})
		return err
	})
	if err != nil {
		return nil, err
	}
	c := &city{t: t, host: t.Slug + "." + benchDomain}
	d, err := demo.Load()
	if err != nil {
		return nil, err
	}
	kyiv, ok := d.City("kyiv")
	if !ok {
		return nil, errors.New("no demo city kyiv")
	}
	err = db.Tx(tenant.With(ctx, t), func(ctx context.Context, tx pgx.Tx) error {
		if err := catalog.LoadRegister(ctx, tx, kyiv.Register); err != nil {
			return err
		}
		if err := applications.LoadDemoForms(ctx, tx, kyiv.Forms, kyiv.Rules); err != nil {
			return err
		}
		if err := access.New(db, nil).InstallDefaults(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, '{automatic}', to_jsonb($1::boolean)) WHERE code = 'KY-0001'`, automatic); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT s.id, s.provider_id, f.id FROM services s JOIN service_forms f ON f.service_id = s.id AND f.status = 'published'
			WHERE s.code = 'KY-0001'`).Scan(&c.service, &c.provider, &c.form); err != nil {
			return err
		}
		for _, y := range []int{2025, 2026, 2027} {
			for _, d := range []string{"01-01", "03-08", "05-01", "05-08", "06-28", "07-15", "08-24", "10-01", "12-25"} {
				if _, err := tx.Exec(ctx, `INSERT INTO public_holidays (tenant_id, day, name) VALUES (app_tenant_id(), $1, 'Святковий день') ON CONFLICT DO NOTHING`,
					fmt.Sprintf("%d-%s", y, d)); err != nil {
					return err
				}
			}
		}
		for k := range residents {
			r := newResident(k)
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: r.rnokpp, FullName: r.name, FamilyName: r.family, GivenName: r.given, MiddleName: r.middle, Phone: r.phone,
				Email: fmt.Sprintf("resident%d@example.com", k)})
			if err != nil {
				return err
			}
			r.account = a.ID
			c.residents = append(c.residents, r)
		}
		var err error
		c.ca, err = applications.EnsureDevCA(ctx, tx, sealer)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, r := range c.residents {
		if r.cert, r.key, err = c.ca.Issue(r.rnokpp, r.name); err != nil {
			return nil, err
		}
	}
	return c, nil
}

var benchNames = [][2]string{{"Шевченко", "Олена Петрівна"}, {"Коваленко", "Андрій Іванович"}, {"Бондаренко", "Марія Степанівна"},
	{"Ткаченко", "Тарас Миколайович"}, {"Кравченко", "Ірина Василівна"}, {"Олійник", "Богдан Андрійович"}, {"Мельник", "Оксана Володимирівна"},
	{"Поліщук", "Дмитро Олегович"}, {"Савченко", "Наталія Юріївна"}, {"Лисенко", "Олександр Сергійович"}, {"Руденко", "Людмила Григорівна"},
	{"Гончаренко", "Віталій Петрович"}}

// newResident makes resident k: a valid РНОКПП (birth dates 1976–2001), a
// name, and the residence form filled as a person would.
func newResident(k int) *resident {
	d := fmt.Sprintf("%05d%04d", 28000+k%9000, (k/9000)%10000)
	w := [9]int{-1, 5, 7, 9, 4, 6, 10, 5, 7}
	sum := 0
	for i := range w {
		sum += w[i] * int(d[i]-'0')
	}
	rn := d + strconv.Itoa((sum%11+11)%11%10)
	if !ukid.ValidRNOKPP(rn) {
		panic("bench: invalid РНОКПП " + rn)
	}
	n := benchNames[k%len(benchNames)]
	r := &resident{rnokpp: rn, name: n[0] + " " + n[1], phone: fmt.Sprintf("+38067%07d", 1000000+k)}
	given, middle, _ := strings.Cut(n[1], " ")
	r.family, r.given, r.middle = n[0], given, middle
	data, _ := json.Marshal(map[string]any{
		"last_name": n[0], "first_name": given, "middle_name": middle, "rnokpp": rn, "birth_date": applications.BirthDate(rn), "phone": r.phone,
		"email":   fmt.Sprintf("resident%d@example.com", k),
		"katottg": "UA80000000000093317",
		"address": fmt.Sprintf("м. Київ, Дарницький район, вулиця Архітектора Вербицького, будинок %d-Б, під’їзд 3, поверх 9, квартира %d", 1+k%40, 1+k%300),
		"basis":   "tenant", "moved_on": "2025-09-01",
		"previous_address": fmt.Sprintf("Полтавська область, Кременчуцький район, місто Горішні Плавні, вулиця Миру, будинок %d, квартира %d", 1+k%90, 1+k%120),
		"deregister":       true,
	})
	r.data = string(data)
	return r
}

// attachmentNames are the files every draft carries (metadata only: the
// submission reads their names, sizes and SHA-256, never their bytes).
var attachmentNames = []string{"Паспорт громадянина України (ID-картка).pdf", "Договір найму житла з правом реєстрації.pdf",
	"Згода власника житла на реєстрацію.pdf", "Квитанція про сплату адміністративного збору.pdf"}

// insertDrafts creates n filled drafts of KY-0001 in the city, spread
// over its residents, each with its attachments.
func (c *city) insertDrafts(ctx context.Context, db *tenant.DB, super *pgxpool.Pool, n int) ([]uuid.UUID, []*resident, error) {
	ids, who := make([]uuid.UUID, n), make([]*resident, n)
	for i := range n {
		ids[i] = uuid.Must(uuid.NewV7())
		who[i] = c.residents[c.next%len(c.residents)]
		c.next++
	}
	const batch = 1000
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		var (
			apps, applicants, fileIDs, fileApps, fileBy []uuid.UUID
			data, names, shas                           []string
			sizes                                       []int64
		)
		for i := lo; i < hi; i++ {
			apps, applicants, data = append(apps, ids[i]), append(applicants, who[i].account), append(data, who[i].data)
			for k, name := range attachmentNames {
				sum := make([]byte, 32)
				_, _ = rand.Read(sum)
				fileIDs, fileApps, fileBy = append(fileIDs, uuid.Must(uuid.NewV7())), append(fileApps, ids[i]), append(fileBy, who[i].account)
				names, shas, sizes = append(names, name), append(shas, hex.EncodeToString(sum)), append(sizes, int64(180_000+k*97_000+i%1000))
			}
		}
		err := db.Tx(tenant.With(ctx, c.t), func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, id, service_id, provider_id, form_id, applicant_id, step, data)
				SELECT app_tenant_id(), d.id, $1, $2, $3, d.applicant, 3, d.data::jsonb
				FROM unnest($4::uuid[], $5::uuid[], $6::text[]) AS d(id, applicant, data)`, c.service, c.provider, c.form, apps, applicants, data)
			if err != nil {
				return err
			}
			// Each file is one of the register's documents in turn (the
			// submission requires the mandatory ones).
			_, err = tx.Exec(ctx, `INSERT INTO application_files (tenant_id, id, application_id, kind, name, content_type, size, sha256, object_key, added_by, document)
				SELECT app_tenant_id(), f.id, f.app, 'attachment', f.name, 'application/pdf', f.size, f.sha, 'applications/' || f.app || '/' || f.id, f.by,
				    (f.k - 1) % $7 + 1
				FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::uuid[]) WITH ORDINALITY AS f(id, app, name, size, sha, by, k)`,
				fileIDs, fileApps, names, sizes, shas, fileBy, len(attachmentNames))
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		// Fresh statistics after every batch: the files' lock trigger
		// plans its lookup of the application once per connection, and a
		// plan made on an almost empty table scans it for every file.
		if _, err := super.Exec(ctx, `ANALYZE applications, application_files`); err != nil {
			return nil, nil, err
		}
	}
	return ids, who, nil
}

// addDrafts prepares n drafts for the handler: created, their canonical
// bytes read through Service.Canonical (as the page that offers them for
// download), signed by their resident with the development CA's
// certificate (the resident's cost, not the server's), and the multipart
// request that uploads the signature built.
func (b *appsBench) addDrafts(ctx context.Context, n int) error {
	type job struct {
		c  *city
		id uuid.UUID
		r  *resident
	}
	var jobs []job
	for i, c := range b.cities {
		k := n / len(b.cities)
		if i < n%len(b.cities) {
			k++
		}
		ids, who, err := c.insertDrafts(ctx, b.db, b.super, k)
		if err != nil {
			return err
		}
		for j := range ids {
			jobs = append(jobs, job{c, ids[j], who[j]})
		}
	}
	// Interleave the cities.
	slices.SortStableFunc(jobs, func(a, b job) int { return strings.Compare(a.id.String()[24:], b.id.String()[24:]) })
	out := make([]*draft, len(jobs))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		canon    int
		cms      int
	)
	work := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range work {
				j := jobs[i]
				data, err := b.svc.Canonical(tenant.With(ctx, j.c.t), applications.Owner{AccountID: j.r.account}, j.id)
				var sig []byte
				if err == nil {
					sig, err = signature.SignDetached(data, j.r.cert, j.r.key)
				}
				if err != nil {
					mu.Lock()
					firstErr = cmp(firstErr, err)
					mu.Unlock()
					continue
				}
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				_ = mw.WriteField("method", "upload")
				_ = mw.WriteField("key", newHexKey())
				fw, _ := mw.CreateFormFile("signature", "zaiava-"+j.id.String()+".json.p7s")
				_, _ = fw.Write(sig)
				_ = mw.Close()
				out[i] = &draft{path: "/cabinet/applications/" + j.id.String() + "/sign", host: j.c.host, account: j.r.account.String(),
					rnokpp: j.r.rnokpp, name: j.r.name,
					contentType: mw.FormDataContentType(), body: body.Bytes()}
				mu.Lock()
				canon, cms = canon+len(data), cms+len(sig)
				j.r.canonical, j.r.signature = data, sig
				mu.Unlock()
			}
		})
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if len(jobs) > 0 && b.canonBytes == 0 {
		b.canonBytes, b.cmsBytes = canon/len(jobs), cms/len(jobs)
	}
	b.drafts = append(b.drafts, out...)
	return nil
}

// cmp keeps the first of several errors: first if set, else err.
func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func newHexKey() string {
	k := make([]byte, 16)
	_, _ = rand.Read(k)
	return hex.EncodeToString(k)
}

// addPgDrafts prepares n drafts for pgbench, the same rows as the
// handler's (without their signatures: pgbench sends a pair of the same
// sizes), numbered in bench_pg_drafts for the script's sequence.
func (b *appsBench) addPgDrafts(ctx context.Context, n int) error {
	var (
		ns                                  []int64
		tenants, ids, applicants, svc, form []uuid.UUID
		rnokpps, names                      []string
	)
	per := make([]int, len(b.cities))
	for i := range n {
		per[(b.pgAssigned+int64(i))%int64(len(b.cities))]++
	}
	created := make([][]uuid.UUID, len(b.cities))
	who := make([][]*resident, len(b.cities))
	for i, c := range b.cities {
		var err error
		if created[i], who[i], err = c.insertDrafts(ctx, b.db, b.super, per[i]); err != nil {
			return err
		}
	}
	taken := make([]int, len(b.cities))
	for i := range n {
		num := b.pgAssigned + int64(i) + 1
		ci := int((num - 1) % int64(len(b.cities)))
		c, k := b.cities[ci], taken[ci]
		taken[ci]++
		ns, tenants, ids, applicants = append(ns, num), append(tenants, c.t.ID), append(ids, created[ci][k]), append(applicants, who[ci][k].account)
		rnokpps, names, svc, form = append(rnokpps, who[ci][k].rnokpp), append(names, who[ci][k].name), append(svc, c.service), append(form, c.form)
	}
	_, err := b.super.Exec(ctx, `INSERT INTO bench_pg_drafts (n, tenant_id, id, applicant_id, rnokpp, full_name, service_id, form_id)
		SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::uuid[])`,
		ns, tenants, ids, applicants, rnokpps, names, svc, form)
	if err != nil {
		return err
	}
	b.pgAssigned += int64(n)
	return nil
}

// pgConsumed is how many of pgbench's drafts its transactions have taken.
func (b *appsBench) pgConsumed(ctx context.Context) (int64, error) {
	var n int64
	err := b.super.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM bench_pg_seq`).Scan(&n)
	return n, err
}

// measure runs one side at cl clients for the round's duration, with
// enough fresh drafts and after a CHECKPOINT, so that neither side pays for
// the other's dirty pages.
func (b *appsBench) measure(ctx context.Context, side string, cl int) (*sideResult, error) {
	// The preparation's samples of a CPU profile carry bench=prepare.
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("bench", "prepare")))
	defer pprof.SetGoroutineLabels(ctx)
	// Runs vary twofold on a shared machine: prepare for 2.5 times the
	// highest rate seen (drafts left over serve the next run).
	need := int(b.est[side]*float64(b.seconds)*2.5) + 500
	if side == "hromada" {
		if have := len(b.drafts) - int(b.next.Load()); have < need {
			if err := b.addDrafts(ctx, need-have); err != nil {
				return nil, err
			}
		}
	} else if !b.fixed() {
		used, err := b.pgConsumed(ctx)
		if err != nil {
			return nil, err
		}
		if have := int(b.pgAssigned - used); have < need {
			if err := b.addPgDrafts(ctx, need-have); err != nil {
				return nil, err
			}
		}
	}
	if _, err := b.super.Exec(ctx, `CHECKPOINT`); err != nil {
		return nil, err
	}
	var (
		res *sideResult
		err error
	)
	if side == "hromada" {
		res, err = b.runHromada(ctx, cl, time.Duration(b.seconds)*time.Second)
	} else {
		res, err = b.runPgbench(ctx, cl, b.seconds)
	}
	if err != nil {
		return nil, err
	}
	b.est[side] = max(b.est[side], res.rate())
	return res, nil
}

// sideResult is one side's run.
type sideResult struct {
	n         int
	elapsed   time.Duration
	lat       []time.Duration
	serverCPU time.Duration // the cluster's processes (connecting included)
	clientCPU time.Duration // the Go process (client and server), or pgbench
	others    float64       // the share of the machine's CPUs other processes used meanwhile (the machine is shared)
}

func (r *sideResult) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r *sideResult) pct(p float64) time.Duration {
	s := slices.Clone(r.lat)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[int(float64(len(s)-1)*p)]
}

// runHromada has cl clients POST signatures for the next drafts, each
// waiting for its answer before the next (a closed loop), for d.
func (b *appsBench) runHromada(ctx context.Context, cl int, d time.Duration) (*sideResult, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		lat  []time.Duration
		errs = make(chan error, cl)
		out  atomic.Bool
	)
	cpu0, ru0, m0 := b.clusterCPU(), selfCPU(), machineCPU()
	start := time.Now()
	deadline := start.Add(d)
	for range cl {
		wg.Go(func() {
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("bench", "client")))
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for time.Now().Before(deadline) {
				i := int(b.next.Add(1) - 1)
				if i >= len(b.drafts) {
					out.Store(true)
					return
				}
				dr := b.drafts[i]
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL+dr.path, bytes.NewReader(dr.body))
				if err != nil {
					errs <- err
					return
				}
				req.Host = dr.host
				req.Header.Set("Content-Type", dr.contentType)
				req.Header.Set(subjectHeader, dr.account)
				req.Header.Set(rnokppHeader, dr.rnokpp)
				req.Header.Set(nameHeader, url.QueryEscape(dr.name))
				t0 := time.Now()
				res, err := b.client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "?submitted=1") {
					errs <- fmt.Errorf("POST %s: %d %s: %s", dr.path, res.StatusCode, res.Header.Get("Location"), firstLine(body))
					return
				}
				mine = append(mine, time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	if out.Load() {
		return nil, errors.New("ran out of prepared drafts")
	}
	res := &sideResult{n: len(lat), elapsed: elapsed, lat: lat, serverCPU: b.clusterCPU() - cpu0, clientCPU: selfCPU() - ru0}
	res.others = othersShare(machineCPU()-m0, res.serverCPU+res.clientCPU, elapsed)
	return res, nil
}

func firstLine(b []byte) string {
	s := string(b)
	if i := strings.Index(s, "<title>"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return strings.Join(strings.Fields(s), " ")
}

var tpsRE = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)

// runPgbench runs the script with cl clients (one thread each) for
// seconds, as hromada_app over the same unix socket, with prepared
// statements, and reads every transaction's latency from its log.
func (b *appsBench) runPgbench(ctx context.Context, cl, seconds int) (*sideResult, error) {
	dir, err := os.MkdirTemp("", "hromada-pgbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "submit.sql")
	if err := os.WriteFile(script, []byte(b.script), 0o644); err != nil {
		return nil, err
	}
	args := append(b.pgbenchArgs(), "-n", "-M", "prepared", "-c", strconv.Itoa(cl), "-j", strconv.Itoa(cl), "-T", strconv.Itoa(seconds),
		"--log", "--log-prefix", filepath.Join(dir, "tx"), "-f", script)
	cmd := exec.CommandContext(ctx, b.pgbench, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cpu0, ru0, m0 := b.clusterCPU(), selfCPU(), machineCPU()
	t0 := time.Now()
	err = cmd.Run()
	wall := time.Since(t0)
	cpu, self, machine := b.clusterCPU()-cpu0, selfCPU()-ru0, machineCPU()-m0
	if err != nil || strings.Contains(stdout.String(), "aborted") {
		return nil, fmt.Errorf("pgbench: %v\n%s\n%s", err, lastLinesOf(stdout.String(), 12), lastLinesOf(stderr.String(), 12))
	}
	m := tpsRE.FindStringSubmatch(stdout.String())
	if m == nil {
		return nil, fmt.Errorf("pgbench: no tps in its output:\n%s", stdout.String())
	}
	tps, _ := strconv.ParseFloat(m[1], 64)
	logs, _ := filepath.Glob(filepath.Join(dir, "tx.*"))
	var lat []time.Duration
	for _, l := range logs {
		f, err := os.Open(l)
		if err != nil {
			return nil, err
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			// client_id transaction_no time script_no time_epoch time_us
			fs := strings.Fields(s.Text())
			if len(fs) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fs[2], 10, 64)
			if err == nil {
				lat = append(lat, time.Duration(us)*time.Microsecond)
			}
		}
		f.Close()
	}
	if len(lat) == 0 {
		return nil, errors.New("pgbench: no transactions logged")
	}
	// The TPS pgbench reports counts from the clients' connection to the
	// end; elapsed is chosen so that rate() returns it.
	res := &sideResult{n: len(lat), lat: lat, elapsed: time.Duration(float64(len(lat)) / tps * float64(time.Second)), serverCPU: cpu}
	if st := cmd.ProcessState; st != nil {
		res.clientCPU = st.UserTime() + st.SystemTime()
	}
	res.others = othersShare(machine, cpu+self+res.clientCPU, wall)
	return res, nil
}

func lastLinesOf(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// pgbenchArgs are the connection and the script's fixed variables.
func (b *appsBench) pgbenchArgs() []string {
	args := []string{"-h", b.cluster.SocketDir, "-p", strconv.Itoa(b.cluster.Port), "-U", localpg.App, "bench"}
	for _, v := range b.pgVars {
		args = append(args, "-D", v)
	}
	return args
}

// checkEffects checks that both sides wrote what a submission writes: as
// many received applications as submissions, two history rows each, a
// notification each, and a River job (or an outbox message) and an audit
// record each.
func (b *appsBench) checkEffects(ctx context.Context) error {
	var apps, events, notes, jobs, outbox, audits int64
	// The W4 crowd's rows (cities crowd…) are not the bench's submissions.
	err := b.super.QueryRow(ctx, `WITH crowd AS (SELECT id FROM tenants WHERE slug LIKE 'crowd%')
		SELECT (SELECT count(*) FROM applications WHERE status = 'received' AND tenant_id NOT IN (SELECT id FROM crowd)),
		(SELECT count(*) FROM application_events WHERE tenant_id NOT IN (SELECT id FROM crowd)), (SELECT count(*) FROM notifications),
		(SELECT count(*) FROM river_job WHERE kind = 'applications.automatic'),
		(SELECT count(*) FROM outbox WHERE topic = 'applications.new'),
		(SELECT count(*) FROM audit_events WHERE action = 'application.submit')`).Scan(&apps, &events, &notes, &jobs, &outbox, &audits)
	if err != nil {
		return err
	}
	want := func(what string, got, n int64) error {
		if got != n {
			return fmt.Errorf("effects: %d received applications but %d %s", apps, got, what)
		}
		return nil
	}
	handed, wantAudit := jobs, int64(0)
	if !b.automatic {
		handed = outbox
	}
	if b.audit {
		wantAudit = apps
	}
	return errors.Join(want("history rows (want 2 each)", events, 2*apps), want("notifications", notes, apps),
		want("jobs or outbox messages", handed, apps), want("audit records", audits, wantAudit))
}

// clusterCPU is the CPU time the cluster's processes have used so far: the
// postmaster's own and its exited children's, and every live child's (the
// machine is shared, so /proc/stat would count other people's work too).
func (b *appsBench) clusterCPU() time.Duration {
	if b.postmaster == 0 {
		raw, err := os.ReadFile(filepath.Join(b.cluster.Dir, "postmaster.pid"))
		if err != nil {
			return 0
		}
		line, _, _ := strings.Cut(string(raw), "\n")
		b.postmaster, _ = strconv.Atoi(strings.TrimSpace(line))
	}
	_, total := procStat(b.postmaster, true)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == b.postmaster {
			continue
		}
		if ppid, cpu := procStat(pid, false); ppid == b.postmaster {
			total += cpu
		}
	}
	return total
}

// machineCPU is the time every CPU of the machine has spent busy so far.
func machineCPU() time.Duration {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fs := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal guest guest_nice
	var busy int64
	for i, f := range fs[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is counted in user already
			continue
		}
		v, _ := strconv.ParseInt(f, 10, 64)
		busy += v
	}
	return time.Duration(busy) * (time.Second / 100) // USER_HZ
}

// procStat reads a process's parent and CPU time (with its waited-for
// children's when children is set) from /proc/pid/stat.
func procStat(pid int, children bool) (int, time.Duration) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, 0
	}
	fs := strings.Fields(string(raw[i+1:])) // state ppid … utime(11) stime(12) cutime(13) cstime(14)
	if len(fs) < 15 {
		return 0, 0
	}
	ppid, _ := strconv.Atoi(fs[1])
	var ticks int64
	last := 12
	if children {
		last = 14
	}
	for _, f := range fs[11 : last+1] {
		v, _ := strconv.ParseInt(f, 10, 64)
		ticks += v
	}
	return ppid, time.Duration(ticks) * (time.Second / 100) // USER_HZ
}

// othersShare is the share of the machine's CPUs that processes other
// than the bench's used during a run of wall time.
func othersShare(machine, ours, wall time.Duration) float64 {
	return max(0, float64(machine-ours)/(wall.Seconds()*float64(runtime.NumCPU())*float64(time.Second)))
}

// selfCPU is the CPU time of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// appsRow gathers one client count's rounds.
type appsRow struct {
	clients          int
	h, p             []*sideResult
	ratios           []float64
	hLat, pLat       []time.Duration
	hRates, pRates   []float64
	others           []float64 // other processes' share of the CPUs, per run
	hServer, pServer []float64 // CPU µs per submission, PostgreSQL's
	hClient, pClient []float64 // CPU µs per submission, the Go process's or pgbench's
}

func (r *appsRow) add(h, p *sideResult) {
	r.h, r.p = append(r.h, h), append(r.p, p)
	r.ratios = append(r.ratios, h.rate()/p.rate())
	r.others = append(r.others, h.others, p.others)
	r.hLat, r.pLat = append(r.hLat, h.lat...), append(r.pLat, p.lat...)
	r.hRates, r.pRates = append(r.hRates, h.rate()), append(r.pRates, p.rate())
	per := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }
	r.hServer, r.pServer = append(r.hServer, per(h.serverCPU, h.n)), append(r.pServer, per(p.serverCPU, p.n))
	r.hClient, r.pClient = append(r.hClient, per(h.clientCPU, h.n)), append(r.pClient, per(p.clientCPU, p.n))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func pctOf(l []time.Duration, p float64) time.Duration {
	r := sideResult{lat: l}
	return r.pct(p)
}

func (b *appsBench) report(rows []appsRow, took time.Duration) {
	mode := "automatic mode (a River job in the transaction)"
	if !b.automatic {
		mode = "officials (an outbox message in the transaction)"
	}
	auditNote := "with the audit record"
	if !b.audit {
		auditNote = "without the audit record"
	}
	fmt.Printf("\nsigned submission, %d cit%s × %d residents, %s, %s, %d rounds × %d s per side, medians of the rounds (latencies: all rounds pooled):\n",
		b.tenants, map[bool]string{true: "y", false: "ies"}[b.tenants == 1], b.residents, mode, auditNote, b.rounds, b.seconds)
	base, target := "Submit's transaction statement for statement (-baseline submit)", 0.5
	if b.fixed() {
		base, target = "the fixed baseline: BEGIN; application (2.4 KB jsonb); history row; River-shaped job row; COMMIT (applications_baseline.go)", 0.4
	}
	fmt.Printf("pgbench runs %s\n", base)
	fmt.Printf("\n| clients | hromada /s | p50 | p99 | pgbench TPS | p50 | p99 | **ratio** (min–max) | target ≥ %.1f, p99 ≤ 25 ms | CPU µs per submission, hromada: PostgreSQL + Go | pgbench: PostgreSQL + pgbench |\n", target)
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		p99 := pctOf(r.hLat, 0.99)
		met := map[bool]string{true: "met", false: "not met"}
		fmt.Printf("| %d | %.0f | %.1f ms | %.1f ms | %.0f | %.1f ms | %.1f ms | **%.2f** (%.2f–%.2f) | ratio %s, p99 %s | %.0f + %.0f | %.0f + %.0f |\n",
			r.clients, median(r.hRates), ms(pctOf(r.hLat, 0.5)), ms(p99), median(r.pRates), ms(pctOf(r.pLat, 0.5)), ms(pctOf(r.pLat, 0.99)),
			median(r.ratios), slices.Min(r.ratios), slices.Max(r.ratios), met[median(r.ratios) >= target], met[p99 <= 25*time.Millisecond],
			median(r.hServer), median(r.hClient), median(r.pServer), median(r.pClient))
	}
	rss, hwm := selfMemory()
	fmt.Printf("\nmemory of the bench's process (the server and its HTTP clients) after the rounds: RSS %d MiB, peak RSS %d MiB\n", rss>>10, hwm>>10)
	var others []float64
	for _, r := range rows {
		others = append(others, r.others...)
	}
	fmt.Printf("\nratio = hromada submissions/s ÷ pgbench TPS of the same round. Other processes used %.0f%% of the machine's CPUs (median of the runs; max %.0f%%); rounds run again: %d. Took %s.\n",
		100*median(others), 100*slices.Max(others), b.repeated, took.Round(time.Second))
	fmt.Printf("command: go run ./cmd/hromada-bench applications %s\n", strings.Join(os.Args[1:], " "))
}

// selfMemory is this process's resident set and its peak, in KiB, from
// /proc/self/status (VmRSS, VmHWM).
func selfMemory() (rss, hwm int64) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}
