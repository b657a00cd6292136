package participation_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/modules/devidp"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/participation"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// testBundle is a city with the demo personas' accounts, the Service over
// it with real audit and notify (the inbox only: no channel is
// configured, so no job is ever inserted), and the residents' register
// simulator behind mTLS.
type testBundle struct {
	db     *tenanttest.DB
	tn     *tenant.Tenant
	ctx    context.Context
	svc    *participation.Service
	access *access.Service
	sim    *simulator.Simulator
	// persona's account by persona id (devidp.Personas)
	accounts map[string]*identity.Signed
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{db: tenanttest.New(t), accounts: map[string]*identity.Signed{}}
	b.tn = tenanttest.NewTenant(t, b.db)
	b.ctx = tenant.With(t.Context(), b.tn)
	b.access = access.New(b.db.App, nil)
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := b.access.InstallDefaults(ctx, tx); err != nil {
			return err
		}
		for _, p := range devidp.Personas {
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: p.RNOKPP, FullName: p.FullName()})
			if err != nil {
				return err
			}
			b.accounts[p.ID] = &identity.Signed{AccountID: a.ID, RNOKPP: p.RNOKPP, FullName: a.FullName}
		}
		_, err := b.access.BootstrapTx(ctx, tx, b.accounts["owner"].AccountID, access.RoleOwner, nil, "Член міської ради (тест)")
		return err
	}))
	nt, err := notify.New(notify.Options{DB: b.db.App, Log: slog.New(slog.DiscardHandler),
		Insert: func(context.Context, pgx.Tx, tenant.JobArgs) error {
			return errors.New("no channel is configured: no delivery job may be inserted")
		},
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost" }})
	require.NoError(t, err)

	b.sim = simulator.New()
	pki, err := simulator.NewPKI()
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(b.sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = pki.ServerTLS()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := registries.NewClient(registries.Config{TLS: pki.ClientTLS(), Services: registries.Static(simulator.DemoServices(srv.URL)),
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, MaxAttempts: 2})
	t.Cleanup(client.Close)

	b.svc = participation.New(participation.Options{DB: b.db.App, Audit: audit.New(b.db.App, nil), Notify: nt,
		Register: participation.RegisterOf(client)})
	return b
}

// as is ctx with persona signed in.
func (b *testBundle) as(persona string) context.Context {
	sg, ok := b.accounts[persona]
	if !ok {
		panic(fmt.Sprintf("no persona %q", persona))
	}
	return identity.WithSigned(b.ctx, sg)
}

// notices counts the notices with key in the city's inboxes.
func (b *testBundle) notices(t *testing.T, key string) int {
	t.Helper()
	var n int
	// WithoutCancel: a cleanup counts too, when t's context is done.
	require.NoError(t, b.db.App.ReadTx(context.WithoutCancel(b.ctx), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE key = $1`, key).Scan(&n)
	}))
	return n
}

// published drafts a petition as the resident and publishes it as the
// dispatcher.
func (b *testBundle) published(t *testing.T) uuid.UUID {
	t.Helper()
	id, err := b.svc.Draft(b.as("resident"), participation.PetitionForm{Token: uuid.NewString(), Title: "Облаштувати велодоріжку на вулиці Січових Стрільців",
		Body: "Просимо облаштувати безпечну велодоріжку.", Competence: true})
	require.NoError(t, err)
	require.NoError(t, b.svc.Publish(b.as("dispatcher"), id))
	return id
}
