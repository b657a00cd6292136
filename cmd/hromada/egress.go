package main

import (
	"net/http"
	"time"

	"hromada/egress"
)

// identityClient calls the cities' identity providers, whose issuers
// administrators type at «Способи входу»: only the destinations p allows,
// and no redirects, so a provider's answer never sends a code or a token
// on to another host.
func identityClient(p egress.Policy) *http.Client {
	c := p.Client(10 * time.Second)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// revocationClient fetches the OCSP answers and CRLs that certificates
// name (residents', officials', the seals' own): an address a CA chose, so
// it goes through the same policy as addresses people type, except that
// plain http is allowed even in production — OCSP and CRLs are served over
// http by convention (RFC 6960 appendix A, RFC 5280 §4.2.1.13), their
// answers being signed, and https would make checking a certificate's
// revocation depend on checking another's.
func revocationClient(p egress.Policy) *http.Client {
	p.HTTPSOnly = false
	return p.Client(15 * time.Second)
}
