package main

import (
	"context"
	"net/http"
	"net/netip"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

// TestEgressAndProxiesConfig: the two settings of issue 23 parse, name
// themselves when wrong, and dev keeps loopback reachable (the development
// IdP and the simulators) while production asks for https.
func TestEgressAndProxiesConfig(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := loadConfig(newFlagSet(), env(map[string]string{"HROMADA_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.7.1", "HROMADA_EGRESS_ALLOW": "172.20.0.0/16"}))
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.7.1/32")}, cfg.TrustedProxies)
	p := cfg.Egress()
	require.False(t, p.HTTPSOnly)
	require.NoError(t, p.Check(netip.MustParseAddr("127.0.0.1")), "dev: loopback")
	require.NoError(t, p.Check(netip.MustParseAddr("172.20.3.4")))
	require.Error(t, p.Check(netip.MustParseAddr("169.254.169.254")))
	require.Len(t, cfg.EgressAllow, 1, "Egress does not grow the setting")

	cfg.Env = "production"
	p = cfg.Egress()
	require.True(t, p.HTTPSOnly)
	require.Error(t, p.Check(netip.MustParseAddr("127.0.0.1")), "production: loopback only when listed")
	require.NoError(t, p.Check(netip.MustParseAddr("172.20.3.4")))

	cfg, err = loadConfig(newFlagSet(), env(nil))
	require.NoError(t, err)
	require.Empty(t, cfg.TrustedProxies, "by default X-Forwarded-For is never believed")

	_, err = loadConfig(newFlagSet(), env(map[string]string{"HROMADA_TRUSTED_PROXIES": "10.0.0.0/40"}))
	require.ErrorContains(t, err, "HROMADA_TRUSTED_PROXIES")
	_, err = loadConfig(newFlagSet(), env(map[string]string{"HROMADA_EGRESS_ALLOW": "intranet"}))
	require.ErrorContains(t, err, "HROMADA_EGRESS_ALLOW")
}

// TestClientAddressBehindProxy: a refused sign-in is recorded with the
// client's address. Behind a trusted proxy (the test connects from
// 127.0.0.1) that is the rightmost X-Forwarded-For entry outside the
// proxies, not what the client prepended; from an untrusted peer the
// header is ignored.
func TestClientAddressBehindProxy(t *testing.T) {
	t.Parallel()
	refusedFrom := func(proxies []netip.Prefix) string {
		ta := startApp(t, testAppOpts{trustedProxies: proxies})
		tn := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
		req, err := http.NewRequest(http.MethodGet, ta.url("kyiv."+testBase, "/auth/callback?code=x&state=y"), nil)
		require.NoError(t, err)
		req.Header.Set("X-Forwarded-For", "203.0.113.250, 198.51.100.9, 127.0.0.9")
		resp, err := ta.client(t).Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		var ip string
		require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), tn), func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT ip FROM security_events WHERE kind = 'signin_failed'`).Scan(&ip)
		}))
		return ip
	}
	require.Equal(t, "198.51.100.9", refusedFrom([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
	require.Equal(t, "127.0.0.1", refusedFrom(nil))
}
