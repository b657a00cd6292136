// Package idgovuatest is a local id.gov.ua for tests: an httptest server
// that speaks the protocol package idgovua speaks, strictly, so a client
// that strays from it fails here and not in production.
//
//	srv := idgovuatest.NewServer(t, idgovuatest.Options{})
//	c, _ := idgovua.New(srv.Config())
//	cb := srv.SignIn(t, c.AuthCodeURL(state, redirectURI), 0) // People[0] signs in
//	tok, _ := c.Exchange(ctx, cb.Query().Get("code"), redirectURI)
//	p, _ := c.UserInfo(ctx, tok)
//
// The authorize page (GET /) lists the people as buttons, for a browser
// test. A test without HTML parsing adds person=<index> to the authorize URL
// instead, and is redirected back at once; SignIn does that.
//
// What the server checks, and answers with an OAuth2 JSON error
// {"error", "error_description"} when it fails:
//   - authorize: response_type=code, the client_id, a state, an absolute
//     http(s) redirect_uri and an auth_type of known methods (a 400 page,
//     never a redirect to an unchecked URI);
//   - get-access-token (GET query or POST form): client_id and
//     client_secret (401 invalid_client); a code is good once (a second use
//     also revokes the tokens of the first), for CodeTTL, for the client it
//     was issued to and, when the request names a redirect_uri, for that
//     one (400 invalid_grant); refresh tokens rotate;
//   - get-user-info (GET or POST): a live access_token (401 invalid_token),
//     its user_id and a fields list; only the fields asked for come back.
package idgovuatest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"hromada/modules/idgovua"
)

// How long what the server issues lives.
const (
	CodeTTL        = 60 * time.Second
	AccessTokenTTL = time.Hour
)

// Options configure a Server. The zero value works.
type Options struct {
	// ClientID and ClientSecret are the only credentials accepted. Default
	// to "hromada-test" and a random secret; Server.Config has both.
	ClientID, ClientSecret string
	// People are who may sign in, by index. Defaults to DefaultPeople(): an
	// individual and a legal entity's representative. They are served as
	// given, unchecked, so a test may offer a wrong one on purpose.
	People []idgovua.Person
	// Now is the server's clock, for expiring codes and tokens. Defaults to
	// time.Now.
	Now func() time.Time
}

// Server is a running test id.gov.ua. Its methods are safe for concurrent
// use.
type Server struct {
	srv     *httptest.Server
	opts    Options
	userIDs []string // id.gov.ua's user_id of each person

	mu      sync.Mutex
	codes   map[string]*grant
	access  map[string]*session
	refresh map[string]*session
	deny    bool // the next authorize says access_denied
	corrupt bool // the next user info has a wrong drfocode
}

// grant is an authorization code and what it was issued for.
type grant struct {
	clientID, redirectURI string
	person                int
	authType              string
	issued                time.Time
	used                  bool
}

// session is what an access or refresh token stands for.
type session struct {
	clientID string
	person   int
	authType string
	expires  time.Time // access tokens only
	pair     string    // the other token of the pair
	code     string    // the authorization code the pair descends from
}

// NewServer starts a server, stopped when tb ends.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.ClientID == "" {
		opts.ClientID = "hromada-test"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "secret-" + random()
	}
	if opts.People == nil {
		opts.People = DefaultPeople()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:    opts,
		codes:   map[string]*grant{},
		access:  map[string]*session{},
		refresh: map[string]*session{},
	}
	for range opts.People {
		s.userIDs = append(s.userIDs, random())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", s.authorize)
	mux.HandleFunc("/get-access-token", s.token)
	mux.HandleFunc("/get-user-info", s.userInfo)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL, for idgovua.Config.BaseURL.
func (s *Server) URL() string { return s.srv.URL }

// Config is a client configuration for this server: its URL and
// credentials, and an HTTP client that does not follow redirects.
func (s *Server) Config() idgovua.Config {
	hc := *s.srv.Client()
	hc.Timeout = 10 * time.Second
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return idgovua.Config{
		BaseURL:      s.srv.URL,
		ClientID:     s.opts.ClientID,
		ClientSecret: s.opts.ClientSecret,
		HTTPClient:   &hc,
	}
}

// People are who may sign in, in index order.
func (s *Server) People() []idgovua.Person {
	return append([]idgovua.Person(nil), s.opts.People...)
}

// Deny makes the next authorize request that passes its checks redirect
// back with error=access_denied, as when the person cancels.
func (s *Server) Deny() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = true
}

// CorruptNextUserInfo makes the next successful user-info answer carry a
// drfocode whose check digit is wrong.
func (s *Server) CorruptNextUserInfo() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt = true
}

// SignIn does what the browser does between AuthCodeURL and the callback:
// it opens authURL with person=<index> added, and returns the URL it was
// redirected to (redirect_uri with code and state, or with error and
// state). It fails tb if the server does not redirect.
func (s *Server) SignIn(tb testing.TB, authURL string, person int) *url.URL {
	tb.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		tb.Fatalf("idgovuatest: authorize URL: %v", err)
	}
	q := u.Query()
	q.Set("person", strconv.Itoa(person))
	u.RawQuery = q.Encode()
	hc := s.Config().HTTPClient
	resp, err := hc.Get(u.String())
	if err != nil {
		tb.Fatalf("idgovuatest: authorize: %v", err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil {
		tb.Fatalf("idgovuatest: authorize answered %d, not a redirect", resp.StatusCode)
	}
	return loc
}

func (s *Server) now() time.Time { return s.opts.Now() }

// oauthError answers with an OAuth2 JSON error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// random is 128 bits in hex: codes, tokens, user ids.
func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
