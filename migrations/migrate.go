// Package migrations holds Hromada's schema as numbered SQL files, embedded
// in the binary, and applies them together with River's own migrations.
//
// Migrations run as the owner role. Each file says what it grants to
// hromada_app; a tenant table must also ENABLE and FORCE row-level security
// and have a policy on app_tenant_id() (tenant/tenanttest checks all of it).
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for goose
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// Up brings the database at ownerDSN to the newest schema: River's tables,
// then ours, then the app role's grants on River's tables. It is safe to run
// from several processes at once (an advisory lock serialises them).
func Up(ctx context.Context, ownerDSN string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pool, err := pgxpool.New(ctx, ownerDSN)
	if err != nil {
		return fmt.Errorf("migrations: connect: %w", err)
	}
	defer pool.Close()

	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return err
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrations: river: %w", err)
	}

	db, err := sql.Open("pgx", ownerDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithSessionLocker(locker), goose.WithSlog(log))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range results {
		log.Info("migrated", "file", r.Source.Path, "took", r.Duration)
	}
	// River's tables are platform tables: the app role inserts and works
	// jobs for every tenant, each job carrying its tenant in its envelope;
	// the operator inserts the jobs that follow a tenant's creation.
	if _, err := pool.Exec(ctx, grantRiver); err != nil {
		return fmt.Errorf("migrations: grant river: %w", err)
	}
	return nil
}

const grantRiver = `
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relname LIKE 'river\_%' AND c.relkind IN ('r', 'S', 'p') LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO hromada_app, hromada_operator', r.relname);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO hromada_app, hromada_operator', r.relname);
        END IF;
    END LOOP;
END
$$`
