package idgovuatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/idgovua"
	"hromada/modules/idgovua/idgovuatest"
	"hromada/ukid"
)

const redirectURI = "https://kyiv.hromada.test/auth/idgovua/callback"

type testBundle struct {
	srv *idgovuatest.Server
	cfg idgovua.Config
	hc  *http.Client // follows no redirects
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	srv := idgovuatest.NewServer(t, idgovuatest.Options{ClientID: "portal", ClientSecret: "psst"})
	cfg := srv.Config()
	return &testBundle{srv: srv, cfg: cfg, hc: cfg.HTTPClient}
}

// authorizeQuery is a valid authorize request.
func authorizeQuery() url.Values {
	return url.Values{
		"response_type": {"code"},
		"client_id":     {"portal"},
		"auth_type":     {"dig_sign,bank_id,diia_id"},
		"state":         {"st"},
		"redirect_uri":  {redirectURI},
	}
}

// decode reads a JSON object answer.
func decode(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return m
}

// code signs person in and returns the code.
func (b *testBundle) code(t *testing.T, person int) string {
	t.Helper()
	cb := b.srv.SignIn(t, b.srv.URL()+"/?"+authorizeQuery().Encode(), person)
	require.Equal(t, "st", cb.Query().Get("state"))
	return cb.Query().Get("code")
}

func TestAuthorizeChecks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, mutate := range map[string]func(url.Values){
		"ResponseType":     func(q url.Values) { q.Set("response_type", "token") },
		"NoClientID":       func(q url.Values) { q.Del("client_id") },
		"OtherClientID":    func(q url.Values) { q.Set("client_id", "other") },
		"NoRedirectURI":    func(q url.Values) { q.Del("redirect_uri") },
		"RelativeRedirect": func(q url.Values) { q.Set("redirect_uri", "/callback") },
		"JSRedirect":       func(q url.Values) { q.Set("redirect_uri", "javascript:alert(1)") },
		"NoState":          func(q url.Values) { q.Del("state") },
		"NoAuthType":       func(q url.Values) { q.Del("auth_type") },
		"UnknownAuthType":  func(q url.Values) { q.Set("auth_type", "dig_sign,password") },
		"PersonOutOfRange": func(q url.Values) { q.Set("person", "2") },
		"PersonNotANumber": func(q url.Values) { q.Set("person", "first") },
	} {
		q := authorizeQuery()
		mutate(q)
		resp, err := b.hc.Get(b.srv.URL() + "/?" + q.Encode())
		require.NoError(t, err)
		resp.Body.Close()
		require.Equalf(t, http.StatusBadRequest, resp.StatusCode, name)
		require.Emptyf(t, resp.Header.Get("Location"), "%s: never a redirect to an unchecked URI", name)
	}
	resp, err := b.hc.Get(b.srv.URL() + "/elsewhere")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestAuthorizePage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, err := b.hc.Get(b.srv.URL() + "/?" + authorizeQuery().Encode())
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), "Коваленко Олена Петрівна")
	require.Contains(t, string(page), "Бондар Андрій Іванович")
	require.Contains(t, string(page), `name="redirect_uri" value="https://kyiv.hromada.test/auth/idgovua/callback"`)

	// The page's buttons post the request back with person or deny.
	form := authorizeQuery()
	form.Set("person", "1")
	resp, err = b.hc.PostForm(b.srv.URL()+"/", form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	require.NotEmpty(t, loc.Query().Get("code"))
	require.Equal(t, "st", loc.Query().Get("state"))

	form = authorizeQuery()
	form.Set("deny", "1")
	resp, err = b.hc.PostForm(b.srv.URL()+"/", form)
	require.NoError(t, err)
	resp.Body.Close()
	loc, err = resp.Location()
	require.NoError(t, err)
	require.Equal(t, "access_denied", loc.Query().Get("error"))
	require.Equal(t, "st", loc.Query().Get("state"))
}

