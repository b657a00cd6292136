package registries

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sony/gobreaker/v2"
)

// Config is how a Client talks to security servers. The zero value of every
// field means its default.
type Config struct {
	// BackoffBase is the wait before the first retry; each further retry
	// doubles it, up to BackoffMax, and every wait is jittered (half fixed,
	// half random) so that many queries failing together do not come back
	// together. Defaults to 200ms.
	BackoffBase time.Duration
	// BackoffMax caps one wait, and the Retry-After of a 429 or 503 the
	// client honours. Defaults to 2s.
	BackoffMax time.Duration
	// BreakerCooldown is how long an open circuit breaker fails queries
	// fast before it lets one through to see whether the registry is back.
	// Defaults to 30s.
	BreakerCooldown time.Duration
	// BreakerFailures is how many consecutive failed attempts (network
	// errors, timeouts, 5xx, 429) open a service's breaker. Defaults to 5.
	BreakerFailures int
	// MaxAttempts is how many times one query is sent at most; 1 means no
	// retry. The queries are reads, so repeating one is safe. Defaults to 3.
	MaxAttempts int
	// MaxResponseBytes bounds an answer; a larger one is ErrBadAnswer.
	// Defaults to 1 MiB.
	MaxResponseBytes int64
	// OnQuery, when set, is told of every query that was sent or refused
	// by the breaker, once, when it ends: personal data access is
	// accountable. Wire Store.OnQuery here to keep the log in the tenant's
	// registry_queries. Its ctx carries the caller's values (the tenant)
	// but not its cancellation, so the log is written even after a timeout.
	OnQuery func(ctx context.Context, q QueryLog)
	// Services is where For finds the tenant's configuration (the Store);
	// For needs it, Call does not.
	Services Services
	// TLS holds the client certificate the city's security server knows and
	// the CA that signed the security server's certificate (mTLS). Nil
	// means no client certificate and the system's roots: only for a
	// simulator in development.
	TLS *tls.Config
	// Timeout bounds one attempt when the service's own Timeout is zero.
	// Defaults to 10s.
	Timeout time.Duration
	// Transport, when set, replaces the transport built from TLS (for
	// instrumentation); it must not follow proxies set in the environment.
	Transport http.RoundTripper
}

func (c Config) withDefaults() Config {
	if c.BackoffBase <= 0 {
		c.BackoffBase = 200 * time.Millisecond
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 2 * time.Second
	}
	if c.BackoffMax < c.BackoffBase {
		c.BackoffMax = c.BackoffBase
	}
	if c.BreakerCooldown <= 0 {
		c.BreakerCooldown = 30 * time.Second
	}
	if c.BreakerFailures <= 0 {
		c.BreakerFailures = 5
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = 1 << 20
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	return c
}

// Client sends queries to registries through security servers, with
// retries, a circuit breaker per registry service and an accountable log.
// One Client serves all tenants; it is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client

	mu       sync.Mutex
	breakers map[string]*gobreaker.CircuitBreaker[*answer]
}

