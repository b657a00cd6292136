package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"hromada/egress"
	"hromada/modules/notify"
)

// Config is Hromada's configuration: HROMADA_* environment variables, each
// overridable by the flag of the same name on every subcommand.
type Config struct {
	Env                 string
	Addr                string
	BaseDomain          string
	DatabaseURL         string
	OperatorDatabaseURL string
	OwnerDatabaseURL    string
	DataDir             string
	ObjectStore         string
	LogLevel            string
	ShutdownTimeout     time.Duration
	JobTimeout          time.Duration
	JobRescueAfter      time.Duration
	MaxBodyBytes        int64
	OperatorKey         string
	SecretKey           []byte
	SignerURL           string
	TSAURL              string
	SignerToken         string
	OperatorIssuer      string
	OperatorClientID    string
	OperatorSecret      string
	Operators           []string
	IDGovUAURL          string
	IDGovUAClientID     string
	IDGovUASecret       string
	TrustedListURLs     []string
	TrustedListAnchor   string
	SMTPHost            string
	SMTPPort            int
	SMTPStartTLS        bool
	SMTPUsername        string
	SMTPPassword        string
	SMTPCAFile          string
	MailDomain          string
	TurboSMSURL         string
	TurboSMSToken       string
	LiqPayURL           string // payments: LiqPay's API base (empty: none in production, the simulator in dev)
	MonobankURL         string // payments: monobank acquiring's API base (likewise)
	MapTiles            string
	// The PKCS#11 token the providers' seal keys are in (hsm.go).
	HSMModule, HSMToken, HSMPIN, HSMPINFile string
	FCMCredentialsFile                      string // push: the service account's JSON key (empty: no FCM in production, the simulator in dev)
	FCMURL                                  string // push: FCM's API base (a simulator's in tests)
	// National is the national monitoring exchange (modules/monitoring):
	// the receiver's URL and the city's client certificate for mutual TLS.
	NationalURL, NationalCert, NationalKey, NationalCA string
	// EgressAllow are the non-public ranges that requests to addresses
	// typed by administrators may still reach (package egress).
	EgressAllow []netip.Prefix
	// TrustedProxies are the ingress's ranges, whose X-Forwarded-For is
	// believed for the client's address (audit.MiddlewareOptions).
	TrustedProxies []netip.Prefix

	// coldDictionary skips warming the Ukrainian dictionary on each new
	// connection: tests open many short-lived pools and would pay half a
	// second for each connection; their searches load it when needed.
	coldDictionary bool
	// pipelineRetry, when set, replaces the automatic-mode steps' wait
	// between attempts (tests do not wait a minute for five attempts).
	pipelineRetry func(attempt int) time.Duration
}

