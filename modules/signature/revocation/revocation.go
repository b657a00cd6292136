// Package revocation checks whether a signer's certificate was revoked at
// the time of signing: OCSP first (RFC 6960, golang.org/x/crypto/ocsp), the
// CRL (RFC 5280) when no OCSP responder gives a usable answer. The response
// that decided is returned as evidence, byte for byte as the CA signed it,
// to be kept next to the application: with it the signature can be shown
// valid long after the responder is gone (what CAdES-X-Long and PAdES-LT
// embed).
//
// # The time of the check
//
// A signature is judged at its signing time: the time of a trusted
// timestamp over it when it has one, otherwise the time we received it
// (SigningTime) — never the signingTime attribute, which is the signer's own
// claim. A certificate revoked before that time gives ErrRevoked; one
// revoked after it is accepted, with the revocation time in the Result:
// revocation ends a key's use from that moment on, it does not reach back to
// what the key signed while it was valid (RFC 5280 §3.3, ETSI EN 319 102-1's
// validation at the time of signing; this is what makes a timestamp worth
// having). A responder that does not know the certificate gives ErrUnknown:
// the CA never issued it, or the certificate names the wrong issuer.
//
// An answer counts only if it speaks of the signing time: issued at or after
// it, or valid (thisUpdate to nextUpdate) over it, and is not past its own
// next update. A revocation is final
// whenever it was reported, but "good" from before the signing time says
// nothing about it. A delegated OCSP responder must be certified by the
// issuer for OCSP signing.
package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"hromada/apperr"
)

// Refusals, each with its message (web/locales/trustlist.*.toml).
var (
	// ErrRevoked: the certificate was revoked (or suspended) at or before
	// the signing time.
	ErrRevoked = apperr.New(apperr.Invalid, "revocation.revoked")
	// ErrUnknown: the issuer's responder does not know the certificate.
	ErrUnknown = apperr.New(apperr.Invalid, "revocation.unknown")
	// ErrUnavailable: no responder or CRL gave a usable answer; the check
	// may succeed later.
	ErrUnavailable = apperr.New(apperr.Unavailable, "revocation.unavailable")
)

// Source is where an answer came from.
type Source string

// The sources, in the order they are asked.
const (
	OCSP Source = "ocsp"
	CRL  Source = "crl"
)

// Evidence is the answer that decided, as the CA signed it.
type Evidence struct {
	Source Source
	URL    string
	// Response is the DER OCSP response or CRL, as received.
	Response []byte
	// ThisUpdate and NextUpdate are the answer's own validity (NextUpdate
	// zero when it names none).
	ThisUpdate, NextUpdate time.Time
	FetchedAt              time.Time
}

// Result is a check's outcome: good at the signing time, with the evidence.
type Result struct {
	Evidence Evidence
	// RevokedAt is set when the certificate was revoked after the signing
	// time (the signature stands).
	RevokedAt time.Time
}

// SigningTime is the time a signature is checked at: its trusted
// timestamp's time when it has one (non-zero), else when it was received.
func SigningTime(timestamped, received time.Time) time.Time {
	if !timestamped.IsZero() {
		return timestamped
	}
	return received
}

