package idgovua

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Token is what id.gov.ua issues for a signed-in person. AccessToken and
// RefreshToken are secrets: String, GoString and LogValue leave them out, so
// a Token printed or logged by mistake shows only when it expires.
type Token struct {
	AccessToken  string
	RefreshToken string    // empty if id.gov.ua issued none
	UserID       string    // id.gov.ua's id of the person, needed by UserInfo
	Expiry       time.Time // when AccessToken expires; zero if not said
}

func (t Token) String() string {
	if t.Expiry.IsZero() {
		return "idgovua.Token{…}"
	}
	return "idgovua.Token{…, Expiry: " + t.Expiry.UTC().Format(time.RFC3339) + "}"
}

// GoString keeps %#v from printing the fields.
func (t Token) GoString() string { return t.String() }

// LogValue keeps slog from printing the fields.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expiry", t.Expiry))
}

// Exchange trades the code from the callback for a token. redirectURI is the
// one given to AuthCodeURL; id.gov.ua's token call does not require it, but
// a server that binds codes to it (idgovuatest does) can check it. A code
// is good once, for about a minute: ErrInvalidGrant otherwise.
//
// The parameters go in a POST form body, not the query id.gov.ua also
// accepts, so the client secret and the code stay out of access logs and
// proxies along the way.
func (c *Client) Exchange(ctx context.Context, code, redirectURI string) (*Token, error) {
	if code == "" {
		return nil, fmt.Errorf("%w: get-access-token: empty code", ErrInvalidGrant)
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {c.clientID},
		"client_secret": {c.secret},
		"code":          {code},
	}
	if redirectURI != "" {
		form.Set("redirect_uri", redirectURI)
	}
	return c.token(ctx, form, code)
}

// token calls get-access-token with form; grant is the code sent, to be kept
// out of error texts.
func (c *Client) token(ctx context.Context, form url.Values, grant string) (*Token, error) {
	const op = "get-access-token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+op, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var raw struct {
		AccessToken  flexString  `json:"access_token"`
		TokenType    flexString  `json:"token_type"`
		ExpiresIn    flexSeconds `json:"expires_in"`
		RefreshToken flexString  `json:"refresh_token"`
		UserID       flexString  `json:"user_id"`
	}
	if err := c.call(req, op, &raw, ErrInvalidClient, grant); err != nil {
		return nil, err
	}
	if raw.AccessToken == "" {
		return nil, fmt.Errorf("%w: %s: no access_token", ErrMalformed, op)
	}
	if raw.TokenType != "" && !strings.EqualFold(string(raw.TokenType), "bearer") {
		return nil, fmt.Errorf("%w: %s: token_type is not bearer", ErrMalformed, op)
	}
	if raw.UserID == "" && form.Get("grant_type") == "authorization_code" {
		return nil, fmt.Errorf("%w: %s: no user_id", ErrMalformed, op)
	}
	tok := &Token{
		AccessToken:  string(raw.AccessToken),
		RefreshToken: string(raw.RefreshToken),
		UserID:       string(raw.UserID),
	}
	if raw.ExpiresIn > 0 {
		tok.Expiry = time.Now().Add(time.Duration(raw.ExpiresIn) * time.Second)
	}
	return tok, nil
}
