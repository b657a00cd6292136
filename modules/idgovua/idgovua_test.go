package idgovua_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/idgovua"
	"hromada/modules/idgovua/idgovuatest"
)

const redirectURI = "https://kyiv.hromada.test/auth/idgovua/callback"

type testBundle struct {
	srv    *idgovuatest.Server
	client *idgovua.Client
	clock  *clock
}

// clock is the server's time, moved by hand.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func setup(t *testing.T) *testBundle {
	t.Helper()
	clk := &clock{}
	clk.ns.Store(time.Now().UnixNano())
	srv := idgovuatest.NewServer(t, idgovuatest.Options{
		ClientSecret: "s3cret-do-not-print",
		Now:          clk.Now,
	})
	c, err := idgovua.New(srv.Config())
	require.NoError(t, err)
	return &testBundle{srv: srv, client: c, clock: clk}
}

// signIn runs the flow up to a token for people[person].
func (b *testBundle) signIn(t *testing.T, person int) (*idgovua.Token, string) {
	t.Helper()
	cb := b.srv.SignIn(t, b.client.AuthCodeURL("st", redirectURI), person)
	require.NoError(t, idgovua.CallbackError(cb.Query()))
	code := cb.Query().Get("code")
	tok, err := b.client.Exchange(t.Context(), code, redirectURI)
	require.NoError(t, err)
	return tok, code
}

// requireClean fails if err's text carries any of secrets.
func requireClean(t *testing.T, err error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	for _, s := range secrets {
		require.NotEmpty(t, s)
		require.NotContains(t, err.Error(), s)
		require.NotContains(t, err.Error(), url.QueryEscape(s))
	}
}

func TestFlow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	noRedirect := b.srv.Config().HTTPClient
	for i, want := range b.srv.People() {
		// The browser's part, by hand: AuthCodeURL, person=i, the redirect.
		state := fmt.Sprintf("state-%d-ü&=", i)
		resp, err := noRedirect.Get(b.client.AuthCodeURL(state, redirectURI+"?tenant=kyiv") + "&person=" + fmt.Sprint(i))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusFound, resp.StatusCode)
		cb, err := resp.Location()
		require.NoError(t, err)
		require.Equal(t, "kyiv.hromada.test", cb.Host)
		q := cb.Query()
		require.Equal(t, "kyiv", q.Get("tenant"), "the redirect_uri's own query is kept")
		require.Equal(t, state, q.Get("state"))
		require.NoError(t, idgovua.CallbackError(q))

		tok, err := b.client.Exchange(t.Context(), q.Get("code"), redirectURI+"?tenant=kyiv")
		require.NoError(t, err)
		require.NotEmpty(t, tok.AccessToken)
		require.NotEmpty(t, tok.RefreshToken)
		require.NotEmpty(t, tok.UserID)
		require.WithinDuration(t, time.Now().Add(idgovuatest.AccessTokenTTL), tok.Expiry, time.Minute)

		got, err := b.client.UserInfo(t.Context(), tok)
		require.NoError(t, err)
		require.Equal(t, want, *got)
	}
	people := b.srv.People()
	require.Equal(t, "Коваленко Олена Петрівна", people[0].FullName())
	require.Empty(t, people[0].EDRPOU, "signed in as a person, not for a legal entity")
	require.Equal(t, "diia_id", people[0].AuthType)
	require.Equal(t, "43127656", people[1].EDRPOU)
	require.Equal(t, "dig_sign", people[1].AuthType)
}

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	c, err := idgovua.New(idgovua.Config{BaseURL: "https://id.gov.ua/", ClientID: "abc", ClientSecret: "x"})
	require.NoError(t, err)
	require.Equal(t,
		"https://id.gov.ua/?response_type=code&client_id=abc&auth_type=dig_sign,bank_id,diia_id&state=a+b%26c&redirect_uri=https%3A%2F%2Fkyiv.example%2Fcb%3Fx%3D1",
		c.AuthCodeURL("a b&c", "https://kyiv.example/cb?x=1"))

	c, err = idgovua.New(idgovua.Config{BaseURL: "https://test.id.gov.ua/base", ClientID: "abc", ClientSecret: "x", AuthTypes: []string{"bank_id"}})
	require.NoError(t, err)
	u, err := url.Parse(c.AuthCodeURL("s", "https://kyiv.example/cb"))
	require.NoError(t, err)
	require.Equal(t, "/base/", u.Path)
	require.Equal(t, "bank_id", u.Query().Get("auth_type"))
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ok := idgovua.Config{BaseURL: "https://id.gov.ua", ClientID: "abc", ClientSecret: "topsecret"}
	for name, mutate := range map[string]func(*idgovua.Config){
		"NoURL":           func(c *idgovua.Config) { c.BaseURL = "" },
		"RelativeURL":     func(c *idgovua.Config) { c.BaseURL = "/id" },
		"PlainHTTP":       func(c *idgovua.Config) { c.BaseURL = "http://id.gov.ua" },
		"OtherScheme":     func(c *idgovua.Config) { c.BaseURL = "ftp://id.gov.ua" },
		"Credentials":     func(c *idgovua.Config) { c.BaseURL = "https://user:topsecret@id.gov.ua" },
		"Query":           func(c *idgovua.Config) { c.BaseURL = "https://id.gov.ua/?x=1" },
		"Fragment":        func(c *idgovua.Config) { c.BaseURL = "https://id.gov.ua/#x" },
		"NoClientID":      func(c *idgovua.Config) { c.ClientID = "" },
		"SpaceInClientID": func(c *idgovua.Config) { c.ClientID = "a b" },
		"NoSecret":        func(c *idgovua.Config) { c.ClientSecret = "" },
		"BadAuthType":     func(c *idgovua.Config) { c.AuthTypes = []string{"dig_sign", "bank id"} },
		"EmptyAuthType":   func(c *idgovua.Config) { c.AuthTypes = []string{""} },
	} {
		cfg := ok
		mutate(&cfg)
		_, err := idgovua.New(cfg)
		require.ErrorIsf(t, err, idgovua.ErrInvalidConfig, name)
		requireClean(t, err, "topsecret")
	}
	for _, base := range []string{"https://id.gov.ua", "https://test.id.gov.ua/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"} {
		cfg := ok
		cfg.BaseURL = base
		_, err := idgovua.New(cfg)
		require.NoErrorf(t, err, base)
	}
}