// NewClient returns a Client with cfg.
func NewClient(cfg Config) *Client {
	cfg = cfg.withDefaults()
	rt := cfg.Transport
	if rt == nil {
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.TLS != nil {
			tlsCfg = cfg.TLS.Clone()
			if tlsCfg.MinVersion == 0 {
				tlsCfg.MinVersion = tls.VersionTLS12
			}
		}
		rt = &http.Transport{
			// No proxy from the environment: personal data goes to the
			// security server and nowhere else.
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:     tlsCfg,
			TLSHandshakeTimeout: 5 * time.Second,
			ForceAttemptHTTP2:   true,
			MaxIdleConnsPerHost: 32,
			IdleConnTimeout:     90 * time.Second,
		}
	}
	return &Client{
		cfg: cfg,
		http: &http.Client{
			Transport: rt,
			// A redirect would re-send the query, with its personal data,
			// somewhere the city did not configure: never follow one.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		breakers: map[string]*gobreaker.CircuitBreaker[*answer]{},
	}
}

// Close drops the client's idle connections (tests, shutdown).
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Call is a query bound to one registry service: what For returns.
type Call struct {
	client *Client
	svc    Service
}

// For returns the call to the registry service with our code (residents,
// vehicles, …) as ctx's tenant configured it, or ErrNotConfigured.
func (c *Client) For(ctx context.Context, code string) (*Call, error) {
	if c.cfg.Services == nil {
		return nil, ErrNotConfigured.Wrap(errors.New("registries: the client has no Services"))
	}
	svc, err := c.cfg.Services.Service(ctx, code)
	if err != nil {
		return nil, err
	}
	return c.Call(svc), nil
}

// Call returns the call to svc as given: for a configuration at hand
// (a settings page's "test the connection", tests).
func (c *Client) Call(svc Service) *Call { return &Call{client: c, svc: svc} }

// Service is the configuration the call goes to.
func (call *Call) Service() Service { return call.svc }

// Query is one question to a registry service.
type Query struct {
	// Path is the operation under the service, e.g. "residence"; "" for
	// the service itself. Segments of A–Z, a–z, 0–9, '.', '_', '~', '-'.
	Path string
	// Body is the question, sent as a JSON object; nil sends {}.
	Body any
	// Purposes are the ids of the lawful purposes of the query (at least
	// one): every access to personal data must say why.
	Purposes []string
	// Subject is the РНОКПП (or other identifier) of the person the query
	// is about, sent as Uxp-Subject-Id; "" when the query is about no
	// person (a land plot by its cadastral number).
	Subject string
	// UserID is who asks, sent as X-Road-UserId. It defaults to Subject
	// (a resident's own application asks about the resident), else to the
	// client's identifier (the city's system itself).
	UserID string
}

var (
	idRE   = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	pathRE = regexp.MustCompile(`^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$`)
)

func (q Query) check() error {
	bad := func(format string, args ...any) error {
		return ErrInvalidQuery.Wrap(fmt.Errorf("registries: "+format, args...))
	}
	if len(q.Purposes) == 0 {
		return bad("a query needs a purpose")
	}
	for _, p := range q.Purposes {
		if !idRE.MatchString(p) {
			return bad("purpose id %q must be 1–64 of A–Z, a–z, 0–9, '.', '_', ':' and '-'", p)
		}
	}
	if q.Subject != "" && !idRE.MatchString(q.Subject) {
		return bad("malformed subject id")
	}
	if q.UserID != "" && !idRE.MatchString(q.UserID) {
		return bad("malformed user id %q", q.UserID)
	}
	if q.Path != "" && (!pathRE.MatchString(q.Path) || strings.Contains("/"+q.Path+"/", "/../") || strings.Contains("/"+q.Path+"/", "/./")) {
		return bad("malformed path %q", q.Path)
	}
	return nil
}

// Outcome is how a query ended, as the log keeps it.
type Outcome string

// The outcomes, one per error of the package.
const (
	OutcomeOK          Outcome = "ok"
	OutcomeNotFound    Outcome = "not_found"
	OutcomeBadAnswer   Outcome = "bad_answer"
	OutcomeRefused     Outcome = "refused"
	OutcomeUnavailable Outcome = "unavailable"
)

func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, ErrNotFound):
		return OutcomeNotFound
	case errors.Is(err, ErrBadAnswer):
		return OutcomeBadAnswer
	case errors.Is(err, ErrRefused):
		return OutcomeRefused
	}
	return OutcomeUnavailable
}

// QueryLog is the account of one query: who was asked what about whom,
// why, and how it ended. OnQuery receives it; Store.LogQuery keeps it.
type QueryLog struct {
	// ID is the query id sent as Uxp-QueryID or X-Road-Id; the same id
	// goes with every retry of the query, so the registry's log and ours
	// name the query alike.
	ID          uuid.UUID
	At          time.Time // when the query started
	ServiceCode string    // our name: residents
	Service     string    // the service's identifier (Service.ServiceID)
	Client      string    // the client's identifier (Service.ClientID)
	Dialect     Dialect
	Path        string
	Purposes    []string
	Subject     string
	UserID      string
	// Status is the last HTTP status received; 0 when none was.
	Status   int
	Outcome  Outcome
	Attempts int // requests sent; 0 when the breaker refused at once
	Duration time.Duration
	Err      error
}

// Do sends q to the call's service and decodes the answer's JSON object
// into out (when out is not nil). The errors are ErrInvalidQuery and
// ErrInvalidService (nothing was sent), ErrNotFound, ErrBadAnswer,
// ErrRefused and ErrUnavailable.
func (call *Call) Do(ctx context.Context, q Query, out any) error {
	c, svc := call.client, call.svc
	if err := svc.Validate(); err != nil {
		return err
	}
	if err := q.check(); err != nil {
		return err
	}
	if q.UserID == "" {
		q.UserID = q.Subject
	}
	if q.UserID == "" {
		q.UserID = svc.ClientID()
	}
	var body []byte
	if q.Body == nil {
		body = []byte("{}")
	} else {
		var err error
		if body, err = json.Marshal(q.Body); err != nil || len(body) == 0 || body[0] != '{' {
			return ErrInvalidQuery.Wrap(fmt.Errorf("registries: the body must be a JSON object: %v", err))
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return ErrUnavailable.Wrap(err)
	}

	start := time.Now()
	a, attempts, status, err := c.send(ctx, svc, q, id, body)
	if err == nil {
		err = decode(svc, a, out)
	}
	if c.cfg.OnQuery != nil {
		c.cfg.OnQuery(context.WithoutCancel(ctx), QueryLog{
			ID: id, At: start, ServiceCode: svc.Code, Service: svc.ServiceID(), Client: svc.ClientID(),
			Dialect: svc.Dialect, Path: q.Path, Purposes: q.Purposes, Subject: q.Subject, UserID: q.UserID,
			Status: status, Outcome: outcomeOf(err), Attempts: attempts, Duration: time.Since(start), Err: err,
		})
	}
	return err
}

// answer is what a security server sent back.
type answer struct {
	status   int
	header   http.Header
	body     []byte
	tooLarge bool
}

// statusError is an answer that counts as the registry failing (5xx, 429):
// retried, and counted by the breaker.
type statusError struct{ a *answer }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.a.status, describe(e.a))
}

