package idgovua

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DefaultAuthTypes are the sign-in methods offered when Config.AuthTypes is
// empty: a qualified e-signature, BankID and Diia.
var DefaultAuthTypes = []string{"dig_sign", "bank_id", "diia_id"}

// Config is what a tenant registered with id.gov.ua.
type Config struct {
	// BaseURL is id.gov.ua's address, e.g. https://id.gov.ua, or its test
	// host. It must be https; plain http is allowed only for a loopback host
	// (the idgovuatest server). A trailing slash is ignored.
	BaseURL string
	// ClientID and ClientSecret are the credentials id.gov.ua issued for the
	// tenant's portal. Both are required.
	ClientID, ClientSecret string
	// AuthTypes are the sign-in methods offered to the person, sent as
	// auth_type. Defaults to DefaultAuthTypes.
	AuthTypes []string
	// HTTPClient makes the calls. Defaults to a client with a 10 s timeout
	// that does not follow redirects: id.gov.ua answers these calls itself,
	// and a redirect would carry the access token in the query elsewhere.
	// A client given here should not follow them either.
	HTTPClient *http.Client
}

// String leaves out the secret, so a Config printed by mistake does not
// leak it; GoString and LogValue do the same for %#v and slog.
func (c Config) String() string {
	return fmt.Sprintf("idgovua.Config{BaseURL: %q, ClientID: %q, ClientSecret: …, AuthTypes: %q}", c.BaseURL, c.ClientID, c.AuthTypes)
}

func (c Config) GoString() string { return c.String() }

func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("client_id", c.ClientID))
}

// Client talks to one id.gov.ua registration. It is safe for concurrent use.
type Client struct {
	base      string // without the trailing slash
	clientID  string
	secret    string
	authTypes string // comma-separated, as auth_type wants them
	hc        *http.Client
}

var authTypeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// New checks cfg and returns a client. Its errors wrap ErrInvalidConfig.
func New(cfg Config) (*Client, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return nil, bad("BaseURL is not an absolute URL")
	case u.User != nil:
		// Said without the URL, which carries a password.
		return nil, bad("BaseURL must not carry credentials")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, bad("BaseURL must not have a query or fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, bad("BaseURL must be https (http only on a loopback host)")
	}
	if cfg.ClientID == "" || strings.IndexFunc(cfg.ClientID, isSpaceOrControl) >= 0 {
		return nil, bad("ClientID is empty or has spaces")
	}
	if cfg.ClientSecret == "" {
		return nil, bad("ClientSecret is empty")
	}
	types := cfg.AuthTypes
	if len(types) == 0 {
		types = DefaultAuthTypes
	}
	for _, t := range types {
		if !authTypeRE.MatchString(t) {
			return nil, bad("auth type %q is not a name such as dig_sign", t)
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Client{
		base:      strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		clientID:  cfg.ClientID,
		secret:    cfg.ClientSecret,
		authTypes: strings.Join(types, ","),
		hc:        hc,
	}, nil
}

// AuthCodeURL is where to send the browser to sign in. state is an
// unguessable value the caller keeps (in the session) and compares on the
// callback; redirectURI is the callback, exactly as registered with
// id.gov.ua. The parameters come in the order id.gov.ua documents, with
// auth_type's commas unescaped.
func (c *Client) AuthCodeURL(state, redirectURI string) string {
	return c.base + "/?response_type=code" +
		"&client_id=" + url.QueryEscape(c.clientID) +
		"&auth_type=" + c.authTypes +
		"&state=" + url.QueryEscape(state) +
		"&redirect_uri=" + url.QueryEscape(redirectURI)
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
