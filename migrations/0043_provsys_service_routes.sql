-- +goose Up
-- Per-service routes on /admin/provider-systems (issue 26): the
-- administrator removes a service's own route, so its applications follow
-- the provider's route again. The row is kept, marked removed: its
-- deliveries are receipts (seed 003 §5.10) and cascade with it, and its
-- system may still answer, with its credentials, for the applications it
-- took. Setting a route for the service again brings the row back.
ALTER TABLE provsys_routes ADD COLUMN removed_at timestamptz;

-- +goose Down
ALTER TABLE provsys_routes DROP COLUMN removed_at;
