package tenant_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestNormalizeHost(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Kyiv.Localhost:8080": "kyiv.localhost",
		"kyiv.localhost.":     "kyiv.localhost",
		"e.kyivcity.gov.ua":   "e.kyivcity.gov.ua",
		"[::1]:8080":          "",
		"ky_iv.localhost":     "",
		"kyiv..localhost":     "",
		"-kyiv.localhost":     "",
		"":                    "",
		"київ.localhost":      "",
	} {
		got, err := tenant.NormalizeHost(in)
		if want == "" {
			require.ErrorIsf(t, err, tenant.ErrInvalidHost, "%q", in)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func TestDirectory(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ctx := t.Context()
	kyiv := tenanttest.NewTenantWith(t, db, tenant.CreateParams{Domains: []string{"e.kyivcity.gov.ua"}})
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	dir := tenant.NewDirectory(db.App.Pool(), "hromada.test", &tenant.DirectoryOpts{
		TTL: time.Minute, Now: func() time.Time { return time.Unix(0, now.Load()) },
	})

	got, err := dir.ByHost(ctx, kyiv.Slug+".hromada.test:8080")
	require.NoError(t, err)
	require.Equal(t, kyiv.ID, got.ID)
	got, err = dir.ByHost(ctx, "E.KYIVCITY.GOV.UA")
	require.NoError(t, err)
	require.Equal(t, kyiv.ID, got.ID)
	_, err = dir.ByHost(ctx, "nobody.hromada.test")
	require.ErrorIs(t, err, tenant.ErrNotFound)
	_, err = dir.ByHost(ctx, "bad host")
	require.ErrorIs(t, err, tenant.ErrInvalidHost)
	require.True(t, dir.IsPlatformHost("Hromada.Test:443"))
	require.False(t, dir.IsPlatformHost(kyiv.Slug+".hromada.test"))

	// A change is served stale from the cache until the TTL passes...
	suspend := func(st tenant.Status) {
		require.NoError(t, pgx.BeginFunc(ctx, db.Owner, func(tx pgx.Tx) error { return tenant.SetStatus(ctx, tx, kyiv.ID, st) }))
	}
	suspend(tenant.Suspended)
	got, _ = dir.ByHost(ctx, kyiv.Slug+".hromada.test")
	require.Equal(t, tenant.Active, got.Status)
	now.Add(int64(2 * time.Minute))
	got, _ = dir.ByHost(ctx, kyiv.Slug+".hromada.test")
	require.Equal(t, tenant.Suspended, got.Status)

	// ...or, with Listen running, until the change notice arrives.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go dir.Listen(lctx, slog.New(slog.DiscardHandler))
	time.Sleep(200 * time.Millisecond) // LISTEN is in place
	suspend(tenant.Active)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ = dir.ByHost(ctx, kyiv.Slug+".hromada.test")
		if got.Status == tenant.Active {
			break
		}
		require.True(t, time.Now().Before(deadline), "the change notice did not drop the cached entry")
		time.Sleep(20 * time.Millisecond)
	}
	// A new domain is seen at once, though "not found" was cached.
	_, err = dir.ByHost(ctx, "kyiv.example.org")
	require.ErrorIs(t, err, tenant.ErrNotFound)
	require.NoError(t, pgx.BeginFunc(ctx, db.Owner, func(tx pgx.Tx) error { return tenant.AddDomain(ctx, tx, kyiv.ID, "kyiv.example.org") }))
	deadline = time.Now().Add(5 * time.Second)
	for {
		if got, err = dir.ByHost(ctx, "kyiv.example.org"); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "the new domain was not seen")
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, kyiv.ID, got.ID)
}

func TestAdminValidation(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ctx := t.Context()
	create := func(p tenant.CreateParams) error {
		return pgx.BeginFunc(ctx, db.Owner, func(tx pgx.Tx) error { _, err := tenant.Create(ctx, tx, p); return err })
	}
	require.ErrorIs(t, create(tenant.CreateParams{Slug: "Bad", Name: "x"}), tenant.ErrInvalidSlug)
	require.ErrorIs(t, create(tenant.CreateParams{Slug: "good", Name: "  "}), tenant.ErrInvalidName)
	require.ErrorIs(t, create(tenant.CreateParams{Slug: "good", Name: "x", Branding: tenant.Branding{AccentColor: "yellow"}}), tenant.ErrInvalidColor)
	require.ErrorIs(t, create(tenant.CreateParams{Slug: "good", Name: "x", Domains: []string{"localhost"}}), tenant.ErrInvalidDomain)
	require.NoError(t, create(tenant.CreateParams{Slug: "good", Name: "x", Domains: []string{"Good.Example.org"}}))
	require.ErrorIs(t, create(tenant.CreateParams{Slug: "good", Name: "y"}), tenant.ErrSlugTaken)
	require.ErrorIs(t, create(tenant.CreateParams{Slug: "other", Name: "y", Domains: []string{"good.example.org"}}), tenant.ErrDomainTaken)
	// The database holds the same rule as ValidateSlug.
	_, err := db.Owner.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES (gen_random_uuid(), 'Bad Slug', 'x')`)
	require.Error(t, err)
}
