package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/docstore"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// childEnv marks the test binary run as `hromada serve --demo` by
// TestAutomaticSurvivesKill9.
const childEnv = "HROMADA_TEST_SERVE_CHILD"

// TestServeChild is not a test: it is `hromada serve --demo` inside this
// test binary, for the kill -9 test to start as a real process.
func TestServeChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("run by TestAutomaticSurvivesKill9 as a child process")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	code := run(ctx, []string{"serve", "--demo"}, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// kill -9 in the middle of automatic mode, then a restart: every
// application still reaches its sealed result, exactly once — one result,
// one seal, one issued document, one notice each.
func TestAutomaticSurvivesKill9(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	addr := freeAddr(t)
	dir := t.TempDir()
	key := []byte("0123456789abcdef0123456789abcdef")
	start := childServer(t, childServeEnv(db, addr, dir, key), dir, addr)

	// First run: the demo cities; stopped gracefully.
	cmd := start()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())

	// Submissions while no process serves: they wait as River jobs.
	ctx := t.Context()
	kyiv, err := tenant.BySlug(ctx, db.App.Pool(), "kyiv")
	require.NoError(t, err)
	ctx = tenant.With(ctx, kyiv)
	client, err := river.NewClient(riverpgxv5.New(db.App.Pool()), &river.Config{})
	require.NoError(t, err)
	sealer, err := identity.NewSealer(key)
	require.NoError(t, err)
	docs, err := docstore.OpenDir(filepath.Join(dir, "docs"))
	require.NoError(t, err)
	insert := func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
		_, err := tenant.InsertTx(ctx, client, tx, args, nil)
		return err
	}
	notices, err := notify.New(notify.Options{DB: db.App, Log: slog.New(slog.DiscardHandler), Insert: insert,
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost" }})
	require.NoError(t, err)
	svc := &applications.Service{DB: db.App, Docs: docs, Sealer: sealer, Insert: insert, Notify: notices}
	// The resident, as her first sign-in makes her.
	resident := appsPersona(t, "resident")
	p := applications.Person{RNOKPP: resident.RNOKPP, FullName: resident.FullName(), Phone: resident.Phone}
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		acc, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: p.RNOKPP, FullName: p.FullName, Phone: p.Phone,
			FamilyName: resident.FamilyName, GivenName: resident.GivenName, MiddleName: resident.MiddleName})
		if err == nil {
			p.AccountID = acc.ID
		}
		return err
	}))
	o := applications.Owner{AccountID: p.AccountID}
	const n = 24
	for i := range n {
		app, err := svc.Start(ctx, o, p, "KY-0003")
		require.NoError(t, err)
		_, errs, err := svc.SaveStep(ctx, o, app.ID, 0, map[string][]string{"last_name": {resident.FamilyName}, "first_name": {resident.GivenName},
			"middle_name": {resident.MiddleName}, "rnokpp": {p.RNOKPP},
			"birth_date": {"1988-03-14"}, "phone": {p.Phone}}, true)
		require.NoError(t, err)
		require.Empty(t, errs)
		_, errs, err = svc.SaveStep(ctx, o, app.ID, 1, map[string][]string{"katottg": {"UA80000000000093317"},
			"address": {fmt.Sprintf("вул. Січових Стрільців, 21, кв. %d", i+1)}, "persons": {"4"}, "purpose": {"bank"}}, true)
		require.NoError(t, err)
		require.Empty(t, errs)
		_, errs, err = svc.SignOnline(ctx, o, p, app.ID, "")
		require.NoError(t, err)
		require.Empty(t, errs)
	}
	count := func(sql string) int {
		var c int
		require.NoError(t, db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error { return tx.QueryRow(ctx, sql).Scan(&c) }))
		return c
	}

	// Second run: killed as soon as the first result is out.
	cmd = start()
	deadline := time.Now().Add(60 * time.Second)
	for count(`SELECT count(*) FROM applications WHERE status = 'issued'`) == 0 {
		require.True(t, time.Now().Before(deadline), "no result at all")
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	atKill := count(`SELECT count(*) FROM applications WHERE status = 'issued'`)
	running := count(`SELECT count(*) FROM river_job WHERE state = 'running'`)
	t.Logf("killed with %d of %d issued, %d jobs running", atKill, n, running)
	require.Positive(t, running, "killed between steps, not in the middle of one")

	// Third run: everything finishes.
	cmd = start()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	deadline = time.Now().Add(120 * time.Second)
	for count(`SELECT count(*) FROM automatic_runs WHERE step = 'done'`) < n {
		require.True(t, time.Now().Before(deadline), "only %d of %d done", count(`SELECT count(*) FROM automatic_runs WHERE step = 'done'`), n)
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, n, count(`SELECT count(*) FROM applications WHERE status = 'issued'`))
	require.Equal(t, n, count(`SELECT count(*) FROM issued_documents`))
	// Taken back from the dead process by the new one's life line.
	require.Positive(t, count(`SELECT count(*) FROM river_job WHERE EXISTS (SELECT 1 FROM unnest(errors) e WHERE e->>'error' LIKE '%lifeline%')`))
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT application_id FROM application_files WHERE kind = 'result' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM application_files WHERE kind = 'result_signature' GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM notifications WHERE key IN ('notify.granted', 'notify.denied') GROUP BY 1 HAVING count(*) <> 1) x`,
		`SELECT count(*) FROM (SELECT application_id FROM application_events WHERE to_status = 'issued' GROUP BY 1 HAVING count(*) <> 1) x`,
	} {
		require.Zero(t, count(q), q)
	}
	require.Equal(t, n, count(`SELECT count(*) FROM notifications WHERE key IN ('notify.granted', 'notify.denied')`))
	require.Zero(t, count(`SELECT count(*) FROM automatic_runs WHERE step = 'manual'`), "nothing went to officials")
}

// childServeEnv is the environment of a child server on db, listening on
// addr, keeping its data and documents under dir, with the secret key.
func childServeEnv(db *tenanttest.DB, addr, dir string, key []byte) []string {
	return append(os.Environ(), childEnv+"=1",
		"HROMADA_DATABASE_URL="+db.AppDSN, "HROMADA_OPERATOR_DATABASE_URL="+db.OperatorDSN, "HROMADA_OWNER_DATABASE_URL="+db.OwnerDSN,
		"HROMADA_ADDR="+addr, "HROMADA_BASE_DOMAIN="+testBase, "HROMADA_DATA_DIR="+filepath.Join(dir, "data"),
		"HROMADA_OBJECT_STORE=file://"+filepath.Join(dir, "docs"), "HROMADA_SECRET_KEY="+base64.StdEncoding.EncodeToString(key),
		// The default job timeout and rescue (minutes): the jobs the killed
		// process left running come back within seconds of the restart
		// through its life line (package lifeline), not by River's rescue.
		"HROMADA_OPERATOR_KEY="+testKey, "HROMADA_LOG_LEVEL=warn")
}

// childServer returns how to start `hromada serve --demo` as a child
// process (this test binary, TestServeChild) with env, listening on addr,
// and wait until it is healthy; the logs of every start are shown when
// the test fails.
func childServer(t *testing.T, env []string, dir, addr string) func() *exec.Cmd {
	var logs []*os.File
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range logs {
				t.Logf("%s:\n%s", l.Name(), tail(t, l.Name()))
			}
		}
	})
	return func() *exec.Cmd {
		t.Helper()
		out, err := os.CreateTemp(dir, "serve-*.log")
		require.NoError(t, err)
		logs = append(logs, out)
		cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
		require.NoError(t, cmd.Start())
		deadline := time.Now().Add(90 * time.Second)
		for {
			res, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return cmd
				}
			}
			require.True(t, time.Now().Before(deadline), "the server did not start: %s", tail(t, out.Name()))
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// tail is the end of a log file.
func tail(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freeAddr is a loopback address no one listens on now: where a child
// server will listen.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
