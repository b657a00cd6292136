package egress_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/egress"
)

func TestControlRefusesNonPublic(t *testing.T) {
	t.Parallel()
	var p egress.Policy
	for _, a := range []string{
		"127.0.0.1:80", "127.1.2.3:443", "[::1]:443", // loopback
		"10.1.2.3:443", "172.16.0.1:443", "172.31.255.255:443", "192.168.1.1:443", "[fd00::1]:443", "[fc00::5]:443", // private
		"169.254.169.254:80", "[fe80::1%eth0]:443", // link-local, the cloud's metadata service
		"0.0.0.0:443", "[::]:443", "0.1.2.3:443", // unspecified, «this network»
		"224.0.0.1:443", "239.1.1.1:443", "[ff02::1]:443", "255.255.255.255:443", // multicast, broadcast
		"100.64.0.1:443", "100.127.255.254:443", // CGNAT
		"198.18.0.1:443", "192.0.2.10:443", "240.0.0.1:443",
		"[::ffff:127.0.0.1]:443", "[::ffff:10.0.0.1]:443", "[::ffff:169.254.169.254]:80", // IPv4 behind IPv6
		"[64:ff9b::a00:1]:443", "[2002:a00:1::]:443", "[fec0::1]:443",
	} {
		err := p.Control("tcp", a, nil)
		require.ErrorIs(t, err, egress.ErrRefused, a)
		var re *egress.RefusedError
		require.True(t, errors.As(err, &re), a)
		require.Contains(t, err.Error(), "заборонена адреса призначення", a)
	}
	for _, a := range []string{"8.8.8.8:443", "193.0.6.139:443", "100.128.0.1:443", "172.32.0.1:443", "[2a00:1450:4001::1]:443", "[::ffff:8.8.8.8]:443"} {
		require.NoError(t, p.Control("tcp4", a, nil), a)
	}
	require.ErrorIs(t, p.Control("unix", "/run/x.sock", nil), egress.ErrRefused)
	require.ErrorIs(t, p.Control("tcp", "localhost:80", nil), egress.ErrRefused, "only resolved addresses reach Control")

	allow := egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.9.0.0/16")}}
	require.NoError(t, allow.Control("tcp", "127.0.0.1:8080", nil))
	require.NoError(t, allow.Control("tcp", "[::ffff:127.0.0.1]:8080", nil))
	require.NoError(t, allow.Control("tcp", "10.9.3.4:8080", nil))
	require.ErrorIs(t, allow.Control("tcp", "127.0.0.2:8080", nil), egress.ErrRefused)
	require.ErrorIs(t, allow.Control("tcp", "10.8.3.4:8080", nil), egress.ErrRefused)
}

// TestClient dials for real: a server on 127.0.0.1 is refused unless
// allowed, a redirect to another loopback address is refused at its own
// dial, and production refuses plain http before connecting.
func TestClient(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			u, _ := url.Parse("http://" + r.Host)
			http.Redirect(w, r, "http://127.0.0.2:"+u.Port()+"/", http.StatusFound)
			return
		}
		hits.Add(1)
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)

	_, err := egress.Policy{}.Client(time.Minute).Get(srv.URL)
	require.ErrorIs(t, err, egress.ErrRefused)
	require.Contains(t, err.Error(), "127.0.0.1")
	require.Zero(t, hits.Load())

	allowed := egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}.Client(time.Minute)
	resp, err := allowed.Get(srv.URL)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, int32(1), hits.Load())

	_, err = allowed.Get(srv.URL + "/away")
	require.ErrorIs(t, err, egress.ErrRefused, "the redirect's target is checked too")
	require.Contains(t, err.Error(), "127.0.0.2")
	require.Equal(t, int32(1), hits.Load())

	_, err = egress.Policy{HTTPSOnly: true, Allow: egress.Loopback}.Client(time.Minute).Get(srv.URL)
	require.ErrorIs(t, err, egress.ErrRefused)
	require.Contains(t, err.Error(), "https")
	require.Equal(t, int32(1), hits.Load())

	// A name is resolved first and the address it gives is judged.
	_, err = egress.Policy{}.Client(time.Minute).Get("http://localhost:" + must(url.Parse(srv.URL)).Port())
	require.ErrorIs(t, err, egress.ErrRefused)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	got, err := egress.ParsePrefixes(" 127.0.0.1/32, 10.0.0.0/8,::1 ,, 192.168.1.7")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.168.1.7/32")}, got)
	got, err = egress.ParsePrefixes("")
	require.NoError(t, err)
	require.Empty(t, got)
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0/8"} {
		_, err := egress.ParsePrefixes(bad)
		require.Error(t, err, bad)
	}
}