func TestTokenByGETOrPOST(t *testing.T) {
	t.Parallel()
	b := setup(t)
	params := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {"portal"}, "client_secret": {"psst"}, "code": {code}}
	}
	resp, err := b.hc.Get(b.srv.URL() + "/get-access-token?" + params(b.code(t, 0)).Encode())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	byGET := decode(t, resp)
	resp, err = b.hc.PostForm(b.srv.URL()+"/get-access-token", params(b.code(t, 0)))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	byPOST := decode(t, resp)
	require.Equal(t, "bearer", byPOST["token_type"])
	require.InDelta(t, 3600, byPOST["expires_in"], 0)
	require.NotEmpty(t, byPOST["refresh_token"])
	require.Equal(t, byGET["user_id"], byPOST["user_id"], "one person, one user_id")
	require.NotEqual(t, byGET["access_token"], byPOST["access_token"])

	for name, tc := range map[string]struct {
		params url.Values
		status int
		error  string
	}{
		"WrongSecret":  {url.Values{"grant_type": {"authorization_code"}, "client_id": {"portal"}, "client_secret": {"x"}, "code": {b.code(t, 0)}}, http.StatusUnauthorized, "invalid_client"},
		"NoSecret":     {url.Values{"grant_type": {"authorization_code"}, "client_id": {"portal"}, "code": {b.code(t, 0)}}, http.StatusUnauthorized, "invalid_client"},
		"NoCode":       {url.Values{"grant_type": {"authorization_code"}, "client_id": {"portal"}, "client_secret": {"psst"}}, http.StatusBadRequest, "invalid_request"},
		"UnknownCode":  {params("nope"), http.StatusBadRequest, "invalid_grant"},
		"GrantType":    {url.Values{"grant_type": {"password"}, "client_id": {"portal"}, "client_secret": {"psst"}}, http.StatusBadRequest, "unsupported_grant_type"},
		"NoRefresh":    {url.Values{"grant_type": {"refresh_token"}, "client_id": {"portal"}, "client_secret": {"psst"}}, http.StatusBadRequest, "invalid_request"},
		"OtherRefresh": {url.Values{"grant_type": {"refresh_token"}, "client_id": {"portal"}, "client_secret": {"psst"}, "refresh_token": {"nope"}}, http.StatusBadRequest, "invalid_grant"},
	} {
		resp, err := b.hc.PostForm(b.srv.URL()+"/get-access-token", tc.params)
		require.NoError(t, err)
		require.Equalf(t, tc.status, resp.StatusCode, name)
		require.Equalf(t, tc.error, decode(t, resp)["error"], name)
	}
}

func TestUserInfoFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, err := idgovua.New(b.cfg)
	require.NoError(t, err)
	tok, err := c.Exchange(t.Context(), b.code(t, 1), redirectURI)
	require.NoError(t, err)
	want := b.srv.People()[1]

	q := url.Values{"access_token": {tok.AccessToken}, "user_id": {tok.UserID}, "fields": {"givenname,drfocode,edrpoucode,nosuchfield"}}
	resp, err := b.hc.Get(b.srv.URL() + "/get-user-info?" + q.Encode())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, map[string]any{"givenname": want.GivenName, "drfocode": want.RNOKPP, "edrpoucode": want.EDRPOU}, decode(t, resp))

	q.Set("fields", "lastname,auth_type")
	resp, err = b.hc.PostForm(b.srv.URL()+"/get-user-info", q)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"lastname": want.LastName, "auth_type": "dig_sign"}, decode(t, resp))

	// The method is the one allowed, when the person's own is not.
	cb := b.srv.SignIn(t, strings.Replace(c.AuthCodeURL("st", redirectURI), "dig_sign,bank_id,diia_id", "bank_id", 1), 1)
	tok2, err := c.Exchange(t.Context(), cb.Query().Get("code"), redirectURI)
	require.NoError(t, err)
	p, err := c.UserInfo(t.Context(), tok2)
	require.NoError(t, err)
	require.Equal(t, "bank_id", p.AuthType)

	for name, tc := range map[string]struct {
		q      url.Values
		status int
		error  string
	}{
		"NoFields":    {url.Values{"access_token": {tok.AccessToken}, "user_id": {tok.UserID}}, http.StatusBadRequest, "invalid_request"},
		"OtherUser":   {url.Values{"access_token": {tok.AccessToken}, "user_id": {"x"}, "fields": {"lastname"}}, http.StatusBadRequest, "invalid_request"},
		"BadToken":    {url.Values{"access_token": {"x"}, "user_id": {tok.UserID}, "fields": {"lastname"}}, http.StatusUnauthorized, "invalid_token"},
		"NoToken":     {url.Values{"user_id": {tok.UserID}, "fields": {"lastname"}}, http.StatusUnauthorized, "invalid_token"},
		"RefreshAsIt": {url.Values{"access_token": {tok.RefreshToken}, "user_id": {tok.UserID}, "fields": {"lastname"}}, http.StatusUnauthorized, "invalid_token"},
	} {
		resp, err := b.hc.Get(b.srv.URL() + "/get-user-info?" + tc.q.Encode())
		require.NoError(t, err)
		require.Equalf(t, tc.status, resp.StatusCode, name)
		require.Equalf(t, tc.error, decode(t, resp)["error"], name)
	}
}

func TestDefaultPeopleAreValid(t *testing.T) {
	t.Parallel()
	people := idgovuatest.DefaultPeople()
	require.Len(t, people, 2)
	for _, p := range people {
		require.True(t, ukid.ValidRNOKPP(p.RNOKPP), p.RNOKPP)
		require.True(t, p.EDRPOU == "" || ukid.ValidEDRPOU(p.EDRPOU), p.EDRPOU)
	}
	require.Empty(t, people[0].EDRPOU, "an individual")
	require.NotEmpty(t, people[1].EDRPOU, "a legal entity's representative")
}
