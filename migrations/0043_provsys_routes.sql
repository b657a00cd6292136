-- +goose Up
-- Providers' own systems, the rest of issue 26.
--
-- Per-service routes on /admin/provider-systems: the administrator removes
-- a service's own route, so its applications follow the provider's route
-- again. The row is kept, marked removed: its deliveries are receipts
-- (seed 003 §5.10) and cascade with it, and its system may still answer,
-- with its credentials, for the applications it took. Setting a route for
-- the service again brings the row back.
ALTER TABLE provsys_routes ADD COLUMN removed_at timestamptz;

-- The СЕД route (seed 000 §5.11): applications go to the provider's
-- document management system as documents in the СЕВ ОВВ envelope
-- (modules/provsys/sed), and the СЕД's registration notice is a delivery's
-- second receipt: the number and date the recipient registered it under,
-- and when the notice came.
ALTER TABLE provsys_routes DROP CONSTRAINT provsys_routes_kind_known;
ALTER TABLE provsys_routes ADD CONSTRAINT provsys_routes_kind_known CHECK (kind IN ('workspace', 'webhook', 'pull', 'trembita', 'sed'));
ALTER TABLE provsys_deliveries ADD COLUMN reg_number text NOT NULL DEFAULT '';
ALTER TABLE provsys_deliveries ADD COLUMN reg_date date;
ALTER TABLE provsys_deliveries ADD COLUMN registered_at timestamptz;

-- +goose Down
ALTER TABLE provsys_deliveries DROP COLUMN registered_at;
ALTER TABLE provsys_deliveries DROP COLUMN reg_date;
ALTER TABLE provsys_deliveries DROP COLUMN reg_number;
DELETE FROM provsys_routes WHERE kind = 'sed';
ALTER TABLE provsys_routes DROP CONSTRAINT provsys_routes_kind_known;
ALTER TABLE provsys_routes ADD CONSTRAINT provsys_routes_kind_known CHECK (kind IN ('workspace', 'webhook', 'pull', 'trembita'));
ALTER TABLE provsys_routes DROP COLUMN removed_at;
