package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/docstore"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/provsys"
	"hromada/modules/provsys/providersim"
	"hromada/modules/signature"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// kill -9 while applications are being delivered to the ЦНАП's own
// system, then a restart: every application reaches the system, each
// delivery row is delivered once, and the system sees each message id
// once (a message in flight at the kill may arrive twice, with the same
// id: the system keeps it once).
func TestProviderSystemSurvivesKill9(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	addr := freeAddr(t)
	dir := t.TempDir()
	key := []byte("0123456789abcdef0123456789abcdef")
	start := childServer(t, append(childServeEnv(db, addr, dir, key),
		// A delivery the killed process was sending is leased for a job's
		// timeout (a row, not a River job: no life line frees it).
		"HROMADA_JOB_TIMEOUT=3s", "HROMADA_JOB_RESCUE_AFTER=4s"), dir, addr)

	// First run: the demo cities; stopped gracefully.
	cmd := start()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())

	// While no process serves: the ЦНАП routed to its system, and the
	// submissions, whose deliveries wait as River jobs.
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
	systems, err := provsys.New(provsys.Options{DB: db.App, Log: slog.New(slog.DiscardHandler), Apps: svc, Insert: insert, Sealer: sealer,
		FileKey: key, PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + "." + testBase }})
	require.NoError(t, err)
	svc.Handover = systems.Handover
	_, err = svc.RotateSeal(ctx, "dcnap")
	require.NoError(t, err)
	var (
		ca       *signature.DevCA
		provider *catalog.Provider
	)
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if ca, err = applications.EnsureDevCA(ctx, tx, sealer); err != nil {
			return err
		}
		provider, _, err = catalog.ProviderByCode(ctx, tx, "dcnap")
		return err
	}))
	sim, err := providersim.New(ca.Pool())
	require.NoError(t, err)
	// The system fetches the attachments from the portal, whatever its host.
	sim.HTTP = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	hook := httptest.NewServer(sim)
	t.Cleanup(hook.Close)
	_, err = systems.SaveRoute(ctx, provsys.RouteInput{ProviderID: provider.ID, Kind: provsys.Webhook, Endpoint: hook.URL + "/hook", Certificate: sim.Cert.Raw})
	require.NoError(t, err)

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
	const n = 12
	for i := range n {
		app, err := svc.Start(ctx, o, p, "KY-0001")
		require.NoError(t, err)
		_, errs, err := svc.SaveStep(ctx, o, app.ID, 0, map[string][]string{"last_name": {resident.FamilyName}, "first_name": {resident.GivenName},
			"middle_name": {resident.MiddleName}, "rnokpp": {p.RNOKPP}, "birth_date": {"1988-03-14"}, "phone": {p.Phone}}, true)
		require.NoError(t, err)
		require.Empty(t, errs)
		_, errs, err = svc.SaveStep(ctx, o, app.ID, 1, map[string][]string{"katottg": {"UA80000000000093317"},
			"address": {fmt.Sprintf("вул. Хрещатик, 10, кв. %d", i+1)}, "basis": {"owner"}, "moved_on": {"2026-10-01"}}, true)
		require.NoError(t, err)
		require.Empty(t, errs)
		_, err = svc.AttachDocument(ctx, o, app.ID, 4, "pravo.pdf", bytes.NewReader(appsPDF), uploads.Limits{})
		require.NoError(t, err)
		_, errs, err = svc.SignOnline(ctx, o, p, app.ID, "")
		require.NoError(t, err)
		require.Empty(t, errs)
	}
	count := func(sql string) int {
		var c int
		require.NoError(t, db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error { return tx.QueryRow(ctx, sql).Scan(&c) }))
		return c
	}
	require.Equal(t, n, count(`SELECT count(*) FROM provsys_deliveries WHERE kind = 'application' AND status = 'waiting'`))
	require.Zero(t, count(`SELECT count(*) FROM outbox WHERE topic = 'applications.new'`), "the officials were not told: the system takes them")

	// Second run: killed as soon as the first message is delivered.
	cmd = start()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if _, arrivals := sim.Messages(); arrivals > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "no delivery at all")
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	t.Logf("killed with %d of %d delivered", count(`SELECT count(*) FROM provsys_deliveries WHERE status = 'delivered'`), n)

	// Third run: everything is delivered.
	cmd = start()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	deadline = time.Now().Add(2 * time.Minute)
	for count(`SELECT count(*) FROM provsys_deliveries WHERE status = 'delivered'`) < n {
		require.True(t, time.Now().Before(deadline), "only %d of %d delivered", count(`SELECT count(*) FROM provsys_deliveries WHERE status = 'delivered'`), n)
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, n, count(`SELECT count(*) FROM provsys_deliveries`), "one delivery per application")
	require.Equal(t, n, count(`SELECT count(*) FROM provsys_deliveries WHERE sent_at IS NOT NULL AND received_at IS NOT NULL`), "every receipt recorded")
	msgs, arrivals := sim.Messages()
	require.Len(t, msgs, n, "every application reached the system, each message id once")
	t.Logf("%d webhooks for %d messages", arrivals, n)
}