func TestWrongSecret(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.srv.Config()
	cfg.ClientSecret = "wrong-secret-value"
	c, err := idgovua.New(cfg)
	require.NoError(t, err)
	cb := b.srv.SignIn(t, c.AuthCodeURL("st", redirectURI), 0)
	code := cb.Query().Get("code")
	_, err = c.Exchange(t.Context(), code, redirectURI)
	require.ErrorIs(t, err, idgovua.ErrInvalidClient)
	requireClean(t, err, "wrong-secret-value", code)

	// With the right secret, the code is still good: a refused client does
	// not burn it.
	_, err = b.client.Exchange(t.Context(), code, redirectURI)
	require.NoError(t, err)
}

func TestCodeReuse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok, code := b.signIn(t, 0)
	_, err := b.client.Exchange(t.Context(), code, redirectURI)
	require.ErrorIs(t, err, idgovua.ErrInvalidGrant)
	requireClean(t, err, code, "s3cret-do-not-print")
	// A code used twice may have been stolen, so what it bought is revoked.
	_, err = b.client.UserInfo(t.Context(), tok)
	require.ErrorIs(t, err, idgovua.ErrInvalidToken)
	requireClean(t, err, tok.AccessToken, tok.RefreshToken)

	_, err = b.client.Exchange(t.Context(), "", redirectURI)
	require.ErrorIs(t, err, idgovua.ErrInvalidGrant)
	_, err = b.client.Exchange(t.Context(), "no-such-code", redirectURI)
	require.ErrorIs(t, err, idgovua.ErrInvalidGrant)
}

func TestCodeBinding(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cb := b.srv.SignIn(t, b.client.AuthCodeURL("st", redirectURI), 0)
	_, err := b.client.Exchange(t.Context(), cb.Query().Get("code"), "https://evil.example/cb")
	require.ErrorIs(t, err, idgovua.ErrInvalidGrant)
}

func TestExpiredCode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	late := b.srv.SignIn(t, b.client.AuthCodeURL("st", redirectURI), 0)
	b.clock.Advance(idgovuatest.CodeTTL - time.Second)
	inTime := b.srv.SignIn(t, b.client.AuthCodeURL("st", redirectURI), 1)
	b.clock.Advance(2 * time.Second)

	_, err := b.client.Exchange(t.Context(), late.Query().Get("code"), redirectURI)
	require.ErrorIs(t, err, idgovua.ErrInvalidGrant)
	require.Contains(t, err.Error(), "expired")
	_, err = b.client.Exchange(t.Context(), inTime.Query().Get("code"), redirectURI)
	require.NoError(t, err)
}

