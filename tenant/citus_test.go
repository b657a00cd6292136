package tenant_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"hromada/tenant/tenanttest"
)

// The schema is ready for Citus (distributed PostgreSQL) with tenant_id as
// the distribution column of every tenant table (docs/scale.md). Every
// table without tenant_id is named here with the kind of table it becomes
// and why; a new table must carry tenant_id or be added here, in review.
//
// reference: replicated to every node, so that a tenant table's foreign
// key to it and a join with it stay on the tenant's node.
// coordinator: stays a local table on the coordinator, reached only by
// the platform's own code, never joined with a tenant table.
var citusTables = map[string]struct{ kind, why string }{
	"tenants":                  {"reference", "the tenants themselves: every tenant table's tenant_id points here"},
	"tenant_domains":           {"reference", "a Host is looked up before the tenant is known, on any node"},
	"katottg":                  {"reference", "the national codifier of places, read by every city"},
	"trusted_lists":            {"reference", "the national Trusted List, the same for every city"},
	"trusted_services":         {"reference", "the Trusted List's services, joined when any city checks a signature"},
	"trusted_service_keys":     {"reference", "the Trusted List's keys, likewise"},
	"trusted_service_statuses": {"reference", "the Trusted List's status history, likewise"},
	"goose_db_version":         {"coordinator", "the migrations' own bookkeeping"},
	"tenant_deletions":         {"reference", "the platform's record of deleted cities; it points at their tombstones in tenants"},
}

// River's tables (river_*) stay on the coordinator: River's queries (the
// fetch with FOR UPDATE SKIP LOCKED, unique jobs, leader election) need
// one node, and its tables have no tenant_id; the job's tenant is in its
// args (tenant's job envelope).
func citusKind(table string) (string, bool) {
	if strings.HasPrefix(table, "river_") {
		return "coordinator", true
	}
	t, ok := citusTables[table]
	return t.kind, ok
}

