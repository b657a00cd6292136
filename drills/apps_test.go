package drills

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/localpg"
	"hromada/modules/applications"
	"hromada/modules/devidp"
	"hromada/modules/docstore"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
)

// pgServer is a drill's own PostgreSQL cluster with the hromada database,
// migrated by `hromada migrate`.
type pgServer struct {
	Cluster *localpg.Cluster
	URLs    dbURLs
	// Super is the superuser's URL of the hromada database: the drills
	// compare what every tenant has, past row-level security.
	Super string
}

const dbName = "hromada"

// startPostgres starts (or, when dir holds a stopped cluster, restarts) a
// durable cluster in dir with the extra settings; stopped when the test
// ends.
func startPostgres(t *testing.T, dir string, settings map[string]string) *pgServer {
	t.Helper()
	ctx := t.Context()
	c, err := localpg.Open(ctx, localpg.Options{Dir: dir, Durable: true, Settings: settings})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	return &pgServer{Cluster: c, Super: c.DSN(localpg.Superuser, dbName),
		URLs: dbURLs{App: c.DSN(localpg.App, dbName), Operator: c.DSN(localpg.Operator, dbName), Owner: c.DSN(localpg.Owner, dbName)}}
}

// migrate makes the database and runs `hromada migrate` on it.
func (s *pgServer) migrate(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, s.Cluster.EnsureDatabase(t.Context(), dbName))
	runHromada(t, hromadaEnv(s.URLs, "", "127.0.0.1:0", filepath.Join(dir, "migrate"), make([]byte, 32)), "migrate")
}

// count runs a count query as the superuser.
func (s *pgServer) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), s.Super)
	require.NoError(t, err)
	defer conn.Close(context.WithoutCancel(t.Context()))
	var n int
	require.NoError(t, conn.QueryRow(t.Context(), sql, args...).Scan(&n), sql)
	return n
}

// waitCount waits (minutes, not a timing assertion) until sql counts want.
func (s *pgServer) waitCount(t *testing.T, want int, sql string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		got := s.count(t, sql, args...)
		if got == want {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s: %d, want %d", sql, got, want)
		time.Sleep(200 * time.Millisecond)
	}
}

// resident submits applications for the KY-0003 certificate (automatic
// mode: the workers verify, decide, render, seal and store the result with
// nobody at a desk) as the demo resident of Kyiv, through the applications
// module's Go API, as the portal's handlers do.
type resident struct {
	ctx    context.Context
	svc    *applications.Service
	owner  applications.Owner
	person applications.Person
	p      devidp.Persona
}

func newResident(t *testing.T, db dbURLs, docsURL string, key []byte) *resident {
	t.Helper()
	ctx := t.Context()
	pc, err := pgxpool.ParseConfig(db.App + "&pool_max_conns=4")
	require.NoError(t, err)
	pc.AfterConnect = tenant.RegisterTypes
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	tdb := tenant.NewDB(pool)
	kyiv, err := tenant.BySlug(ctx, pool, "kyiv")
	require.NoError(t, err)
	ctx = tenant.With(ctx, kyiv)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)
	sealer, err := identity.NewSealer(key)
	require.NoError(t, err)
	docs, err := docstore.Open(ctx, docsURL)
	require.NoError(t, err)
	insert := func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, client, tx, args, nil)
		return err
	}
	notices, err := notify.New(notify.Options{DB: tdb, Log: slog.New(slog.DiscardHandler), Insert: insert,
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + "." + testBase }})
	require.NoError(t, err)
	r := &resident{ctx: ctx, svc: &applications.Service{DB: tdb, Docs: docs, Sealer: sealer, Insert: insert, Notify: notices}}
	for _, p := range devidp.Personas {
		if p.ID == "resident" {
			r.p = p
		}
	}
	require.NotEmpty(t, r.p.RNOKPP, "no resident persona")
	r.person = applications.Person{RNOKPP: r.p.RNOKPP, FullName: r.p.FullName(), Phone: r.p.Phone}
	require.NoError(t, tdb.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		acc, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: r.p.RNOKPP, FullName: r.p.FullName(), Phone: r.p.Phone,
			FamilyName: r.p.FamilyName, GivenName: r.p.GivenName, MiddleName: r.p.MiddleName})
		if err == nil {
			r.person.AccountID = acc.ID
		}
		return err
	}))
	r.owner = applications.Owner{AccountID: r.person.AccountID}
	return r
}

// submit fills and signs one KY-0003 application; i makes its address
// differ from the others'.
func (r *resident) submit(t *testing.T, i int) uuid.UUID {
	t.Helper()
	app, err := r.svc.Start(r.ctx, r.owner, r.person, "KY-0003")
	require.NoError(t, err)
	_, errs, err := r.svc.SaveStep(r.ctx, r.owner, app.ID, 0, map[string][]string{"last_name": {r.p.FamilyName}, "first_name": {r.p.GivenName},
		"middle_name": {r.p.MiddleName}, "rnokpp": {r.p.RNOKPP}, "birth_date": {"1988-03-14"}, "phone": {r.p.Phone}}, true)
	require.NoError(t, err)
	require.Empty(t, errs)
	_, errs, err = r.svc.SaveStep(r.ctx, r.owner, app.ID, 1, map[string][]string{"katottg": {"UA80000000000093317"},
		"address": {fmt.Sprintf("вул. Січових Стрільців, 21, кв. %d", i)}, "persons": {"4"}, "purpose": {"bank"}}, true)
	require.NoError(t, err)
	require.Empty(t, errs)
	_, errs, err = r.svc.SignOnline(r.ctx, r.owner, r.person, app.ID, "")
	require.NoError(t, err)
	require.Empty(t, errs)
	return app.ID
}
