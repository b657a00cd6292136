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
