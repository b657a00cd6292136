package operator

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"hromada/apperr"
)

// OIDC lets operators sign in to the console through an identity provider
// (the development IdP's operator persona in dev), each person named by
// РНОКПП in Operators; the operator key stays as the break-glass way in.
type OIDC struct {
	Issuer, ClientID, ClientSecret string
	// Operators are the РНОКПП of the people who operate the platform.
	Operators []string
	// Client calls the identity provider.
	Client *http.Client
}

// ErrNotOperator is a person the identity provider knows but who is not
// one of the platform's operators.
var ErrNotOperator = apperr.New(apperr.Forbidden, "error.not_operator")

// ErrOperatorSignIn is a failed sign-in through the identity provider.
var ErrOperatorSignIn = apperr.New(apperr.Invalid, "error.signin_failed")

const flowCookie = "hromada_operator_flow"

// opFlow is the sign-in in progress, in a signed cookie: the console keeps
// no server-side session.
type opFlow struct {
	State, Nonce, Verifier string
	Exp                    int64
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c *Console) oauth(ctx context.Context, r *http.Request) (*oidc.Provider, *oauth2.Config, error) {
	o := c.oidc
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), o.Client), o.Issuer)
	if err != nil {
		return nil, nil, err
	}
	scheme := "http"
	if c.keys.secure {
		scheme = "https"
	}
	e := p.Endpoint()
	e.AuthStyle = oauth2.AuthStyleInHeader
	return p, &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: e,
		RedirectURL: scheme + "://" + r.Host + "/signin/callback", Scopes: []string{oidc.ScopeOpenID, "profile"}}, nil
}

func (c *Console) signFlow(f opFlow) string {
	raw, _ := json.Marshal(f)
	h := hmac.New(sha256.New, c.keys.mac)
	h.Write(raw)
	return base64.RawURLEncoding.EncodeToString(raw) + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

func (c *Console) readFlow(r *http.Request) (opFlow, bool) {
	ck, err := r.Cookie(flowCookie)
	if err != nil {
		return opFlow{}, false
	}
	body, sig, ok := strings.Cut(ck.Value, ".")
	raw, err1 := base64.RawURLEncoding.DecodeString(body)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return opFlow{}, false
	}
	h := hmac.New(sha256.New, c.keys.mac)
	h.Write(raw)
	var f opFlow
	if !hmac.Equal(got, h.Sum(nil)) || json.Unmarshal(raw, &f) != nil || time.Now().Unix() > f.Exp {
		return opFlow{}, false
	}
	return f, true
}

func (c *Console) handleOIDCStart(w http.ResponseWriter, r *http.Request) {
	_, conf, err := c.oauth(r.Context(), r)
	if err != nil {
		c.rd.Error(w, r, ErrOperatorSignIn.Wrap(err))
		return
	}
	f := opFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Exp: time.Now().Add(10 * time.Minute).Unix()}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: c.signFlow(f), Path: "/signin", HttpOnly: true, Secure: c.keys.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, conf.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
}

func (c *Console) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	sub, err := c.finishOIDC(r)
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: "", Path: "/signin", MaxAge: -1, HttpOnly: true, Secure: c.keys.secure})
	c.keys.issue(w, "oidc:"+sub)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// finishOIDC checks the IdP's answer and returns the operator's subject
// there (never the РНОКПП, which is personal data).
func (c *Console) finishOIDC(r *http.Request) (string, error) {
	f, ok := c.readFlow(r)
	q := r.URL.Query()
	if !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 || q.Get("code") == "" {
		return "", ErrOperatorSignIn.Wrap(errors.New("state"))
	}
	p, conf, err := c.oauth(r.Context(), r)
	if err != nil {
		return "", ErrOperatorSignIn.Wrap(err)
	}
	tok, err := conf.Exchange(oidc.ClientContext(r.Context(), c.oidc.Client), q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return "", ErrOperatorSignIn.Wrap(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: c.oidc.ClientID}).Verify(r.Context(), raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return "", ErrOperatorSignIn.Wrap(errors.New("id token"))
	}
	var claims struct {
		RNOKPP string `json:"drfocode"`
	}
	if err := idt.Claims(&claims); err != nil || claims.RNOKPP == "" || !slices.Contains(c.oidc.Operators, claims.RNOKPP) {
		return "", ErrNotOperator
	}
	return idt.Subject, nil
}
