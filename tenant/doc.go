// Package tenant is the tenant-aware core every module stands on.
//
// A tenant is one city council's portal. Its rows in every tenant table carry
// its tenant_id, and PostgreSQL's row-level security keeps them apart: the
// application connects as hromada_app, a role that owns nothing and cannot
// bypass RLS, and each policy compares tenant_id with app.tenant_id, which is
// set only by the gate in this package:
//
//	err := db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
//		// every statement here sees the tenant in ctx, and only it
//	})
//
// The tenant travels in the context: the HTTP middleware (Middleware) puts
// the one named by the Host there, and River workers (Worker) the one named
// in the job's envelope. From fails closed: no tenant in ctx is an error, and
// Tx refuses to run without one, so a forgotten scope is a bug that shows,
// never a query that sees everybody.
//
// The platform tables (tenants, tenant_domains) are outside RLS. The app role
// may only read them (Directory resolves a Host); they change through Admin,
// on the owner's connection, on the operator's paths.
package tenant
