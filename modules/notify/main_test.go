package notify_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// env is a city with one resident, a notify Service sending through a
// real River client and worker, and (when mail is set) a Mailpit.
type env struct {
	db      *tenanttest.DB
	tn      *tenant.Tenant
	ctx     context.Context
	svc     *notify.Service
	river   *river.Client[pgx.Tx]
	account uuid.UUID
}

type envOpts struct {
	mail    *notify.Mail
	sms     *notify.TurboSMS
	fcm     *notify.FCM
	webpush *notify.WebPush
	limits  map[notify.Channel]int
	// retryAfter is the back-off between a delivery's attempts; nil:
	// 10 ms, so retries do not slow the tests.
	retryAfter func(int) time.Duration
}

func setup(t *testing.T, o envOpts) *env {
	t.Helper()
	e := &env{db: tenanttest.New(t)}
	if o.retryAfter == nil {
		o.retryAfter = func(int) time.Duration { return 10 * time.Millisecond }
	}
	e.tn = tenanttest.NewTenantWith(t, e.db, tenant.CreateParams{Name: "Тестова міська рада", Branding: tenant.Branding{DisplayName: tenant.Text{UK: "Тестове", EN: "Testove"}, PrimaryColor: "#005b4f"}})
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
	workers := river.NewWorkers()
	e.svc, err = notify.New(notify.Options{DB: e.db.App, Log: slog.New(slog.DiscardHandler), Mail: o.mail, SMS: o.sms, FCM: o.fcm, WebPush: o.webpush, Sealer: sealer, LinkKey: key, Audit: audit.New(e.db.App, slog.New(slog.DiscardHandler)),
		Insert: func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
			_, err := tenant.InsertTx(ctx, e.river, tx, args, nil)
			return err
		},
		PortalURL:  func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost:8080" },
		RetryAfter: o.retryAfter,
		RateLimit:  o.limits,
	})
	require.NoError(t, err)
	river.AddWorker(workers, e.svc.Worker())
	river.AddWorker(workers, e.svc.BulkWorker())
	e.river, err = river.NewClient(riverpgxv5.New(e.db.App.Pool()), &river.Config{
		Workers: workers, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{notify.QueueUrgent: {MaxWorkers: 2}, notify.QueueNormal: {MaxWorkers: 2}, notify.QueueBulk: {MaxWorkers: 1}},
	})
	require.NoError(t, err)
	require.NoError(t, e.river.Start(t.Context()))
	t.Cleanup(func() { _ = e.river.Stop(context.WithoutCancel(t.Context())) })
	return e
}

// post posts a notice about an application numbered number.
func (e *env) post(t *testing.T, kind notify.Kind, key, number string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		id, err = e.svc.Post(ctx, tx, notify.Notice{Account: e.account, Kind: kind, Key: key,
			Args: map[string]any{"Number": number, "Service": "Довідка про склад сім'ї"}})
		return err
	}))
	return id
}

// delivery is a delivery row as the tests read it.
type delivery struct {
	ID        uuid.UUID
	Status    notify.Status
	Attempts  int
	LastError string
	Secret    map[string]any
}

// settled waits until notice's delivery through c is delivered or failed
// for good (the worker runs in the background) and returns it. The wait
// is bounded only so a broken worker fails the test rather than hangs it.
func (e *env) settled(t *testing.T, notice uuid.UUID, c notify.Channel) delivery {
	t.Helper()
	var d delivery
	deadline := time.Now().Add(time.Minute)
	for {
		require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT id, status, attempts, last_error, secret_args FROM notify_deliveries WHERE notification_id = $1 AND channel = $2`,
				notice, c).Scan(&d.ID, &d.Status, &d.Attempts, &d.LastError, &d.Secret)
		}))
		if d.Status == notify.Delivered || d.Status == notify.Permanent {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %s still %s after a minute: %s", d.ID, d.Status, d.LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// confirm gives the resident's address and confirms it with the code
// that arrives there, read by read.
func (e *env) confirm(t *testing.T, c notify.Channel, address string, read func() string) {
	t.Helper()
	require.NoError(t, e.svc.SetAddress(e.ctx, e.account, c, address))
	code := regexpCode.FindString(read())
	require.NotEmpty(t, code, "the code arrived")
	require.NoError(t, e.svc.Confirm(e.ctx, e.account, c, code))
}

type pgxTx = pgx.Tx

var (
	regexpCode = regexp.MustCompile(`\b\d{6}\b`)
	regexpLink = regexp.MustCompile(`http://\S+`)
)

func sortedKeys(v map[string][]string) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func itoa(n int) string { return strconv.Itoa(n) }

func sleepBriefly() { time.Sleep(20 * time.Millisecond) }

// waitJobsDone waits until River has no job left to run or retry.
func waitJobsDone(t *testing.T, e *env) {
	t.Helper()
	for range 3000 {
		var n int
		require.NoError(t, e.db.Owner.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n))
		if n == 0 {
			return
		}
		sleepBriefly()
	}
	t.Fatal("jobs still waiting after a minute")
}