// citusProblems returns what would keep the schema from being distributed
// by tenant_id.
func citusProblems(ctx context.Context, t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	query := func(sql string, scan func(rows interface{ Scan(...any) error }) error, args ...any) {
		rows, err := pool.Query(ctx, sql, args...)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			require.NoError(t, scan(rows))
		}
		require.NoError(t, rows.Err())
	}

	// Tables: distributed (tenant_id uuid not null; co-located tables need
	// one type of distribution column), or declared.
	kind := map[string]string{}
	query(`
		SELECT c.relname, a.atttypid::regtype::text, coalesce(a.attnotnull, false), a.attname IS NOT NULL
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
		func(r interface{ Scan(...any) error }) error {
			var name string
			var typ *string
			var notNull, has bool
			if err := r.Scan(&name, &typ, &notNull, &has); err != nil {
				return err
			}
			if k, ok := citusKind(name); ok {
				kind[name] = k
				return nil
			}
			if !has {
				add("table %s has no tenant_id and is not declared a reference or coordinator table", name)
				return nil
			}
			kind[name] = "distributed"
			if *typ != "uuid" || !notNull {
				add("table %s: tenant_id is %s (not null: %v); the distribution column is uuid not null", name, *typ, notNull)
			}
			return nil
		})
	for name := range citusTables {
		if _, ok := kind[name]; !ok {
			add("citusTables names %s, which is not in the schema", name)
		}
	}

	// Unique indexes (primary keys, unique constraints, unique indexes,
	// partial or not) of a distributed table include tenant_id as a column:
	// a shard can only enforce uniqueness within itself.
	query(`
		SELECT t.relname, i.relname,
		       coalesce((SELECT array_agg(coalesce(a.attname, '(expression)') ORDER BY k.ord)
		                 FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
		                 LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
		                 WHERE k.ord <= x.indnkeyatts), '{}')
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = 'public' AND x.indisunique`,
		func(r interface{ Scan(...any) error }) error {
			var table, index string
			var cols []string
			if err := r.Scan(&table, &index, &cols); err != nil {
				return err
			}
			if kind[table] == "distributed" && !slices.Contains(cols, "tenant_id") {
				add("unique index %s on %s %v does not include tenant_id", index, table, cols)
			}
			return nil
		})

	// Exclusion constraints of a distributed table compare tenant_id with =.
	query(`
		SELECT t.relname, c.conname,
		       EXISTS (SELECT FROM unnest(c.conkey, c.conexclop) k(attnum, op)
		               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
		               JOIN pg_operator o ON o.oid = k.op
		               WHERE a.attname = 'tenant_id' AND o.oprname = '=')
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = 'public' AND c.contype = 'x'`,
		func(r interface{ Scan(...any) error }) error {
			var table, name string
			var ok bool
			if err := r.Scan(&table, &name, &ok); err != nil {
				return err
			}
			if kind[table] == "distributed" && !ok {
				add("exclusion constraint %s on %s does not compare tenant_id with =", name, table)
			}
			return nil
		})

	// Foreign keys: distributed → distributed on tenant_id = tenant_id
	// (co-located, so the check stays on one node); distributed → reference
	// and reference → reference anywhere; nothing points at a coordinator
	// table from another kind, nor from a reference table to a distributed.
	query(`
		SELECT c.conname, s.relname, d.relname,
		       (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
		        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
		       (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
		        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum)
		FROM pg_constraint c
		JOIN pg_class s ON s.oid = c.conrelid
		JOIN pg_class d ON d.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = s.relnamespace
		WHERE n.nspname = 'public' AND c.contype = 'f' AND NOT s.relispartition`,
		func(r interface{ Scan(...any) error }) error {
			var name, from, to string
			var cols, refs []string
			if err := r.Scan(&name, &from, &to, &cols, &refs); err != nil {
				return err
			}
			switch kf, kt := kind[from], kind[to]; {
			case kf == "distributed" && kt == "distributed":
				i := slices.Index(cols, "tenant_id")
				if i < 0 || refs[i] != "tenant_id" {
					add("foreign key %s (%s %v → %s %v) does not join tenant_id to tenant_id", name, from, cols, to, refs)
				}
			case kt == "reference" && (kf == "distributed" || kf == "reference"):
			case kf == "coordinator" && kt == "coordinator":
			default:
				add("foreign key %s from %s table %s to %s table %s cannot be kept on Citus", name, kf, from, kt, to)
			}
			return nil
		})
	return problems
}

// Triggers whose working on Citus is not the ordinary row trigger's —
// statement-level triggers and triggers that NOTIFY — each named in
// docs/scale.md, where it says how it works there.
func specialTriggers(ctx context.Context, t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(ctx, `
		SELECT c.relname || '.' || g.tgname
		FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_proc p ON p.oid = g.tgfoid
		WHERE n.nspname = 'public' AND NOT g.tgisinternal
		  AND (g.tgtype & 1 = 0 OR p.prosrc ILIKE '%pg_notify%' OR p.prosrc ~* '\mnotify\M')
		ORDER BY 1`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestSchemaIsReadyForCitus(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ctx := t.Context()
	require.Empty(t, citusProblems(ctx, t, db.Owner))

	triggers := specialTriggers(ctx, t, db.Owner)
	require.NotEmpty(t, triggers, "the trigger query found nothing: it is broken")
	doc, err := os.ReadFile(filepath.Join("..", "docs", "scale.md"))
	require.NoError(t, err)
	var undocumented []string
	for _, tr := range triggers {
		if !strings.Contains(string(doc), "`"+tr+"`") {
			undocumented = append(undocumented, tr)
		}
	}
	sort.Strings(undocumented)
	require.Empty(t, undocumented, "docs/scale.md must say how each statement-level or NOTIFY trigger works on Citus")
}

// Each rule can fail: break it in a database of its own.
func TestCitusCheckCatchesBrokenRules(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		sql  string
		want string
	}{
		"UniqueWithoutTenant": {"CREATE UNIQUE INDEX stray_unique ON applications (id)", "unique index stray_unique on applications [id] does not include tenant_id"},
		"PartialUnique":       {"CREATE UNIQUE INDEX stray_partial ON applications (id) WHERE id IS NOT NULL", "stray_partial"},
		"UndeclaredTable":     {"CREATE TABLE stray (id int PRIMARY KEY)", "table stray has no tenant_id"},
		"ForeignKeyToRiver": {"CREATE TABLE stray_jobs (tenant_id uuid NOT NULL REFERENCES tenants, job bigint REFERENCES river_job (id), PRIMARY KEY (tenant_id, job))",
			"from distributed table stray_jobs to coordinator table river_job"},
		"ForeignKeyAcrossTenants": {"CREATE TABLE stray_a (tenant_id uuid NOT NULL, id int, other uuid NOT NULL, PRIMARY KEY (tenant_id, id), UNIQUE (other, id)); " +
			"CREATE TABLE stray_b (tenant_id uuid NOT NULL, id int, PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, id) REFERENCES stray_a (other, id))",
			"does not join tenant_id to tenant_id"},
		"TextTenant": {"CREATE TABLE stray_t (tenant_id text NOT NULL, id int, PRIMARY KEY (tenant_id, id))", "tenant_id is text"},
		"Exclusion": {"CREATE EXTENSION IF NOT EXISTS btree_gist; CREATE TABLE stray_x (tenant_id uuid NOT NULL, r tstzrange, PRIMARY KEY (tenant_id, r), EXCLUDE USING gist (r WITH &&))",
			"exclusion constraint stray_x_r_excl on stray_x does not compare tenant_id"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := tenanttest.New(t)
			ctx := t.Context()
			_, err := db.Owner.Exec(ctx, tc.sql)
			require.NoError(t, err)
			require.Contains(t, strings.Join(citusProblems(ctx, t, db.Owner), "\n"), tc.want)
		})
	}
}
