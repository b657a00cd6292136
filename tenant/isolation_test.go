package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"hromada/localpg"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// column is what the row generator needs to know of a column.
type column struct {
	name, typ string
	notNull   bool
	hasDef    bool
}

func columnsOf(ctx context.Context, t *testing.T, conn *pgx.Conn, table string) []column {
	t.Helper()
	rows, err := conn.Query(ctx, `
		SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
		FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, table)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		return c, r.Scan(&c.name, &c.typ, &c.notNull, &c.hasDef)
	})
	require.NoError(t, err)
	return cols
}

// sampleOverrides are literals for columns whose CHECK constraints the
// generic samples do not meet, by "table.column".
var sampleOverrides = map[string]string{
	"accounts.rnokpp":               "'3184710691'",
	"identity_providers.kind":       "'oidc'",
	"audit_events.result":           "'ok'",
	"access_grants.role":            "'official'",
	"applications.status":           "'draft'",
	"applications.decision":         "NULL",
	"service_forms.status":          "'pending'",
	"application_files.kind":        "'attachment'",
	"service_rules.status":          "'pending'",
	"automatic_runs.step":           "'verify'",
	"registry_services.dialect":     "'uxp'",
	"registry_queries.outcome":      "'ok'",
	"lockout_policies.key_kind":     "'account'",
	"notifications.kind":            "'status'",
	"notifications.urgency":         "'normal'",
	"notify_contacts.channel":       "'email'",
	"notify_preferences.channel":    "'email'",
	"notify_deliveries.channel":     "'email'",
	"notify_deliveries.status":      "'created'",
	"notify_settings.language":      "'uk'",
	"notify_settings.quiet_from":    "0",
	"notify_settings.quiet_to":      "0",
	"application_term_changes.kind": "'extend'",
	"deadline_notices.kind":         "'due_soon'",
	"content_items.kind":            "'news'",
	"portal_feedback.kind":          "'remark'",
	"portal_feedback.answered_at":   "NULL",
	"my_documents.kind":             "'passport'",
	"document_views.ground":         "'consent'",
	"content_images.content_type":   "'image/png'", // migration 0042
	// modules/appeals (migrations/0022_appeals.sql)
	"appeals.kind":             "'complaint'",
	"appeal_messages.kind":     "'note'",
	"appeal_files.kind":        "'attachment'",
	"appeal_term_changes.kind": "'set'",
	"appeal_notices.kind":      "'due_soon'",
	// Service centres (migration 0023).
	"centre_hours.weekday":      "1",
	"centre_hours.opens":        "'09:00'",
	"centre_hours.closes":       "'18:00'",
	"service_durations.minutes": "15",
	"visits.kind":               "'walk_in'",
	"visits.status":             "'arrived'",
	"visit_ratings.score":       "3",
	// centres' publications (migration 0041): an event ends after it starts
	"centre_events.ends_at": "now() + interval '1 hour'",
	"result_ratings.score":  "3",
	// participation (migration 0024)
	"petitions.status":           "'moderation'",
	"petition_signatures.rnokpp": "'3184710691'",
	"polls.status":               "'draft'",
	"polls.area":                 "'UA80000000000093317'",
	"poll_ballots.channel":       "'online'",
	"poll_ballots.rnokpp":        "'3184710691'",
	"register_revisions.kind":    "'provider'",
	// payments (migration 0021)
	"payment_settings.gateway":  "'liqpay'",
	"invoices.currency":         "'UAH'",
	"invoices.status":           "'open'",
	"payments.gateway":          "'liqpay'",
	"payments.status":           "'pending'",
	"payment_callbacks.gateway": "'liqpay'",
	"payment_callbacks.outcome": "'accepted'",
	"payment_proofs.status":     "'pending'", // migration 0035
	// providers' seal keys (migration 0031): a seal holds a sealed key or
	// points at one, never both; only the database store keeps it sealed
	"seal_keys.store":       "'database'",
	"provider_seals.key_id": "NULL",
	// signature evidence (migration 0031)
	"signature_evidence.signed": "'application'",
	"signature_evidence.source": "'ocsp'",
	// the city's emblem and favicon (migration 0038)
	"branding_images.kind":         "'logo'",
	"branding_images.content_type": "'image/png'",
	// notify's push devices (migration 0032)
	"notify_devices.platform": "'fcm'",
	// monitoring (migration 0028)
	"service_card_views.views":     "1",
	"monitoring_rollup_state.kind": "'rollup'",
	"national_messages.status":     "'pending'",
	// the city app's sign-in (migration 0029)
	"api_grants.revoked_why": "'person'",
	"api_tokens.kind":        "'access'",
	"api_codes.grant_id":     "NULL",
	"api_idempotency.key":    "'k'",
	// providers' own systems (migration 0030)
	"provsys_routes.kind":       "'workspace'",
	"provsys_deliveries.kind":   "'application'",
	"provsys_deliveries.status": "'waiting'",
	"provsys_callbacks.outcome": "'accepted'",
	// a city's exports (migration 0036)
	"city_exports.requested_by": "'administrator'",
	// notify's segments and a city's rate limits (migration 0048)
	"notify_bulk_sends.segment":  "'city'",
	"notify_rate_limits.channel": "'email'",
}

// sampleValue is an SQL literal of type typ; every tenant table must accept
// a row made of these (a table that cannot needs an entry in
// sampleOverrides).
func sampleValue(typ string) string {
	switch {
	case strings.HasSuffix(typ, "[]"):
		return "'{}'"
	case typ == "uuid":
		return "'" + uuid.NewString() + "'"
	case typ == "text" || strings.HasPrefix(typ, "character"):
		return "'sample'"
	case typ == "jsonb" || typ == "json":
		return "'{}'"
	case typ == "boolean":
		return "false"
	case strings.HasPrefix(typ, "timestamp"), typ == "date":
		return "now()"
	case typ == "integer", typ == "bigint", typ == "smallint", strings.HasPrefix(typ, "numeric"):
		return "1"
	case typ == "bytea":
		return "'\\x00'"
	}
	return "NULL"
}

// insertSQL is an INSERT of one generated row of table for tenantID.
func insertSQL(cols []column, table string, tenantID uuid.UUID) string {
	var names, values []string
	for _, c := range cols {
		if c.hasDef && c.name != "id" {
			continue
		}
		names = append(names, c.name)
		if c.name == "tenant_id" {
			values = append(values, "'"+tenantID.String()+"'")
		} else if v, ok := sampleOverrides[table+"."+c.name]; ok {
			values = append(values, v)
		} else {
			values = append(values, sampleValue(c.typ))
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(names, ", "), strings.Join(values, ", "))
}

func requireRLSViolation(t *testing.T, err error, what string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.Truef(t, errors.As(err, &pgErr), "%s: want a row-level security violation, got %v", what, err)
	require.Equalf(t, "42501", pgErr.Code, "%s: %v", what, err)
}

// TestIsolation tries, for every tenant table found in pg_catalog, to reach
// tenant B's rows as hromada_app with tenant A set, and any row with no
// tenant set.
func TestIsolation(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	ctx := t.Context()
	a, b := tenanttest.NewTenant(t, db), tenanttest.NewTenant(t, db)

	// Seed one row of A and one of B in every tenant table, as the
	// superuser with triggers (so foreign key checks) off: the generator
	// needs no knowledge of the tables' parents.
	super, err := pgx.Connect(ctx, tenanttest.Cluster(t).DSN(localpg.Superuser, db.Name))
	require.NoError(t, err)
	defer super.Close(ctx)
	_, err = super.Exec(ctx, "SET session_replication_role = replica")
	require.NoError(t, err)
	tables := tenantTables(ctx, t, db.Owner)
	require.NotEmpty(t, tables)
	cols := map[string][]column{}
	for _, table := range tables {
		cols[table] = columnsOf(ctx, t, super, table)
		for _, id := range []uuid.UUID{a.ID, b.ID} {
			_, err := super.Exec(ctx, insertSQL(cols[table], table, id))
			require.NoErrorf(t, err, "seeding %s: teach sampleValue this table's columns", table)
		}
	}

	ctxA := tenant.With(ctx, a)
	for _, table := range tables {
		t.Run(table, func(t *testing.T) {
			count := func(tx pgx.Tx, where string) int {
				var n int
				require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE "+where, b.ID).Scan(&n))
				return n
			}
			err := db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
				require.Equal(t, 0, count(tx, "tenant_id = $1"), "B's rows selected")
				require.Equal(t, 1, count(tx, "tenant_id <> $1"), "A's own row not seen")
				for _, stmt := range []string{
					"UPDATE " + table + " SET tenant_id = tenant_id WHERE tenant_id = $1",
					"DELETE FROM " + table + " WHERE tenant_id = $1",
				} {
					tag, err := tx.Exec(ctx, stmt, b.ID)
					require.NoError(t, err)
					require.Zerof(t, tag.RowsAffected(), "%s touched B's rows", stmt)
				}
				return nil
			})
			require.NoError(t, err)

			// Moving A's row to B and inserting a row of B are refused.
			err = db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE "+table+" SET tenant_id = $1", b.ID)
				return err
			})
			requireRLSViolation(t, err, "moving a row to B")
			err = db.App.Tx(ctxA, func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, insertSQL(cols[table], table, b.ID))
				return err
			})
			requireRLSViolation(t, err, "inserting a row of B")

			// With no tenant set, nothing is visible, nothing can be written.
			conn, err := db.App.Pool().Acquire(ctx)
			require.NoError(t, err)
			defer conn.Release()
			var n int
			require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			require.Zero(t, n, "rows visible with no tenant set")
			_, err = conn.Exec(ctx, insertSQL(cols[table], table, a.ID))
			requireRLSViolation(t, err, "inserting with no tenant set")
		})
	}

	// The superuser still sees both rows: the seeding worked, so the zeros
	// above are RLS at work, not empty tables.
	for _, table := range tables {
		var n int
		require.NoError(t, super.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE tenant_id = $1", b.ID).Scan(&n))
		require.Equal(t, 1, n)
	}
}

func TestTxNeedsTenant(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	err := db.App.Tx(t.Context(), func(context.Context, pgx.Tx) error {
		t.Fatal("ran without a tenant")
		return nil
	})
	require.ErrorIs(t, err, tenant.ErrNoTenant)
}

// The tenant is set for the transaction only: the pooled connection, used
// next without the gate, carries nothing over.
func TestTxSettingEndsWithTransaction(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	a := tenanttest.NewTenant(t, db)
	ctx := tenant.With(t.Context(), a)
	var inside, after *string
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT app_tenant_id()::text").Scan(&inside)
	}))
	require.NotNil(t, inside)
	require.Equal(t, a.ID.String(), *inside)
	// A pool of one connection: the next query gets the same connection.
	pool := db.App.Pool()
	pool.Reset()
	for range pool.Stat().MaxConns() {
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT app_tenant_id()::text").Scan(&after))
		require.Nil(t, after)
	}
	// A rolled back transaction too.
	boom := errors.New("boom")
	err := db.App.Tx(ctx, func(context.Context, pgx.Tx) error { return boom })
	require.ErrorIs(t, err, boom)
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT app_tenant_id()::text").Scan(&after))
	require.Nil(t, after)
}