// Revocation is what a signature's verification asks; *Checker is the
// implementation (an interface, because it is an external seam: the CAs'
// responders).
type Revocation interface {
	Check(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (*Result, error)
}

var _ Revocation = (*Checker)(nil)

// Checker asks the issuer's OCSP responders and CRL distribution points,
// as the certificate names them (its AIA and CRLDP extensions).
type Checker struct {
	// Client fetches answers. Default: a client with a 15-second timeout.
	Client *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// maxAnswerBytes bounds a response or CRL (a national CA's full CRL is a
// few megabytes).
const maxAnswerBytes = 32 << 20

// Check decides whether cert, issued by issuer (the caller has verified
// that issuer signed it), was revoked at at. It returns the Result with its
// evidence when the certificate stands; ErrRevoked or ErrUnknown, with the
// Result holding the evidence of the refusal, when it does not; and
// ErrUnavailable when no source gave a usable answer.
func (c *Checker) Check(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (*Result, error) {
	var failures []error
	for _, u := range httpURLs(cert.OCSPServer) {
		res, err := c.askOCSP(ctx, u, cert, issuer, at)
		if err == nil || errors.Is(err, ErrRevoked) || errors.Is(err, ErrUnknown) {
			return res, err
		}
		failures = append(failures, err)
	}
	for _, u := range httpURLs(cert.CRLDistributionPoints) {
		res, err := c.askCRL(ctx, u, cert, issuer, at)
		if err == nil || errors.Is(err, ErrRevoked) {
			return res, err
		}
		failures = append(failures, err)
	}
	if len(failures) == 0 {
		failures = append(failures, errors.New("the certificate names no OCSP responder and no CRL distribution point"))
	}
	return nil, ErrUnavailable.Wrap(fmt.Errorf("%s: %w", cert.Subject, errors.Join(failures...)))
}

func (c *Checker) askOCSP(ctx context.Context, url string, cert, issuer *x509.Certificate, at time.Time) (*Result, error) {
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, fmt.Errorf("ocsp %s: %w", url, err)
	}
	body, fetched, err := c.fetch(ctx, http.MethodPost, url, req)
	if err != nil {
		return nil, err
	}
	resp, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		return nil, fmt.Errorf("ocsp %s: %w", url, err)
	}
	if d := resp.Certificate; d != nil && !bytes.Equal(d.Raw, issuer.Raw) {
		// x/crypto/ocsp checks that the issuer signed the delegated
		// responder's certificate, not what for.
		if !slices.Contains(d.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return nil, fmt.Errorf("ocsp %s: the responder's certificate is not for OCSP signing", url)
		}
		if fetched.Before(d.NotBefore) || fetched.After(d.NotAfter) {
			return nil, fmt.Errorf("ocsp %s: the responder's certificate is not valid now", url)
		}
	}
	res := &Result{Evidence: Evidence{Source: OCSP, URL: url, Response: body, ThisUpdate: resp.ThisUpdate, NextUpdate: resp.NextUpdate, FetchedAt: fetched}}
	switch resp.Status {
	case ocsp.Revoked:
		return judgeRevoked(res, cert, resp.RevokedAt, at)
	case ocsp.Unknown:
		return res, ErrUnknown.With(named(cert)).Wrap(fmt.Errorf("ocsp %s: serial %s is unknown to its issuer", url, cert.SerialNumber))
	case ocsp.Good:
		if err := speaksOf(res.Evidence, at); err != nil {
			return nil, fmt.Errorf("ocsp %s: %w", url, err)
		}
		return res, nil
	}
	return nil, fmt.Errorf("ocsp %s: status %d", url, resp.Status)
}

func (c *Checker) askCRL(ctx context.Context, url string, cert, issuer *x509.Certificate, at time.Time) (*Result, error) {
	body, fetched, err := c.fetch(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	der := body
	if b, _ := pem.Decode(body); b != nil && b.Type == "X509 CRL" {
		der = b.Bytes
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("crl %s: %w", url, err)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return nil, fmt.Errorf("crl %s: issued by %s, not by %s", url, crl.Issuer, issuer.Subject)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("crl %s: %w", url, err)
	}
	res := &Result{Evidence: Evidence{Source: CRL, URL: url, Response: body, ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate, FetchedAt: fetched}}
	for _, e := range crl.RevokedCertificateEntries {
		// removeFromCRL (8) lifts a suspension: the certificate stands.
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && e.ReasonCode != 8 {
			return judgeRevoked(res, cert, e.RevocationTime, at)
		}
	}
	if err := speaksOf(res.Evidence, at); err != nil {
		return nil, fmt.Errorf("crl %s: %w", url, err)
	}
	return res, nil
}

// judgeRevoked applies the rule: revoked at or before the signing time is a
// refusal, after it the signature stands.
func judgeRevoked(res *Result, cert *x509.Certificate, revokedAt, at time.Time) (*Result, error) {
	if revokedAt.After(at) {
		res.RevokedAt = revokedAt
		return res, nil
	}
	data := named(cert)
	data["RevokedAt"] = revokedAt.UTC().Format("2006-01-02 15:04 UTC")
	return res, ErrRevoked.With(data).
		Wrap(fmt.Errorf("%s %s: revoked at %s, signed at %s", res.Evidence.Source, res.Evidence.URL,
			revokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
}

// named is what a refusal's message says of the certificate: its holder
// and serial number, so the person knows which of their keys it is.
func named(cert *x509.Certificate) map[string]any {
	name := cert.Subject.CommonName
	if name == "" {
		name = cert.Subject.String()
	}
	return map[string]any{"Certificate": name, "Serial": fmt.Sprintf("%X", cert.SerialNumber)}
}

// speaksOf says whether a "good" answer covers the signing time: issued at
// or after it, or valid over it; and is not out of date itself (past its
// next update when it was fetched: the CA no longer vouches for it).
func speaksOf(e Evidence, at time.Time) error {
	if !e.NextUpdate.IsZero() && e.NextUpdate.Before(e.FetchedAt) {
		return fmt.Errorf("the answer is out of date: next update %s", e.NextUpdate.UTC().Format(time.RFC3339))
	}
	if !e.ThisUpdate.Before(at) || !e.NextUpdate.IsZero() && !e.NextUpdate.Before(at) {
		return nil
	}
	return fmt.Errorf("the answer (this update %s, next update %s) is older than the signing time %s",
		e.ThisUpdate.UTC().Format(time.RFC3339), e.NextUpdate.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
}

func (c *Checker) fetch(ctx context.Context, method, url string, body []byte) ([]byte, time.Time, error) {
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, time.Time{}, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/ocsp-request")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, time.Time{}, fmt.Errorf("%s: %s", url, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", url, err)
	}
	if len(raw) > maxAnswerBytes {
		return nil, time.Time{}, fmt.Errorf("%s: the answer is larger than %d bytes", url, maxAnswerBytes)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return raw, now(), nil
}

// httpURLs are the http(s) addresses among urls (a certificate may also
// name LDAP ones, which are not asked).
func httpURLs(urls []string) []string {
	var out []string
	for _, u := range urls {
		if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			out = append(out, u)
		}
	}
	return out
}