func TestAccessTokenExpires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok, _ := b.signIn(t, 1)

	b.clock.Advance(idgovuatest.AccessTokenTTL + time.Second)
	_, err := b.client.UserInfo(t.Context(), tok)
	require.ErrorIs(t, err, idgovua.ErrInvalidToken)
	requireClean(t, err, tok.AccessToken, tok.RefreshToken, tok.UserID)
}

func TestDenied(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.Deny()
	cb := b.srv.SignIn(t, b.client.AuthCodeURL("st", redirectURI), 0)
	require.Equal(t, "st", cb.Query().Get("state"))
	require.Empty(t, cb.Query().Get("code"))
	require.ErrorIs(t, idgovua.CallbackError(cb.Query()), idgovua.ErrDenied)

	// Only the next one.
	cb = b.srv.SignIn(t, b.client.AuthCodeURL("st", redirectURI), 0)
	require.NoError(t, idgovua.CallbackError(cb.Query()))
}

func TestCallbackError(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]error{
		"code=abc&state=s":                                     nil,
		"error=access_denied&state=s":                          idgovua.ErrDenied,
		"error=access_denied&error_description=cancelled":      idgovua.ErrDenied,
		"error=server_error":                                   idgovua.ErrUnavailable,
		"error=unauthorized_client":                            idgovua.ErrInvalidClient,
		"error=invalid_request&error_description=no+auth_type": idgovua.ErrProvider,
		"error=%3Cscript%3E":                                   idgovua.ErrProvider,
		"state=s":                                              idgovua.ErrMalformed,
		"":                                                     idgovua.ErrMalformed,
	} {
		v, err := url.ParseQuery(q)
		require.NoError(t, err)
		err = idgovua.CallbackError(v)
		if want == nil {
			require.NoErrorf(t, err, q)
			continue
		}
		require.ErrorIsf(t, err, want, q)
		require.NotContainsf(t, err.Error(), "<script>", q)
	}
}

func TestInvalidRNOKPPRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok, _ := b.signIn(t, 0)
	b.srv.CorruptNextUserInfo()
	_, err := b.client.UserInfo(t.Context(), tok)
	require.ErrorIs(t, err, idgovua.ErrMalformed)
	require.Contains(t, err.Error(), "drfocode")
	require.NotContains(t, err.Error(), b.srv.People()[0].RNOKPP[:9], "personal data stays out of the error")
	requireClean(t, err, tok.AccessToken)

	// Only the next one.
	_, err = b.client.UserInfo(t.Context(), tok)
	require.NoError(t, err)
}

func TestPeopleAreChecked(t *testing.T) {
	t.Parallel()
	good := idgovuatest.DefaultPeople()
	for name, mutate := range map[string]func(*idgovua.Person){
		"NoRNOKPP":    func(p *idgovua.Person) { p.RNOKPP = "" },
		"ShortRNOKPP": func(p *idgovua.Person) { p.RNOKPP = p.RNOKPP[:9] },
		"BadEDRPOU":   func(p *idgovua.Person) { p.EDRPOU = "43127657" },
		"NoName":      func(p *idgovua.Person) { p.GivenName, p.LastName = "", "" },
	} {
		p := good[1]
		mutate(&p)
		srv := idgovuatest.NewServer(t, idgovuatest.Options{People: []idgovua.Person{p}})
		c, err := idgovua.New(srv.Config())
		require.NoError(t, err)
		cb := srv.SignIn(t, c.AuthCodeURL("st", redirectURI), 0)
		tok, err := c.Exchange(t.Context(), cb.Query().Get("code"), redirectURI)
		require.NoError(t, err)
		_, err = c.UserInfo(t.Context(), tok)
		require.ErrorIsf(t, err, idgovua.ErrMalformed, name)
	}
}

func TestUserInfoWithoutToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tok := range []*idgovua.Token{nil, {}, {AccessToken: "x"}, {UserID: "y"}} {
		_, err := b.client.UserInfo(t.Context(), tok)
		require.ErrorIs(t, err, idgovua.ErrInvalidToken)
	}
	tok, _ := b.signIn(t, 0)
	forged := *tok
	forged.UserID = "somebody-else"
	_, err := b.client.UserInfo(t.Context(), &forged)
	require.ErrorIs(t, err, idgovua.ErrProvider)
}

