package tenant_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"hromada/localpg"
	"hromada/tenant/tenanttest"
)

// platformTables are the tables that may lack tenant_id: they are shared by
// all tenants and reached only by the operator's paths and the gate, the
// national Trusted List's (migration 0020: the same list for every city), or
// (katottg, the national codifier of places) reference data the app role may
// only read. A new table must either carry tenant_id (and pass every check
// below) or be named here, in review.
var platformTables = []string{"tenants", "tenant_domains", "goose_db_version", "katottg",
	"trusted_lists", "trusted_services", "trusted_service_keys", "trusted_service_statuses",
	// the platform's record of deleted cities (migration 0036): counts and
	// dates, no city's data; the city is named by city_id, not tenant_id,
	// since the row outlives the city's data and no RLS applies to it
	"tenant_deletions"}

func isPlatform(table string) bool {
	return slices.Contains(platformTables, table) || strings.HasPrefix(table, "river_")
}

// tenantTables lists, from pg_catalog, the tables that have a tenant_id.
func tenantTables(ctx context.Context, t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(ctx, `
		SELECT c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'tenant_domains'
		ORDER BY 1`)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		out = append(out, name)
	}
	require.NoError(t, rows.Err())
	return out
}

// schemaProblems returns what breaks the tenancy rules in the database.
func schemaProblems(ctx context.Context, t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// Every table is either a tenant table or a declared platform table.
	rows, err := pool.Query(ctx, `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped),
		       coalesce((SELECT array_agg(a.attname ORDER BY k.ord) FROM pg_constraint p
		                 CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
		                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
		                 WHERE p.conrelid = c.oid AND p.contype = 'p'), '{}')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`)
	require.NoError(t, err)
	type table struct {
		name                  string
		rls, force, hasTenant bool
		pk                    []string
	}
	var tables []table
	for rows.Next() {
		var tb table
		require.NoError(t, rows.Scan(&tb.name, &tb.rls, &tb.force, &tb.hasTenant, &tb.pk))
		tables = append(tables, tb)
	}
	require.NoError(t, rows.Err())
	for _, tb := range tables {
		if !tb.hasTenant || tb.name == "tenant_domains" {
			if !isPlatform(tb.name) {
				add("table %s has no tenant_id and is not a declared platform table", tb.name)
			}
			continue
		}
		if !tb.rls {
			add("table %s: row level security is not enabled", tb.name)
		}
		if !tb.force {
			add("table %s: row level security is not forced", tb.name)
		}
		if len(tb.pk) < 2 || tb.pk[0] != "tenant_id" {
			add("table %s: primary key %v does not start with tenant_id", tb.name, tb.pk)
		}
		var policies []struct{ qual, check string }
		prow, err := pool.Query(ctx, `SELECT coalesce(qual, ''), coalesce(with_check, '') FROM pg_policies WHERE schemaname = 'public' AND tablename = $1`, tb.name)
		require.NoError(t, err)
		for prow.Next() {
			var p struct{ qual, check string }
			require.NoError(t, prow.Scan(&p.qual, &p.check))
			policies = append(policies, p)
		}
		require.NoError(t, prow.Err())
		if len(policies) == 0 {
			add("table %s has no policy", tb.name)
		}
		for _, p := range policies {
			if !strings.Contains(p.qual, "app_tenant_id()") || (p.check != "" && !strings.Contains(p.check, "app_tenant_id()")) {
				add("table %s: policy (%s / %s) is not on app_tenant_id()", tb.name, p.qual, p.check)
			}
		}
	}

	// Foreign keys between tenant tables carry tenant_id.
	frows, err := pool.Query(ctx, `
		SELECT c.conname, c.conrelid::regclass::text,
		       (SELECT array_agg(a.attname) FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey))
		FROM pg_constraint c
		JOIN pg_class r ON r.oid = c.confrelid
		WHERE c.contype = 'f' AND r.relname NOT IN ('tenants') AND EXISTS (
		    SELECT FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attname = 'tenant_id')`)
	require.NoError(t, err)
	for frows.Next() {
		var name, table string
		var cols []string
		require.NoError(t, frows.Scan(&name, &table, &cols))
		if !slices.Contains(cols, "tenant_id") {
			add("foreign key %s on %s does not include tenant_id", name, table)
		}
	}
	require.NoError(t, frows.Err())

	// A guard that lets a row go only with its tenant asks tenant_live
	// (migration 0036), so a deleted city's purge may empty its table; the
	// older test of the tenant row's absence would leave the rows locked
	// behind the tombstone.
	grows, err := pool.Query(ctx, `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'public' AND p.prorettype = 'trigger'::regtype
		  AND p.prosrc ~ 'SELECT FROM tenants WHERE id = (OLD|NEW)\.tenant_id\)'`)
	require.NoError(t, err)
	for grows.Next() {
		var name string
		require.NoError(t, grows.Scan(&name))
		add("trigger function %s tests the tenant row's absence: use NOT tenant_live(OLD.tenant_id)", name)
	}
	require.NoError(t, grows.Err())

	// The roles that serve are powerless: no superuser, no BYPASSRLS, own
	// nothing; the operator has no privilege on any tenant table.
	for _, role := range []string{"hromada_app", "hromada_operator"} {
		var super, bypass bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`, role).Scan(&super, &bypass))
		if super || bypass {
			add("%s is superuser (%v) or has BYPASSRLS (%v)", role, super, bypass)
		}
		var owned []string
		orows, err := pool.Query(ctx, `
			SELECT 'relation ' || relname FROM pg_class WHERE relowner = $1::regrole
			UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = $1::regrole
			UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = $1::regrole
			UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typowner = $1::regrole
			UNION ALL SELECT 'database ' || datname FROM pg_database WHERE datdba = $1::regrole`, role)
		require.NoError(t, err)
		for orows.Next() {
			var o string
			require.NoError(t, orows.Scan(&o))
			owned = append(owned, o)
		}
		require.NoError(t, orows.Err())
		if len(owned) > 0 {
			add("%s owns %v", role, owned)
		}
	}
	for _, tb := range tables {
		if !tb.hasTenant || tb.name == "tenant_domains" {
			continue
		}
		var any bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT has_table_privilege('hromada_operator', $1, 'SELECT, INSERT, UPDATE, DELETE')`, tb.name).Scan(&any))
		if any {
			add("hromada_operator has a privilege on tenant table %s", tb.name)
		}
	}
	return problems
}

