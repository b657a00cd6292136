package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"hromada/localpg"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
)

// runNoticesBulk measures issue 16's lanes: the dispatcher's announcement
// to every resident who opted in to city news (notify.Service.SendBulk →
// the fan-out → one bulk-lane delivery each, by e-mail through a real
// SMTP server, Mailpit, DKIM-signed as in production) while an urgent
// stream (a security alert, the lockout notice, each posted through
// notify's Post in a transaction of its own) runs at -urgent per second.
// Each urgent notice's latency runs from its commit to the SMTP server's
// 250 after DATA, seen by a proxy in this process (smtptap.go). The fixed
// baseline is a bare River chain of as many jobs in the same queue with
// the same workers, fanned out the same way, each job a read transaction
// and its completion's transaction (a delivery's claim and record) and no
// sending. The River settings and the lanes' workers are the server's.
func runNoticesBulk() error {
	residents := flag.Int("residents", 100000, "residents opted in to city news with a confirmed e-mail")
	rounds := flag.Int("rounds", 1, "alternating rounds (bulk with the urgent stream, bare chain)")
	urgentRate := flag.Int("urgent", 20, "urgent notices per second during the bulk")
	rateLimit := flag.Int("ratelimit", 1_000_000, "the city's e-mail rate limit, messages per minute (0: notify's default, which caps bulk on purpose)")
	maxDur := flag.Duration("max", 0, "stop the urgent stream and the round after this long even if the bulk is not drained (0: until drained)")
	flag.Parse()
	if *residents < 1 || *rounds < 1 || *urgentRate < 1 {
		return errors.New("-residents, -rounds and -urgent must be positive")
	}
	limit := *rateLimit
	if limit <= 0 {
		limit = notify.DefaultRateLimit[notify.Email]
	}
	ctx := context.Background()
	fmt.Printf("load before: %s", loadAvg())
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

	mp, err := startMailpit()
	if err != nil {
		return err
	}
	defer mp.stop()
	tap, err := newSMTPTap(mp.smtp, func(rcpt string) bool { return strings.HasPrefix(rcpt, "r") })
	if err != nil {
		return err
	}
	defer func() { _ = tap.close() }()

	// The urgent stream's residents are others than the bulk's (not opted
	// in to news), so each message is one lane's.
	const nUrgent = 200
	city := &tenant.Tenant{ID: uuid.Must(uuid.NewV7()), Slug: "bench-news", Name: "Бенчівська міська рада", Status: tenant.Active}
	fmt.Printf("loading %d residents opted in to city news, %d for the urgent stream…\n", *residents, nUrgent)
	start := time.Now()
	dispatcher, urgent, err := loadNewsCity(ctx, super, city, *residents, nUrgent)
	if err != nil {
		return err
	}
	fmt.Printf("loaded in %s\n", time.Since(start).Round(time.Millisecond))

	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := identity.NewSealer(key)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var client *river.Client[pgx.Tx]
	insert := func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, client, tx, args, nil)
		return err
	}
	// As cmd/hromada's openNotify: the platform's relay (here the tap in
	// front of Mailpit, no STARTTLS on the same host), the city's sender
	// made on first use with its DKIM key, the sending lease the jobs'
	// timeout.
	svc, err := notify.New(notify.Options{DB: db, Log: log, Insert: insert, Sealer: sealer, LinkKey: key, Audit: audit.New(db, log),
		Mail:      &notify.Mail{Host: "127.0.0.1", Port: tap.port(), HELO: benchDomain},
		PortalURL: func(t *tenant.Tenant) string { return "https://" + t.Slug + "." + benchDomain },
		RateLimit: map[notify.Channel]int{notify.Email: limit}, SendingLease: benchJobTimeout})
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, svc.Worker())
	river.AddWorker(workers, svc.BulkWorker())
	// The bare chain: a fan-out job inserting the jobs in batches of
	// bulkBatch (River's InsertManyTx, one transaction a batch), each job
	// a read transaction then its completion's, doing nothing.
	river.AddWorker(workers, tenant.NewStepWorker(db, func(ctx context.Context, job *river.Job[bareFanOutArgs]) (struct{}, error) {
		for from := 0; from < job.Args.N; from += bareBatch {
			err := db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
				var params []river.InsertManyParams
				for i := from; i < min(from+bareBatch, job.Args.N); i++ {
					params = append(params, river.InsertManyParams{Args: bareJobArgs{Envelope: job.Args.Envelope, Round: job.Args.Round, I: i}})
				}
				_, err := client.InsertManyTx(ctx, tx, params)
				return err
			})
			if err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	}, func(context.Context, pgx.Tx, *river.Job[bareFanOutArgs], struct{}) error { return nil }))
	river.AddWorker(workers, tenant.NewStepWorker(db, func(ctx context.Context, _ *river.Job[bareJobArgs]) (struct{}, error) {
		return struct{}{}, db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var one int
			return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
		})
	}, func(context.Context, pgx.Tx, *river.Job[bareJobArgs], struct{}) error { return nil }))
	// The server's River settings and queues (cmd/hromada/app.go).
	client, err = river.NewClient(riverpgxv5.New(app), &river.Config{
		FetchCooldown: 20 * time.Millisecond, FetchPollInterval: time.Second, JobTimeout: benchJobTimeout, RescueStuckJobsAfter: 10 * time.Minute,
		Workers: workers, Logger: log,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}, applications.QueueAutomatic: {MaxWorkers: 20},
			notify.QueueNormal: {MaxWorkers: notify.NormalWorkers}, notify.QueueUrgent: {MaxWorkers: notify.UrgentWorkers},
			notify.QueueBulk: {MaxWorkers: notify.BulkWorkers}},
	})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = client.Stop(ctx) }()
	cctx := tenant.With(ctx, city)

	// urgentOne posts one urgent notice in a transaction of its own and
	// returns its e-mail's Message-ID and when the transaction committed.
	var seq int
	var seqMu sync.Mutex
	urgentOne := func() (string, time.Time, error) {
		seqMu.Lock()
		who := urgent[seq%len(urgent)]
		seq++
		seqMu.Unlock()
		var delivery uuid.UUID
		err := db.Tx(cctx, func(ctx context.Context, tx pgx.Tx) error {
			id, err := svc.Post(ctx, tx, notify.Notice{Account: who, Kind: notify.KindSecurity, Key: audit.NoticeLockoutOther,
				Args: map[string]any{"Key": "ip:203.0.113.7", "Until": time.Now().Add(15 * time.Minute).In(tenant.Zone).Format("02.01.2006 15:04")}})
			if err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT id FROM notify_deliveries WHERE notification_id = $1 AND channel = 'email'`, id).Scan(&delivery)
		})
		committed := time.Now()
		return delivery.String() + "@" + city.Slug + "." + benchDomain, committed, err
	}
	waitAccepted := func(id string, d time.Duration) (time.Time, error) {
		deadline := time.Now().Add(d)
		for {
			if at, ok := tap.acceptedAt(id); ok {
				return at, nil
			}
			if time.Now().After(deadline) {
				return time.Time{}, fmt.Errorf("message %s not accepted after %s", id, d)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// Warm up: the city's sender (its DKIM key is made on first use), the
	// connections, the templates.
	for range 3 {
		id, _, err := urgentOne()
		if err != nil {
			return err
		}
		if _, err := waitAccepted(id, time.Minute); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}

	type bulkRound struct {
		accepted          int
		drain, first      time.Duration // from the send's commit to the last and the first acceptance
		perSec            float64
		lat               []time.Duration
		late              int // urgent notices not accepted by the end
		sentUrgent        int
		notDrained        bool
		snoozed, failures int
	}
	type chainRound struct {
		drain  time.Duration
		perSec float64
	}
	var bulks []bulkRound
	var chains []chainRound
	for r := range *rounds {
		// The bulk, and beside it the urgent stream.
		tap.resetBulk()
		sctx := identity.WithSigned(cctx, &identity.Signed{AccountID: dispatcher, FullName: "Диспетчерка Бенчівська"})
		if _, err := svc.SendBulk(sctx, notify.Announcement{Key: uuid.Must(uuid.NewV7()),
			TextUK: "Завтра з 9:00 до 13:00 не буде води на вул. Хрещатик.", TextEN: "No water on Khreshchatyk tomorrow 9:00–13:00."}); err != nil {
			return err
		}
		sent := time.Now()
		type urgentSent struct {
			id        string
			committed time.Time
		}
		var (
			mu      sync.Mutex
			us      []urgentSent
			wg      sync.WaitGroup
			uerr    error
			lastLog time.Time
		)
		tick := time.NewTicker(time.Second / time.Duration(*urgentRate))
		var br bulkRound
		for {
			<-tick.C
			n, _, _ := tap.bulkSoFar()
			if n >= *residents {
				break
			}
			if *maxDur > 0 && time.Since(sent) > *maxDur {
				br.notDrained = true
				break
			}
			if time.Since(lastLog) > 10*time.Second {
				lastLog = time.Now()
				fmt.Printf("  %s: %d of %d bulk messages accepted, %d urgent sent\n", time.Since(sent).Round(time.Second), n, *residents, len(us))
			}
			wg.Go(func() {
				id, at, err := urgentOne()
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					uerr = cmp(uerr, err)
					return
				}
				us = append(us, urgentSent{id, at})
			})
		}
		tick.Stop()
		wg.Wait()
		if uerr != nil {
			return uerr
		}
		n, first, last := tap.bulkSoFar()
		br.accepted, br.sentUrgent = n, len(us)
		br.drain, br.first = last.Sub(sent), first.Sub(sent)
		br.perSec = float64(n) / last.Sub(sent).Seconds()
		if br.notDrained {
			// Over the whole window: the rate a city sees while capped.
			br.perSec = float64(n) / maxDur.Seconds()
		}
		// The urgent notices still out get two minutes in all (not each:
		// under a rate limit many wait for long).
		deadline := time.Now().Add(2 * time.Minute)
		for _, u := range us {
			at, err := waitAccepted(u.id, time.Until(deadline))
			if err != nil {
				br.late++
				continue
			}
			br.lat = append(br.lat, at.Sub(u.committed))
		}
		if err := super.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'permanent'), count(*) FILTER (WHERE status NOT IN ('delivered', 'permanent'))
			FROM notify_deliveries WHERE tenant_id = $1`, city.ID).Scan(&br.failures, &br.snoozed); err != nil {
			return err
		}
		// What each delivery's claim costs by now: the city's rate-limit
		// count over its deliveries of the last minute.
		var plan []string
		err := db.ReadTx(cctx, func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM notify_deliveries
				WHERE channel = 'email' AND status IN ('sending', 'delivered') AND updated_at > now() - interval '1 minute'`)
			if err != nil {
				return err
			}
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			return err
		}
		var fanOut float64
		if err := super.QueryRow(ctx, `SELECT coalesce(extract(epoch FROM max(done_at - created_at)), 0)::float8 FROM notify_bulk_sends WHERE tenant_id = $1`,
			city.ID).Scan(&fanOut); err != nil {
			return err
		}
		fmt.Printf("  the fan-out (one of the lane's workers) took %.1f s\n", fanOut)
		fmt.Printf("  the claim's rate-limit count (the city's deliveries so far, %d of them this round's): %s; %s\n", br.accepted+len(us), strings.TrimSpace(plan[1]), strings.TrimSpace(plan[len(plan)-1]))
		bulks = append(bulks, br)
		fmt.Printf("round %d bulk: %d of %d accepted, drained in %s (first after %s): %.1f messages/s; urgent (%d, %d not accepted): p50 %s, p99 %s, max %s\n",
			r+1, br.accepted, *residents, br.drain.Round(time.Millisecond), br.first.Round(time.Millisecond), br.perSec,
			len(br.lat), br.late, pctOf(br.lat, 0.5).Round(time.Millisecond), pctOf(br.lat, 0.99).Round(time.Millisecond), slices.Max(append(br.lat, 0)).Round(time.Millisecond))
		if br.notDrained {
			// Let it drain unmeasured, so the chain's round has the lane
			// to itself; stop waiting after the cap again.
			fmt.Printf("  (not drained after %s: %d deliveries failed for good, %d not yet sent)\n", *maxDur, br.failures, br.snoozed)
			if err := client.QueuePause(ctx, notify.QueueBulk, nil); err != nil {
				return err
			}
			if _, err := super.Exec(ctx, `DELETE FROM river_job WHERE queue = $1 AND state NOT IN ('completed', 'running')`, notify.QueueBulk); err != nil {
				return err
			}
			time.Sleep(2 * time.Second)
			if err := client.QueueResume(ctx, notify.QueueBulk, nil); err != nil {
				return err
			}
		}

		// The bare chain, alone.
		var chainStart time.Time
		err = db.Tx(cctx, func(ctx context.Context, tx pgx.Tx) error {
			return insert(ctx, tx, bareFanOutArgs{Envelope: tenant.Envelope{TenantID: city.ID}, N: *residents, Round: r})
		})
		if err != nil {
			return err
		}
		chainStart = time.Now()
		var lastDone time.Time
		for {
			var done int
			var at *time.Time
			if err := super.QueryRow(ctx, `SELECT count(*), max(finalized_at) FROM river_job WHERE kind = $1 AND state = 'completed' AND (args->>'round')::int = $2`,
				bareJobArgs{}.Kind(), r).Scan(&done, &at); err != nil {
				return err
			}
			if done >= *residents {
				lastDone = *at
				break
			}
			if time.Since(chainStart) > 2*time.Hour {
				return fmt.Errorf("bare chain: %d of %d done after 2 hours", done, *residents)
			}
			time.Sleep(500 * time.Millisecond)
		}
		cr := chainRound{drain: lastDone.Sub(chainStart)}
		cr.perSec = float64(*residents) / cr.drain.Seconds()
		chains = append(chains, cr)
		fmt.Printf("round %d bare chain: %d jobs in %s: %.1f jobs/s\n", r+1, *residents, cr.drain.Round(time.Millisecond), cr.perSec)
	}

	var all []time.Duration
	var ratios, perSec, chainPerSec, drains []float64
	late, sentUrgent := 0, 0
	for i := range bulks {
		all = append(all, bulks[i].lat...)
		late += bulks[i].late
		sentUrgent += bulks[i].sentUrgent
		ratios = append(ratios, bulks[i].perSec/chains[i].perSec)
		perSec = append(perSec, bulks[i].perSec)
		chainPerSec = append(chainPerSec, chains[i].perSec)
		drains = append(drains, bulks[i].drain.Seconds())
	}
	p50, p99, worst := pctOf(all, 0.5), pctOf(all, 0.99), slices.Max(append(all, 0))
	limitNote := fmt.Sprintf("%d/min (raised for the bench)", limit)
	if limit == notify.DefaultRateLimit[notify.Email] {
		limitNote = fmt.Sprintf("%d/min (notify's default)", limit)
	}
	fmt.Printf("load after: %s", loadAvg())
	fmt.Printf("\ncommand: go run ./cmd/hromada-bench notices -residents %d -rounds %d -urgent %d -ratelimit %d -max %s\n", *residents, *rounds, *urgentRate, *rateLimit, *maxDur)
	fmt.Printf("(River FetchCooldown 20 ms, lanes' workers urgent %d / normal %d / bulk %d as the server; e-mail rate limit %s; Mailpit over a timing proxy; DKIM RSA-2048; GOGC %s)\n",
		notify.UrgentWorkers, notify.NormalWorkers, notify.BulkWorkers, limitNote, cmp2(os.Getenv("GOGC"), "400"))
	fmt.Printf("| residents | bulk messages/s (SMTP accepted) | time to drain | bare chain jobs/s | bulk ÷ chain | urgent p50 | urgent p99 | urgent max | urgent sent (not accepted) |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|\n")
	notDrained := ""
	if bulks[len(bulks)-1].notDrained {
		notDrained = fmt.Sprintf(" (not drained: %d accepted in %s)", bulks[len(bulks)-1].accepted, *maxDur)
	}
	fmt.Printf("| %d | %.1f | %.1f s%s | %.1f | **%.2f** (min %.2f, max %.2f) | %s | %s | %s | %d (%d) |\n", *residents,
		median(perSec), median(drains), notDrained, median(chainPerSec), median(ratios), slices.Min(ratios), slices.Max(ratios),
		p50.Round(time.Millisecond), p99.Round(time.Millisecond), worst.Round(time.Millisecond), sentUrgent, late)
	met := map[bool]string{true: "met", false: "NOT met"}
	fmt.Printf("target: bulk ÷ bare chain ≥ 0.5: %.2f — %s\n", median(ratios), met[median(ratios) >= 0.5 && notDrained == ""])
	fmt.Printf("target: urgent p99 ≤ 2 s during the bulk (commit → SMTP 250): %s — %s\n", p99.Round(time.Millisecond), met[p99 <= 2*time.Second && late == 0])
	return nil
}

// benchJobTimeout is the server's default HROMADA_JOB_TIMEOUT.
const benchJobTimeout = time.Minute

// bareBatch is the bare chain's fan-out batch: notify's (500 a
// transaction).
const bareBatch = 500

// bareFanOutArgs inserts a round's bare jobs.
type bareFanOutArgs struct {
	tenant.Envelope
	N     int `json:"n"`
	Round int `json:"round"`
}

func (bareFanOutArgs) Kind() string { return "bench.bulk_fanout" }

// InsertOpts puts it in the bulk lane, as notify's fan-out.
func (bareFanOutArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: notify.QueueBulk} }

// bareJobArgs is one job of the bare chain, in the bulk lane.
type bareJobArgs struct {
	tenant.Envelope
	Round int `json:"round"`
	I     int `json:"i"`
}

func (bareJobArgs) Kind() string { return "bench.bulk_job" }

// InsertOpts puts it in the bulk lane, as notify's deliveries.
func (bareJobArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: notify.QueueBulk} }

// loadNewsCity creates the city with n residents opted in to city news by
// e-mail (addresses r<i>@…, confirmed), u more with a confirmed e-mail and
// no news (u<i>@…: the urgent stream's), and the dispatcher, with
// generate_series; it returns the dispatcher's and the urgent residents'
// accounts.
func loadNewsCity(ctx context.Context, super *pgxpool.Pool, city *tenant.Tenant, n, u int) (uuid.UUID, []uuid.UUID, error) {
	var dispatcher uuid.UUID
	var urgent []uuid.UUID
	err := pgx.BeginFunc(ctx, super, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)`, city.ID, city.Slug, city.Name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name)
			SELECT $1, gen_random_uuid(), lpad(g::text, 10, '0'), 'Мешканець ' || g FROM generate_series(1, $2::int + $3::int + 1) g`, city.ID, n, u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notify_contacts (tenant_id, account_id, channel, address, confirmed_at)
			SELECT tenant_id, id, 'email', CASE WHEN rnokpp::int <= $2 THEN 'r' || rnokpp::int ELSE 'u' || rnokpp::int END || '@residents.example', now()
			FROM accounts WHERE tenant_id = $1 AND rnokpp::int <= $2::int + $3::int`, city.ID, n, u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notify_preferences (tenant_id, account_id, kind, channel, enabled)
			SELECT tenant_id, id, 'news', 'email', true FROM accounts WHERE tenant_id = $1 AND rnokpp::int <= $2`, city.ID, n); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM accounts WHERE tenant_id = $1 AND rnokpp::int > $2 AND rnokpp::int <= $2::int + $3::int ORDER BY rnokpp`, city.ID, n, u)
		if err != nil {
			return err
		}
		if urgent, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM accounts WHERE tenant_id = $1 AND rnokpp::int = $2::int + $3::int + 1`, city.ID, n, u).Scan(&dispatcher)
	})
	if err != nil {
		return uuid.Nil, nil, err
	}
	_, err = super.Exec(ctx, `VACUUM ANALYZE accounts, notify_contacts, notify_preferences`)
	return dispatcher, urgent, err
}

// mailpit is the bench's Mailpit.
type mailpit struct {
	smtp string // host:port
	cmd  *exec.Cmd
	dir  string
}

// startMailpit starts the project's Mailpit (HROMADA_MAILPIT_BIN or the
// one .ci/install-mailpit.sh builds and caches), its database in a
// temporary directory (in /dev/shm when there is one: memory, so the
// server's disk is PostgreSQL's alone), keeping the latest 1,000
// messages, taking up to 1,000 recipients a message.
func startMailpit() (*mailpit, error) {
	bin := os.Getenv("HROMADA_MAILPIT_BIN")
	if bin == "" {
		out, err := exec.Command("bash", ".ci/install-mailpit.sh").Output()
		if err != nil {
			return nil, fmt.Errorf("mailpit: .ci/install-mailpit.sh (run from the module's root): %w", err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		bin = strings.TrimSpace(lines[len(lines)-1])
	}
	base := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "hromada-bench-mailpit-")
	if err != nil {
		return nil, err
	}
	ports := make([]int, 2)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	m := &mailpit{smtp: "127.0.0.1:" + strconv.Itoa(ports[0]), dir: dir}
	api := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	m.cmd = exec.Command(bin, "--smtp", m.smtp, "--listen", "127.0.0.1:"+strconv.Itoa(ports[1]),
		"--database", filepath.Join(dir, "mailpit.db"), "--max", "1000", "--smtp-max-recipients", "1000",
		"--disable-version-check", "--smtp-disable-rdns", "--quiet")
	var out bytes.Buffer
	m.cmd.Stdout, m.cmd.Stderr = &out, &out
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(api + "/livez")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m, nil
			}
		}
		if time.Now().After(deadline) {
			m.stop()
			return nil, fmt.Errorf("mailpit not ready after 30 s: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *mailpit) stop() {
	if m.cmd.Process != nil {
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
		_ = m.cmd.Wait()
	}
	os.RemoveAll(m.dir)
}

// loadAvg is /proc/loadavg: how busy the shared machine was.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown\n"
	}
	return string(b)
}
