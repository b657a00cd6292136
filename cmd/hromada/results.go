package main

import (
	"context"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/applications"
	"hromada/modules/documents"
	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
	"hromada/tenant"
	"hromada/web"
)

// wireResults gives the pipeline its documents: sealed with the providers'
// seals — in dev issued on first use by the city's development CA — and
// verified on a page of the city's portal; and the officials' decisions
// their renderer and verification page.
func (a *App) wireResults() {
	ds := &documents.Service{DB: a.db, Sealer: a.sealer, TSA: documents.TSA{URL: a.cfg.TSAURL}}
	if !a.cfg.Production() {
		ds.DevCA = func(ctx context.Context, tx pgx.Tx) (*signature.DevCA, error) {
			return applications.EnsureDevCA(ctx, tx, a.sealer)
		}
	}
	if a.cfg.Production() {
		// Results are sealed PAdES-B-LT: the seal's revocation data,
		// fetched by the checker residents' signatures use, is embedded
		// (docs/documents.md).
		// The same few certificates are asked of for every result: their
		// answers are reused for five minutes (revocation.Cache).
		ds.Revocation = &revocation.Cache{Revocation: a.apps.Revocation, MaxAge: 5 * time.Minute}
	}
	ds.Log = a.log
	a.documents = ds
	a.pipeline.Results = &applications.DocumentResults{Docs: ds, Assets: web.StaticFS()}
	a.pipeline.VerifyURL = a.verifyURL
	// Officials' decisions are documents in the same style, verified on
	// the same page.
	a.apps.Results, a.apps.VerifyURL = a.pipeline.Results, a.verifyURL
}

// verifyURL is the public address of a document's verification page in
// the tenant's portal: https and the city's host in production, the dev
// server's address otherwise.
func (a *App) verifyURL(t *tenant.Tenant, id uuid.UUID) string {
	host := t.Slug + "." + a.cfg.BaseDomain
	if len(t.Domains) > 0 {
		host = t.Domains[0]
	}
	u := url.URL{Scheme: "https", Host: host, Path: "/verify/" + id.String()}
	if !a.cfg.Production() {
		u.Scheme, u.Host = "http", host+portOf(a.cfg.Addr)
	}
	return u.String()
}