// option is one row of the configuration table.
type option struct {
	env, flag, def, help string
	secret               bool
	set                  func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

var options = []option{
	{"HROMADA_ENV", "env", "dev", "dev or production. production refuses the embedded cluster and requires every URL below", false,
		func(c *Config, v string) error {
			if v != "dev" && v != "production" {
				return fmt.Errorf("HROMADA_ENV must be dev or production, not %q", v)
			}
			c.Env = v
			return nil
		}},
	{"HROMADA_ADDR", "addr", ":8080", "address the web server listens on", false, str(func(c *Config) *string { return &c.Addr })},
	{"HROMADA_BASE_DOMAIN", "base-domain", "localhost", "tenants are served at <slug>.<base domain>; the base domain itself serves the operator console", false,
		func(c *Config, v string) error {
			c.BaseDomain = strings.ToLower(strings.TrimSuffix(v, "."))
			return nil
		}},
	{"HROMADA_DATABASE_URL", "database-url", "", "PostgreSQL URL of the hromada_app role (empty in dev: the embedded cluster)", true, str(func(c *Config) *string { return &c.DatabaseURL })},
	{"HROMADA_OPERATOR_DATABASE_URL", "operator-database-url", "", "PostgreSQL URL of the hromada_operator role (operator console, `tenant`, `demo`)", true, str(func(c *Config) *string { return &c.OperatorDatabaseURL })},
	{"HROMADA_OWNER_DATABASE_URL", "owner-database-url", "", "PostgreSQL URL of the owner role, for `migrate`", true, str(func(c *Config) *string { return &c.OwnerDatabaseURL })},
	{"HROMADA_DATA_DIR", "data-dir", ".hromada", "where the embedded cluster (pg/), local documents (docs/) and the dev operator key live", false, str(func(c *Config) *string { return &c.DataDir })},
	{"HROMADA_OBJECT_STORE", "object-store", "", "document store: s3://ACCESS:SECRET@host:9000/bucket?secure=false, or file:///dir (empty in dev: <data dir>/docs)", true, str(func(c *Config) *string { return &c.ObjectStore })},
	{"HROMADA_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", false,
		func(c *Config, v string) error {
			var l slog.Level
			if err := l.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("HROMADA_LOG_LEVEL must be debug, info, warn or error, not %q", v)
			}
			c.LogLevel = v
			return nil
		}},
	{"HROMADA_SHUTDOWN_TIMEOUT", "shutdown-timeout", "25s", "how long a stop waits for requests and jobs in flight", false,
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("HROMADA_SHUTDOWN_TIMEOUT must be a duration such as 25s, not %q", v)
			}
			c.ShutdownTimeout = d
			return nil
		}},
	{"HROMADA_JOB_TIMEOUT", "job-timeout", "1m", "how long one attempt of a background job may run", false,
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("HROMADA_JOB_TIMEOUT must be a duration such as 1m, not %q", v)
			}
			c.JobTimeout = d
			return nil
		}},
	{"HROMADA_JOB_RESCUE_AFTER", "job-rescue-after", "10m", "after how long a job still marked running is tried again when its process cannot be shown dead (a dead process's jobs come back within seconds through its life line); longer than HROMADA_JOB_TIMEOUT", false,
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("HROMADA_JOB_RESCUE_AFTER must be a duration such as 10m, not %q", v)
			}
			c.JobRescueAfter = d
			return nil
		}},
	{"HROMADA_MAX_BODY_BYTES", "max-body-bytes", "1048576", "largest request body accepted (uploads set their own limits)", false,
		func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("HROMADA_MAX_BODY_BYTES must be a positive number of bytes, not %q", v)
			}
			c.MaxBodyBytes = n
			return nil
		}},
	{"HROMADA_SECRET_KEY", "secret-key", "", "32 bytes, base64: encrypts secrets at rest (identity providers' client secrets). Required in production; generated into <data dir>/secret-key in dev", true,
		func(c *Config, v string) error {
			if v == "" {
				c.SecretKey = nil
				return nil
			}
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(b) != 32 {
				return fmt.Errorf("HROMADA_SECRET_KEY must be 32 bytes in base64 (openssl rand -base64 32)")
			}
			c.SecretKey = b
			return nil
		}},
	{"HROMADA_SIGNER_URL", "signer-url", "", "residents' remote signature provider (the Diia.Sign-shaped API of modules/signature); empty: in dev the development signer, in production signing with one's own tool (.p7s)", false,
		func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return fmt.Errorf("HROMADA_SIGNER_URL must be an http(s) URL, not %q", v)
				}
			}
			c.SignerURL = v
			return nil
		}},
	{"HROMADA_TSA_URL", "tsa-url", "", "an RFC 3161 time-stamping authority: results' seals are timestamped (empty: no timestamp)", false,
		func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return fmt.Errorf("HROMADA_TSA_URL must be an http(s) URL, not %q", v)
				}
			}
			c.TSAURL = v
			return nil
		}},
	{"HROMADA_SIGNER_TOKEN", "signer-token", "", "bearer token of the remote signature provider", true,
		func(c *Config, v string) error { c.SignerToken = v; return nil }},
	{"HROMADA_OPERATOR_OIDC_ISSUER", "operator-oidc-issuer", "", "OpenID Connect issuer operators sign in to the console with (in dev: the development IdP)", false, str(func(c *Config) *string { return &c.OperatorIssuer })},
	{"HROMADA_OPERATOR_OIDC_CLIENT_ID", "operator-oidc-client-id", "", "the console's client id at that issuer", false, str(func(c *Config) *string { return &c.OperatorClientID })},
	{"HROMADA_OPERATOR_OIDC_CLIENT_SECRET", "operator-oidc-client-secret", "", "the console's client secret at that issuer", true, str(func(c *Config) *string { return &c.OperatorSecret })},
	{"HROMADA_OPERATORS", "operators", "", "РНОКПП of the platform's operators, comma-separated (who may sign in to the console through the issuer)", false,
		func(c *Config, v string) error {
			c.Operators = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					c.Operators = append(c.Operators, p)
				}
			}
			return nil
		}},
	{"HROMADA_IDGOVUA_URL", "idgovua-url", "", "the platform's default sign-in method: id.gov.ua's base URL, offered to every city that has no enabled identity provider of its own yet (a new city's first administrator signs in with it; in dev the development IdP is offered to every city as well)", false,
		func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return fmt.Errorf("HROMADA_IDGOVUA_URL must be an http(s) URL, not %q", v)
				}
			}
			c.IDGovUAURL = v
			return nil
		}},
	{"HROMADA_IDGOVUA_CLIENT_ID", "idgovua-client-id", "", "the platform's client id at id.gov.ua (its redirect addresses must cover every city's /auth/callback)", false, str(func(c *Config) *string { return &c.IDGovUAClientID })},
	{"HROMADA_IDGOVUA_CLIENT_SECRET", "idgovua-client-secret", "", "the platform's client secret at id.gov.ua", true, str(func(c *Config) *string { return &c.IDGovUASecret })},
	{"HROMADA_TRUSTED_LIST_URL", "trusted-list-url", "", "where the national Trusted List is published (ETSI TS 119 612 XML; comma-separated for the DSTU and the ECDSA/RSA lists): fetched hourly by the workers, the last good list kept when a fetch or its seal fails", false,
		func(c *Config, v string) error {
			c.TrustedListURLs = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				if u, err := url.Parse(p); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return fmt.Errorf("HROMADA_TRUSTED_LIST_URL must be http(s) URLs, not %q", p)
				}
				c.TrustedListURLs = append(c.TrustedListURLs, p)
			}
			return nil
		}},
	{"HROMADA_TRUSTED_LIST_ANCHOR", "trusted-list-anchor", "", "a PEM file with the certificates the Trusted Lists are sealed with (pinned); needed by `trust import` and the refresh", false, str(func(c *Config) *string { return &c.TrustedListAnchor })},
	{"HROMADA_SMTP_HOST", "smtp-host", "", "the SMTP relay notices go out by e-mail through (empty: no e-mail; the cabinet inbox only)", false, str(func(c *Config) *string { return &c.SMTPHost })},
	{"HROMADA_SMTP_PORT", "smtp-port", "587", "the SMTP relay's port (587: submission with STARTTLS)", false,
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 65535 {
				return fmt.Errorf("HROMADA_SMTP_PORT must be a port number, not %q", v)
			}
			c.SMTPPort = n
			return nil
		}},
	{"HROMADA_SMTP_STARTTLS", "smtp-starttls", "true", "require STARTTLS before sending (false only for a relay on the same host)", false,
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("HROMADA_SMTP_STARTTLS must be true or false, not %q", v)
			}
			c.SMTPStartTLS = b
			return nil
		}},
	{"HROMADA_SMTP_USERNAME", "smtp-username", "", "user name at the SMTP relay (empty: no authentication)", false, str(func(c *Config) *string { return &c.SMTPUsername })},
	{"HROMADA_SMTP_PASSWORD", "smtp-password", "", "password at the SMTP relay", true, str(func(c *Config) *string { return &c.SMTPPassword })},
	{"HROMADA_SMTP_CA_FILE", "smtp-ca-file", "", "the roots (PEM) the SMTP relay's certificate chains to, for a relay with the city's own CA (empty: the system's)", false, str(func(c *Config) *string { return &c.SMTPCAFile })},
	{"HROMADA_MAIL_DOMAIN", "mail-domain", "", "the cities send e-mail from noreply@<slug>.<mail domain>, DKIM-signed for that domain (empty: the portal's host)", false, str(func(c *Config) *string { return &c.MailDomain })},
	{"HROMADA_TURBOSMS_URL", "turbosms-url", "https://api.turbosms.ua", "TurboSMS's HTTP API, through which notices go out by SMS", false,
		func(c *Config, v string) error {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("HROMADA_TURBOSMS_URL must be an http(s) URL, not %q", v)
			}
			c.TurboSMSURL = v
			return nil
		}},
	{"HROMADA_TURBOSMS_TOKEN", "turbosms-token", "", "the TurboSMS API token (empty: no SMS in production; in dev the SMS simulator at /smssim)", true, str(func(c *Config) *string { return &c.TurboSMSToken })},
	{"HROMADA_LIQPAY_URL", "liqpay-url", "", "the base URL of LiqPay's API, where residents pay the cities that chose LiqPay (empty: no LiqPay in production; in dev the LiqPay simulator at /liqpaysim)", false,
		func(c *Config, v string) error {
			if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "") {
				return fmt.Errorf("HROMADA_LIQPAY_URL must be an http(s) URL, not %q", v)
			}
			c.LiqPayURL = v
			return nil
		}},
	{"HROMADA_MONOBANK_URL", "monobank-url", "", "the base URL of monobank's acquiring API, for the cities that chose monobank (empty: no monobank in production; in dev the monobank simulator at /monosim)", false,
		func(c *Config, v string) error {
			if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "") {
				return fmt.Errorf("HROMADA_MONOBANK_URL must be an http(s) URL, not %q", v)
			}
			c.MonobankURL = v
			return nil
		}},
	{"HROMADA_MAP_TILES", "map-tiles", "", "the centres' map tiles, a path template on the portal's own origin such as /tiles/{z}/{x}/{y}.png (served by the city's proxy; CSP allows only the portal's origin); empty: the map has no tiles, only the centres",
		false, func(c *Config, v string) error {
			if v != "" && (!strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || !strings.Contains(v, "{z}")) {
				return fmt.Errorf("HROMADA_MAP_TILES must be a path on the portal such as /tiles/{z}/{x}/{y}.png, not %q", v)
			}
			c.MapTiles = v
			return nil
		}},
	// providers' e-seals in an HSM (issue 15; docs/documents.md)
	{"HROMADA_HSM_MODULE", "hsm-module", "", "the PKCS#11 library of the HSM that holds the providers' seal keys (e.g. /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so); empty: no HSM (seal keys sealed in the database, development only)", false, str(func(c *Config) *string { return &c.HSMModule })},
	{"HROMADA_HSM_TOKEN", "hsm-token", "", "the label of the HSM's token (slot) the seal keys are in", false, str(func(c *Config) *string { return &c.HSMToken })},
	{"HROMADA_HSM_PIN", "hsm-pin", "", "the token user's PIN (or HROMADA_HSM_PIN_FILE)", true, str(func(c *Config) *string { return &c.HSMPIN })},
	{"HROMADA_HSM_PIN_FILE", "hsm-pin-file", "", "a file holding the token user's PIN (a mounted secret), instead of HROMADA_HSM_PIN", false, str(func(c *Config) *string { return &c.HSMPINFile })},
	{"HROMADA_NATIONAL_URL", "national-url", "", "the national monitoring system's receiver (HTTPS; seed 004): each provider's day of indicators goes there, signed with its seal (empty: the messages wait in the outbox)", false,
		func(c *Config, v string) error {
			if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
				return fmt.Errorf("HROMADA_NATIONAL_URL must be an https URL, not %q", v)
			}
			c.NationalURL = v
			return nil
		}},
	{"HROMADA_NATIONAL_CERT_FILE", "national-cert-file", "", "the platform's TLS client certificate (PEM) for the national receiver's mutual TLS", false, str(func(c *Config) *string { return &c.NationalCert })},
	{"HROMADA_NATIONAL_KEY_FILE", "national-key-file", "", "that certificate's private key (PEM)", false, str(func(c *Config) *string { return &c.NationalKey })},
	{"HROMADA_NATIONAL_CA_FILE", "national-ca-file", "", "the roots (PEM) the national receiver's server certificate chains to (empty: the system's)", false, str(func(c *Config) *string { return &c.NationalCA })},
	{"HROMADA_OPERATOR_KEY", "operator-key", "", "key for the operator console (at least 32 characters; in dev generated into <data dir>/operator-key)", true, str(func(c *Config) *string { return &c.OperatorKey })},
	// Push to the city app (modules/notify, FCM HTTP v1).
	{"HROMADA_FCM_CREDENTIALS_FILE", "fcm-credentials-file", "", "the Firebase project's service-account JSON key, through which push notices go to the city app (empty: no FCM in production; in dev the FCM simulator at /fcmsim)", false, str(func(c *Config) *string { return &c.FCMCredentialsFile })},
	{"HROMADA_FCM_URL", "fcm-url", notify.FCMBaseURL, "FCM's HTTP v1 API (a simulator's address in tests)", false,
		func(c *Config, v string) error {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("HROMADA_FCM_URL must be an http(s) URL, not %q", v)
			}
			c.FCMURL = v
			return nil
		}},
	// Outbound requests and the client's address behind the ingress (issue 23).
	{"HROMADA_EGRESS_ALLOW", "egress-allow", "", "comma-separated CIDRs that requests to addresses typed by administrators (identity providers, providers' webhooks) may reach although not public; dev always allows loopback", false,
		func(c *Config, v string) error {
			p, err := egress.ParsePrefixes(v)
			if err != nil {
				return fmt.Errorf("HROMADA_EGRESS_ALLOW: %w", err)
			}
			c.EgressAllow = p
			return nil
		}},
	{"HROMADA_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated CIDRs of the reverse proxies in front of the server: from them, the client's address is the rightmost X-Forwarded-For entry outside these ranges (empty: the TCP peer's)", false,
		func(c *Config, v string) error {
			p, err := egress.ParsePrefixes(v)
			if err != nil {
				return fmt.Errorf("HROMADA_TRUSTED_PROXIES: %w", err)
			}
			c.TrustedProxies = p
			return nil
		}},
}

