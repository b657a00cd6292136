package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5"

	"hromada/modules/notify"
	"hromada/tenant"
)

// benchNotices is the notices' service of a bench: the cabinet inbox
// only, as a city with no channel configured has.
func benchNotices(db *tenant.DB, insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error) (*notify.Service, error) {
	return notify.New(notify.Options{DB: db, Insert: insert,
		Log:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost" }})
}