func TestSchemaFollowsTenancyRules(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ctx := t.Context()
	require.NotEmpty(t, tenantTables(ctx, t, db.Owner), "no tenant tables found: the discovery query is broken")
	require.Empty(t, schemaProblems(ctx, t, db.Owner))
}

// The checks must be able to fail: break each rule in a database of its own
// and see it reported.
func TestSchemaCheckCatchesBrokenRules(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		sql  string
		want string
	}{
		"NoForce":                 {"ALTER TABLE %s NO FORCE ROW LEVEL SECURITY", "is not forced"},
		"NoRLS":                   {"ALTER TABLE %s DISABLE ROW LEVEL SECURITY", "is not enabled"},
		"NoPolicy":                {"DROP POLICY %[1]s_tenant ON %[1]s", "has no policy"},
		"Undeclared":              {"CREATE TABLE stray_%s (id int PRIMARY KEY)", "not a declared platform table"},
		"WeakPolicy":              {"DROP POLICY %[1]s_tenant ON %[1]s; CREATE POLICY %[1]s_open ON %[1]s USING (true)", "is not on app_tenant_id()"},
		"OwnedByApp":              {"CREATE TABLE owned_%s (id int PRIMARY KEY); ALTER TABLE owned_%[1]s OWNER TO hromada_app", "hromada_app owns"},
		"OperatorReadsTenantData": {"GRANT SELECT ON %s TO hromada_operator", "hromada_operator has a privilege"},
		"GuardIgnoresTombstone":   {"CREATE FUNCTION stray_guard_%s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id) THEN RETURN OLD; END IF; RETURN NULL; END $$", "tests the tenant row's absence"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := tenanttest.New(t)
			ctx := t.Context()
			tables := tenantTables(ctx, t, db.Owner)
			require.NotEmpty(t, tables)
			stmt := tc.sql
			if strings.Contains(stmt, "%") {
				stmt = fmt.Sprintf(stmt, tables[0])
			}
			super, err := pgx.Connect(ctx, tenanttest.Cluster(t).DSN(localpg.Superuser, db.Name))
			require.NoError(t, err)
			defer super.Close(ctx)
			_, err = super.Exec(ctx, stmt)
			require.NoError(t, err)
			problems := schemaProblems(ctx, t, db.Owner)
			require.NotEmpty(t, problems)
			require.Contains(t, strings.Join(problems, "\n"), tc.want)
		})
	}
}