// stub is an id.gov.ua that answers every call with status and body, and a
// client for it.
func stub(t *testing.T, status int, body string) *idgovua.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := idgovua.New(idgovua.Config{BaseURL: srv.URL, ClientID: "abc", ClientSecret: "s3cret-do-not-print", HTTPClient: srv.Client()})
	require.NoError(t, err)
	return c
}

var someToken = &idgovua.Token{AccessToken: "access-token-value", RefreshToken: "refresh-token-value", UserID: "42"}

func TestTolerantParsing(t *testing.T) {
	t.Parallel()

	t.Run("NumbersAndAddressObject", func(t *testing.T) {
		t.Parallel()
		c := stub(t, http.StatusOK, `{"givenname":" Олена ","lastname":"Коваленко","middlename":null,
			"drfocode":3300901248,"edrpoucode":"","phone":380501234567,"unzr":"",
			"address":{"country":"Україна","city":"Київ","street":{"name":"Хрещатик","house":36},"flat":"","zip":null},
			"auth_type":"bank_id","extra":{"ignored":true}}`)
		p, err := c.UserInfo(t.Context(), someToken)
		require.NoError(t, err)
		require.Equal(t, idgovua.Person{
			GivenName: "Олена", LastName: "Коваленко", RNOKPP: "3300901248",
			Phone: "380501234567", Address: "Україна, Київ, Хрещатик, 36", AuthType: "bank_id",
		}, *p)
		require.Equal(t, "Коваленко Олена", p.FullName())
	})
	t.Run("AddressString", func(t *testing.T) {
		t.Parallel()
		c := stub(t, http.StatusOK, `{"lastname":"Бондар","drfocode":"2879603710","address":"м. Львів, пл. Ринок, 1"}`)
		p, err := c.UserInfo(t.Context(), someToken)
		require.NoError(t, err)
		require.Equal(t, "м. Львів, пл. Ринок, 1", p.Address)
	})
	t.Run("TokenNumbersAsStrings", func(t *testing.T) {
		t.Parallel()
		c := stub(t, http.StatusOK, `{"access_token":"a","token_type":"Bearer","expires_in":"3600","user_id":42}`)
		tok, err := c.Exchange(t.Context(), "code", redirectURI)
		require.NoError(t, err)
		require.Equal(t, "42", tok.UserID)
		require.Empty(t, tok.RefreshToken)
		require.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, time.Minute)
	})
}

