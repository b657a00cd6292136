// Package idgovua signs people in through id.gov.ua, the state integrated
// electronic identification system: a qualified e-signature, BankID or Diia
// proves who the person is, and id.gov.ua hands Hromada their name and
// taxpayer number (РНОКПП), and for a legal entity's representative its
// ЄДРПОУ.
//
// id.gov.ua speaks OAuth2 but not OpenID Connect: there is no discovery, no
// ID token and no JWKS, so go-oidc has nothing to verify. The person comes
// from a separate user-info call, trusted because it is made over TLS with
// an access token only id.gov.ua could have issued. The flow is:
//
//	to := c.AuthCodeURL(state, redirectURI)    // send the browser there
//	// …id.gov.ua redirects to redirectURI?code=…&state=…
//	if err := idgovua.CallbackError(r.URL.Query()); err != nil { … } // ErrDenied: they said no
//	// compare state with the one kept in the session, in constant time
//	tok, err := c.Exchange(ctx, code, redirectURI)
//	p, err := c.UserInfo(ctx, tok)             // p.RNOKPP is checked
//
// The client is plain net/http rather than golang.org/x/oauth2: the protocol
// is four small calls with non-standard parts (user_id in the token
// response, errors that may come with status 200, user info by query), and
// owning the calls lets every error text leave out the client secret, codes
// and tokens, which x/oauth2's RetrieveError would carry with the response
// body.
//
// Errors wrap one of this package's sentinels (ErrDenied, ErrInvalidGrant…),
// for errors.Is. They are not apperr errors: the sign-in handler decides what
// the person is told, and anything it does not map stays an internal error.
//
// Package idgovuatest is a local server that speaks the same protocol, for
// tests.
package idgovua
