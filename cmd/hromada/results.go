package main

import (
	"context"
	"io/fs"
	"net/url"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/applications"
	"hromada/modules/documents"
	"hromada/modules/signature"
	"hromada/tenant"
	"hromada/web"
)

// results adapts modules/documents to the pipeline's applications.Results:
// the two modules do not know each other, the root maps one's data onto
// the other's.
type results struct {
	docs   *documents.Service
	assets fs.FS
}

func (r *results) Render(ctx context.Context, d applications.ResultData) ([]byte, error) {
	holder, err := r.docs.Holder(ctx, d.ProviderID)
	if err != nil {
		return nil, err
	}
	res := documents.Result{DocumentID: d.DocumentID, Title: d.Title, Number: d.Number, IssuedAt: d.IssuedAt,
		City:     documents.City{Name: d.City, CoatOfArms: d.CoatOfArms, Assets: r.assets},
		Provider: d.Provider, Applicant: documents.Applicant{FullName: d.Applicant, RNOKPP: d.RNOKPP, EDRPOU: d.EDRPOU, OrgName: d.OrgName},
		Service: d.Service, Decision: d.Decision, Grounds: d.Grounds,
		Issuer:    documents.Issuer{Automatic: true, SealHolder: holder, At: d.IssuedAt},
		VerifyURL: d.VerifyURL}
	for _, f := range d.Facts {
		res.Facts = append(res.Facts, documents.Fact{Label: f[0], Value: f[1]})
	}
	return documents.Render(res)
}

func (r *results) Seal(ctx context.Context, provider uuid.UUID, pdf []byte) ([]byte, []byte, string, error) {
	return r.docs.Seal(ctx, provider, pdf)
}

// wireResults gives the pipeline its documents: sealed with the providers'
// seals — in dev issued on first use by the city's development CA — and
// verified on a page of the city's portal.
func (a *App) wireResults() {
	ds := &documents.Service{DB: a.db, Sealer: a.sealer}
	if !a.cfg.Production() {
		ds.DevCA = func(ctx context.Context, tx pgx.Tx) (*signature.DevCA, error) {
			return applications.EnsureDevCA(ctx, tx, a.sealer)
		}
	}
	a.pipeline.Results = &results{docs: ds, assets: web.StaticFS()}
	a.pipeline.VerifyURL = a.verifyURL
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
