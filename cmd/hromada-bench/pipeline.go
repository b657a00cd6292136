package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"hromada/localpg"
	"hromada/modules/applications"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/modules/identity"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/modules/signature"
	"hromada/tenant"
	"hromada/web"
)

// runPipeline measures automatic mode end to end — from a signed
// submission to its sealed result stored and notified — at a steady offered
// load: the real pipeline (registry query to the simulator over HTTP, the
// rule set, PDF rendering, sealing, the document store, the notice), beside
// a River chain of as many jobs and transactions whose jobs do no work
// (each inserts the next in its transaction), on the same database with the
// same River settings, in alternating rounds. Offered more than it can do
// (-rate 200) it measures saturation; at -rate 50, latency. It reports the
// CPU per result (this process and the cluster's) and this process's
// resident memory, the pipeline's workers running in it as in the server.
func runPipeline() error {
	rate := flag.Int("rate", 50, "submissions per second offered")
	seconds := flag.Int("seconds", 10, "seconds of offered load per round")
	rounds := flag.Int("rounds", 5, "alternating rounds (pipeline, chain, …)")
	residents := flag.Int("residents", 100, "residents (accounts) of the city")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the pipeline's rounds (not the chain's) to this file, the first round's; round N's to this file with .N after it (go tool pprof reads them together)")
	submitters := flag.Int("submitters", 8, "submissions in flight at most")
	backlog := flag.Bool("backlog", false, "saturation: the queue paused while all are submitted, then results/s is how fast the backlog drains (latency then includes the wait)")
	jobs := flag.Int("chain", chainJobs, "jobs in the bare chain (the pipeline's), each with a read transaction of its own before its writing one")
	oldChain := flag.Bool("oldchain", false, "the bare chain of the pipeline before issue 24 folded decide into verify and notify into render: 4 jobs, the first and third with a read transaction first (overrides -chain)")
	memProfile := flag.String("memprofile", "", "write an allocation profile (after the last round) to this file")
	flag.BoolVar(&statementStats, "pgstat", false, "print PostgreSQL's statements of the pipeline's rounds by the time they took (pg_stat_statements: per result, per call, buffers); with -backlog the drains' alone")
	flag.Parse()
	if *rate < 1 || *seconds < 1 || *rounds < 1 {
		return errors.New("-rate, -seconds and -rounds must be positive")
	}
	reads := func(int) bool { return true }
	if *oldChain {
		*jobs = 4
		reads = func(step int) bool { return step == 0 || step == 2 }
	}
	ctx := context.Background()
	c, stop, err := startCluster(ctx)
	if err != nil {
		return err
	}
	defer stop()
	super, err := pgxpool.New(ctx, c.DSN(localpg.Superuser, "bench"))
	if err != nil {
		return err
	}
	defer super.Close()
	owner, err := pgxpool.New(ctx, c.DSN(localpg.Owner, "bench"))
	if err != nil {
		return err
	}
	defer owner.Close()
	pc, err := pgxpool.ParseConfig(c.DSN(localpg.App, "bench") + "&pool_max_conns=40")
	if err != nil {
		return err
	}
	pc.AfterConnect = tenant.RegisterTypes // as the server's pool
	app, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer app.Close()
	db := tenant.NewDB(app)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := identity.NewSealer(key)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hromada-bench-docs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	docs, err := docstore.OpenDir(dir)
	if err != nil {
		return err
	}

	fmt.Println("setting up a city with automatic mode for KY-0001…")
	city, err := setupCity(ctx, owner, db, sealer, 0, *residents, true)
	if err != nil {
		return err
	}
	if err := splitNames(ctx, super, city); err != nil {
		return err
	}
	sim := httptest.NewServer(simulator.New())
	defer sim.Close()
	cctx := tenant.With(ctx, city.t)
	err = db.Tx(cctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, s := range simulator.DemoServices(sim.URL) {
			if _, err := registries.UpsertTx(ctx, tx, s); err != nil {
				return err
			}
		}
		// The bench's residents are not in the demo residents' register:
		// every application is refused with a ground, which goes through
		// every step as an approval does (render, seal, store, notify).
		return applications.PublishRules(ctx, tx, "KY-0001", applications.RuleSet{
			Checks: []applications.Check{{Name: "residence", Lookup: "residence"}},
			Refuse: []applications.RefuseRule{{When: []applications.Cond{{Fact: "residence.found", Op: "eq", Value: false}},
				Ground: "Подано неповний пакет документів або документи містять недостовірні відомості"}},
			Require: []applications.Cond{{Fact: "residence.registered", Op: "eq", Value: true}},
			Result:  applications.ResultSpec{Title: tenant.Text{UK: "Рішення щодо реєстрації місця проживання"}},
		})
	})
	if err != nil {
		return err
	}
	if _, err := super.Exec(ctx, `CREATE TABLE bench_chains (id uuid PRIMARY KEY, started timestamptz NOT NULL DEFAULT clock_timestamp(), done timestamptz);
		GRANT SELECT, INSERT, UPDATE ON bench_chains TO `+localpg.App); err != nil {
		return err
	}

	var client *river.Client[pgx.Tx]
	insert := func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, client, tx, args, nil)
		return err
	}
	// Notices go to the inbox only (no channel is configured): the bench
	// measures decisions, not the mail.
	notices, err := benchNotices(db, insert)
	if err != nil {
		return err
	}
	svc := &applications.Service{DB: db, Docs: docs, Sealer: sealer, Insert: insert, Notify: notices}
	regs := registries.NewStore(db)
	rc := registries.NewClient(registries.Config{Services: regs, OnQuery: regs.OnQuery(nil)})
	ds := &documents.Service{DB: db, Sealer: sealer, DevCA: func(ctx context.Context, tx pgx.Tx) (*signature.DevCA, error) {
		return applications.EnsureDevCA(ctx, tx, sealer)
	}}
	p := &applications.Pipeline{Svc: svc, Registry: &registries.Pipeline{Client: rc, NoRecord: applications.ErrNoRecord},
		Results: &applications.DocumentResults{Docs: ds, Assets: web.StaticFS()}, RetryAfter: func(int) time.Duration { return time.Second },
		VerifyURL: func(t *tenant.Tenant, id uuid.UUID) string {
			return "https://" + t.Slug + "." + benchDomain + "/verify/" + id.String()
		}}
	workers := river.NewWorkers()
	p.AddWorkers(workers)
	// The bare chain: as many jobs as the pipeline has, each step with as
	// many transactions — verify and render, its two jobs, each read in a
	// transaction of their own before their writing one — doing no work.
	// Its jobs are completed as the pipeline's are, by River's completer
	// after the commit (Guarded), so the chain keeps the pipeline's
	// plumbing; nothing here crashes, so a repeated step cannot happen.
	bare := tenant.NewStepWorker(db, func(ctx context.Context, job *river.Job[chainArgs]) (struct{}, error) {
		if !reads(job.Args.Step) {
			return struct{}{}, nil
		}
		return struct{}{}, db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var one int
			return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
		})
	}, func(ctx context.Context, tx pgx.Tx, job *river.Job[chainArgs], _ struct{}) error {
		if job.Args.Step < *jobs-1 {
			next := job.Args
			next.Step++
			return insert(ctx, tx, next)
		}
		_, err := tx.Exec(ctx, `UPDATE bench_chains SET done = clock_timestamp() WHERE id = $1`, job.Args.Chain)
		return err
	})
	bare.Guarded = true
	river.AddWorker(workers, bare)
	// The server's River settings (cmd/hromada/app.go).
	client, err = river.NewClient(riverpgxv5.New(app), &river.Config{
		FetchCooldown: 20 * time.Millisecond, FetchPollInterval: time.Second, JobTimeout: time.Minute, RescueStuckJobsAfter: 10 * time.Minute,
		Workers: workers, ErrorHandler: p,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}, applications.QueueAutomatic: {MaxWorkers: 20},
			applications.QueueNotify: {MaxWorkers: 5}},
	})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = client.Stop(ctx) }()

	n := *rate * *seconds
	fmt.Printf("preparing %d signed drafts per pipeline round…\n", n)
	type signed struct {
		id  uuid.UUID
		p   applications.Person
		cms []byte
	}
	prepare := func() ([]signed, error) {
		ids, who, err := city.insertDrafts(ctx, db, super, n)
		if err != nil {
			return nil, err
		}
		// KY-0001 requires its fourth document (the proof of the right to
		// the home): one attachment of each draft is attached as it. The
		// files' lock trigger refuses every UPDATE, so it is set aside for
		// this one (the drafts are not signed yet).
		err = pgx.BeginFunc(ctx, super, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE application_files SET document = 4 WHERE application_id = ANY($1) AND name = $2`, ids, attachmentNames[1])
			return err
		})
		if err != nil {
			return nil, err
		}
		out := make([]signed, n)
		for i, id := range ids {
			r := who[i]
			person := applications.Person{AccountID: r.account, RNOKPP: r.rnokpp, FullName: r.name}
			data, err := svc.Canonical(cctx, applications.Owner{AccountID: r.account}, id)
			if err != nil {
				return nil, err
			}
			cms, err := signature.SignDetached(data, r.cert, r.key)
			if err != nil {
				return nil, err
			}
			out[i] = signed{id: id, p: person, cms: cms}
		}
		return out, nil
	}
	// offer calls submit i = 0…n-1 at the offered rate, each in its own
	// goroutine (a submission's own time does not slow the offer), at most
	// -submitters at once: past the pipeline's capacity, unbounded
	// submissions would hold every connection of the pool and starve the
	// workers, which measures the pool, not the pipeline.
	sem := make(chan struct{}, *submitters)
	offer := func(submit func(i int) error) error {
		tick := time.NewTicker(time.Second / time.Duration(*rate))
		defer tick.Stop()
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			first error
		)
		for i := range n {
			<-tick.C
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				if err := submit(i); err != nil {
					mu.Lock()
					first = cmp(first, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return first
	}

	type round struct{ p50, p99, perSec, cpuGo, cpuPG float64 }
	ab := &appsBench{cluster: c}
	var rssMax int64
	var pipe, chain []round
	// drainFrom, in -backlog mode, is when the paused queue was resumed:
	// the rate is counted from then.
	var drainFrom time.Time
	pause := func() error {
		if !*backlog {
			return nil
		}
		return client.QueuePause(ctx, applications.QueueAutomatic, nil)
	}
	resume := func() error {
		if !*backlog {
			return nil
		}
		if err := super.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&drainFrom); err != nil {
			return err
		}
		return client.QueueResume(ctx, applications.QueueAutomatic, nil)
	}
	measure := func(q string, args ...any) (round, error) {
		rows, err := super.Query(ctx, q, args...)
		if err != nil {
			return round{}, err
		}
		type span struct{ Start, End time.Time }
		spans, err := pgx.CollectRows(rows, pgx.RowToStructByPos[span])
		if err != nil {
			return round{}, err
		}
		if len(spans) != n {
			return round{}, fmt.Errorf("%d of %d finished", len(spans), n)
		}
		var lat []float64
		first, last := spans[0].Start, spans[0].End
		for _, s := range spans {
			lat = append(lat, s.End.Sub(s.Start).Seconds()*1000)
			if s.Start.Before(first) {
				first = s.Start
			}
			if s.End.After(last) {
				last = s.End
			}
		}
		slices.Sort(lat)
		if *backlog {
			first = drainFrom
		}
		return round{p50: lat[len(lat)/2], p99: lat[min(len(lat)-1, len(lat)*99/100)], perSec: float64(n) / last.Sub(first).Seconds()}, nil
	}
	// cpu is the CPU time so far of this process (the pipeline's workers,
	// the submissions and the bench) and of the cluster.
	cpu := func() (goCPU, pgCPU time.Duration) { return selfCPU(), ab.clusterCPU() }
	perResult := func(r *round, go0, pg0 time.Duration) {
		go1, pg1 := cpu()
		r.cpuGo, r.cpuPG = float64((go1-go0).Microseconds())/float64(n), float64((pg1-pg0).Microseconds())/float64(n)
	}
	wait := func(q string, args ...any) error {
		deadline := time.Now().Add(5 * time.Minute)
		for {
			var done int
			if err := super.QueryRow(ctx, q, args...).Scan(&done); err != nil {
				return err
			}
			if done >= n {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("only %d of %d done after 5 minutes", done, n)
			}
			// Not more often: each poll is a lookup of all n ids (about a
			// millisecond of CPU on each side), counted in the CPU per
			// result; at 20 ms a 10 s drain added 2–3 ms to it. The
			// results/s and latencies come from the database's timestamps,
			// not from when the poll notices.
			time.Sleep(200 * time.Millisecond)
		}
	}
	// -pgstat: the statements of the pipeline's spans (the drains with
	// -backlog, else the rounds) summed, the bare chain's left out.
	pgs, pgBefore := stmtStats{}, stmtStats(nil)
	if statementStats {
		if err := enableStatements(ctx, super); err != nil {
			return err
		}
	}
	snapshot := func() (stmtStats, error) {
		if !statementStats {
			return nil, nil
		}
		return readStatements(ctx, super)
	}
	// One file a round: a second profile appended to the first's file is
	// a file go tool pprof cannot read.
	var profile *os.File
	for r := range *rounds {
		drafts, err := prepare()
		if err != nil {
			return err
		}
		if *cpuProfile != "" {
			name := *cpuProfile
			if r > 0 {
				name += fmt.Sprintf(".%d", r+1)
			}
			if profile, err = os.Create(name); err != nil {
				return err
			}
			defer profile.Close()
			if err := pprof.StartCPUProfile(profile); err != nil {
				return err
			}
		}
		if !*backlog {
			if pgBefore, err = snapshot(); err != nil {
				return err
			}
		}
		go0, pg0 := cpu()
		if err := pause(); err != nil {
			return err
		}
		ids := make([]uuid.UUID, n)
		for i, d := range drafts {
			ids[i] = d.id
		}
		err = offer(func(i int) error {
			d := drafts[i]
			_, errs, err := svc.Submit(cctx, applications.Owner{AccountID: d.p.AccountID}, d.p, d.id, hex.EncodeToString(d.id[:]), nil, d.cms)
			if len(errs) > 0 {
				err = fmt.Errorf("draft %s: %v (%v)", d.id, errs, err)
			}
			return err
		})
		if err != nil {
			return err
		}
		if *backlog {
			if pgBefore, err = snapshot(); err != nil {
				return err
			}
		}
		if err := resume(); err != nil {
			return err
		}
		if err := wait(`SELECT count(*) FROM automatic_runs WHERE step = 'done' AND application_id = ANY($1)`, ids); err != nil {
			return err
		}
		if statementStats {
			after, err := snapshot()
			if err != nil {
				return err
			}
			pgs.add(pgBefore, after)
		}
		if profile != nil {
			pprof.StopCPUProfile()
		}
		res, err := measure(`SELECT a.received_at, e.at FROM applications a JOIN application_events e ON e.application_id = a.id AND e.to_status = 'issued'
			WHERE a.id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		perResult(&res, go0, pg0)
		rss := residentKB("VmRSS")
		rssMax = max(rssMax, rss)
		pipe = append(pipe, res)
		fmt.Printf("round %d pipeline: p50 %.0f ms, p99 %.0f ms, %.1f results/s; CPU per result %.1f ms (Go %.1f, PostgreSQL %.1f); RSS %d MB\n",
			r+1, res.p50, res.p99, res.perSec, (res.cpuGo+res.cpuPG)/1000, res.cpuGo/1000, res.cpuPG/1000, rss/1024)

		chains := make([]uuid.UUID, n)
		go0, pg0 = cpu()
		if err := pause(); err != nil {
			return err
		}
		err = offer(func(i int) error {
			chains[i] = uuid.Must(uuid.NewV7())
			return db.Tx(cctx, func(ctx context.Context, tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO bench_chains (id) VALUES ($1)`, chains[i]); err != nil {
					return err
				}
				return insert(ctx, tx, chainArgs{Envelope: tenant.Envelope{TenantID: city.t.ID}, Chain: chains[i]})
			})
		})
		if err != nil {
			return err
		}
		if err := resume(); err != nil {
			return err
		}
		if err := wait(`SELECT count(*) FROM bench_chains WHERE done IS NOT NULL AND id = ANY($1)`, chains); err != nil {
			return err
		}
		res, err = measure(`SELECT started, done FROM bench_chains WHERE id = ANY($1)`, chains)
		if err != nil {
			return err
		}
		perResult(&res, go0, pg0)
		chain = append(chain, res)
		fmt.Printf("round %d bare chain: p50 %.0f ms, p99 %.0f ms, %.1f chains/s; CPU per chain %.1f ms (Go %.1f, PostgreSQL %.1f)\n",
			r+1, res.p50, res.p99, res.perSec, (res.cpuGo+res.cpuPG)/1000, res.cpuGo/1000, res.cpuPG/1000)
	}
	if statementStats {
		span := "the pipeline's rounds (submissions and their results; the bare chain's rounds left out)"
		if *backlog {
			span = "the pipeline's drains (from the queue's resumption to the last run done: the submissions and the bare chain left out)"
		}
		pgs.print("PostgreSQL's statements of "+span, *rounds*n, "result")
	}
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	med := func(rs []round, f func(round) float64) float64 {
		var v []float64
		for _, r := range rs {
			v = append(v, f(r))
		}
		return median(v)
	}
	var ratios []float64
	for i := range pipe {
		ratios = append(ratios, pipe[i].perSec/chain[i].perSec)
	}
	cmdline := fmt.Sprintf("go run ./cmd/hromada-bench pipeline -rate %d -seconds %d -rounds %d -backlog=%t -oldchain=%t", *rate, *seconds, *rounds, *backlog, *oldChain)
	readers := 0
	for step := range *jobs {
		if reads(step) {
			readers++
		}
	}
	fmt.Printf("\ncommand: %s (GOGC %s; River FetchCooldown 20 ms, 20 workers; the bare chain: %d jobs, %d of them with a read transaction before their own)\n",
		cmdline, cmp2(os.Getenv("GOGC"), "400"), *jobs, readers)
	fmt.Printf("| offered | pipeline p50 | pipeline p99 | pipeline results/s | CPU ms/result (Go + PostgreSQL) | bare chain p50 | bare chain p99 | chains/s | CPU ms/chain | results/s ÷ chains/s | server RSS |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|\n")
	fmt.Printf("| %d/s for %d s | %.0f ms | %.0f ms | %.1f | %.1f + %.1f | %.0f ms | %.0f ms | %.1f | %.1f + %.1f | **%.2f** (min %.2f, max %.2f) | %d MB (peak %d MB) |\n", *rate, *seconds,
		med(pipe, func(r round) float64 { return r.p50 }), med(pipe, func(r round) float64 { return r.p99 }), med(pipe, func(r round) float64 { return r.perSec }),
		med(pipe, func(r round) float64 { return r.cpuGo / 1000 }), med(pipe, func(r round) float64 { return r.cpuPG / 1000 }),
		med(chain, func(r round) float64 { return r.p50 }), med(chain, func(r round) float64 { return r.p99 }), med(chain, func(r round) float64 { return r.perSec }),
		med(chain, func(r round) float64 { return r.cpuGo / 1000 }), med(chain, func(r round) float64 { return r.cpuPG / 1000 }),
		median(ratios), slices.Min(ratios), slices.Max(ratios), rssMax/1024, residentKB("VmHWM")/1024)
	// The targets (24), each beside its baseline from this run.
	perSec, p99 := med(pipe, func(r round) float64 { return r.perSec }), med(pipe, func(r round) float64 { return r.p99 })
	met := map[bool]string{true: "met", false: "NOT met"}
	if *backlog || perSec < float64(*rate)*0.9 {
		fmt.Printf("target W3 saturation ≥ 150 results/s: %.1f results/s at %d/s offered (the bare chain %.1f/s) — %s\n",
			perSec, *rate, med(chain, func(r round) float64 { return r.perSec }), met[perSec >= 150])
		fmt.Printf("target W3 ≥ 0.7 of the bare chain at saturation: %.2f — %s\n", median(ratios), met[median(ratios) >= 0.7])
	} else {
		fmt.Printf("(the pipeline kept up with the offered %d/s: not saturated; offer more for the saturation target)\n", *rate)
	}
	if *rate <= 50 && !*backlog {
		fmt.Printf("target W3 p99 ≤ 1 s at %d/s: %.0f ms (the bare chain %.0f ms) — %s\n", *rate, p99, med(chain, func(r round) float64 { return r.p99 }), met[p99 <= 1000])
	}
	return nil
}

// chainJobs is the bare chain's length: the pipeline's jobs (verify,
// which decides too, and render, which seals, stores, issues and posts
// the notice too).
const chainJobs = 2

// cmp2 is v, or def when v is empty.
func cmp2(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// residentKB is this process's resident memory (VmRSS) or its peak
// (VmHWM), in kB, from /proc/self/status.
func residentKB(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// chainArgs is one job of the bare chain: chainJobs jobs, each inserting
// the next.
type chainArgs struct {
	tenant.Envelope
	Chain uuid.UUID `json:"chain"`
	Step  int       `json:"step"`
}

func (chainArgs) Kind() string { return "bench.chain" }

// InsertOpts puts the chain in the pipeline's queue, with its uniqueness.
func (chainArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: applications.QueueAutomatic, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// splitNames fills the form's name fields (family, given and middle name:
// KY-0001 asks for them apart since it stopped asking for the full name)
// from each resident's full name, in the filled form the drafts take and
// in the resident's account.
func splitNames(ctx context.Context, super *pgxpool.Pool, c *city) error {
	for _, r := range c.residents {
		var data map[string]any
		if err := json.Unmarshal([]byte(r.data), &data); err != nil {
			return err
		}
		parts := strings.Fields(r.name)
		if len(parts) < 2 {
			return fmt.Errorf("resident %q: a family and a given name expected", r.name)
		}
		delete(data, "full_name")
		data["last_name"], data["first_name"] = parts[0], parts[1]
		if len(parts) > 2 {
			data["middle_name"] = strings.Join(parts[2:], " ")
		}
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		r.data = string(b)
		// The account as a sign-in leaves it: the names apart, which the
		// form's identity fields must equal.
		if _, err := super.Exec(ctx, `UPDATE accounts SET family_name = $2, given_name = $3, middle_name = $4 WHERE id = $1`,
			r.account, data["last_name"], data["first_name"], data["middle_name"]); err != nil {
			return err
		}
	}
	return nil
}