// errCallerGone marks an attempt that ended because the caller's context
// did: not the registry's fault, so the breaker does not count it.
var errCallerGone = errors.New("registries: the caller stopped waiting")

// send runs the attempts of one query through the service's breaker. It
// returns the answer to decode, or an error; attempts and the last status
// are for the log.
func (c *Client) send(ctx context.Context, svc Service, q Query, id uuid.UUID, body []byte) (a *answer, attempts, status int, err error) {
	br := c.breaker(svc)
	var last error
	for {
		a, err := br.Execute(func() (*answer, error) {
			attempts++
			return c.attempt(ctx, svc, q, id, body)
		})
		if a != nil {
			status = a.status
		}
		var se *statusError
		if errors.As(err, &se) {
			status = se.a.status
		}
		switch {
		case err == nil:
			return a, attempts, status, classify(svc, a)
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			// Nothing was sent this time: fail fast.
			if last != nil {
				err = fmt.Errorf("%w (after %w)", err, last)
			}
			return nil, attempts, status, ErrUnavailable.Wrap(fmt.Errorf("registries: %s: %w", svc.Code, err))
		}
		last = err
		if !retryable(err) || attempts >= c.cfg.MaxAttempts || ctx.Err() != nil {
			break
		}
		wait := c.backoff(attempts, err)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			break // the caller would be gone before the next try
		}
		if !sleep(ctx, wait) {
			last = fmt.Errorf("%w: %w", ctx.Err(), last)
			break
		}
	}
	return nil, attempts, status, ErrUnavailable.Wrap(fmt.Errorf("registries: %s: %w", svc.Code, last))
}

// attempt sends the query once, within the service's timeout.
func (c *Client) attempt(ctx context.Context, svc Service, q Query, id uuid.UUID, body []byte) (*answer, error) {
	timeout := svc.Timeout
	if timeout <= 0 {
		timeout = c.cfg.Timeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, endpoint(svc, q.Path), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	setHeaders(req.Header, svc, q, id)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, actx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err == nil && actx.Err() != nil {
		// net/http hands over an answer that raced the cancellation;
		// one that came after our deadline is not taken.
		err = actx.Err()
	}
	if err != nil {
		return nil, transportError(ctx, actx, err)
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: data}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		a.tooLarge, a.body = true, data[:c.cfg.MaxResponseBytes]
	}
	if a.status >= 500 || a.status == http.StatusTooManyRequests {
		return nil, &statusError{a}
	}
	return a, nil
}

// transportError says why a request got no complete answer: the caller
// gave up, the attempt timed out, the TLS handshake failed, or the network.
func transportError(ctx, actx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %w: %w", errCallerGone, ctx.Err(), err)
	case actx.Err() != nil:
		return fmt.Errorf("%w: %w", errTimeout, err)
	case isTLSFailure(err):
		return fmt.Errorf("%w: %w", errTLS, err)
	}
	return err
}

// retryable: network errors, attempt timeouts, 5xx and 429 are worth
// another try; a caller who left and a TLS failure are not.
func retryable(err error) bool {
	return !errors.Is(err, errCallerGone) && !errors.Is(err, errTLS)
}

// backoff is the wait before the attempt after attempt n (1-based).
func (c *Client) backoff(n int, err error) time.Duration {
	d := c.cfg.BackoffBase
	for i := 1; i < n && d < c.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.cfg.BackoffMax)
	d = d/2 + rand.N(d/2+1)
	var se *statusError
	if errors.As(err, &se) {
		if s, perr := strconv.Atoi(se.a.header.Get("Retry-After")); perr == nil && s >= 0 {
			if ra := time.Duration(s) * time.Second; ra <= c.cfg.BackoffMax {
				d = ra
			}
		}
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// breaker returns the circuit breaker of svc: one per registry service as
// reached through one security server by one client, shared by every
// query (and tenant) that goes that way.
func (c *Client) breaker(svc Service) *gobreaker.CircuitBreaker[*answer] {
	key := strings.Join([]string{string(svc.Dialect), svc.BaseURL, svc.ServiceID(), svc.ClientID()}, "|")
	c.mu.Lock()
	defer c.mu.Unlock()
	if br, ok := c.breakers[key]; ok {
		return br
	}
	failures := uint32(c.cfg.BreakerFailures)
	br := gobreaker.NewCircuitBreaker[*answer](gobreaker.Settings{
		Name:        key,
		MaxRequests: 1,
		Timeout:     c.cfg.BreakerCooldown,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, errCallerGone) },
	})
	c.breakers[key] = br
	return br
}

