package devidp

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// client is a city's portal ("hromada-<slug>"): a confidential web client
// that authenticates with ClientSecret (basic or post), uses the code flow
// only, and gets opaque access tokens. op asks for it afresh on every
// request and never caches it, which lets its redirect URIs be the ones this
// request offers and AllowRedirect accepts (see storage.offerRedirects).
type client struct {
	id        string
	redirects []string
	loginPath string
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                       { return c.id }
func (c *client) RedirectURIs() []string              { return c.redirects }
func (c *client) PostLogoutRedirectURIs() []string    { return c.redirects }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType        { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string           { return c.loginPath + "?id=" + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return idTokenTTL }

// DevMode stays off: op allows http redirect URIs for a confidential client
// in the code flow anyway, and dev mode would loosen more than that.
func (c *client) DevMode() bool { return false }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string     { return keepScopes }
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string { return keepScopes }
func (c *client) IsScopeAllowed(string) bool                                   { return false }

// IDTokenUserinfoClaimsAssertion makes op put the profile, email and phone
// claims into the ID token of the code flow too, not only into userinfo: the
// portal reads the person from the verified ID token.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }

func keepScopes(scopes []string) []string { return scopes }

// redirectsKey is the context key of the redirect URIs a request offers.
type redirectsKey struct{}

// offerRedirects runs inside op's router, before every endpoint: it puts the
// redirect_uri and post_logout_redirect_uri of the request that AllowRedirect
// accepts into the context, where GetClientByClientID finds them. op checks a
// redirect URI against the client's registered list, and ours is not a list
// but a rule (any <slug>.<base domain>), so each request's client is
// "registered" with exactly the URIs it asks for that the rule allows.
// (op parses the form itself right after; a second ParseForm is a no-op.)
func (s *storage) offerRedirects(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil {
			var ok []string
			for _, k := range []string{"redirect_uri", "post_logout_redirect_uri"} {
				for _, uri := range r.Form[k] {
					if s.allowRedirect(uri) {
						ok = append(ok, uri)
					}
				}
			}
			r = r.WithContext(context.WithValue(r.Context(), redirectsKey{}, ok))
		}
		next.ServeHTTP(w, r)
	})
}

func offeredRedirects(ctx context.Context) []string {
	uris, _ := ctx.Value(redirectsKey{}).([]string)
	return uris
}
