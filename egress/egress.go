// Package egress is the HTTP client for addresses that people type in: a
// city's identity provider, a provider system's webhook. Such an address
// must not reach the platform's own network (the database, the object
// store, the cloud's metadata service), so the client refuses to connect
// to loopback, private, link-local and other non-public addresses.
//
// The check runs in the dialer's Control hook, on the address actually
// dialled after DNS resolution: a name that resolves to a public address
// when the form is saved and to 127.0.0.1 when the request is sent (DNS
// rebinding) is still refused, and so is every hop of a redirect.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every refusal of this package.
var ErrRefused = errors.New("egress: destination refused")

// RefusedError says which address or scheme was refused, and why.
type RefusedError struct {
	Target string // the address or URL refused
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("заборонена адреса призначення %s (%s): запити до внутрішньої мережі платформи не надсилаються", e.Target, e.Reason)
}

func (e *RefusedError) Unwrap() error { return ErrRefused }

// Policy says which destinations a client may reach. The zero Policy
// allows only public addresses, over http or https.
type Policy struct {
	// Allow are ranges reached even though they are not public: the
	// development IdP and test servers on 127.0.0.1, or a known internal
	// system an operator chose to trust (HROMADA_EGRESS_ALLOW).
	Allow []netip.Prefix
	// HTTPSOnly refuses plain http (production).
	HTTPSOnly bool
}

// blocked are the ranges that netip's predicates do not name but that are
// not the public internet either (IANA special-purpose registries).
var blocked = []struct {
	p      netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "«ця мережа», RFC 791"},
	{netip.MustParsePrefix("100.64.0.0/10"), "спільний простір адрес CGNAT, RFC 6598"},
	{netip.MustParsePrefix("192.0.0.0/24"), "призначення IETF, RFC 6890"},
	{netip.MustParsePrefix("192.0.2.0/24"), "документаційна мережа, RFC 5737"},
	{netip.MustParsePrefix("198.18.0.0/15"), "мережа тестування, RFC 2544"},
	{netip.MustParsePrefix("198.51.100.0/24"), "документаційна мережа, RFC 5737"},
	{netip.MustParsePrefix("203.0.113.0/24"), "документаційна мережа, RFC 5737"},
	{netip.MustParsePrefix("240.0.0.0/4"), "зарезервована мережа, RFC 1112"},
	{netip.MustParsePrefix("::/96"), "IPv4-сумісна адреса IPv6"},
	{netip.MustParsePrefix("64:ff9b::/96"), "трансляція NAT64, RFC 6052"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "локальна трансляція NAT64, RFC 8215"},
	{netip.MustParsePrefix("100::/64"), "мережа відкидання, RFC 6666"},
	{netip.MustParsePrefix("2001::/23"), "призначення IETF, RFC 2928"},
	{netip.MustParsePrefix("2001:db8::/32"), "документаційна мережа, RFC 3849"},
	{netip.MustParsePrefix("2002::/16"), "6to4, RFC 3056"},
	{netip.MustParsePrefix("fec0::/10"), "site-local, RFC 3879"},
}

// Check returns a *RefusedError when addr may not be dialled.
func (p Policy) Check(addr netip.Addr) error {
	addr = addr.WithZone("")
	// An IPv4-mapped address reaches the IPv4 host: judge that one.
	addr = addr.Unmap()
	for _, a := range p.Allow {
		if a.Contains(addr) {
			return nil
		}
	}
	if reason := nonPublic(addr); reason != "" {
		return &RefusedError{Target: addr.String(), Reason: reason}
	}
	return nil
}

func nonPublic(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "не IP-адреса"
	case a.IsUnspecified():
		return "невизначена адреса"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "приватна мережа, RFC 1918 / RFC 4193"
	case a.IsLinkLocalUnicast():
		return "link-local, зокрема сервіс метаданих хмари"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "групова адреса"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "широкомовна адреса"
	}
	for _, b := range blocked {
		if b.p.Contains(a) {
			return b.reason
		}
	}
	return ""
}

// Control is a net.Dialer Control function: it refuses a connection whose
// resolved address p does not allow.
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	if !strings.HasPrefix(network, "tcp") && !strings.HasPrefix(network, "udp") {
		return &RefusedError{Target: address, Reason: "мережа " + network}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Target: address, Reason: "не IP-адреса"}
	}
	return p.Check(ap.Addr())
}

// Transport returns a transport whose every connection passes Control. It
// uses no proxy from the environment: a proxy would connect on our behalf
// to an address this check never sees.
func (p Policy) Transport() http.RoundTripper {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.Control}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &schemes{p: p, next: t}
}

// Client returns an http.Client with p's transport and the timeout. The
// scheme is checked on every request the client sends, redirects included;
// the caller may set CheckRedirect (e.g. to follow none).
func (p Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: p.Transport()}
}

// schemes refuses a request whose scheme the policy does not allow, before
// any connection is made.
type schemes struct {
	p    Policy
	next http.RoundTripper
}

func (s *schemes) RoundTrip(r *http.Request) (*http.Response, error) {
	switch {
	case r.URL.Scheme == "https":
	case r.URL.Scheme == "http" && !s.p.HTTPSOnly:
	default:
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, &RefusedError{Target: r.URL.Redacted(), Reason: "дозволено лише https"}
	}
	return s.next.RoundTrip(r)
}

// ParsePrefixes parses comma-separated CIDRs (a bare address is one host),
// as the HROMADA_EGRESS_ALLOW and HROMADA_TRUSTED_PROXIES settings take them.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR range", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8", f)
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("%q: write an IPv4 range as IPv4", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Loopback are the loopback ranges, which development allows by default
// (the development IdP and the simulators run on the same machine).
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