// endpoint is the URL of the query in svc's dialect (see the package doc).
func endpoint(svc Service, path string) string {
	base := strings.TrimRight(svc.BaseURL, "/")
	var segs []string
	if svc.Dialect == UXP {
		segs = []string{"restapi"}
	} else {
		segs = []string{"r1", svc.Instance, svc.MemberClass, svc.MemberCode, svc.Subsystem, svc.ServiceCode}
	}
	if path != "" {
		segs = append(segs, strings.Split(path, "/")...)
	}
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base + "/" + strings.Join(segs, "/")
}

// setHeaders writes the dialect's identification headers (see the package
// doc).
func setHeaders(h http.Header, svc Service, q Query, id uuid.UUID) {
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	purposes := strings.Join(q.Purposes, ",")
	if svc.Dialect == UXP {
		h.Set("Uxp-Client", svc.ClientID())
		h.Set("Uxp-Service", svc.ServiceID())
		h.Set("Uxp-QueryID", id.String())
		h.Set("Uxp-Purpose-Ids", purposes)
		if q.Subject != "" {
			h.Set("Uxp-Subject-Id", q.Subject)
		}
		return
	}
	h.Set("X-Road-Client", svc.ClientID())
	h.Set("X-Road-Id", id.String())
	h.Set("X-Road-UserId", q.UserID)
	h.Set("X-Road-Issue", purposes)
}

// RegistryError is the body a registry answers an error with, in both
// dialects: {"error": {"code": "NOT_FOUND", "message": "…"}}.
type RegistryError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// GatewayError is the body an X-Road security server answers its own errors
// with (a missing header, an unknown service): {"type": "Client.BadRequest",
// "message": "…", "detail": "…"}.
type GatewayError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// CodeNotFound is the registry's error code for "no such record".
const CodeNotFound = "NOT_FOUND"

// classify turns an answer that is not a failure (2xx, 3xx, 4xx but 429)
// into nil or the package's error.
func classify(svc Service, a *answer) error {
	switch {
	case a.status >= 200 && a.status < 300:
		return nil
	case a.status == http.StatusNotFound && a.header.Get("X-Road-Error") == "":
		var re RegistryError
		if json.Unmarshal(a.body, &re) == nil && strings.EqualFold(re.Error.Code, CodeNotFound) {
			return ErrNotFound.Wrap(fmt.Errorf("registries: %s: %s", svc.Code, describe(a)))
		}
	}
	return ErrRefused.Wrap(fmt.Errorf("registries: %s: HTTP %d: %s", svc.Code, a.status, describe(a)))
}

// describe is what an error answer says, short, for the log.
func describe(a *answer) string {
	var re RegistryError
	if json.Unmarshal(a.body, &re) == nil && re.Error.Code != "" {
		return truncate(re.Error.Code + ": " + re.Error.Message)
	}
	var ge GatewayError
	if json.Unmarshal(a.body, &ge) == nil && ge.Type != "" {
		return truncate(ge.Type + ": " + ge.Message)
	}
	if t := a.header.Get("X-Road-Error"); t != "" {
		return truncate(t)
	}
	return http.StatusText(a.status)
}

func truncate(s string) string {
	const max = 200
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// checker is a record that can tell whether it has the shape its registry
// promises; a record that does not is ErrBadAnswer.
type checker interface{ check() error }

// decode reads a 2xx answer's JSON object into out.
func decode(svc Service, a *answer, out any) error {
	bad := func(format string, args ...any) error {
		return ErrBadAnswer.Wrap(fmt.Errorf("registries: %s: "+format, append([]any{svc.Code}, args...)...))
	}
	if a.tooLarge {
		return bad("the answer is over %d bytes", len(a.body))
	}
	body := bytes.TrimSpace(a.body)
	if len(body) == 0 || body[0] != '{' {
		return bad("the answer is not a JSON object")
	}
	if out == nil {
		if !json.Valid(body) {
			return bad("the answer is not valid JSON")
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(out); err != nil {
		return bad("%w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bad("trailing data after the JSON object")
	}
	if ch, ok := out.(checker); ok {
		if err := ch.check(); err != nil {
			return bad("%w", err)
		}
	}
	return nil
}
