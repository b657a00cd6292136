// Package registries asks state and city registries about people and
// objects (seed 003 §5.5) through Ukraine's system of electronic
// interaction of state electronic information resources (СЕВ ДЕІР,
// «Трембіта»): Trembita 2.0, which runs on UXP, an X-Road implementation,
// and plain X-Road REST gateways. The automatic pipeline checks its rule
// sets against the answers, and forms fill fields from them (Autofill).
//
// A Client talks to the city's own security server, which carries the query
// over the exchange to the registry's. Each city (tenant) configures its
// registry services in registry_services (Store); Client.For finds the
// tenant's service by our code (residents, vehicles, benefits, land), and
// the typed lookups (Residence, Vehicles, Benefits, LandPlots, Lookup) ask
// it. Every query is reported to Config.OnQuery, which the server wires to
// Store.OnQuery: registry_queries is the account of who asked what about
// whom, and why.
//
// # The wire
//
// Every query is one POST over TLS with the city's client certificate
// (mTLS; Config.TLS carries the certificate and the security server's CA).
// The body is a JSON object in both directions. Redirects are never
// followed and no proxy is used.
//
// Trembita 2.0 (UXP), dialect "uxp":
//
//	POST {base_url}/restapi/{path}
//	Uxp-Client:      {client_instance}/{client_member_class}/{client_member_code}/{client_subsystem}
//	Uxp-Service:     {instance}/{member_class}/{member_code}/{subsystem}/{service_code}/{version}
//	Uxp-QueryID:     {query id, a UUID}
//	Uxp-Purpose-Ids: {purpose id}[,{purpose id}…]
//	Uxp-Subject-Id:  {РНОКПП of the person the query is about; absent when about no person}
//	Content-Type:    application/json
//	Accept:          application/json
//
//	{"rnokpp": "3221501449"}
//
// Plain X-Road REST, dialect "xroad" (the service is named by the path, and
// X-Road REST has no version):
//
//	POST {base_url}/r1/{instance}/{member_class}/{member_code}/{subsystem}/{service_code}[/{path}]
//	X-Road-Client: {client_instance}/{client_member_class}/{client_member_code}/{client_subsystem}
//	X-Road-Id:     {query id, a UUID}
//	X-Road-UserId: {who asks: Query.UserID, by default the subject's РНОКПП, else the client's identifier}
//	X-Road-Issue:  {purpose id}[,{purpose id}…]
//	Content-Type:  application/json
//	Accept:        application/json
//
// The query id is new for each query and the same for each of its retries,
// so the registry's log and ours name a query alike.
//
// Answers, in both dialects:
//
//	2xx + a JSON object          the record (below); anything else, or a record
//	                             missing what its registry promises, or over
//	                             Config.MaxResponseBytes, is ErrBadAnswer
//	404 + {"error": {"code": "NOT_FOUND", "message": "…"}}
//	                             the registry has no such record: ErrNotFound
//	other 4xx but 429, 3xx       the security server or registry refused the
//	                             query: ErrRefused, not retried. A security
//	                             server's own errors read {"type": "Client.BadRequest",
//	                             "message": "…", "detail": "…"} (X-Road also sets
//	                             the X-Road-Error header); a 404 of that kind is a
//	                             wrong path, ErrRefused, never ErrNotFound
//	429, 5xx, network errors,    retried up to Config.MaxAttempts with
//	attempt timeouts             exponential back-off and jitter (Retry-After
//	                             honoured up to Config.BackoffMax); then
//	                             ErrUnavailable
//	TLS certificate failures     ErrUnavailable at once
//
// A circuit breaker per registry service (as reached through one security
// server by one client) opens after Config.BreakerFailures consecutive
// failed attempts; while open, queries fail fast with ErrUnavailable for
// Config.BreakerCooldown, then one query is let through to try.
//
// # The records
//
// residents (path "residence"), request {"rnokpp": "…"}:
//
//	{"registered": true, "address": "м. Київ, вул. …", "katottg": "UA80000000000093317",
//	 "district": "UA80000000001078669", "since": "2016-08-09",
//	 "household": [{"rnokpp": "…", "name": "…", "relation": "син"}]}
//
// katottg is the settlement; district, optional, the district within the
// city (the codifier's category B) where the city has districts.
//
// vehicles (path "vehicles"), request {"rnokpp": "…"}:
//
//	{"vehicles": [{"plate": "AA4821KM", "make": "Škoda Octavia", "year": 2017}]}
//
// benefits (path "benefits"), request {"rnokpp": "…"}:
//
//	{"categories": ["large_family"], "since": "2019-03-01"}
//
// land (path "plots"), request {"cadastral_number": "…"} or {"rnokpp": "…"}:
//
//	{"plots": [{"cadastral_number": "8000000000:75:123:0045", "area_ha": 0.1,
//	            "purpose": "02.01 …", "owner_rnokpp": "…"}]}
//
// A person the registry knows with nothing to tell is an empty list
// (vehicles, plots, categories) or "registered": false; a person it does not
// know is the 404 above.
//
// The package simulator serves these four registries, in both dialects,
// with deterministic data about the development identity provider's
// personas.
package registries