// flagValue adapts an option to the flag package.
type flagValue struct {
	c   *Config
	o   option
	val string
}

func (f *flagValue) String() string { return f.val }
func (f *flagValue) Set(v string) error {
	f.val = v
	return f.o.set(f.c, v)
}

// loadConfig reads the defaults, then the environment, then registers the
// flags on fs (parsed by the caller) so they override both.
func loadConfig(fs *flag.FlagSet, getenv func(string) string) (*Config, error) {
	c := &Config{}
	for _, o := range options {
		v := o.def
		if e := getenv(o.env); e != "" {
			v = e
		}
		if err := o.set(c, v); err != nil {
			return nil, configError{err}
		}
		fs.Var(&flagValue{c: c, o: o, val: v}, o.flag, o.help+" ("+o.env+")")
	}
	return c, nil
}

// validate rejects combinations that cannot work; called after flags.
func (c *Config) validate() error {
	if c.Production() && c.OperatorKey != "" && len(c.OperatorKey) < 32 {
		return configError{errors.New("HROMADA_OPERATOR_KEY must be at least 32 characters")}
	}
	if c.JobRescueAfter <= c.JobTimeout {
		return configError{errors.New("HROMADA_JOB_RESCUE_AFTER must be longer than HROMADA_JOB_TIMEOUT: a job still running would be started twice")}
	}
	if c.BaseDomain == "" {
		return configError{errors.New("HROMADA_BASE_DOMAIN is empty")}
	}
	if (c.IDGovUAURL == "") != (c.IDGovUAClientID == "") {
		return configError{errors.New("HROMADA_IDGOVUA_URL and HROMADA_IDGOVUA_CLIENT_ID go together: set both or neither")}
	}
	if len(c.TrustedListURLs) > 0 && c.TrustedListAnchor == "" {
		return configError{errors.New("HROMADA_TRUSTED_LIST_URL needs HROMADA_TRUSTED_LIST_ANCHOR: a list is imported only when its seal verifies against the pinned anchor")}
	}
	if err := c.validateHSM(); err != nil {
		return err
	}
	if c.NationalURL != "" && (c.NationalCert == "" || c.NationalKey == "") {
		return configError{errors.New("HROMADA_NATIONAL_URL needs HROMADA_NATIONAL_CERT_FILE and HROMADA_NATIONAL_KEY_FILE: the national receiver takes messages only over mutual TLS")}
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	return nil
}

// Embedded reports whether the process runs the embedded cluster.
func (c *Config) Embedded() bool { return c.DatabaseURL == "" }

// Egress is the policy of requests to addresses typed by administrators:
// production reaches public https addresses and HROMADA_EGRESS_ALLOW; dev
// also loopback, where the development IdP and the simulators are.
func (c *Config) Egress() egress.Policy {
	p := egress.Policy{Allow: c.EgressAllow, HTTPSOnly: c.Production()}
	if !c.Production() {
		p.Allow = append(append([]netip.Prefix(nil), c.EgressAllow...), egress.Loopback...)
	}
	return p
}

// Production reports whether this is a production deployment.
func (c *Config) Production() bool { return c.Env == "production" }

// printOptions writes the configuration table, for --help.
func printOptions(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  VARIABLE\tFLAG\tDEFAULT\tMEANING")
	for _, o := range options {
		def := o.def
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(tw, "  %s\t--%s\t%s\t%s\n", o.env, o.flag, def, o.help)
	}
	_ = tw.Flush() // help written to a closed terminal has no one to tell
}

// configError is a configuration mistake: exit code 3.
type configError struct{ error }

func (e configError) Unwrap() error { return e.error }

func newLogger(c *Config, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.LogLevel))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