func TestErrorResponses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status int
		body   string
		token  error // from Exchange
		person error // from UserInfo
	}{
		"MalformedJSON":       {http.StatusOK, `{"access_token": "a",`, idgovua.ErrMalformed, idgovua.ErrMalformed},
		"NotJSON":             {http.StatusOK, `<html>hello</html>`, idgovua.ErrMalformed, idgovua.ErrMalformed},
		"Array":               {http.StatusOK, `[]`, idgovua.ErrMalformed, idgovua.ErrMalformed},
		"WrongTypes":          {http.StatusOK, `{"access_token":{},"drfocode":[]}`, idgovua.ErrMalformed, idgovua.ErrMalformed},
		"Empty":               {http.StatusOK, `{}`, idgovua.ErrMalformed, idgovua.ErrMalformed},
		"NotBearer":           {http.StatusOK, `{"access_token":"a","token_type":"mac","user_id":"1"}`, idgovua.ErrMalformed, idgovua.ErrMalformed},
		"ErrorWith200":        {http.StatusOK, `{"error":"invalid_grant","error_description":"code expired"}`, idgovua.ErrInvalidGrant, idgovua.ErrInvalidGrant},
		"InvalidClient":       {http.StatusUnauthorized, `{"error":"invalid_client"}`, idgovua.ErrInvalidClient, idgovua.ErrInvalidClient},
		"InvalidToken":        {http.StatusUnauthorized, `{"error":"invalid_token"}`, idgovua.ErrInvalidToken, idgovua.ErrInvalidToken},
		"BareUnauthorized":    {http.StatusUnauthorized, ``, idgovua.ErrInvalidClient, idgovua.ErrInvalidToken},
		"UnknownErrorCode":    {http.StatusBadRequest, `{"error":"weird_thing","message":"something"}`, idgovua.ErrProvider, idgovua.ErrProvider},
		"ErrorObject":         {http.StatusBadRequest, `{"error":{"code":1}}`, idgovua.ErrProvider, idgovua.ErrProvider},
		"ServerError":         {http.StatusOK, `{"error":"server_error"}`, idgovua.ErrUnavailable, idgovua.ErrUnavailable},
		"BadGateway":          {http.StatusBadGateway, `<html>nginx</html>`, idgovua.ErrUnavailable, idgovua.ErrUnavailable},
		"Redirect":            {http.StatusFound, ``, idgovua.ErrProvider, idgovua.ErrProvider},
		"EchoesTheSecrets":    {http.StatusBadRequest, `{"error":"invalid_request","error_description":"bad s3cret-do-not-print code the-code access-token-value refresh-token-value"}`, idgovua.ErrProvider, idgovua.ErrProvider},
		"DescriptionControls": {http.StatusBadRequest, "{\"error\":\"invalid_request\",\"error_description\":\"line\\nbreak\\u0000\"}", idgovua.ErrProvider, idgovua.ErrProvider},
	} {
		c := stub(t, tc.status, tc.body)
		_, err := c.Exchange(t.Context(), "the-code", redirectURI)
		require.ErrorIsf(t, err, tc.token, "%s: %v", name, err)
		requireClean(t, err, "s3cret-do-not-print", "the-code")
		require.NotContains(t, err.Error(), "\n")
		_, err = c.UserInfo(t.Context(), someToken)
		require.ErrorIsf(t, err, tc.person, "%s: %v", name, err)
		requireClean(t, err, "s3cret-do-not-print", someToken.AccessToken, someToken.RefreshToken)
	}
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	c := stub(t, http.StatusOK, `{"lastname":"`+strings.Repeat("я", 1<<20)+`"}`)
	_, err := c.UserInfo(t.Context(), someToken)
	require.ErrorIs(t, err, idgovua.ErrMalformed)
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nobody listens there now
	c, err := idgovua.New(idgovua.Config{BaseURL: base, ClientID: "abc", ClientSecret: "s3cret-do-not-print"})
	require.NoError(t, err)
	_, err = c.UserInfo(t.Context(), someToken)
	require.ErrorIs(t, err, idgovua.ErrUnavailable)
	requireClean(t, err, someToken.AccessToken, "s3cret-do-not-print")
	_, err = c.Exchange(t.Context(), "the-code", redirectURI)
	require.ErrorIs(t, err, idgovua.ErrUnavailable)
	requireClean(t, err, "the-code", "s3cret-do-not-print")

	// A cancelled context says so.
	b := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = b.client.UserInfo(ctx, someToken)
	require.ErrorIs(t, err, idgovua.ErrUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	requireClean(t, err, someToken.AccessToken)

	// So does a slow one, and still without the URL.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	hc := slow.Client()
	hc.Timeout = 50 * time.Millisecond
	c, err = idgovua.New(idgovua.Config{BaseURL: slow.URL, ClientID: "abc", ClientSecret: "s3cret-do-not-print", HTTPClient: hc})
	require.NoError(t, err)
	_, err = c.UserInfo(t.Context(), someToken)
	require.ErrorIs(t, err, idgovua.ErrUnavailable)
	requireClean(t, err, someToken.AccessToken)
}

func TestConfigDoesNotPrint(t *testing.T) {
	t.Parallel()
	cfg := idgovua.Config{BaseURL: "https://id.gov.ua", ClientID: "abc", ClientSecret: "s3cret-do-not-print"}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprintf("%v %+v", &cfg, &cfg), logged.String()} {
		require.NotContains(t, s, "s3cret-do-not-print")
		require.Contains(t, s, "abc")
	}
}

func TestTokenDoesNotPrint(t *testing.T) {
	t.Parallel()
	tok := idgovua.Token{AccessToken: "access-token-value", RefreshToken: "refresh-token-value", UserID: "42", Expiry: time.Unix(1e9, 0)}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("signed in", "token", tok, "ptr", &tok)
	for _, s := range []string{
		fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok),
		fmt.Sprintf("%v %+v %#v", &tok, &tok, &tok), logged.String(),
	} {
		require.NotContains(t, s, "access-token-value")
		require.NotContains(t, s, "refresh-token-value")
	}
	require.Contains(t, tok.String(), "2001-09-09")
}
