package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
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
// the same six-job River chain whose jobs do no work (each inserts the next
// in its transaction), on the same database with the same River settings.
func runPipeline() error {
	rate := flag.Int("rate", 50, "submissions per second offered")
	seconds := flag.Int("seconds", 10, "seconds of offered load per round")
	rounds := flag.Int("rounds", 3, "alternating rounds (pipeline, chain, …)")
	residents := flag.Int("residents", 100, "residents (accounts) of the city")
	flag.Parse()
	if *rate < 1 || *seconds < 1 || *rounds < 1 {
		return errors.New("-rate, -seconds and -rounds must be positive")
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
	verify, decide, render, seal, store, notify := p.Workers()
	river.AddWorker(workers, verify)
	river.AddWorker(workers, decide)
	river.AddWorker(workers, render)
	river.AddWorker(workers, seal)
	river.AddWorker(workers, store)
	river.AddWorker(workers, notify)
	river.AddWorker(workers, tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, job *river.Job[chainArgs]) error {
		if job.Args.Step < 5 {
			next := job.Args
			next.Step++
			return insert(ctx, tx, next)
		}
		_, err := tx.Exec(ctx, `UPDATE bench_chains SET done = clock_timestamp() WHERE id = $1`, job.Args.Chain)
		return err
	}))
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
	// goroutine (a submission's own time does not slow the offer).
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
			wg.Go(func() {
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

	type round struct{ p50, p99, perSec float64 }
	var pipe, chain []round
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
		return round{p50: lat[len(lat)/2], p99: lat[min(len(lat)-1, len(lat)*99/100)], perSec: float64(n) / last.Sub(first).Seconds()}, nil
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
			time.Sleep(20 * time.Millisecond)
		}
	}
	for r := range *rounds {
		drafts, err := prepare()
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, n)
		for i, d := range drafts {
			ids[i] = d.id
		}
		err = offer(func(i int) error {
			d := drafts[i]
			_, errs, err := svc.Submit(cctx, applications.Owner{AccountID: d.p.AccountID}, d.p, d.id, hex.EncodeToString(d.id[:]), nil, d.cms)
			if err == nil && len(errs) > 0 {
				err = fmt.Errorf("draft %s: %v", d.id, errs)
			}
			return err
		})
		if err != nil {
			return err
		}
		if err := wait(`SELECT count(*) FROM automatic_runs WHERE step = 'done' AND application_id = ANY($1)`, ids); err != nil {
			return err
		}
		res, err := measure(`SELECT a.received_at, e.at FROM applications a JOIN application_events e ON e.application_id = a.id AND e.to_status = 'issued'
			WHERE a.id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		pipe = append(pipe, res)
		fmt.Printf("round %d pipeline: p50 %.0f ms, p99 %.0f ms, %.1f results/s\n", r+1, res.p50, res.p99, res.perSec)

		chains := make([]uuid.UUID, n)
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
		if err := wait(`SELECT count(*) FROM bench_chains WHERE done IS NOT NULL AND id = ANY($1)`, chains); err != nil {
			return err
		}
		res, err = measure(`SELECT started, done FROM bench_chains WHERE id = ANY($1)`, chains)
		if err != nil {
			return err
		}
		chain = append(chain, res)
		fmt.Printf("round %d bare chain: p50 %.0f ms, p99 %.0f ms, %.1f chains/s\n", r+1, res.p50, res.p99, res.perSec)
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
	fmt.Printf("\ncommand: go run ./cmd/hromada-bench pipeline -rate %d -seconds %d -rounds %d\n", *rate, *seconds, *rounds)
	fmt.Printf("| offered | pipeline p50 | pipeline p99 | pipeline results/s | bare chain p50 | bare chain p99 | chains/s | results/s ÷ chains/s |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|\n")
	fmt.Printf("| %d/s for %d s | %.0f ms | %.0f ms | %.1f | %.0f ms | %.0f ms | %.1f | **%.2f** (min %.2f, max %.2f) |\n", *rate, *seconds,
		med(pipe, func(r round) float64 { return r.p50 }), med(pipe, func(r round) float64 { return r.p99 }), med(pipe, func(r round) float64 { return r.perSec }),
		med(chain, func(r round) float64 { return r.p50 }), med(chain, func(r round) float64 { return r.p99 }), med(chain, func(r round) float64 { return r.perSec }),
		median(ratios), slices.Min(ratios), slices.Max(ratios))
	return nil
}

// chainArgs is one job of the bare chain: six jobs, each inserting the next.
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
