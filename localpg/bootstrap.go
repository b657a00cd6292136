package localpg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Owner is the role that owns Hromada's database and runs its migrations.
const Owner = "hromada_owner"

// App is the role the application connects as (created by the migrations).
const App = "hromada_app"

// Operator is the role of the operator console and commands (created by
// the migrations).
const Operator = "hromada_operator"

// Superuser is the cluster's bootstrap superuser.
const Superuser = "postgres"

// EnsureDatabase creates the owner role and database if they are missing.
// The owner may create roles (the migrations create hromada_app) but is no
// superuser.
func (c *Cluster) EnsureDatabase(ctx context.Context, database string) error {
	conn, err := pgx.Connect(ctx, c.DSN(Superuser, "postgres"))
	if err != nil {
		return fmt.Errorf("localpg: connect as superuser: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)`, Owner).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE ROLE `+Owner+` LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS`); err != nil {
			return fmt.Errorf("localpg: create owner role: %w", err)
		}
	}
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, database).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{database}.Sanitize()+` OWNER `+Owner); err != nil {
			return fmt.Errorf("localpg: create database: %w", err)
		}
	}
	return nil
}
